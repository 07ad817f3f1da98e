// Splunk HEC end to end: Fluent Bit 5.1.1's `splunk` output requests
// replayed (as captured, and gzip-compressed as its `compress gzip` sends
// them), and Splunk's own npm client splunk-logging 0.11.1 with default
// settings; the records are read back from Kafka. Metric events (the
// OpenTelemetry Collector's splunk_hec exporter's shape) go to the metrics
// topic. Then HEC's answers: auth, invalid events, raw without a channel,
// too large, malformed bodies (never a 5xx), Kafka down and the health check.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Logger as SplunkLogger } from 'splunk-logging';
import { capturedRequests } from '../support/client-captures';
import type { ConsumedRecord } from '../support/consumer';
import { assertNeverServerError, recordsWhere, replay, startShipperTarget, TOKEN, withKafkaDown, type ShipperTarget } from '../support/shipper-target';

const SPLUNK = { authorization: `Splunk ${TOKEN}` };
const MAX_BODY_BYTES = 1024 * 1024;

function value(record: ConsumedRecord): Record<string, unknown> {
  return JSON.parse(record.value) as Record<string, unknown>;
}

describe('Splunk HEC', () => {
  let target: ShipperTarget;

  function post(path: string, body: string | Uint8Array, headers: Record<string, string> = SPLUNK): Promise<Response> {
    return fetch(`${target.daemon.ingestUrl}${path}`, { method: 'POST', body, headers });
  }

  async function hec(reply: Response): Promise<{ status: number; body: Record<string, unknown> }> {
    return { status: reply.status, body: await reply.json() as Record<string, unknown> };
  }

  before(async () => {
    target = await startShipperTarget('hec', { METRICSTREAM_INGEST_MAX_BODY_BYTES: String(MAX_BODY_BYTES) });
  });

  after(async () => {
    await target.stop();
  });

  it('Fluent Bit 5.1.1 (as captured and gzip): 200 Success, each event a record with its exact time', async () => {
    const requests = capturedRequests('fluent-bit-5.1.1', 'services_collector_event-');
    let events = 0;
    for (const gzip of [false, true]) {
      for (const request of requests) {
        const reply = await hec(await replay(target.daemon, request, { gzip }));
        assert.deepEqual(reply, { status: 200, body: { text: 'Success', code: 0 } }, request.file);
        events += (request.body.toString('utf8').match(/"event":/g) ?? []).length;
      }
    }
    const records = await recordsWhere(target.logs, events, (v) => (v['body'] as { message?: string })?.message === 'capture splunk event');
    const first = value(records[0]!);
    assert.deepEqual(first['body'], { message: 'capture splunk event', level: 'info' });
    assert.match(String(first['time_unix_nano']), /^17965803\d{11}$/);
    assert.equal(first['timestamp'], Number(BigInt(String(first['time_unix_nano'])) / 1_000_000n));
    assert.ok(records.every((r) => r.key !== null && r.key !== ''), 'keyed by the client address');
  });

  it('splunk-logging 0.11.1, default settings: each send answered Success, its events arrive with their metadata', async () => {
    const logger = new SplunkLogger({ token: TOKEN, url: target.daemon.ingestUrl });
    const errors: Error[] = [];
    logger.error = (error) => errors.push(error);
    const send = (payload: Parameters<SplunkLogger['send']>[0]) => new Promise<{ status: number | undefined; body: unknown }>((resolve, reject) =>
      logger.send(payload, (error, response, body) => (error ? reject(error) : resolve({ status: response?.statusCode, body }))));
    assert.deepEqual(await send({ message: { text: 'splunk-logging event 1', level: 'info' } }), { status: 200, body: { text: 'Success', code: 0 } });
    assert.deepEqual(await send({ message: 'splunk-logging plain string', severity: 'warn', metadata: { host: 'web-1', source: 'app', sourcetype: '_json', index: 'main' } }),
      { status: 200, body: { text: 'Success', code: 0 } });
    assert.deepEqual(errors, []);
    const records = await recordsWhere(target.logs, 2, (v) => JSON.stringify(v['body']).includes('splunk-logging'));
    const object = records.find((r) => (value(r)['body'] as { message: unknown }).message !== 'splunk-logging plain string')!;
    assert.deepEqual(value(object)['body'], { message: { text: 'splunk-logging event 1', level: 'info' }, severity: 'info' });
    const plain = records.find((r) => r !== object)!;
    assert.deepEqual({ ...value(plain), timestamp: 0, time_unix_nano: '' }, {
      timestamp: 0, time_unix_nano: '', body: { message: 'splunk-logging plain string', severity: 'warn' }, attributes: {},
      host: 'web-1', source: 'app', sourcetype: '_json', index: 'main',
    });
    assert.equal(plain.key, '{host="web-1",source="app",sourcetype="_json"}');
    // splunk-logging sends `time` as seconds with milliseconds, as a string.
    assert.match(String(value(plain)['time_unix_nano']), /^\d{10}\d{3}000000$/);
  });

  it('metric events go to the metrics topic as gauge points keyed by series, log events of the same request to the logs topic', async () => {
    const body = [
      { time: 1796580338.5, host: 'node-1', source: 'otel', event: 'metric', fields: { 'metric_name:cpu.utilization': 0.25, 'metric_name:memory.used': '1024', 'k8s.pod': 'p-1' } },
      { time: 1796580338.5, host: 'node-1', event: 'metric', fields: { metric_name: 'queue.depth', _value: 7 } },
      { time: 1796580338.5, host: 'node-1', source: 'otel', event: 'a log line beside the metrics' },
    ].map((e) => JSON.stringify(e)).join('\n');
    assert.deepEqual(await hec(await post('/services/collector', body)), { status: 200, body: { text: 'Success', code: 0 } });
    const points = await recordsWhere(target.metrics, 3, (v) => (v['labels'] as Record<string, string>)['host'] === 'node-1');
    assert.deepEqual(points.map((r) => [r.key, value(r)['value'], value(r)['type'], value(r)['timestamp']]).sort(), [
      ['cpu.utilization{host="node-1",k8s.pod="p-1",source="otel"}', 0.25, 'gauge', 1_796_580_338_500],
      ['memory.used{host="node-1",k8s.pod="p-1",source="otel"}', 1024, 'gauge', 1_796_580_338_500],
      ['queue.depth{host="node-1"}', 7, 'gauge', 1_796_580_338_500],
    ]);
    const [log] = await recordsWhere(target.logs, 1, (v) => v['body'] === 'a log line beside the metrics');
    assert.equal(log!.key, '{host="node-1",source="otel"}');
  });

  it('raw: one record per line with the channel; without X-Splunk-Request-Channel 400 code 10', async () => {
    const lines = 'raw line one\nraw line two\r\n\n';
    const ok = await post('/services/collector/raw?sourcetype=syslog', lines, { ...SPLUNK, 'x-splunk-request-channel': '11111111-2222-3333-4444-555555555555' });
    assert.deepEqual(await hec(ok), { status: 200, body: { text: 'Success', code: 0 } });
    const records = await recordsWhere(target.logs, 2, (v) => String(v['body']).startsWith('raw line'));
    assert.deepEqual(records.map((r) => [value(r)['body'], value(r)['sourcetype'], value(r)['channel']]).sort(), [
      ['raw line one', 'syslog', '11111111-2222-3333-4444-555555555555'], ['raw line two', 'syslog', '11111111-2222-3333-4444-555555555555'],
    ]);
    assert.deepEqual(await hec(await post('/services/collector/raw', lines)), { status: 400, body: { text: 'Data channel is missing', code: 10 } });
  });

  it('answers HEC\'s codes: no token 401/2, a wrong one 403/4, an event without event 400/12 naming it, blank 400/13, not JSON 400/6, no data 400/5, too large 413', async () => {
    const event = JSON.stringify({ event: 'refused' });
    assert.deepEqual(await hec(await post('/services/collector/event', event, {})), { status: 401, body: { text: 'Token is required', code: 2 } });
    assert.deepEqual(await hec(await post('/services/collector/event', event, { authorization: 'Splunk wrong-token' })), { status: 403, body: { text: 'Invalid token', code: 4 } });
    assert.deepEqual(await hec(await post('/services/collector', `${event}{"time":1}`)),
      { status: 400, body: { text: 'Event field is required', code: 12, 'invalid-event-number': 1 } });
    assert.deepEqual(await hec(await post('/services/collector', `${event}${event}{"event":""}`)),
      { status: 400, body: { text: 'Event field cannot be blank', code: 13, 'invalid-event-number': 2 } });
    assert.deepEqual(await hec(await post('/services/collector', `${event}{"event": nope}`)),
      { status: 400, body: { text: 'Invalid data format', code: 6, 'invalid-event-number': 1 } });
    assert.deepEqual(await hec(await post('/services/collector', '  \n')), { status: 400, body: { text: 'No data', code: 5 } });
    assert.deepEqual(await hec(await post('/services/collector', 'x'.repeat(MAX_BODY_BYTES + 1))), { status: 413, body: { text: 'Content request too large', code: 413 } });
    await target.logs.settle(500);
    assert.ok(!target.logs.records.some((r) => value(r)['body'] === 'refused'));
  });

  it('fuzz: mutated event bodies never get a 5xx', async () => {
    const valid = Buffer.from('{"time":1796580338.978953,"host":"h","event":{"message":"m","n":[1,2]},"fields":{"a":"b"}}{"event":"metric","fields":{"metric_name:x":1}}');
    await assertNeverServerError(target, 'splunk hec', ['events'], (mutate) => post('/services/collector', mutate(valid)));
  });

  it('Kafka down: 503 "Server is busy" code 9 + Retry-After, health 503 code 18; then healthy and Success again', async () => {
    const event = JSON.stringify({ event: 'after the outage' });
    const health = `${target.daemon.ingestUrl}/services/collector/health`;
    assert.deepEqual(await hec(await fetch(health)), { status: 200, body: { text: 'HEC is healthy', code: 17 } });
    await withKafkaDown(target, async () => {
      const refused = await post('/services/collector/event', event);
      assert.ok(refused.headers.get('retry-after'));
      assert.deepEqual(await hec(refused), { status: 503, body: { text: 'Server is busy', code: 9 } });
      assert.deepEqual(await hec(await fetch(`${health}/1.0`)), { status: 503, body: { text: 'HEC is unhealthy, queues are full', code: 18 } });
    });
    assert.deepEqual(await hec(await fetch(health)), { status: 200, body: { text: 'HEC is healthy', code: 17 } });
    assert.deepEqual(await hec(await post('/services/collector/event', event)), { status: 200, body: { text: 'Success', code: 0 } });
    await recordsWhere(target.logs, 1, (v) => v['body'] === 'after the outage');
  });
});
