// collectd end to end: the real collectd (Debian collectd-core, installed by
// scripts/clients/install-collectd.sh) reads memory and load every second and
// posts them with write_http in both formats (JSON and Command) to /collectd
// and to /metrics; the records are read back from Kafka, named, typed and
// labelled as docs/protocols.md says, and collectd (LogHttpError true) logs no
// HTTP error. Then refusals and trouble on /collectd: never a 5xx for a bad
// body, 503 when Kafka is down.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { TopicReader } from '../support/consumer';
import { ClientProcess, runClientScript, until } from '../support/client-process';
import { capturedRequests } from '../support/client-captures';
import { Daemon, post } from '../support/daemon';
import { MockKafka } from '../support/mock-kafka';

interface MetricValue { name: string; value: number; type: string; timestamp: number; labels: Record<string, string> }

const NODES: ReadonlyArray<readonly [string, 'JSON' | 'Command', string]> = [
  ['json_collectd', 'JSON', '/collectd'], ['command_collectd', 'Command', '/collectd'],
  ['json_metrics', 'JSON', '/metrics'], ['command_metrics', 'Command', '/metrics'],
];

function collectdConfig(dir: string, ingestUrl: string): string {
  return [
    'Hostname "e2e-host"', 'FQDNLookup false', `BaseDir "${dir}"`, `PIDFile "${dir}/collectd.pid"`,
    'PluginDir "/usr/lib/collectd"', 'TypesDB "/usr/share/collectd/types.db"', 'Interval 1',
    'LoadPlugin logfile', '<Plugin logfile>', '  LogLevel info', '  File STDOUT', '</Plugin>',
    'LoadPlugin memory', 'LoadPlugin load',
    '<LoadPlugin write_http>', '  FlushInterval 1', '</LoadPlugin>',
    '<Plugin write_http>',
    ...NODES.flatMap(([name, format, route]) => [
      `  <Node "${name}">`, `    URL "${ingestUrl}${route}"`, `    Format "${format}"`, '    LogHttpError true', '  </Node>',
    ]),
    '</Plugin>',
    '', // collectd wants the last line ended
  ].join('\n');
}

describe('collectd write_http', () => {
  let kafka: MockKafka;
  let daemon: Daemon;
  let reader: TopicReader;

  before(async () => {
    kafka = await MockKafka.start({ topics: { cd: 4 } });
    daemon = await Daemon.start({ METRICSTREAM_BROKERS: kafka.bootstrap, METRICSTREAM_KAFKA_TOPICS_METRICS: 'cd' });
    reader = await TopicReader.open(kafka.bootstrap, 'cd');
  });

  after(async () => {
    await reader.close();
    assert.equal((await daemon.stop()).code, 0);
    await kafka.stop();
  });

  it('the real collectd, JSON and Command, to /collectd and /metrics: every value list arrives named, typed and labelled, no HTTP error logged', { timeout: 15 * 60_000 }, async () => {
    runClientScript('install-collectd.sh', 10 * 60_000);
    const dir = mkdtempSync(path.join(os.tmpdir(), 'ms-collectd-'));
    writeFileSync(path.join(dir, 'collectd.conf'), collectdConfig(dir, daemon.ingestUrl));
    const collectd = await ClientProcess.start('/usr/sbin/collectd', ['-f', '-C', path.join(dir, 'collectd.conf')]);
    try {
      const records = (): MetricValue[] => reader.records.map((r) => JSON.parse(r.value) as MetricValue);
      // One memory reading, sent by each of the four nodes, is four identical records.
      const copies = (): number => {
        const counts = new Map<string, number>();
        for (const r of records()) {
          if (r.name !== 'collectd_memory' || r.labels['memory'] !== 'used') continue;
          const id = `${r.timestamp} ${r.value}`;
          counts.set(id, (counts.get(id) ?? 0) + 1);
        }
        return Math.max(0, ...counts.values());
      };
      await until('one memory reading from all four nodes', () => copies() >= NODES.length, 60_000, () => collectd.output());
      assert.equal(copies(), NODES.length);
      const used = records().find((r) => r.name === 'collectd_memory' && r.labels['memory'] === 'used')!;
      assert.deepEqual([used.type, used.labels], ['gauge', { instance: 'e2e-host', memory: 'used' }]);
      assert.ok(used.value > 0 && Math.abs(used.timestamp - Date.now()) < 120_000);
      for (const name of ['collectd_load_shortterm', 'collectd_load_midterm', 'collectd_load_longterm']) {
        const load = records().find((r) => r.name === name);
        assert.deepEqual([load?.type, load?.labels], ['gauge', { instance: 'e2e-host' }], name);
      }
      const metrics = await fetch(`${daemon.adminUrl}/metrics`).then((r) => r.text());
      assert.match(metrics, /metricstream_http_requests_total\{route="collectd",status="200"\} [1-9]/);
      assert.match(metrics, /metricstream_http_requests_total\{route="metrics",status="200"\} [1-9]/);
      assert.doesNotMatch(metrics, /metricstream_http_requests_total\{route="(collectd|metrics)",status="[45]\d\d"\} [1-9]/);
      assert.doesNotMatch(collectd.fullOutput, /write_http plugin: (HTTP Error|curl_easy_perform failed)/);
    } finally {
      await collectd.stop();
    }
  });

  it('a bad value list is refused alone (400 entries_refused after the rest is written); unknown values are counted', async () => {
    const before = reader.records.length;
    const good = { values: [1, null], dstypes: ['gauge', 'gauge'], dsnames: ['a', 'b'], time: 1700000000.5, interval: 1, host: 'h', plugin: 'partial', type: 't' };
    const reply = await post(`${daemon.ingestUrl}/collectd`, JSON.stringify([good, { ...good, dstypes: ['nope', 'gauge'] }]));
    assert.equal(reply.status, 400);
    assert.equal(reply.body['error'], 'entries_refused');
    assert.deepEqual([reply.body['accepted'], reply.body['refused'], reply.body['unknownValues']], [1, 1, 1]);
    const partial = (): MetricValue[] => reader.records.slice(before).map((r) => JSON.parse(r.value) as MetricValue).filter((r) => r.name.startsWith('collectd_partial'));
    await until('the written value in Kafka', () => partial().length > 0, 30_000);
    assert.deepEqual(partial(), [ { name: 'collectd_partial_t_a', value: 1, type: 'gauge', timestamp: 1700000000500, labels: { instance: 'h' } }]);
    const ok = await post(`${daemon.ingestUrl}/collectd`, 'PUTVAL h/load/load interval=1 1700000001:U:0.5:0.25\r\n', { 'content-type': 'text/plain' });
    assert.deepEqual([ok.status, ok.body], [200, { accepted: 2, unknownValues: 1 }]);
  });

  it('fuzz: mutated collectd bodies never get a 5xx, on /collectd or /metrics', async () => {
    const bodies = capturedRequests('collectd-5.12.0', 'collectd').slice(0, 2).map((r) => ({ body: r.body, type: r.headers['content-type']! }));
    const statuses = new Map<number, number>();
    await fc.assert(fc.asyncProperty(
      fc.record({ which: fc.nat(bodies.length - 1), route: fc.constantFrom('/collectd', '/metrics'), at: fc.array(fc.nat(), { minLength: 1, maxLength: 6 }), byte: fc.integer({ min: 0, max: 255 }) }),
      async ({ which, route, at, byte }) => {
        const copy = Buffer.from(bodies[which]!.body);
        for (const i of at) copy[i % copy.length] = byte;
        const reply = await post(`${daemon.ingestUrl}${route}`, copy, { 'content-type': bodies[which]!.type });
        statuses.set(reply.status, (statuses.get(reply.status) ?? 0) + 1);
        assert.ok(reply.status < 500, `${reply.status} ${JSON.stringify(reply.body)}`);
      }), { numRuns: 200, seed: 20261207 });
    process.stdout.write(`# collectd fuzz statuses: ${JSON.stringify(Object.fromEntries(statuses))}\n`);
  });
});

describe('collectd under trouble', () => {
  it('too large: 413; Kafka down: 503 with Retry-After (collectd does not retry either: the values are lost and its log says so)', async () => {
    const kafka = await MockKafka.start({ topics: { cdtrouble: 2 } });
    const daemon = await Daemon.start({
      METRICSTREAM_BROKERS: kafka.bootstrap, METRICSTREAM_KAFKA_TOPICS_METRICS: 'cdtrouble', METRICSTREAM_INGEST_MAX_BODY_BYTES: '65536',
      METRICSTREAM_KAFKA_DELIVERY_TIMEOUT_MS: '3000', METRICSTREAM_INGEST_REQUEST_TIMEOUT_MS: '5000',
    });
    try {
      const url = `${daemon.ingestUrl}/collectd`;
      const line = 'PUTVAL h/memory/memory-used interval=1 1700000000:5\r\n';
      assert.equal((await post(url, line, { 'content-type': 'text/plain' })).status, 200);
      const big = await post(url, line.repeat(2000), { 'content-type': 'text/plain' });
      assert.equal(big.status, 413);
      for (const id of [1, 2, 3]) await kafka.command(`down ${id}`);
      const down = await post(url, line, { 'content-type': 'text/plain' });
      assert.ok([503, 504].includes(down.status), `status ${down.status}`);
      assert.ok(down.headers.get('retry-after'));
    } finally {
      await daemon.stop();
      await kafka.stop();
    }
  });
});
