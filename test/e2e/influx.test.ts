// InfluxDB line protocol end to end: a real Telegraf (built by
// scripts/clients/build-telegraf.sh) with its three line protocol outputs, the
// requests Fluent Bit sent, and the official npm clients write to the daemon;
// the records are read back from Kafka. Then, per route: a bad token, a body
// too large, a partial write, fuzzed bodies, and Kafka gone.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { InfluxDB as InfluxV2, Point, HttpError } from '@influxdata/influxdb-client';
import { InfluxDB as InfluxV1 } from 'influx';
import fc from 'fast-check';
import { capturedRequests } from '../support/client-captures';
import { TopicReader, recordId, type ConsumedRecord } from '../support/consumer';
import { Daemon, post } from '../support/daemon';
import { MockKafka } from '../support/mock-kafka';
import { clientBinary } from '../support/client-process';

const TOKEN = 'influx-e2e-token-0123456789';
const METRICS = 'influx_m';
const LOGS = 'influx_l';
const MAX_BODY_BYTES = 1 << 20;

interface MetricValue { name: string; value: number; type: string; timestamp: number; labels: Record<string, string> }
interface StringFieldValue { name: string; value: string; timestamp: number; labels: Record<string, string> }

/** Runs Telegraf with `--once` (gather, flush every output, exit); killed by PID after 90 s. */
function runTelegraf(binary: string, config: string): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(binary, ['--config', config, '--once'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const killer = setTimeout(() => child.kill('SIGKILL'), 90_000);
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => {
      clearTimeout(killer);
      resolve({ code, stderr });
    });
  });
}

async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const parsed = <T>(records: readonly ConsumedRecord[]): T[] => records.map((r) => JSON.parse(r.value) as T);
/** name=value@timestamp{labels}, sorted: records compared as sets. */
const summary = (values: ReadonlyArray<MetricValue | StringFieldValue>): string[] =>
  values.map((v) => `${v.name}=${JSON.stringify(v.value)}@${v.timestamp}${JSON.stringify(Object.entries(v.labels).sort())}`).sort();

// What Telegraf's inputs.file reads; the records each output must deliver.
const INPUT_LP = [
  '# a comment line',
  'weather,location=us\\ midwest,station=a\\,1 temperature=82.5,humidity=71i,raining=false,note="light \\"breeze\\"" 1700000000000000000',
  'disk\\ io,host=x reads=12u,ok=true 1700000000500000000',
  '',
].join('\n');

function expectedFromFile(destination: Record<string, string>): { metrics: string[]; logs: string[] } {
  const weather = { location: 'us midwest', station: 'a,1', host: 'telegraf-e2e', ...destination };
  const disk = { host: 'x', ...destination };
  const at = 1_700_000_000_000;
  return {
    metrics: summary([
      { name: 'weather_temperature', value: 82.5, type: 'gauge', timestamp: at, labels: weather },
      { name: 'weather_humidity', value: 71, type: 'gauge', timestamp: at, labels: weather },
      { name: 'weather_raining', value: 0, type: 'gauge', timestamp: at, labels: weather },
      { name: 'disk io_reads', value: 12, type: 'gauge', timestamp: at + 500, labels: disk },
      { name: 'disk io_ok', value: 1, type: 'gauge', timestamp: at + 500, labels: disk },
    ]),
    logs: summary([{ name: 'weather_note', value: 'light "breeze"', timestamp: at, labels: weather }]),
  };
}

describe('InfluxDB line protocol', () => {
  let kafka: MockKafka;
  let daemon: Daemon;
  let metrics: TopicReader;
  let logs: TopicReader;

  before(async () => {
    kafka = await MockKafka.start({ topics: { [METRICS]: 4, [LOGS]: 2 } });
    daemon = await Daemon.start({
      METRICSTREAM_BROKERS: kafka.bootstrap,
      METRICSTREAM_KAFKA_TOPICS_METRICS: METRICS,
      METRICSTREAM_KAFKA_TOPICS_LOGS: LOGS,
      METRICSTREAM_INGEST_AUTH_TOKENS: TOKEN,
      METRICSTREAM_INGEST_MAX_BODY_BYTES: String(MAX_BODY_BYTES),
      METRICSTREAM_INGEST_MAX_DECOMPRESSED_BYTES: String(4 * MAX_BODY_BYTES),
      METRICSTREAM_KAFKA_DELIVERY_TIMEOUT_MS: '3000',
      METRICSTREAM_INGEST_REQUEST_TIMEOUT_MS: '8000',
    });
    metrics = await TopicReader.open(kafka.bootstrap, METRICS);
    logs = await TopicReader.open(kafka.bootstrap, LOGS);
  });

  after(async () => {
    await metrics.close();
    await logs.close();
    await daemon.stop();
    await kafka.stop();
  });

  it('Telegraf 1.37.2: outputs.influxdb (v1, creates its database), influxdb_v2 (gzip) and http (to /metrics) deliver every metric', async () => {
    const binary = clientBinary('build-telegraf.sh', 20 * 60_000);
    const dir = mkdtempSync(path.join(os.tmpdir(), 'ms-telegraf-'));
    writeFileSync(path.join(dir, 'input.lp'), INPUT_LP);
    const config = path.join(dir, 'telegraf.conf');
    writeFileSync(config, [
      '[agent]', '  interval = "1s"', '  flush_interval = "1s"', '  round_interval = false', '  hostname = "telegraf-e2e"', '  debug = true',
      // Telegraf rounds timestamps to the interval (1 s) unless given a precision.
      '  precision = "1ms"',
      '[[inputs.mem]]',
      '[[inputs.file]]', `  files = [${JSON.stringify(path.join(dir, 'input.lp'))}]`, '  data_format = "influx"',
      // v1: no skip_database_creation, so it starts with POST /query CREATE DATABASE; the token as Basic password.
      '[[outputs.influxdb]]', `  urls = ["${daemon.ingestUrl}"]`, '  database = "telegraf"', '  retention_policy = "short"',
      '  username = "telegraf"', `  password = "${TOKEN}"`,
      '[[outputs.influxdb_v2]]', `  urls = ["${daemon.ingestUrl}"]`, `  token = "${TOKEN}"`, '  organization = "myorg"', '  bucket = "mybucket"',
      '  content_encoding = "gzip"',
      '[[outputs.http]]', `  url = "${daemon.ingestUrl}/metrics"`, '  data_format = "influx"', '  non_retryable_statuscodes = [400, 413]',
      '  [outputs.http.headers]', `    Authorization = "Bearer ${TOKEN}"`,
    ].join('\n'));
    const run = await runTelegraf(binary, config);
    assert.equal(run.code, 0, run.stderr);
    assert.doesNotMatch(run.stderr, /\bE! /, 'Telegraf logged an error');
    // Each output logs what it wrote: the number of metrics (lines) it was answered 2xx for.
    const written = new Map<string, number>();
    for (const m of run.stderr.matchAll(/D! \[outputs\.(\w+)\] Wrote batch of (\d+) metrics/g)) written.set(m[1]!, (written.get(m[1]!) ?? 0) + Number(m[2]));
    assert.deepEqual([...written.keys()].sort(), ['http', 'influxdb', 'influxdb_v2'], run.stderr);

    const outputs: Array<[string, Record<string, string>, (labels: Record<string, string>) => boolean]> = [
      ['influxdb', { influx_db: 'telegraf', influx_rp: 'short' }, (l) => l['influx_db'] === 'telegraf'],
      ['influxdb_v2', { influx_org: 'myorg', influx_bucket: 'mybucket' }, (l) => l['influx_bucket'] === 'mybucket'],
      ['http', {}, (l) => !('influx_db' in l) && !('influx_bucket' in l)],
    ];
    const telegrafs = <T extends { labels: Record<string, string> }>(values: T[]): T[] =>
      values.filter((v) => v.labels['host'] === 'telegraf-e2e' || v.labels['host'] === 'x');
    /** Series of one write: same labels and timestamp (one Telegraf metric = one line). */
    const lines = (values: ReadonlyArray<MetricValue | StringFieldValue>): number =>
      new Set(values.map((v) => `${v.timestamp}${JSON.stringify(Object.entries(v.labels).sort())}${v.name.split('_')[0]}`)).size;
    const memNames: string[][] = [];
    for (const [output, destination, mine] of outputs) {
      const expected = expectedFromFile(destination);
      const ofOutput = (): { m: MetricValue[]; l: StringFieldValue[] } => ({
        m: telegrafs(parsed<MetricValue>(metrics.records)).filter((v) => mine(v.labels)),
        l: telegrafs(parsed<StringFieldValue>(logs.records)).filter((v) => mine(v.labels)),
      });
      await until(`${output}: ${written.get(output)} metrics in Kafka`, () => {
        const { m, l } = ofOutput();
        return lines([...m, ...l]) >= written.get(output)! && l.length >= expected.logs.length;
      });
      const { m, l } = ofOutput();
      assert.equal(lines([...m, ...l]), written.get(output), `${output}: one Telegraf metric, one line`);
      const fromFile = m.filter((v) => !v.name.startsWith('mem_'));
      assert.deepEqual(summary(fromFile), expected.metrics, output);
      assert.deepEqual(summary(l), expected.logs, output);
      const mem = m.filter((v) => v.name.startsWith('mem_'));
      assert.ok(mem.every((v) => v.type === 'gauge' && v.labels['host'] === 'telegraf-e2e' && Number.isFinite(v.value)));
      assert.ok(mem.find((v) => v.name === 'mem_total')!.value > 0);
      memNames.push(mem.map((v) => v.name).sort());
    }
    assert.deepEqual(memNames[1], memNames[0], 'v1 and v2 wrote the same mem fields');
    assert.deepEqual(memNames[2], memNames[0], 'v1 and http wrote the same mem fields');
    const requests = await fetch(`${daemon.adminUrl}/metrics`).then((r) => r.text());
    assert.match(requests, /metricstream_http_requests_total\{route="influx_v1",status="204"\} [1-9]/);
    assert.match(requests, /metricstream_http_requests_total\{route="influx_v2",status="204"\} [1-9]/);
    assert.match(requests, /metricstream_http_requests_total\{route="probe",status="200"\} [1-9]/, 'the CREATE DATABASE query');
  });

  it('Fluent Bit 5.1.1: its v1 (precision=n) and v2 (token) requests replayed, every point in Kafka with ns-exact ms', async () => {
    let seq = 0;
    for (const request of [...capturedRequests('fluent-bit-5.1.1', 'write-'), ...capturedRequests('fluent-bit-5.1.1', 'api_v2_write-')]) {
      // The capture's credentials (none for v1, a short token for v2) swapped for the daemon's.
      const query = request.url.pathname === '/write' ? `${request.url.search}&p=${TOKEN}` : request.url.search;
      const headers: Record<string, string> = { ...request.headers, authorization: request.url.pathname === '/write' ? '' : `Token ${TOKEN}` };
      delete headers['host'];
      delete headers['connection'];
      const reply = await fetch(`${daemon.ingestUrl}${request.url.pathname}${query}`, { method: 'POST', body: request.raw, headers });
      assert.equal(reply.status, 204, `${request.file}: ${await reply.text()}`);
      seq++;
    }
    assert.equal(seq, 6);
    const fluent = (): MetricValue[] => parsed<MetricValue>(metrics.records).filter((v) => v.name.startsWith('t.influx'));
    await until('44 Fluent Bit points', () => fluent().length >= 44);
    const v1 = fluent().filter((v) => v.name.startsWith('t.influx1'));
    const v2 = fluent().filter((v) => v.name.startsWith('t.influx2'));
    assert.equal(v1.length, 22);
    assert.equal(v2.length, 22);
    assert.deepEqual(new Set(v1.map((v) => JSON.stringify([v.labels['influx_db'], v.labels['state']]))), new Set([JSON.stringify(['telegraf', 'ok'])]));
    assert.deepEqual(new Set(v2.map((v) => `${v.labels['influx_org']}/${v.labels['influx_bucket']}`)), new Set(['myorg/mybucket']));
    assert.deepEqual(v1.filter((v) => v.name === 't.influx1_procs').map((v) => Number(v.labels['_seq'])).sort((a, b) => a - b), Array.from({ length: 11 }, (_, i) => i));
    assert.ok(fluent().every((v) => Math.abs(v.timestamp - 1_796_580_000_000) < 100_000_000), 'Fluent Bit\'s ns timestamps, as ms');
  });

  it('the npm clients: influx 5.12.0 (v1 /write, ping) and @influxdata/influxdb-client 1.35.0 (v2), string fields to the logs topic', async () => {
    const { port } = new URL(daemon.ingestUrl);
    const v1 = new InfluxV1({ host: '127.0.0.1', port: Number(port), protocol: 'http', database: 'npmdb', username: 'npm', password: TOKEN });
    const [host] = await v1.ping(5_000);
    assert.equal(host!.online, true);
    assert.equal(host!.version, '1.8.10');
    await v1.writePoints([{ measurement: 'npm_v1', tags: { host: 'a' }, fields: { load: 1.5, ok: true, msg: 'hello' }, timestamp: new Date(1_700_000_000_000) }], { precision: 'ms' });

    const v2 = new InfluxV2({ url: daemon.ingestUrl, token: TOKEN }).getWriteApi('myorg', 'npmbucket', 'ms', { maxRetries: 0 });
    v2.writePoint(new Point('npm_v2').tag('host', 'b').floatField('load', 2.5).intField('count', 4).booleanField('ok', false).stringField('msg', 'hi')
      .timestamp(new Date(1_700_000_000_001)));
    await v2.close();

    const npm = (): MetricValue[] => parsed<MetricValue>(metrics.records).filter((v) => v.name.startsWith('npm_v'));
    const npmLogs = (): StringFieldValue[] => parsed<StringFieldValue>(logs.records).filter((v) => v.name.startsWith('npm_v'));
    await until('5 npm points and 2 string fields', () => npm().length >= 5 && npmLogs().length >= 2);
    const a = { host: 'a', influx_db: 'npmdb' };
    const b = { host: 'b', influx_org: 'myorg', influx_bucket: 'npmbucket' };
    assert.deepEqual(summary(npm()), summary([
      { name: 'npm_v1_load', value: 1.5, type: 'gauge', timestamp: 1_700_000_000_000, labels: a },
      { name: 'npm_v1_ok', value: 1, type: 'gauge', timestamp: 1_700_000_000_000, labels: a },
      { name: 'npm_v2_load', value: 2.5, type: 'gauge', timestamp: 1_700_000_000_001, labels: b },
      { name: 'npm_v2_count', value: 4, type: 'gauge', timestamp: 1_700_000_000_001, labels: b },
      { name: 'npm_v2_ok', value: 0, type: 'gauge', timestamp: 1_700_000_000_001, labels: b },
    ]));
    assert.deepEqual(summary(npmLogs()), summary([
      { name: 'npm_v1_msg', value: 'hello', timestamp: 1_700_000_000_000, labels: a },
      { name: 'npm_v2_msg', value: 'hi', timestamp: 1_700_000_000_001, labels: b },
    ]));

    // A partial write: the v2 client gets 400 with InfluxDB's message and does not retry it.
    const partial = new InfluxV2({ url: daemon.ingestUrl, token: TOKEN }).getWriteApi('myorg', 'npmbucket', 'ms', { maxRetries: 0 });
    partial.writeRecords(['npm_partial ok=1 1700000000002', 'npm_partial bad=', 'npm_partial ok=3 1700000000003']);
    const failure = await partial.close().then(() => undefined, (err: unknown) => err);
    assert.ok(failure instanceof HttpError, String(failure));
    assert.equal(failure.statusCode, 400);
    assert.equal(failure.code, 'invalid');
    assert.match(failure.message, /^partial write error \(2 written\): unable to parse 'npm_partial bad='/);
    await until('the partial write\'s good lines', () => parsed<MetricValue>(metrics.records).filter((v) => v.name === 'npm_partial_ok').length >= 2);
  });

  const ROUTES: Array<{ path: string; query: string; auth: Record<string, string> }> = [
    { path: '/write', query: '?db=e2e', auth: { authorization: `Basic ${Buffer.from(`u:${TOKEN}`).toString('base64')}` } },
    { path: '/api/v2/write', query: '?org=o&bucket=e2e', auth: { authorization: `Token ${TOKEN}` } },
    { path: '/metrics', query: '', auth: { authorization: `Bearer ${TOKEN}` } },
  ];
  const TEXT = { 'content-type': 'text/plain; charset=utf-8' };

  for (const route of ROUTES) {
    it(`${route.path}: 401 without the token, 413 too large, 400 partial write with the good lines in Kafka, 400 when no line parses`, async () => {
      const target = `${daemon.ingestUrl}${route.path}${route.query}`;
      const wrong = await post(target, 'm v=1', { ...TEXT, authorization: 'Token not-the-token-at-all' });
      assert.equal(wrong.status, 401);
      assert.equal((await post(target, 'm v=1', TEXT)).status, 401);

      const large = await post(target, Buffer.alloc(MAX_BODY_BYTES + 1, 'm v=1\n'), { ...TEXT, ...route.auth });
      assert.equal(large.status, 413);
      const bomb = await post(target, gzipSync(Buffer.alloc(8 * MAX_BODY_BYTES, 'm v=1\n')), { ...TEXT, ...route.auth, 'content-encoding': 'gzip' });
      assert.equal(bomb.status, 413);

      const tag = route.path.replace(/\W/g, '');
      const body = `partial_${tag} good=1 1700000000000000000\npartial_${tag} bad=oops\npartial_${tag} good=2 1700000000001000000\n`;
      const partial = await post(target, body, { ...TEXT, ...route.auth });
      assert.equal(partial.status, 400);
      const message = route.path === '/write' ? partial.body['error'] : partial.body['message'];
      // /metrics names the code (partial_write) in `error` and the first bad line in `message`.
      assert.match(String(message), route.path === '/metrics' ? /^unable to parse 'partial_\w+ bad=oops'/ : /^partial write.*unable to parse 'partial_\w+ bad=oops'/);
      if (route.path === '/write') assert.match(partial.headers.get('x-influxdb-error') ?? '', /^partial write: /);
      if (route.path === '/api/v2/write') assert.equal(partial.body['code'], 'invalid');
      if (route.path === '/metrics') assert.deepEqual([partial.body['error'], partial.body['accepted'], partial.body['refused']], ['partial_write', 2, 1]);
      const id = partial.headers.get('x-request-id');
      await until('the good lines', () => metrics.records.filter((r) => recordId(r).requestId === id).length >= 2);
      assert.deepEqual(parsed<MetricValue>(metrics.records.filter((r) => recordId(r).requestId === id)).map((v) => [v.name, v.value]).sort(),
        [[`partial_${tag}_good`, 1], [`partial_${tag}_good`, 2]]);

      const none = await post(target, 'nothing good\n', { ...TEXT, ...route.auth });
      assert.equal(none.status, 400);
      assert.doesNotMatch(JSON.stringify(none.body), /partial write/);
    });
  }

  it('fuzz: mutated line protocol never gets a 5xx on any route, and the daemon stays up', async () => {
    const valid = Buffer.from('cpu,host=a\\ b,region=eu usage=1.5,count=3i,ok=true,msg="x \\"y\\"" 1700000000000000000\nmem free=2u\n');
    const statuses = new Map<number, number>();
    await fc.assert(fc.asyncProperty(
      fc.record({ route: fc.constantFrom(...ROUTES), at: fc.array(fc.nat(), { minLength: 1, maxLength: 8 }), byte: fc.integer({ min: 0, max: 255 }), gzip: fc.boolean() }),
      async ({ route, at, byte, gzip }) => {
        const body = Buffer.from(valid);
        for (const i of at) body[i % body.length] = byte;
        const headers = { ...TEXT, ...route.auth, ...(gzip ? { 'content-encoding': 'gzip' } : {}) };
        const reply = await post(`${daemon.ingestUrl}${route.path}${route.query}`, gzip ? gzipSync(body) : body, headers);
        statuses.set(reply.status, (statuses.get(reply.status) ?? 0) + 1);
        assert.ok(reply.status < 500, `${reply.status} ${JSON.stringify(reply.body)}`);
      }), { numRuns: 150, seed: 20261206 });
    process.stdout.write(`# influx fuzz statuses: ${JSON.stringify(Object.fromEntries(statuses))}\n`);
    assert.equal((await fetch(`${daemon.adminUrl}/healthz`)).status, 200);
  });

  it('Kafka gone (the mock cluster stopped): every route answers 503 with Retry-After, in its own shape, never 429', async () => {
    await kafka.stop();
    await until('readyz to report kafka_unreachable', async () => {
      const r = await fetch(`${daemon.adminUrl}/readyz`);
      return r.status === 503 && ((await r.json()) as { reasons: string[] }).reasons.includes('kafka_unreachable');
    }, 60_000);
    for (const route of ROUTES) {
      const reply = await post(`${daemon.ingestUrl}${route.path}${route.query}`, 'down v=1', { ...TEXT, ...route.auth });
      assert.equal(reply.status, 503, `${route.path}: ${JSON.stringify(reply.body)}`);
      assert.ok(Number(reply.headers.get('retry-after')) >= 1, route.path);
      if (route.path === '/api/v2/write') assert.equal(reply.body['code'], 'unavailable');
      if (route.path === '/write') assert.match(String(reply.body['error']), /Kafka/i);
    }
    const health = await fetch(`${daemon.ingestUrl}/health`);
    assert.equal(health.status, 503);
    assert.equal(((await health.json()) as { status: string }).status, 'fail');
  });
});
