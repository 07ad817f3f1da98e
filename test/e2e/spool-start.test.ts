// delivery.mode spool started while no broker is reachable (the mock cluster
// with every broker down): the daemon starts, is ready and answers 200
// (durable: spool); once the brokers are up every acknowledged record is in
// Kafka, in order per series, on the partition murmur2 of its key gives with
// the topic's partition count — per-record and ndjson-batch alike. A topic
// that turns out missing when Kafka arrives holds its records in the spool,
// said by /readyz, a metric and the log, until it is created. kafka mode still
// refuses to start without Kafka.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { partitionOf } from '../../src/decode/murmur2';
import { seriesKey } from '../../src/decode/series-key';
import { TopicReader, type ConsumedRecord } from '../support/consumer';
import { Daemon, runToExit } from '../support/daemon';
import { MockKafka } from '../support/mock-kafka';

const BROKERS = [1, 2, 3];
/** Load while every broker is down (the issue asks for 30 s; 20 s keeps the file
 * under a minute and still spans many group commits and segments). */
const OUTAGE_MS = 20_000;
const dirs: string[] = [];

function spoolDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spool-start-'));
  dirs.push(dir);
  return dir;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

async function until(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

async function metric(daemon: Daemon, name: string): Promise<number> {
  const text = await fetch(`${daemon.adminUrl}/metrics`).then((r) => r.text());
  return Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);
}

async function readiness(daemon: Daemon): Promise<{ status: number; reasons: string[] }> {
  const reply = await fetch(`${daemon.adminUrl}/readyz`);
  return { status: reply.status, reasons: ((await reply.json()) as { reasons: string[] }).reasons };
}

function report(name: string, data: Record<string, unknown>): void {
  process.stdout.write(`# ${name}: ${JSON.stringify(data)}\n`);
}

interface MetricLine { name: string; value: number; labels: Record<string, string> }

/** Clients sending the same series with a rising value; remembers each
 * acknowledged point as "client/series/value". */
function startLoad(url: string, name: string, clients = 3, series = 12) {
  const acknowledged = new Set<string>();
  const statuses = new Map<string, number>();
  const durable = new Set<string>();
  let stopped = false;
  const done = Promise.all(Array.from({ length: clients }, async (_, client) => {
    for (let value = 0; !stopped; value++) {
      const points = Array.from({ length: series }, (_, s) => ({ name, value, labels: { client: `c${client}`, series: `s${s}` } }));
      const res = await fetch(url, { method: 'POST', body: JSON.stringify(points), headers: { 'content-type': 'application/json' } });
      await res.arrayBuffer();
      statuses.set(String(res.status), (statuses.get(String(res.status)) ?? 0) + 1);
      durable.add(res.headers.get('durable') ?? '');
      if (res.status === 200) for (const p of points) acknowledged.add(`${p.labels.client}/${p.labels.series}/${value}`);
      await sleep(20);
    }
  }));
  return { acknowledged, statuses, durable, stop: async () => { stopped = true; await done; } };
}

/** Every point read, in (partition, offset) order, with what the audit needs. */
function points(records: readonly ConsumedRecord[]): Array<{ id: string; series: string; value: number; partition: number; key: string; messageKey: string | null }> {
  const out = [];
  for (const r of [...records].sort((a, b) => a.partition - b.partition || a.offset - b.offset)) {
    for (const line of r.value.trimEnd().split('\n')) {
      const m = JSON.parse(line) as MetricLine;
      const series = `${m.labels['client']}/${m.labels['series']}`;
      out.push({ id: `${series}/${m.value}`, series, value: m.value, partition: r.partition, key: seriesKey(m.name, m.labels), messageKey: r.key });
    }
  }
  return out;
}

/** Missing acknowledged points, points on the wrong partition, series out of order (first copies). */
function audit(acknowledged: Set<string>, records: readonly ConsumedRecord[], partitions: number) {
  const read = points(records);
  const seen = new Set(read.map((p) => p.id));
  const missing = [...acknowledged].filter((id) => !seen.has(id)).length;
  const wrongPartition = read.filter((p) => p.partition !== partitionOf(Buffer.from(p.key), partitions)).length;
  const first = new Set<string>();
  const last = new Map<string, number>();
  let outOfOrder = 0;
  for (const p of read) {
    if (first.has(p.id)) continue;
    first.add(p.id);
    if ((last.get(p.series) ?? -1) > p.value) outOfOrder++;
    last.set(p.series, p.value);
  }
  return { expected: acknowledged.size, read: read.length, missing, duplicates: read.length - seen.size, wrongPartition, outOfOrder, partitionsUsed: new Set(read.map((p) => p.partition)).size };
}

describe('delivery.mode spool started without Kafka', () => {
  let kafka: MockKafka;

  before(async () => {
    kafka = await MockKafka.start({ topics: { sprecord: 6, spbatch: 5, spheld: 3 } });
  });

  after(async () => {
    await kafka.stop();
    for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
  });

  function startDaemon(env: Record<string, string>): Promise<Daemon> {
    return Daemon.start({
      METRICSTREAM_BROKERS: kafka.bootstrap,
      METRICSTREAM_DELIVERY_MODE: 'spool',
      METRICSTREAM_SPOOL_DIR: spoolDir(),
      METRICSTREAM_SPOOL_SEGMENT_BYTES: String(256 * 1024),
      METRICSTREAM_KAFKA_DELIVERY_TIMEOUT_MS: '5000',
      // The mock creates a topic a metadata request names unless told not to.
      METRICSTREAM_KAFKA_PRODUCER__allow_auto_create_topics: 'false',
      ...env,
    });
  }

  it('kafka mode still refuses to start when no broker is reachable', async () => {
    for (const id of BROKERS) await kafka.command(`down ${id}`);
    try {
      const exit = await runToExit({ METRICSTREAM_BROKERS: kafka.bootstrap, METRICSTREAM_DELIVERY_MODE: 'kafka' });
      assert.equal(exit.code, 1);
      assert.ok(exit.logs.some((l) => /^cannot use Kafka at /.test(l.msg)), 'the log says Kafka could not be used');
    } finally {
      for (const id of BROKERS) await kafka.command(`up ${id}`);
    }
  });

  it('every broker down at start: ready, 200 durable: spool; brokers up: every point in Kafka, in order, on the partition its key says (per-record and ndjson-batch)', async () => {
    for (const id of BROKERS) await kafka.command(`down ${id}`);
    const perRecord = await startDaemon({ METRICSTREAM_KAFKA_TOPICS_METRICS: 'sprecord' });
    const batch = await startDaemon({ METRICSTREAM_KAFKA_TOPICS_METRICS: 'spbatch', METRICSTREAM_KAFKA_MESSAGE_MODE: 'ndjson-batch' });
    const loads = [startLoad(`${perRecord.ingestUrl}/metrics`, 'startrec'), startLoad(`${batch.ingestUrl}/metrics`, 'startbatch')];
    try {
      const readyDuringOutage = [await readiness(perRecord), await readiness(batch)];
      assert.equal(await metric(perRecord, 'metricstream_kafka_reachable'), 0, 'started while Kafka is unreachable');
      await sleep(OUTAGE_MS);
      const spooled = [await metric(perRecord, 'metricstream_spool_messages'), await metric(batch, 'metricstream_spool_messages')];
      for (const id of BROKERS) await kafka.command(`up ${id}`);
      await sleep(3_000);
      await Promise.all(loads.map((l) => l.stop()));
      const readers = [await TopicReader.open(kafka.bootstrap, 'sprecord'), await TopicReader.open(kafka.bootstrap, 'spbatch')];
      try {
        const results = [];
        for (const [i, partitions] of [[0, 6], [1, 5]] as const) {
          const load = loads[i]!;
          await until('every acknowledged point read', () => new Set(points(readers[i]!.records).map((p) => p.id)).size >= load.acknowledged.size, 120_000);
          await readers[i]!.settle(500, 10_000);
          results.push({ statuses: Object.fromEntries(load.statuses), durable: [...load.durable], ...audit(load.acknowledged, readers[i]!.records, partitions) });
        }
        const keyed = points(readers[0]!.records).every((p) => p.messageKey === p.key);
        report('spool: started with every broker down', { outageMs: OUTAGE_MS, readyDuringOutage, spooled, perRecord: results[0], ndjsonBatch: results[1] });
        for (const ready of readyDuringOutage) assert.deepEqual(ready, { status: 200, reasons: [] });
        for (const [i, r] of results.entries()) {
          assert.deepEqual(Object.keys(r.statuses), ['200'], `every request answered 200 (${i})`);
          assert.deepEqual(r.durable, ['spool']);
          assert.ok(r.expected > 0 && spooled[i]! > 0, 'the outage was absorbed by the spool');
          assert.equal(r.missing, 0, 'every acknowledged point is in Kafka');
          assert.equal(r.wrongPartition, 0, 'every point on the partition murmur2 of its key gives');
          assert.equal(r.outOfOrder, 0, 'every series in order');
          assert.equal(r.partitionsUsed, i === 0 ? 6 : 5, 'the keys spread over every partition');
        }
        assert.ok(keyed, 'per-record messages keep their series key');
        assert.ok(perRecord.logs.some((l) => /starting without it/.test(l.msg)));
        assert.ok(perRecord.logs.some((l) => l.msg.startsWith('connected to Kafka after starting without it')));
      } finally {
        for (const reader of readers) await reader.close();
      }
    } finally {
      for (const id of BROKERS) await kafka.command(`up ${id}`);
      await Promise.all(loads.map((l) => l.stop()));
      assert.equal((await perRecord.stop()).code, 0);
      assert.equal((await batch.stop()).code, 0);
    }
  });

  it('a topic missing when Kafka arrives: its records stay in the spool, /readyz and a metric say so, nothing is lost; created, they are delivered', async () => {
    for (const id of BROKERS) await kafka.command(`down ${id}`);
    const daemon = await startDaemon({ METRICSTREAM_KAFKA_TOPICS_METRICS: 'spheld', METRICSTREAM_KAFKA_TOPICS_LOGS: 'spheldlogs' });
    try {
      const sent = new Map<string, number>();
      for (let r = 0; r < 20; r++) {
        const logs = Array.from({ length: 5 }, (_, i) => ({ message: `held ${r}/${i}`, labels: { stream: `s${i}` } }));
        const reply = await fetch(`${daemon.ingestUrl}/logs`, { method: 'POST', body: JSON.stringify(logs), headers: { 'content-type': 'application/json' } });
        assert.equal(reply.status, 200, await reply.text());
        assert.equal(reply.headers.get('durable'), 'spool');
        sent.set(reply.headers.get('x-request-id')!, 5);
      }
      for (const id of BROKERS) await kafka.command(`up ${id}`);
      await until('/readyz to name the missing topic', async () => (await readiness(daemon)).reasons.includes('spool_topic_missing'), 30_000);
      const held = { readiness: await readiness(daemon), blocked: await metric(daemon, 'metricstream_spool_blocked_messages'), undelivered: await metric(daemon, 'metricstream_spool_messages') };
      const refused = await fetch(`${daemon.ingestUrl}/logs`, { method: 'POST', body: JSON.stringify([{ message: 'after' }]), headers: { 'content-type': 'application/json' } });
      const refusal = (await refused.json()) as { error: string };
      await sleep(2_000);
      assert.equal(await metric(daemon, 'metricstream_spool_messages'), held.undelivered, 'nothing acknowledged as delivered while the topic is missing');
      await kafka.command('topic spheldlogs 3');
      await until('the held records delivered', async () => (await metric(daemon, 'metricstream_spool_messages')) === 0, 60_000);
      const reader = await TopicReader.open(kafka.bootstrap, 'spheldlogs');
      try {
        await reader.waitFor(100, 30_000);
        await reader.settle(500, 10_000);
        const ids = new Set(reader.records.map((r) => r.headers['metricstream-id']));
        const expected = [...sent].flatMap(([requestId, n]) => Array.from({ length: n }, (_, i) => `${requestId}/${i}`));
        const missing = expected.filter((id) => !ids.has(id)).length;
        const after = await readiness(daemon);
        report('spool: topic missing when Kafka arrives', { held, refusal: refusal.error, delivered: ids.size, missing, after });
        assert.equal(held.readiness.status, 503);
        assert.equal(held.blocked, 100, 'the metric counts the held messages');
        assert.equal(held.undelivered, 100);
        assert.equal(refused.status, 503, 'new requests for the missing topic are refused once Kafka said so');
        assert.equal(refusal.error, 'unknown_topic');
        assert.equal(missing, 0);
        assert.deepEqual(after, { status: 200, reasons: [] });
        assert.equal(await metric(daemon, 'metricstream_spool_blocked_messages'), 0);
        assert.ok(daemon.logs.some((l) => l.level >= 50 && /topic spheldlogs does not exist; its spooled messages/.test(l.msg)), 'an error line names the topic');
      } finally {
        await reader.close();
      }
    } finally {
      for (const id of BROKERS) await kafka.command(`up ${id}`);
      assert.equal((await daemon.stop()).code, 0);
    }
  });
});
