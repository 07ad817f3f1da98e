// Loki push end to end: Fluent Bit 5.1.1's requests (JSON, plain and gzip)
// replayed, and the npm clients winston-loki 6.1.7 (protobuf + snappy, its
// default) and pino-loki 3.0.0 (JSON) driven with their default settings; the
// records are read back from Kafka. Then what a shipper meets besides
// success: per-stream order across partitions, Kafka down, too large, bad
// auth and malformed bodies (never a 5xx).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pino from 'pino';
import { compressSync } from 'snappy';
import { pinoLoki } from 'pino-loki';
import winston from 'winston';
import LokiTransport from 'winston-loki';
import { capturedRequests } from '../support/client-captures';
import type { ConsumedRecord } from '../support/consumer';
import { protoBody, PushRequest } from '../support/loki-push';
import { assertNeverServerError, recordsWhere, replay, startShipperTarget, TOKEN, withKafkaDown, type ShipperTarget } from '../support/shipper-target';

interface LokiRecord {
  timestamp: number;
  time_unix_nano: string;
  body: string;
  attributes: Record<string, string>;
  stream: string;
  tenant?: string;
}

const BEARER = { authorization: `Bearer ${TOKEN}` };
const MAX_BODY_BYTES = 1024 * 1024;

function value(record: ConsumedRecord): LokiRecord {
  return JSON.parse(record.value) as LokiRecord;
}

function push(target: ShipperTarget, body: string | Uint8Array, headers: Record<string, string>): Promise<Response> {
  return fetch(`${target.daemon.ingestUrl}/loki/api/v1/push`, { method: 'POST', body, headers: { ...BEARER, ...headers } });
}

describe('Loki push', () => {
  let target: ShipperTarget;

  before(async () => {
    target = await startShipperTarget('loki', { METRICSTREAM_INGEST_MAX_BODY_BYTES: String(MAX_BODY_BYTES) });
  });

  after(async () => {
    await target.stop();
  });

  it('Fluent Bit 5.1.1 (JSON, plain and gzip): 204, each entry a record keyed by its stream, time exact to the ns', async () => {
    const client = 'fluent-bit-5.1.1';
    const requests = [...capturedRequests(client, 'loki_api_v1_push-'), ...capturedRequests(client, 'gz_loki_api_v1_push-')];
    const sent: Array<{ key: string; ns: string; line: string }> = [];
    for (const request of requests) {
      const reply = await replay(target.daemon, request, { headers: BEARER });
      assert.equal(reply.status, 204, `${request.file}: ${await reply.text()}`);
      const document = JSON.parse(request.body.toString('utf8')) as { streams: Array<{ stream: Record<string, string>; values: string[][] }> };
      for (const stream of document.streams) {
        const key = stream.stream['job'] === 'capture' ? '{env="test", job="capture"}' : '{job="capture-gzip"}';
        for (const [ns, line] of stream.values) sent.push({ key, ns: ns!, line: line! });
      }
    }
    const records = await recordsWhere(target.logs, sent.length, (v) => String((v['attributes'] as Record<string, string>)['job']).startsWith('capture'));
    assert.deepEqual(records.map((r) => ({ key: r.key, ns: value(r).time_unix_nano, line: value(r).body })).sort((a, b) => a.ns.localeCompare(b.ns)),
      [...sent].sort((a, b) => a.ns.localeCompare(b.ns)));
    const first = records.find((r) => r.key === '{env="test", job="capture"}')!;
    assert.deepEqual(value(first).attributes, { job: 'capture', env: 'test', host: 'web-1' });
    assert.equal(value(first).timestamp, Number(BigInt(value(first).time_unix_nano) / 1_000_000n));
    assert.equal(value(first).stream, first.key);
  });

  it('winston-loki 6.1.7, default settings (protobuf + snappy): its lines arrive with their labels and tenant', async () => {
    const errors: unknown[] = [];
    const transport = new LokiTransport({
      host: target.daemon.ingestUrl, basicAuth: `metricstream:${TOKEN}`, labels: { app: 'winston-e2e' },
      headers: { 'X-Scope-OrgID': 'tenant-w' }, onConnectionError: (error) => errors.push(error),
    });
    // winston-loki falls back to JSON silently when it cannot load snappy: make sure this is its protobuf path.
    assert.equal((transport as unknown as { batcher: { contentType: string } }).batcher.contentType, 'application/x-protobuf');
    const logger = winston.createLogger({ transports: [transport] });
    logger.info('winston line 1', { labels: { env: 'e2e' } });
    logger.warn('winston line 2 "quoted"');
    await transport.flush();
    const records = await recordsWhere(target.logs, 2, (v) => (v['attributes'] as Record<string, string>)['app'] === 'winston-e2e');
    logger.close();
    await transport.close();
    assert.deepEqual(errors, []);
    assert.deepEqual(records.map((r) => r.key).sort(), ['{app="winston-e2e", env="e2e", level="info"}', '{app="winston-e2e", level="warn"}']);
    const info = value(records.find((r) => r.key!.includes('info'))!);
    assert.match(info.body, /^winston line 1/);
    assert.equal(info.tenant, 'tenant-w');
    assert.match(info.time_unix_nano, /^\d{19}$/);
    assert.ok(Math.abs(info.timestamp - Date.now()) < 600_000);
  });

  it('pino-loki 3.0.0, default settings (JSON, batched): its lines arrive, one stream per level', async () => {
    const stream = pinoLoki({ host: target.daemon.ingestUrl, basicAuth: { username: 'metricstream', password: TOKEN }, labels: { app: 'pino-e2e' } });
    const logger = pino(stream);
    logger.info({ user: 'u1' }, 'pino line 1');
    logger.error('pino line 2');
    // Its batch goes out on its interval (5 s) or when the stream ends.
    stream.end();
    const records = await recordsWhere(target.logs, 2, (v) => (v['attributes'] as Record<string, string>)['app'] === 'pino-e2e');
    const byLevel = new Map(records.map((r) => [value(r).attributes['level'], r]));
    assert.deepEqual([...byLevel.keys()].sort(), ['error', 'info']);
    const info = value(byLevel.get('info')!);
    assert.equal((JSON.parse(info.body) as { msg: string; user: string }).msg, 'pino line 1');
    assert.equal((JSON.parse(info.body) as { user: string }).user, 'u1');
    assert.equal(byLevel.get('info')!.key, info.stream);
    assert.match(info.stream, /^\{app="pino-e2e", hostname=".+", level="info"\}$/);
  });

  it('keeps each stream in one partition, in push order, whatever order its labels were sent in', async () => {
    const streams = Array.from({ length: 8 }, (_, s) => ({ a: `order-${s}`, b: String(s % 3) }));
    const requests = 25;
    const perStream = 4;
    for (let r = 0; r < requests; r++) {
      // Half the requests JSON, half protobuf; the label order flips too.
      const entries = (s: number) => Array.from({ length: perStream }, (_, e) => ({ seq: r * perStream + e, s }));
      if (r % 2 === 0) {
        const body = JSON.stringify({ streams: streams.map((labels, s) => ({
          stream: r % 4 === 0 ? labels : { b: labels.b, a: labels.a },
          values: entries(s).map(({ seq }) => [String(1_800_000_000_000_000_000n + BigInt(seq)), `seq ${seq}`]),
        })) });
        assert.equal((await push(target, body, { 'content-type': 'application/json' })).status, 204);
      } else {
        const body = protoBody(streams.map((labels, s) => ({
          labels: r % 4 === 1 ? `{a="${labels.a}", b="${labels.b}"}` : `{ b = "${labels.b}" ,a="${labels.a}" }`,
          entries: entries(s).map(({ seq }) => ({ seconds: 1_800_000_000, nanos: seq, line: `seq ${seq}` })),
        })));
        assert.equal((await push(target, body, { 'content-type': 'application/x-protobuf' })).status, 204);
      }
    }
    const records = await recordsWhere(target.logs, streams.length * requests * perStream, (v) => String((v['attributes'] as Record<string, string>)['a']).startsWith('order-'));
    const partitions = new Set<number>();
    for (const labels of streams) {
      const key = `{a="${labels.a}", b="${labels.b}"}`;
      const mine = records.filter((r) => r.key === key);
      assert.equal(mine.length, requests * perStream, key);
      assert.equal(new Set(mine.map((r) => r.partition)).size, 1, `${key} in one partition`);
      partitions.add(mine[0]!.partition);
      const inOffsetOrder = [...mine].sort((x, y) => x.offset - y.offset).map((r) => Number(value(r).body.slice(4)));
      assert.deepEqual(inOffsetOrder, Array.from({ length: requests * perStream }, (_, i) => i), `${key} in push order`);
    }
    assert.ok(partitions.size > 1, 'the streams spread over several partitions');
  });

  it('answers a missing or wrong token 401, too large 413, a bad body 400, an unsupported type 415, nothing written', async () => {
    const body = JSON.stringify({ streams: [{ stream: { job: 'refused' }, values: [['1', 'never written']] }] });
    const json = { 'content-type': 'application/json' };
    const noToken = await fetch(`${target.daemon.ingestUrl}/loki/api/v1/push`, { method: 'POST', body, headers: json });
    assert.equal(noToken.status, 401);
    assert.equal((await push(target, body, { ...json, authorization: 'Bearer wrong' })).status, 401);
    assert.equal((await push(target, body, { ...json, authorization: `Basic ${Buffer.from('u:wrong').toString('base64')}` })).status, 401);
    const large = await push(target, 'x'.repeat(MAX_BODY_BYTES + 1), json);
    assert.equal(large.status, 413);
    assert.match(await large.text(), /^body_too_large: /);
    assert.equal((await push(target, protoBody([{ labels: '{job="refused"}', entries: [{ seconds: 1, nanos: 0, line: 'x'.repeat(300 * 1024) }] }]), {})).status, 400);
    const badLabels = await push(target, protoBody([{ labels: 'job=refused', entries: [{ seconds: 1, nanos: 0, line: 'x' }] }]), {});
    assert.equal(badLabels.status, 400);
    assert.match(await badLabels.text(), /^invalid_record: stream 0: labels/);
    assert.equal((await push(target, body, { 'content-type': 'text/plain' })).status, 415);
    await target.logs.settle(500);
    assert.ok(!target.logs.records.some((r) => value(r).attributes['job'] === 'refused'));
  });

  it('fuzz: mutated JSON, protobuf and snappy bodies never get a 5xx', async () => {
    const json = Buffer.from(JSON.stringify({ streams: [{ stream: { job: 'fuzz', k: 'v' }, values: [['1800000000000000000', 'line', { m: 'x' }], ['1800000000000000001', 'two']] }] }));
    const proto = Buffer.from(PushRequest.encode(PushRequest.fromObject({ streams: [
      { labels: '{job="fuzz", k="v"}', entries: [{ timestamp: { seconds: 5, nanos: 7 }, line: 'hello', structuredMetadata: [{ name: 'k', value: 'v' }] }] },
    ] })).finish());
    await assertNeverServerError(target, 'loki', ['json', 'protobuf', 'snappy'], (mutate, which) => {
      const body = which === 'json' ? mutate(json) : which === 'protobuf' ? compressSync(mutate(proto)) : mutate(compressSync(proto));
      return push(target, body, { 'content-type': which === 'json' ? 'application/json' : 'application/x-protobuf' });
    });
  });

  it('Kafka down: a push gets 503 + Retry-After (shippers retry it), /ready says not ready; then it succeeds again', async () => {
    const body = JSON.stringify({ streams: [{ stream: { job: 'outage' }, values: [['1800000000000000000', 'after the outage']] }] });
    await withKafkaDown(target, async () => {
      const refused = await push(target, body, { 'content-type': 'application/json' });
      assert.equal(refused.status, 503);
      assert.ok(refused.headers.get('retry-after'));
      assert.match(await refused.text(), /^kafka_unavailable: /);
      assert.equal((await fetch(`${target.daemon.ingestUrl}/ready`)).status, 503);
    });
    assert.equal((await fetch(`${target.daemon.ingestUrl}/ready`)).status, 200);
    assert.equal((await push(target, body, { 'content-type': 'application/json' })).status, 204);
    await recordsWhere(target.logs, 1, (v) => (v['attributes'] as Record<string, string>)['job'] === 'outage');
  });
});
