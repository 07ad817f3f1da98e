// delivery.mode spool against the mock cluster: requests keep succeeding while
// every broker is down and reach Kafka once it is back, in order per series;
// kill -9 under load loses nothing acknowledged; start-up repairs a torn tail
// and steps over a corrupted record; a full filesystem gives 503s, no damage,
// and success again once space is freed; SIGTERM exits promptly and what was
// not yet in Kafka is replayed on the next start.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { frameSize, sealFrames, writeFrame } from '../../src/spool/frame';
import { segmentFile } from '../../src/spool/segments';
import { recordId, TopicReader } from '../support/consumer';
import { Daemon, metricBatch, post } from '../support/daemon';
import { auditWhenRead, outOfOrder, runLoad, startSeriesLoad } from '../support/load';
import { MockKafka } from '../support/mock-kafka';

const DELIVERY_TIMEOUT_MS = 3_000;
const BROKERS = [1, 2, 3];
const dirs: string[] = [];

function spoolDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spool-e2e-'));
  dirs.push(dir);
  return dir;
}

function report(name: string, data: Record<string, unknown>): void {
  process.stdout.write(`# ${name}: ${JSON.stringify(data)}\n`);
}

async function until(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

async function metric(daemon: Daemon, name: string): Promise<number> {
  const text = await fetch(`${daemon.adminUrl}/metrics`).then((r) => r.text());
  return Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);
}


describe('delivery.mode spool', () => {
  let kafka: MockKafka;

  before(async () => {
    kafka = await MockKafka.start({ topics: { spoolout: 8, spoolkill: 8, spooldamage: 4, spoolfull: 4, spoolterm: 4 } });
  });

  after(async () => {
    await kafka.stop();
    for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
  });

  // max.in.flight 1 for the reason kafka-trouble.test.ts gives: the mock
  // cluster does not check idempotent sequences, and acks what it never wrote
  // when requests are pipelined across a broker's loss.
  function startDaemon(topic: string, dir: string, extra: Record<string, string> = {}): Promise<Daemon> {
    return Daemon.start({
      METRICSTREAM_BROKERS: kafka.bootstrap,
      METRICSTREAM_KAFKA_TOPICS_METRICS: topic,
      METRICSTREAM_KAFKA_DELIVERY_TIMEOUT_MS: String(DELIVERY_TIMEOUT_MS),
      METRICSTREAM_INGEST_REQUEST_TIMEOUT_MS: String(DELIVERY_TIMEOUT_MS + 2_000),
      METRICSTREAM_KAFKA_PRODUCER__max_in_flight_requests_per_connection: '1',
      METRICSTREAM_DELIVERY_MODE: 'spool',
      METRICSTREAM_SPOOL_DIR: dir,
      METRICSTREAM_SPOOL_SEGMENT_BYTES: String(1024 * 1024),
      ...extra,
    });
  }

  it('all brokers down for 30 s under load: every request 200 (durable: spool), then every record in Kafka, in order per series', async () => {
    const daemon = await startDaemon('spoolout', spoolDir());
    const reader = await TopicReader.open(kafka.bootstrap, 'spoolout');
    const load = startSeriesLoad(`${daemon.ingestUrl}/metrics`, 'spool_order');
    const { acknowledged, statuses, durable } = load;
    try {
      await sleep(1_000);
      for (const id of BROKERS) await kafka.command(`down ${id}`);
      await sleep(30_000);
      const duringOutage = { ...Object.fromEntries(statuses) };
      const spooledMessages = await metric(daemon, 'metricstream_spool_messages');
      const oldestSeconds = await metric(daemon, 'metricstream_spool_oldest_undelivered_seconds');
      const ready = (await fetch(`${daemon.adminUrl}/readyz`)).status;
      for (const id of BROKERS) await kafka.command(`up ${id}`);
      await sleep(2_000);
      await load.stop();
      const { expected, missing, duplicates } = await auditWhenRead(reader, acknowledged, 120_000);
      const wrongOrder = outOfOrder(reader.records);
      report('spool: brokers down 30 s', { statuses: Object.fromEntries(statuses), duringOutage, spooledMessages, oldestSeconds, expected, missing, duplicates, wrongOrder });
      assert.deepEqual([...statuses.keys()], ['200'], 'every request succeeded');
      assert.deepEqual([...durable], ['spool']);
      assert.equal(ready, 200, '/readyz stays ready while the spool has room');
      assert.ok(spooledMessages > 0 && oldestSeconds >= 20, `the spool absorbed the outage: ${spooledMessages} messages, oldest ${oldestSeconds} s`);
      assert.ok(expected > 0);
      assert.equal(missing, 0);
      assert.equal(wrongOrder, 0);
      assert.ok(daemon.logs.some((l) => /spool: absorbing/.test(l.msg)), 'a log line says the spool is absorbing');
    } finally {
      await load.stop();
      await reader.close();
      assert.equal((await daemon.stop()).code, 0);
    }
  });

  it('kill -9 under load, restart on the same directory: every acknowledged record reaches Kafka', async () => {
    const dir = spoolDir();
    const first = await startDaemon('spoolkill', dir);
    const reader = await TopicReader.open(kafka.bootstrap, 'spoolkill');
    try {
      // Kafka slowed down, so that much of what is acknowledged is still only in the spool.
      for (const id of BROKERS) await kafka.command(`rtt ${id} 200`);
      let killed = false;
      const loading = runLoad({ url: `${first.ingestUrl}/metrics`, clients: 8, metricsPerRequest: 100, maxRequestsPerClient: 1_000, stop: () => killed });
      await until('load under way', async () => (await metric(first, 'metricstream_spool_syncs_total')) >= 20);
      first.child.kill('SIGKILL');
      killed = true;
      const load = await loading;
      await first.exited;
      for (const id of BROKERS) await kafka.command(`rtt ${id} 0`);
      const second = await startDaemon('spoolkill', dir);
      try {
        const { expected, missing, duplicates } = await auditWhenRead(reader, load.acknowledged, 120_000);
        report('spool: kill -9 under load', { statuses: Object.fromEntries(load.statuses), expected, missing, duplicates });
        assert.ok(expected > 0);
        assert.equal(missing, 0);
      } finally {
        assert.equal((await second.stop()).code, 0);
      }
    } finally {
      await reader.close();
    }
  });

  it('start-up cuts a torn tail off, steps over a corrupted record, and replays every intact one', async () => {
    const dir = spoolDir();
    const ends: number[][] = [[], []];
    const segments: Buffer[] = [0, 1].map((s) => {
      const parts: Buffer[] = [];
      let total = 0;
      for (let i = s * 10; i < s * 10 + 10; i++) {
        const value = Buffer.from(JSON.stringify({ name: 'damaged', value: i }));
        const id = `damage-test/${i}`;
        const buf = Buffer.alloc(frameSize('spooldamage'.length, 0, id.length, value.length));
        writeFrame(buf, 0, 'spooldamage', -1, null, id, value, 1, Date.now());
        parts.push(buf);
        total += buf.length;
        ends[s]!.push(total);
      }
      const segment = Buffer.concat(parts);
      sealFrames(segment);
      return segment;
    });
    segments[0]![ends[0]![2]! + 30] ^= 0xff; // record 3's payload
    fs.writeFileSync(segmentFile(dir, 1), segments[0]!);
    fs.writeFileSync(segmentFile(dir, 2), Buffer.concat([segments[1]!, segments[1]!.subarray(0, 25)])); // torn after record 19
    const reader = await TopicReader.open(kafka.bootstrap, 'spooldamage');
    const daemon = await startDaemon('spooldamage', dir);
    try {
      const records = await reader.waitFor(19, 30_000);
      await reader.settle(500, 5_000);
      const ids = new Set(records.map((r) => recordId(r).index));
      const skipped = daemon.logs.find((l) => l.msg === 'spool: skipped a damaged stretch of a segment');
      const truncated = daemon.logs.find((l) => l.msg === 'spool: cut a torn or damaged tail off a segment');
      report('spool: damaged segments', { delivered: ids.size, skipped, truncated });
      assert.deepEqual([...ids].sort((a, b) => a - b), Array.from({ length: 20 }, (_, i) => i).filter((i) => i !== 3));
      assert.equal(skipped?.['segment'], 1);
      assert.equal(skipped?.['offset'], ends[0]![2]);
      assert.equal(truncated?.['segment'], 2);
      assert.equal(truncated?.['offset'], ends[1]![9]);
      assert.equal(fs.statSync(segmentFile(dir, 2)).size, ends[1]![9], 'the torn tail is gone from the file');
    } finally {
      await reader.close();
      assert.equal((await daemon.stop()).code, 0);
    }
  });

  it('a full filesystem: 503 spool_unavailable with Retry-After, no damaged segment, success again once space is freed', async (t) => {
    if (process.getuid?.() !== 0) {
      t.skip('mounting a size-limited tmpfs needs root');
      return;
    }
    const dir = spoolDir();
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', dir]);
    let daemon: Daemon | undefined;
    const reader = await TopicReader.open(kafka.bootstrap, 'spoolfull');
    const acknowledged = new Map<string, number>();
    try {
      daemon = await startDaemon('spoolfull', dir, { METRICSTREAM_SPOOL_SEGMENT_BYTES: String(256 * 1024) });
      // Kafka down: nothing is delivered, so nothing is deleted and the disk fills.
      for (const id of BROKERS) await kafka.command(`down ${id}`);
      let refusal: Record<string, unknown> | undefined;
      let retryAfter: string | null = null;
      for (let r = 0; r < 2_000 && refusal === undefined; r++) {
        const reply = await post(`${daemon.ingestUrl}/metrics`, metricBatch(50, `full${r}`).body);
        if (reply.status === 200) acknowledged.set(reply.headers.get('x-request-id')!, 50);
        else {
          assert.equal(reply.status, 503);
          refusal = reply.body;
          retryAfter = reply.headers.get('retry-after');
        }
      }
      assert.equal(refusal?.['error'], 'spool_unavailable', JSON.stringify(refusal));
      assert.match(String(refusal?.['message']), /ENOSPC/);
      assert.ok(retryAfter);
      // The log line and the answer leave the daemon on different paths: wait for it, bounded.
      await until('a log line saying the write failed', () => daemon!.logs.some((l) => l.msg.startsWith('spool: write failed')), 10_000);
      // Space comes back when Kafka takes the spooled records and their segments are deleted.
      for (const id of BROKERS) await kafka.command(`up ${id}`);
      await until('a request to succeed again', async () => {
        const reply = await post(`${daemon!.ingestUrl}/metrics`, metricBatch(50, `again${Date.now()}`).body);
        if (reply.status === 200) acknowledged.set(reply.headers.get('x-request-id')!, 50);
        return reply.status === 200;
      }, 60_000);
      const { expected, missing, duplicates } = await auditWhenRead(reader, acknowledged, 60_000);
      assert.equal((await daemon.stop()).code, 0);
      daemon = undefined;
      // No damage: a restart on the same directory finds nothing to repair.
      const again = await startDaemon('spoolfull', dir);
      const repairs = again.logs.filter((l) => l.msg.startsWith('spool: cut') || l.msg.startsWith('spool: skipped')).length;
      assert.equal((await again.stop()).code, 0);
      report('spool: full filesystem', { acknowledged: acknowledged.size, expected, missing, duplicates, repairs });
      assert.equal(missing, 0);
      assert.equal(repairs, 0);
    } finally {
      for (const id of BROKERS) await kafka.command(`up ${id}`);
      if (daemon !== undefined) await daemon.stop();
      await reader.close();
      execFileSync('umount', [dir]);
    }
  });

  it('spool.maxBytes reached: 503 spool_full with Retry-After at admission, /readyz says spool_full, room again once Kafka takes the records', async () => {
    const daemon = await startDaemon('spoolfull', spoolDir(), { METRICSTREAM_SPOOL_MAX_BYTES: String(1024 * 1024), METRICSTREAM_SPOOL_MAX_UNSYNCED_BYTES: String(1024 * 1024), METRICSTREAM_SPOOL_SEGMENT_BYTES: String(64 * 1024) });
    try {
      for (const id of BROKERS) await kafka.command(`down ${id}`);
      let refused: { status: number; body: Record<string, unknown>; retryAfter: string | null } | undefined;
      for (let r = 0; r < 500 && refused === undefined; r++) {
        const reply = await post(`${daemon.ingestUrl}/metrics`, metricBatch(50, `bound${r}`).body);
        if (reply.status !== 200) refused = { status: reply.status, body: reply.body, retryAfter: reply.headers.get('retry-after') };
      }
      assert.equal(refused?.status, 503);
      assert.equal(refused?.body['error'], 'spool_full', JSON.stringify(refused?.body));
      assert.ok(refused?.retryAfter);
      const ready = await fetch(`${daemon.adminUrl}/readyz`);
      assert.equal(ready.status, 503);
      assert.deepEqual(((await ready.json()) as { reasons: string[] }).reasons, ['spool_full']);
      assert.ok(await metric(daemon, 'metricstream_spool_bytes') <= 1024 * 1024);
      for (const id of BROKERS) await kafka.command(`up ${id}`);
      await until('/readyz ready again', async () => (await fetch(`${daemon.adminUrl}/readyz`)).status === 200, 60_000);
      assert.equal((await post(`${daemon.ingestUrl}/metrics`, metricBatch(50, 'bound-after').body)).status, 200);
    } finally {
      for (const id of BROKERS) await kafka.command(`up ${id}`);
      assert.equal((await daemon.stop()).code, 0);
    }
  });

  it('spool.drainOnShutdown: SIGTERM replays everything to Kafka before it exits', async () => {
    const dir = spoolDir();
    const reader = await TopicReader.open(kafka.bootstrap, 'spoolterm');
    const daemon = await startDaemon('spoolterm', dir, { METRICSTREAM_SPOOL_DRAIN_ON_SHUTDOWN: 'true' });
    const acknowledged = new Map<string, number>();
    try {
      // Kafka slow, so that much is still undelivered when the signal comes.
      for (const id of BROKERS) await kafka.command(`rtt ${id} 300`);
      for (let r = 0; r < 10; r++) {
        const reply = await post(`${daemon.ingestUrl}/metrics`, metricBatch(20, `drain${r}`).body);
        assert.equal(reply.status, 200);
        acknowledged.set(reply.headers.get('x-request-id')!, 20);
      }
      assert.equal((await daemon.stop()).code, 0);
      assert.ok(daemon.logs.some((l) => l.msg === 'spool: everything delivered to Kafka'));
      const { expected, missing } = await auditWhenRead(reader, acknowledged, 30_000);
      assert.equal(expected, 200);
      assert.equal(missing, 0);
    } finally {
      for (const id of BROKERS) await kafka.command(`rtt ${id} 0`);
      await reader.close();
    }
  });

  it('SIGTERM with Kafka away exits 0 at once; the next start delivers what was spooled', async () => {
    const dir = spoolDir();
    const reader = await TopicReader.open(kafka.bootstrap, 'spoolterm');
    const first = await startDaemon('spoolterm', dir);
    for (const id of BROKERS) await kafka.command(`down ${id}`);
    const acknowledged = new Map<string, number>();
    try {
      for (let r = 0; r < 10; r++) {
        const reply = await post(`${first.ingestUrl}/metrics`, metricBatch(20, `term${r}`).body);
        assert.equal(reply.status, 200);
        acknowledged.set(reply.headers.get('x-request-id')!, 20);
      }
      const started = Date.now();
      assert.equal((await first.stop()).code, 0);
      const drainMs = Date.now() - started;
      for (const id of BROKERS) await kafka.command(`up ${id}`);
      const second = await startDaemon('spoolterm', dir);
      const { expected, missing, duplicates } = await auditWhenRead(reader, acknowledged, 60_000);
      assert.equal((await second.stop()).code, 0);
      report('spool: SIGTERM with Kafka away', { drainMs, expected, missing, duplicates });
      assert.ok(first.logs.some((l) => l.msg === 'spool: closed; the rest is replayed on the next start'));
      assert.equal(missing, 0);
    } finally {
      for (const id of BROKERS) await kafka.command(`up ${id}`);
      await reader.close();
    }
  });
});
