// The node-rdkafka self-check: it passes on what npm install built (the pinned
// version with metricstream's patch), and names each difference, with its
// fix, on a node-rdkafka altered the ways an upgrade or a skipped postinstall
// would alter it. Also the one thing the adapter does to a producer: its
// delivery reports go straight to the handler, as LibrdKafkaErrors.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import type { Producer } from 'node-rdkafka';
import {
  loadNodeRdkafka, NODE_RDKAFKA_VERSION, NodeRdkafka, NodeRdkafkaMismatchError, PATCH_SHA256,
  type DeliveryReportFields, type NodeRdkafkaPackage,
} from '../../src/produce/rdkafka-adapter';

const ROOT = path.resolve(__dirname, '../../..');
const PATCH_SCRIPT = path.join(ROOT, 'scripts/patch-node-rdkafka.js');

interface Internals {
  _client: Record<string, unknown>;
  _cb_configs: { event: Record<string, unknown> } | undefined;
}

const installed = loadNodeRdkafka();

/** The installed node-rdkafka whose producers are altered by `alter` after construction. */
function withProducers(alter: (producer: Internals) => void): NodeRdkafkaPackage {
  const Altered = class extends installed.Producer {
    constructor(...args: ConstructorParameters<typeof Producer>) {
      super(...args);
      alter(this as unknown as Internals);
    }
  };
  return { ...installed, Producer: Altered };
}

/** The native client with `method` left out. */
function clientWithout(client: Record<string, unknown>, method: string): Record<string, unknown> {
  const methods: Record<string, unknown> = {};
  for (const name of ['produceWithId', 'takeDelivered'].filter((m) => m !== method)) {
    methods[name] = (client[name] as (...args: unknown[]) => unknown).bind(client);
  }
  return methods;
}

function differencesOf(pkg: NodeRdkafkaPackage): readonly string[] {
  try {
    new NodeRdkafka(pkg);
  } catch (err) {
    assert.ok(err instanceof NodeRdkafkaMismatchError, `a NodeRdkafkaMismatchError, not ${String(err)}`);
    for (const difference of err.differences) assert.ok(err.message.includes(difference), 'the message lists every difference');
    return err.differences;
  }
  return [];
}

/** Exactly one difference, matching every pattern. */
function assertOneDifference(pkg: NodeRdkafkaPackage, ...patterns: RegExp[]): void {
  const differences = differencesOf(pkg);
  assert.equal(differences.length, 1, `one difference: ${differences.join(' | ')}`);
  for (const pattern of patterns) assert.match(differences[0]!, pattern);
}

describe('produce: node-rdkafka self-check', () => {
  it('passes on the installed node-rdkafka (what npm install built and patched)', () => {
    assert.deepEqual(differencesOf(installed), []);
    const rdkafka = NodeRdkafka.installed();
    assert.equal(rdkafka.versions.nodeRdkafka, NODE_RDKAFKA_VERSION);
    assert.match(rdkafka.versions.librdkafka, /^\d+\.\d+\.\d+/);
  });

  it('expects the version and patch that package.json, the postinstall script and patches/ have', () => {
    const script = require(PATCH_SCRIPT) as { VERSION: string; PATCH: string; patchDigest(): string };
    const manifest = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    assert.equal(script.VERSION, NODE_RDKAFKA_VERSION);
    assert.equal(manifest.dependencies['node-rdkafka'], NODE_RDKAFKA_VERSION);
    assert.equal(script.patchDigest(), PATCH_SHA256, `PATCH_SHA256 is the sha256 of ${path.relative(ROOT, script.PATCH)}`);
  });

  it('refuses another node-rdkafka version, saying how to pin it back or rebase the patch', () => {
    assertOneDifference({ ...installed, version: 'v3.7.0' },
      /node-rdkafka 3\.7\.0 is installed/, /are for 3\.6\.1/, /npm install/, /rebase patches\/node-rdkafka-3\.6\.1-delivered-ids\.patch/);
  });

  it('refuses an addon built without the patch (no marker), saying to run npm install', () => {
    assertOneDifference({ ...installed, patchMarker: null },
      /build\/metricstream-patch\.sha256 is missing/, /run `npm install`/);
  });

  it('refuses an addon built with another version of the patch', () => {
    assertOneDifference({ ...installed, patchMarker: `${'0'.repeat(64)}\n` },
      new RegExp(`is 0{64}, not ${PATCH_SHA256}`), /another version of the patch/, /run `npm install`/);
  });

  for (const method of ['produceWithId', 'takeDelivered']) {
    it(`refuses a native client without ${method}()`, () => {
      assertOneDifference(withProducers((p) => { p._client = clientWithout(p._client, method); }),
        new RegExp(`has no ${method}\\(\\)`), /built without patches\//, /run `npm install`/);
    });
  }

  it('refuses a produceWithId() with other parameters than the patch\'s', () => {
    assertOneDifference(withProducers((p) => {
      p._client = { ...clientWithout(p._client, 'produceWithId'), produceWithId: () => { throw new TypeError('produceWithId(topic, data, id)'); } };
    }), /produceWithId\(\) is not the patch's/, /threw TypeError "produceWithId\(topic, data, id\)"/,
    /not TypeError "produceWithId\(topic, partition, data, valueAt, valueBytes, keyAt, keyBytes, id, headerName, headerValue, headersAt, headersBytes\)"/);
  });

  it('refuses a takeDelivered() that takes no arguments', () => {
    assertOneDifference(withProducers((p) => {
      p._client = { ...clientWithout(p._client, 'takeDelivered'), takeDelivered: () => 0 };
    }), /takeDelivered\(\) is not the patch's: called without arguments it returned 0/);
  });

  it('refuses a Producer without _cb_configs.event.delivery_cb', () => {
    assertOneDifference(withProducers((p) => { p._cb_configs = undefined; }),
      /_cb_configs\.event\.delivery_cb .* is missing/, /rebase/);
  });

  it('refuses a delivery callback that would copy payloads (dr_msg_cb not false)', () => {
    assertOneDifference(withProducers((p) => { (p._cb_configs!.event['delivery_cb'] as { dr_msg_cb: unknown }).dr_msg_cb = true; }),
      /delivery_cb\.dr_msg_cb is true, not false/);
  });

  it('refuses a lib/error without create(), or whose create() makes no LibrdKafkaError', () => {
    assertOneDifference({ ...installed, errorModule: undefined }, /node-rdkafka\/lib\/error has no create\(\)/, /rebase/);
    assertOneDifference({ ...installed, errorModule: { create: (e: unknown) => ({ e }) } },
      /create\(-184\) gave \{"e":-184\}, not an Error with code -184/);
  });

  it('names every difference at once', () => {
    const differences = differencesOf({
      ...withProducers((p) => { p._client = clientWithout(p._client, 'takeDelivered'); }),
      version: '3.7.0', patchMarker: null,
    });
    assert.equal(differences.length, 3, differences.join(' | '));
  });
});

describe('produce: node-rdkafka adapter', () => {
  it('hands delivery reports straight to the handler, errors as LibrdKafkaErrors, without a delivery-report event', () => {
    const reports: Array<{ error: { code: number; message: string } | null; report: DeliveryReportFields }> = [];
    const { producer } = NodeRdkafka.installed().createReportingProducer({}, {}, (error, report) => reports.push({ error, report }));
    let events = 0;
    producer.on('delivery-report', () => events++);
    const deliveryCallback = (producer as unknown as Internals)._cb_configs!.event['delivery_cb'] as
      ((error: unknown, report: DeliveryReportFields) => void) & { dr_msg_cb: unknown };
    assert.equal(deliveryCallback.dr_msg_cb, false, 'no payload copies');
    deliveryCallback(null, { opaque: 7, topic: 'a' });
    deliveryCallback(new Error('Local: Message timed out'), { opaque: 8, topic: 'b' });
    assert.equal(events, 0);
    assert.equal(reports.length, 2);
    assert.deepEqual(reports[0], { error: null, report: { opaque: 7, topic: 'a' } });
    assert.ok(reports[1]!.error instanceof Error);
    assert.equal(reports[1]!.error.message, 'message timed out');
    assert.deepEqual(reports[1]!.report, { opaque: 8, topic: 'b' });
  });

  it('makes LibrdKafkaErrors from librdkafka codes', () => {
    const error = NodeRdkafka.installed().error(-184);
    assert.ok(error instanceof Error);
    assert.equal(error.code, -184);
    assert.equal(error.message, 'Local: Queue full');
  });
});

/** The sources the patches change. */
const PATCHED_SOURCES = ['src/producer.cc', 'src/producer.h', 'src/callbacks.cc', 'src/callbacks.h'];

/** Whether `patch` applies to the sources in `dir` (reversed: whether it is applied). */
function patchApplies(dir: string, patch: string, reverse: boolean): boolean {
  const run = spawnSync('patch', ['-p1', '--dry-run', '-f', '--silent', ...(reverse ? ['-R'] : []), '-i', patch], { cwd: dir });
  return run.status === 0;
}

describe('produce: scripts/patch-node-rdkafka.js', () => {
  it('upgrades a node-rdkafka built with the superseded patch: reverses it, applies the current one, rebuilds, writes the new marker', () => {
    const script = require(PATCH_SCRIPT) as { PATCH: string; SUPERSEDED: string[]; patchDigest(): string };
    const root = mkdtempSync(path.join(tmpdir(), 'metricstream-patch-upgrade-'));
    try {
      cpSync(path.join(ROOT, 'patches'), path.join(root, 'patches'), { recursive: true });
      mkdirSync(path.join(root, 'scripts'));
      cpSync(PATCH_SCRIPT, path.join(root, 'scripts/patch-node-rdkafka.js'));
      const pkg = path.join(root, 'node_modules/node-rdkafka');
      for (const file of PATCHED_SOURCES) cpSync(path.join(installed.dir, file), path.join(pkg, file));
      writeFileSync(path.join(pkg, 'package.json'), JSON.stringify({ name: 'node-rdkafka', version: 'v3.6.1' }));
      // The installed sources carry the current patch (or, before an upgrade, the superseded one): make them pristine, then as every existing install is.
      const applied = [script.PATCH, ...script.SUPERSEDED].find((patch) => patchApplies(pkg, patch, true));
      assert.ok(applied, 'the installed sources carry a known version of the patch');
      execFileSync('patch', ['-p1', '-R', '-f', '--silent', '-i', applied], { cwd: pkg });
      execFileSync('patch', ['-p1', '-f', '--silent', '-i', script.SUPERSEDED[0]!], { cwd: pkg });
      mkdirSync(path.join(pkg, 'build/Release'), { recursive: true });
      writeFileSync(path.join(pkg, 'build/Makefile'), '');
      writeFileSync(path.join(pkg, 'build/Release/node-librdkafka.node'), '');
      writeFileSync(path.join(pkg, 'build/metricstream-patch.sha256'), `${createHash('sha256').update(readFileSync(script.SUPERSEDED[0]!)).digest('hex')}\n`);
      // node-gyp stands in: it records what it was asked to do.
      const gyp = path.join(root, 'node-gyp.js');
      writeFileSync(gyp, "require('node:fs').appendFileSync(require('node:path').join(process.cwd(), 'gyp-calls'), process.argv.slice(2).join(' ') + '\\n');\n");
      const env = { ...process.env, npm_config_node_gyp: gyp };
      const first = spawnSync(process.execPath, [path.join(root, 'scripts/patch-node-rdkafka.js')], { encoding: 'utf8', env });
      assert.equal(first.status, 0, first.stderr);
      assert.match(first.stdout, /reversing the superseded patches\/superseded\/node-rdkafka-3\.6\.1-delivered-ids\.1\.patch/);
      assert.match(first.stdout, /applying patches\/node-rdkafka-3\.6\.1-delivered-ids\.patch/);
      assert.equal(patchApplies(pkg, path.join(root, 'patches/node-rdkafka-3.6.1-delivered-ids.patch'), true), true, 'the current patch is applied');
      assert.equal(readFileSync(path.join(pkg, 'gyp-calls'), 'utf8'), 'build\n', 'the changed files rebuilt, librdkafka not reconfigured');
      assert.equal(readFileSync(path.join(pkg, 'build/metricstream-patch.sha256'), 'utf8').trim(), PATCH_SHA256);
      const second = spawnSync(process.execPath, [path.join(root, 'scripts/patch-node-rdkafka.js')], { encoding: 'utf8', env });
      assert.equal(second.status, 0, second.stderr);
      assert.match(second.stdout, /already patched and built/);
      assert.equal(readFileSync(path.join(pkg, 'gyp-calls'), 'utf8'), 'build\n', 'no second build');
      assert.ok(existsSync(path.join(pkg, 'src/producer.cc')));
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });


  it('fails npm install on another node-rdkafka version, saying how to upgrade', () => {
    // The script in a copy of the repository's layout, beside a node-rdkafka 3.7.0.
    const root = mkdtempSync(path.join(tmpdir(), 'metricstream-patch-'));
    try {
      cpSync(path.join(ROOT, 'patches'), path.join(root, 'patches'), { recursive: true });
      mkdirSync(path.join(root, 'scripts'));
      cpSync(PATCH_SCRIPT, path.join(root, 'scripts/patch-node-rdkafka.js'));
      mkdirSync(path.join(root, 'node_modules/node-rdkafka'), { recursive: true });
      writeFileSync(path.join(root, 'node_modules/node-rdkafka/package.json'), JSON.stringify({ name: 'node-rdkafka', version: 'v3.7.0' }));
      const run = spawnSync(process.execPath, [path.join(root, 'scripts/patch-node-rdkafka.js')], { encoding: 'utf8' });
      assert.equal(run.status, 1);
      assert.match(run.stderr, /node-rdkafka 3\.7\.0 is installed, but patches\/node-rdkafka-3\.6\.1-delivered-ids\.patch is for 3\.6\.1/);
      assert.match(run.stderr, /To stay on 3\.6\.1: set "node-rdkafka": "3\.6\.1" in package\.json/);
      assert.match(run.stderr, /To move to 3\.7\.0: rebase .* as patches\/node-rdkafka-3\.7\.0-delivered-ids\.patch/s);
      assert.match(run.stderr, /NODE_RDKAFKA_VERSION and PATCH_SHA256/);
      assert.match(run.stderr, /dist\/test\/produce\/rdkafka-adapter\.test\.js/);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
