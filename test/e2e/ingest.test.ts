// End to end: the real daemon against a Kafka-protocol broker; records are
// read back from Kafka.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { gzipSync } from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import { TopicReader, recordId, type ConsumedRecord } from '../support/consumer';
import { Daemon, metricBatch, post } from '../support/daemon';
import { MockKafka } from '../support/mock-kafka';
import { rawRequest } from '../support/raw-http';

describe('ingest to Kafka', () => {
  let kafka: MockKafka;
  let daemon: Daemon;

  before(async () => {
    kafka = await MockKafka.start({ topics: { metrics: 4, logs: 4, 'alt-metrics': 2 } });
    daemon = await Daemon.start({ METRICSTREAM_BROKERS: kafka.bootstrap });
  });

  after(async () => {
    const exit = await daemon.stop();
    await kafka.stop();
    assert.equal(exit.code, 0);
  });

  it('acknowledges 100 labelled metrics only once they are in Kafka, keyed by series, labels intact', async () => {
    const reader = await TopicReader.open(kafka.bootstrap, 'metrics');
    try {
      const { body } = metricBatch(100, 'single');
      const reply = await post(`${daemon.ingestUrl}/metrics`, body);
      assert.equal(reply.status, 200);
      assert.equal(reply.headers.get('durable'), 'kafka', 'the answer says where the records are durable');
      assert.deepEqual(reply.body, { accepted: 100 });
      const requestId = reply.headers.get('x-request-id');
      assert.ok(requestId);

      const records = (await reader.waitFor(100)).filter((r) => recordId(r).requestId === requestId);
      assert.equal(records.length, 100);
      const sent = (JSON.parse(body) as { metrics: Array<Record<string, unknown>> }).metrics;
      const byIndex = new Map(records.map((r) => [recordId(r).index, r]));
      assert.equal(byIndex.size, 100);
      for (let i = 0; i < 100; i++) {
        const record = byIndex.get(i);
        assert.ok(record, `record ${i} missing`);
        const value = JSON.parse(record.value) as Record<string, unknown>;
        assert.deepEqual(value, { name: sent[i]!['name'], value: sent[i]!['value'], type: 'gauge', timestamp: sent[i]!['timestamp'], labels: sent[i]!['labels'] });
        assert.equal(record.key, `${String(sent[i]!['name'])}{batch="single",host="h${i}",zone="z-é"}`);
      }
      // One series, one partition.
      const partitionsByKey = new Map<string, Set<number>>();
      for (const r of records) partitionsByKey.set(r.key!, (partitionsByKey.get(r.key!) ?? new Set()).add(r.partition));
      for (const set of partitionsByKey.values()) assert.equal(set.size, 1);
    } finally {
      await reader.close();
    }
  });

  it('accepts a zstd-compressed batch', async () => {
    const reader = await TopicReader.open(kafka.bootstrap, 'metrics');
    try {
      const body = execFileSync('zstd', ['-c', '-q'], { input: JSON.stringify([{ name: 'zstd_a', value: 3, labels: { codec: 'zstd' } }]) });
      const reply = await post(`${daemon.ingestUrl}/metrics`, body, { 'content-type': 'application/json', 'content-encoding': 'zstd' });
      assert.equal(reply.status, 200);
      assert.deepEqual(reply.body, { accepted: 1 });
      const id = reply.headers.get('x-request-id');
      const deadline = Date.now() + 30_000;
      while (!reader.records.some((r) => recordId(r).requestId === id) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      const record = reader.records.find((r) => recordId(r).requestId === id);
      assert.ok(record, 'the zstd record reached Kafka');
      assert.deepEqual(JSON.parse(record.value), { name: 'zstd_a', value: 3, type: 'gauge', timestamp: (JSON.parse(record.value) as { timestamp: number }).timestamp, labels: { codec: 'zstd' } });
    } finally {
      await reader.close();
    }
  });

  it('defaults timestamp to receive time and type to gauge; accepts gzip NDJSON', async () => {
    const reader = await TopicReader.open(kafka.bootstrap, 'metrics');
    try {
      const ndjson = [
        JSON.stringify({ name: 'nd_a', value: 1, labels: { k: 'v' }, timestamp: 5 }),
        JSON.stringify({ name: 'nd_b', value: -2.5, type: 'counter' }),
      ].join('\n');
      const reply = await post(`${daemon.ingestUrl}/metrics`, gzipSync(ndjson), { 'content-type': 'application/x-ndjson', 'content-encoding': 'gzip' });
      assert.equal(reply.status, 200);
      assert.deepEqual(reply.body, { accepted: 2 });
      const id = reply.headers.get('x-request-id');
      const mine = (): ConsumedRecord[] => reader.records.filter((r) => recordId(r).requestId === id);
      const deadline = Date.now() + 30_000;
      while (mine().length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      const values = mine().map((r) => JSON.parse(r.value) as Record<string, unknown>);
      assert.equal(values.length, 2);
      const b = values.find((v) => v['name'] === 'nd_b')!;
      assert.equal(b['type'], 'counter');
      assert.deepEqual(b['labels'], {});
      assert.equal(typeof b['timestamp'], 'number');
      const a = values.find((v) => v['name'] === 'nd_a')!;
      assert.equal(a['timestamp'], 5);
      assert.equal(a['type'], 'gauge');
    } finally {
      await reader.close();
    }
  });

  it('writes logs to the logs topic with a timestamp', async () => {
    const reader = await TopicReader.open(kafka.bootstrap, 'logs');
    try {
      const lines = [{ msg: 'first', level: 'info' }, { msg: 'second', timestamp: '2026-11-24T10:00:00Z', nested: { a: [1, 2] } }];
      const reply = await post(`${daemon.ingestUrl}/logs`, JSON.stringify(lines));
      assert.equal(reply.status, 200);
      assert.deepEqual(reply.body, { accepted: 2 });
      const records = await reader.waitFor(2);
      const got = records.filter((r) => recordId(r).requestId === reply.headers.get('x-request-id'))
        .map((r) => JSON.parse(r.value) as Record<string, unknown>)
        .sort((x, y) => String(x['msg']).localeCompare(String(y['msg'])));
      assert.equal(got.length, 2);
      assert.equal(got[0]!['msg'], 'first');
      assert.equal(typeof got[0]!['timestamp'], 'number');
      assert.deepEqual(got[1], lines[1]);
    } finally {
      await reader.close();
    }
  });

  it('answers client errors with JSON naming the problem, and stays healthy', async () => {
    const url = `${daemon.ingestUrl}/metrics`;
    const cases: Array<[string, Promise<{ status: number; body: Record<string, unknown> }>, number, string]> = [
      ['malformed', post(url, '{"metrics": [}'), 400, 'invalid_json'],
      ['string value', post(url, '[{"name":"x","value":"1"}]'), 400, 'invalid_record'],
      ['infinite value', post(url, '[{"name":"x","value":1e999}]'), 400, 'invalid_record'],
      ['bad label', post(url, '[{"name":"x","value":1,"labels":{"a":1}}]'), 400, 'invalid_record'],
      ['bad type', post(url, '[{"name":"x","value":1,"type":"meter"}]'), 400, 'invalid_record'],
      ['form content type', post(url, '[]', { 'content-type': 'application/x-www-form-urlencoded' }), 415, 'unsupported_content_type'],
      ['brotli', post(url, '[]', { 'content-type': 'application/json', 'content-encoding': 'br' }), 415, 'unsupported_content_encoding'],
      ['corrupt gzip', post(url, 'not gzip at all', { 'content-type': 'application/json', 'content-encoding': 'gzip' }), 400, 'bad_compression'],
      ['unknown path', post(`${daemon.ingestUrl}/nope`, '[]'), 404, 'not_found'],
    ];
    for (const [name, pending, status, code] of cases) {
      const reply = await pending;
      assert.equal(reply.status, status, name);
      assert.equal(reply.body['error'], code, name);
      assert.equal(typeof reply.body['message'], 'string', name);
    }
    const invalid = await post(url, JSON.stringify({ metrics: [{ name: 'ok', value: 1 }, { name: 'bad', value: 'x' }] }));
    assert.equal(invalid.body['record'], 1);
    assert.match(String(invalid.body['message']), /record 1: value must be number/);

    const get = await fetch(url);
    assert.equal(get.status, 405);
    assert.equal(get.headers.get('allow'), 'POST');

    // A Content-Length over the limit is refused before any body byte is sent.
    const huge = await rawRequest(url, `POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${64 * 1024 * 1024}`);
    assert.equal(huge.status, 413);
    assert.match(huge.body, /"error":"body_too_large"/);
    const noLength = await rawRequest(url, 'POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Type: application/json');
    assert.equal(noLength.status, 411);

    const ok = await post(url, '[{"name":"after_errors","value":1}]');
    assert.equal(ok.status, 200);
    const ready = await fetch(`${daemon.adminUrl}/readyz`);
    assert.equal(ready.status, 200);
  });

  it('refuses a body over the limit with 413 and an empty body with 400', async () => {
    const limit = 1024 * 1024;
    const small = await Daemon.start({ METRICSTREAM_BROKERS: kafka.bootstrap, METRICSTREAM_INGEST_MAX_BODY_BYTES: String(limit) });
    try {
      // Each client below sends nothing after the point where the daemon refuses.
      // The refusal closes the connection; bytes arriving after that make the
      // kernel answer with a reset, and a Node socket whose next write then
      // fails is destroyed before it has read the 413 already on its way.
      const reply = await rawRequest(small.ingestUrl, `POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${4 * limit}`);
      assert.equal(reply.status, 413);
      assert.match(reply.body, /"error":"body_too_large"/);
      const first = 600 * 1024;
      const rest = limit + 1 - first;   // the body's last byte is the one over the limit
      const chunked = await rawRequest(small.ingestUrl, 'POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked',
        [`${first.toString(16)}\r\n${'x'.repeat(first)}\r\n`, `${rest.toString(16)}\r\n${'x'.repeat(rest)}`], 10);
      assert.equal(chunked.status, 413);
      assert.match(chunked.body, /"error":"body_too_large"/);
      const empty = await post(`${small.ingestUrl}/metrics`, '');
      assert.equal(empty.status, 400);
      assert.equal(empty.body['error'], 'empty_body');
    } finally {
      assert.equal((await small.stop()).code, 0);
    }
  });
});
