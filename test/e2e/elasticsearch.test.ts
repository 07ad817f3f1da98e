// Elasticsearch _bulk end to end: Fluent Bit 5.1.1's `es` output requests
// (plain and gzip) replayed, and the official client @elastic/elasticsearch
// 9.5.1 — its start-up calls and its bulk helper — with default settings;
// the documents are read back from Kafka. Then per-item refusals, bad auth,
// too large, malformed bodies (never a 5xx) and Kafka down.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Client } from '@elastic/elasticsearch';
import { capturedRequests } from '../support/client-captures';
import type { ConsumedRecord } from '../support/consumer';
import { assertNeverServerError, recordsWhere, replay, startShipperTarget, TOKEN, withKafkaDown, type ShipperTarget } from '../support/shipper-target';

const BASIC = { authorization: `Basic ${Buffer.from(`elastic:${TOKEN}`).toString('base64')}` };
const MAX_BODY_BYTES = 1024 * 1024;

interface BulkReply {
  errors: boolean;
  items: Array<Record<string, { _index: string; _id?: string; status: number; error?: { type: string; reason: string } }>>;
}

function value(record: ConsumedRecord): Record<string, unknown> {
  return JSON.parse(record.value) as Record<string, unknown>;
}

const ndjson = (...lines: unknown[]): string => `${lines.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n')}\n`;

describe('Elasticsearch _bulk', () => {
  let target: ShipperTarget;
  let bulkUrl: string;

  function bulk(body: string | Uint8Array, headers: Record<string, string> = {}, path = '/_bulk'): Promise<Response> {
    return fetch(`${target.daemon.ingestUrl}${path}`, { method: 'POST', body, headers: { 'content-type': 'application/x-ndjson', ...BASIC, ...headers } });
  }

  before(async () => {
    target = await startShipperTarget('es', { METRICSTREAM_INGEST_MAX_BODY_BYTES: String(MAX_BODY_BYTES) });
    bulkUrl = `${target.daemon.ingestUrl}/_bulk`;
  });

  after(async () => {
    await target.stop();
  });

  it('Fluent Bit 5.1.1 (plain and gzip): 200 errors:false, one 201 item per document, each document a record with its _index', async () => {
    const client = 'fluent-bit-5.1.1';
    const requests = [...capturedRequests(client, '_bulk-'), ...capturedRequests(client, 'gz_bulk-')];
    let documents = 0;
    for (const request of requests) {
      const reply = await replay(target.daemon, request, { headers: BASIC });
      assert.equal(reply.status, 200, request.file);
      assert.equal(reply.headers.get('x-elastic-product'), 'Elasticsearch');
      const answer = await reply.json() as BulkReply;
      const sent = request.body.toString('utf8').split('\n').filter((l) => l !== '').length / 2;
      assert.equal(answer.errors, false);
      assert.equal(answer.items.length, sent);
      assert.ok(answer.items.every((item) => item['create']?.status === 201));
      documents += sent;
    }
    const records = await recordsWhere(target.logs, documents, (v) => String(v['_index']).startsWith('capture-logs'));
    const first = value(records.find((r) => value(r)['_index'] === 'capture-logs')!);
    assert.deepEqual({ ...first, '@timestamp': undefined, timestamp: undefined },
      { message: 'capture es doc', level: 'info', nested: { a: 1 }, _index: 'capture-logs', '@timestamp': undefined, timestamp: undefined });
    assert.equal(first['timestamp'], Date.parse(first['@timestamp'] as string));
    assert.equal(records.filter((r) => value(r)['_index'] === 'capture-logs-gz').length > 0, true);
  });

  it('@elastic/elasticsearch 9.5.1: info, ping, health and template calls answered; its bulk helper writes every document, drops only the one refused', async () => {
    const client = new Client({ node: target.daemon.ingestUrl, auth: { apiKey: TOKEN } });
    try {
      const info = await client.info();
      assert.equal(info.version.number, '9.1.0');
      assert.equal(await client.ping(), true);
      assert.equal((await client.cluster.health()).status, 'green');
      assert.equal((await client.indices.putIndexTemplate({ name: 'js-logs', index_patterns: ['js-logs*'], template: { settings: { number_of_shards: 1 } } })).acknowledged, true);
      assert.equal(await client.indices.existsIndexTemplate({ name: 'js-logs' }), false);

      const docs = Array.from({ length: 60 }, (_, i) => ({ '@timestamp': new Date(1_796_580_338_000 + i).toISOString(), message: `js doc ${i}`, n: i }));
      // Elasticsearch refuses a document holding a metadata field; so does the daemon, as that item alone.
      const refused = { message: 'js doc refused', _id: 'inside' };
      const dropped: Array<{ status: number; error: unknown }> = [];
      const stats = await client.helpers.bulk<Record<string, unknown>>({
        datasource: [...docs.slice(0, 30), refused, ...docs.slice(30)],
        onDocument: (doc) => (doc['n'] === 7 ? { create: { _index: 'js-logs', _id: 'doc-7' } } : { create: { _index: 'js-logs' } }),
        onDrop: (drop) => dropped.push({ status: drop.status, error: drop.error }),
      });
      assert.equal(stats.total, 61);
      assert.equal(stats.successful, 60);
      assert.equal(stats.failed, 1);
      assert.deepEqual(dropped.map((d) => d.status), [400]);
      const records = await recordsWhere(target.logs, 60, (v) => v['_index'] === 'js-logs');
      assert.deepEqual(records.map((r) => value(r)['n']).sort((a, b) => Number(a) - Number(b)), docs.map((d) => d.n));
      const keyed = records.find((r) => value(r)['n'] === 7)!;
      assert.equal(keyed.key, 'doc-7');
      assert.equal(value(keyed)['_id'], 'doc-7');
      assert.equal(value(keyed)['timestamp'], 1_796_580_338_007);
    } finally {
      await client.close();
    }
  });

  it('answers per item: bad JSON, update and delete refused alone (400), the rest written; the path names the index', async () => {
    const reply = await bulk(ndjson(
      { index: {} }, { message: 'path index ok' },
      { create: {} }, '{"message": broken',
      { delete: { _id: 'x' } },
      { update: { _id: 'y' } }, { doc: { a: 1 } },
      { create: { _index: 'other-index' } }, { message: 'action index ok' },
    ), {}, '/path-index/_bulk');
    assert.equal(reply.status, 200);
    const answer = await reply.json() as BulkReply;
    assert.equal(answer.errors, true);
    assert.deepEqual(answer.items.map((item) => Object.entries(item).map(([action, body]) => `${action} ${body._index} ${body.status}`)[0]), [
      'index path-index 201', 'create path-index 400', 'delete path-index 400', 'update path-index 400', 'create other-index 201',
    ]);
    assert.equal(answer.items[1]!['create']!.error!.type, 'mapper_parsing_exception');
    const records = await recordsWhere(target.logs, 2, (v) => String(v['message']).endsWith('index ok'));
    assert.deepEqual(records.map((r) => value(r)['_index']).sort(), ['other-index', 'path-index']);
  });

  it('refusals carry X-Elastic-Product too: no token 401, an unreadable action line 400, too large 413, an unserved compatible-with 415', async () => {
    const body = ndjson({ create: { _index: 'refused' } }, { message: 'never' });
    const noToken = await fetch(bulkUrl, { method: 'POST', body, headers: { 'content-type': 'application/x-ndjson' } });
    assert.equal(noToken.status, 401);
    assert.equal(noToken.headers.get('x-elastic-product'), 'Elasticsearch');
    assert.equal(((await noToken.json()) as { error: { type: string } }).error.type, 'security_exception');
    const badAction = await bulk(ndjson('{"create": ', { message: 'never' }));
    assert.equal(badAction.status, 400);
    assert.equal(badAction.headers.get('x-elastic-product'), 'Elasticsearch');
    const large = await bulk('x'.repeat(MAX_BODY_BYTES + 1));
    assert.equal(large.status, 413);
    assert.equal(large.headers.get('x-elastic-product'), 'Elasticsearch');
    const v7 = await bulk(body, { 'content-type': 'application/vnd.elasticsearch+x-ndjson; compatible-with=7' });
    assert.equal(v7.status, 415);
    await target.logs.settle(500);
    assert.ok(!target.logs.records.some((r) => value(r)['_index'] === 'refused'));
  });

  it('fuzz: mutated bulk bodies never get a 5xx', async () => {
    const valid = Buffer.from(ndjson({ create: { _index: 'fuzz', _id: 'a' } }, { message: 'one', n: 1 }, { index: { _index: 'fuzz' } }, { message: 'two', nested: { a: [1, 2] } }));
    await assertNeverServerError(target, 'elasticsearch', ['ndjson'], (mutate) => bulk(mutate(valid)));
  });

  it('Kafka down: _bulk gets 503 + Retry-After with X-Elastic-Product (shippers retry it); then it succeeds again', async () => {
    const body = ndjson({ create: { _index: 'after-outage' } }, { message: 'after the outage' });
    await withKafkaDown(target, async () => {
      const refused = await bulk(body);
      assert.equal(refused.status, 503);
      assert.ok(refused.headers.get('retry-after'));
      assert.equal(refused.headers.get('x-elastic-product'), 'Elasticsearch');
      assert.match(((await refused.json()) as { error: { reason: string } }).error.reason, /^kafka_unavailable: /);
    });
    assert.equal((await bulk(body)).status, 200);
    await recordsWhere(target.logs, 1, (v) => v['_index'] === 'after-outage');
  });
});
