// The V8 options of the daemon's process (src/lifecycle/node-options.ts):
// every launcher in the repository passes them, and a daemon started
// without them says so.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DAEMON_NODE_OPTIONS, HEAP_GROWING_PERCENT, heapGrowthFlag, missingNodeOptions } from '../../src/lifecycle/node-options';
import { Daemon } from '../support/daemon';
import { MockKafka } from '../support/mock-kafka';

const ROOT = path.resolve(__dirname, '../../..');
const OPTIONS = DAEMON_NODE_OPTIONS.join(' ');

/** The line of a launcher file that starts node on dist/main.js. */
function launchLine(file: string, pattern: RegExp): string {
  const lines = readFileSync(path.join(ROOT, file), 'utf8').split('\n').filter((line) => pattern.test(line));
  assert.equal(lines.length, 1, `${file}: one line matching ${pattern}, found ${lines.length}`);
  return lines[0]!;
}

describe('node options', () => {
  it('are reported missing only when neither the command line nor NODE_OPTIONS names them; a value of the operator\'s own counts', () => {
    assert.deepEqual(missingNodeOptions([...DAEMON_NODE_OPTIONS], undefined), []);
    assert.deepEqual(missingNodeOptions([], OPTIONS), []);
    assert.deepEqual(missingNodeOptions(['--max-semi-space-size=1'], ''), []);
    assert.deepEqual(missingNodeOptions(['--max-old-space-size=512'], '--stack-trace-limit=20'), [...DAEMON_NODE_OPTIONS]);
    assert.deepEqual(missingNodeOptions([], undefined), [...DAEMON_NODE_OPTIONS]);
  });

  it('keep the small semi-space to the main isolate: a worker started after mainIsolateOnly gets the young generation its resourceLimits ask for', () => {
    // Peak new-space size of the main isolate and of a worker (resourceLimits:
    // 16 MiB young generation), each allocating objects that survive scavenges.
    const script = `
      const v8 = require('node:v8');
      const { Worker } = require('node:worker_threads');
      const churn = 'let keep = [], peak = 0; for (let i = 0; i < 2e6; i++) { keep.push({ i, s: "x" + i }); if (keep.length > 200000) keep = keep.slice(100000);'
        + ' if (i % 10000 === 0) peak = Math.max(peak, v8.getHeapSpaceStatistics().find((s) => s.space_name === "new_space").space_size); }';
      if (process.argv[1] === 'release') require(${JSON.stringify(path.resolve(__dirname, '../../src/lifecycle/node-options.js'))}).mainIsolateOnly();
      const main = new Function('v8', churn + ' return peak;')(v8);
      const worker = new Worker("const v8 = require('node:v8'); " + churn + " require('node:worker_threads').parentPort.postMessage(peak);",
        { eval: true, resourceLimits: { maxYoungGenerationSizeMb: 16 } });
      worker.once('message', (peak) => { console.log(JSON.stringify({ main, worker: peak })); process.exit(0); });`;
    const run = (mode: string): { main: number; worker: number } => {
      const child = spawnSync(process.execPath, [...DAEMON_NODE_OPTIONS, '-e', script, mode], { encoding: 'utf8' });
      assert.equal(child.status, 0, child.stderr);
      return JSON.parse(child.stdout) as { main: number; worker: number };
    };
    // New space under --max-semi-space-size=2: 4 MiB on Node 20 and 22, up to 8.5
    // on Node 24 (V8 13 sizes it differently); V8's default is 32, the worker's own 16.
    const MiB = 2 ** 20;
    const held = run('hold');
    assert.ok(held.main <= 10 * MiB && held.worker <= 10 * MiB, `without mainIsolateOnly the option reaches the worker: ${JSON.stringify(held)}`);
    const released = run('release');
    assert.ok(released.main <= 10 * MiB, `main isolate new space ${released.main}`);
    assert.ok(released.worker >= 12 * MiB && released.worker > 1.5 * held.worker, `worker new space ${released.worker} (${held.worker} without mainIsolateOnly)`);
  });

  it('bound heap growth unless the operator gave node a --heap-growing-percent of their own', () => {
    assert.equal(heapGrowthFlag([]), `--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
    assert.equal(heapGrowthFlag([...DAEMON_NODE_OPTIONS, '--max-old-space-size=512']), `--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
    assert.equal(heapGrowthFlag(['--heap-growing-percent=100']), undefined);
  });

  it('keep the main isolate\'s old generation near what it holds live: boundHeapGrowth lowers its peak', () => {
    // Holds 150,000–300,000 small objects live (about 15–30 MB) while
    // allocating 3 million that survive a scavenge or two: the old generation
    // fills with garbage until a full collection, as the main thread's does
    // with in-flight requests' objects. Reports the old space's peak size.
    // Both children get the heap limit of a large host (V8 lets the old
    // generation grow furthest there), whatever this host's memory.
    const script = `
      const v8 = require('node:v8');
      if (process.argv[1] === 'bound') require(${JSON.stringify(path.resolve(__dirname, '../../src/lifecycle/node-options.js'))}).boundHeapGrowth([]);
      let keep = [], peak = 0;
      for (let i = 0; i < 3e6; i++) {
        keep.push({ i, s: 'x' + i });
        if (keep.length > 300000) keep = keep.slice(150000);
        if (i % 10000 === 0) peak = Math.max(peak, v8.getHeapSpaceStatistics().find((s) => s.space_name === 'old_space').space_size);
      }
      console.log(peak);`;
    const peakOld = (mode: string): number => {
      const child = spawnSync(process.execPath, [...DAEMON_NODE_OPTIONS, '--max-old-space-size=4096', '-e', script, mode], { encoding: 'utf8' });
      assert.equal(child.status, 0, child.stderr);
      return Number(child.stdout);
    };
    const unbound = peakOld('default');
    const bound = peakOld('bound');
    assert.ok(bound < 0.75 * unbound, `old space peak ${bound} bytes bound against ${unbound} with V8's own growth`);
  });

  it('are given by every launcher: npm start, the systemd units, the release wrapper, the smoke test', () => {
    const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    assert.equal(pkg.scripts['start'], `node ${OPTIONS} dist/main.js`);
    for (const unit of ['systemd/metricstream.service', 'systemd/metricstream@.service']) {
      assert.match(launchLine(unit, /^ExecStart=/), new RegExp(`^ExecStart=/usr/bin/env node ${OPTIONS} /opt/metricstream/dist/main\\.js `));
    }
    assert.ok(launchLine('scripts/package/build.sh', /^exec .*dist\/main\.js/).includes(`node/bin/node" ${OPTIONS} "$here/dist/main.js"`));
    assert.ok(launchLine('scripts/package/smoke.sh', /command=\("\$node_bin" .*dist\/main\.js/).includes(`"$node_bin" ${OPTIONS} "$2/dist/main.js"`));
  });

  describe('the start-up warning', () => {
    let kafka: MockKafka;
    before(async () => {
      kafka = await MockKafka.start({ topics: { metrics: 1 } });
    });
    after(() => kafka.stop());

    const warning = (daemon: Daemon) => daemon.logs.find((line) => line.msg.startsWith('node was started without'));

    it('names the options a daemon was started without', async () => {
      const daemon = await Daemon.start({ METRICSTREAM_BROKERS: kafka.bootstrap }, [], []);
      try {
        assert.deepEqual(warning(daemon)?.['missing'], [...DAEMON_NODE_OPTIONS]);
      } finally {
        assert.equal((await daemon.stop()).code, 0);
      }
    });

    it('is not logged when the daemon has them', async () => {
      const daemon = await Daemon.start({ METRICSTREAM_BROKERS: kafka.bootstrap });
      try {
        assert.equal(warning(daemon), undefined);
      } finally {
        assert.equal((await daemon.stop()).code, 0);
      }
    });
  });
});
