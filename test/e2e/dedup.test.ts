// Idempotent requests end to end: collectors that time out after 1 s while
// Kafka answers in 2 s and resend the same batch with the same
// Idempotency-Key get every record into Kafka exactly once; the same clients
// against a daemon with dedup off write them several times (the control, so
// that this test can fail). In spool mode, a daemon killed with SIGKILL under
// keyed load and restarted on the same spool directory answers the resends
// of requests it had spooled without spooling them again.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, afterEach, beforeEach, describe, it } from 'node:test';
import { TopicReader } from '../support/consumer';
import { Daemon, metricBatch } from '../support/daemon';
import { auditByContent, sendUntilAnswered, type KeyedOutcome } from '../support/keyed-client';
import { MockKafka } from '../support/mock-kafka';

const BROKERS = [1, 2, 3];
const CLIENTS = 20;
const REQUESTS_PER_CLIENT = 50;
/** Batches a client has on the wire at once (a collector's parallel senders). */
const SENDERS_PER_CLIENT = 25;
const RECORDS_PER_REQUEST = 5;

function report(name: string, data: Record<string, unknown>): void {
  process.stdout.write(`# ${name}: ${JSON.stringify(data)}\n`);
}

interface Run {
  readonly outcomes: KeyedOutcome[];
  /** batch tag → records its 2xx accepted. */
  readonly acknowledged: Map<string, number>;
}

/** Every client sends its batches, SENDERS_PER_CLIENT at a time, each until a 2xx or `maxAttempts`. */
async function keyedLoad(url: () => string, run: string,
  options: { keyed: boolean; timeoutMs: number; maxAttempts: number; clients?: number; progress?: { answered: number } }): Promise<Run> {
  const outcomes: KeyedOutcome[] = [];
  const acknowledged = new Map<string, number>();
  await Promise.all(Array.from({ length: options.clients ?? CLIENTS }, async (_, client) => {
    let next = 0;
    await Promise.all(Array.from({ length: SENDERS_PER_CLIENT }, async () => {
      while (next < REQUESTS_PER_CLIENT) {
        const tag = `${run}-c${client}-r${next++}`;
        const outcome = await sendUntilAnswered({
          url, body: metricBatch(RECORDS_PER_REQUEST, tag).body, key: options.keyed ? tag : null,
          timeoutMs: options.timeoutMs, maxAttempts: options.maxAttempts, backoffMs: 100,
        });
        outcomes.push(outcome);
        if (options.progress !== undefined) options.progress.answered++;
        if (outcome.status !== null) acknowledged.set(tag, outcome.accepted);
      }
    }));
  }));
  return { outcomes, acknowledged };
}

async function counter(daemon: Daemon, name: string): Promise<number> {
  const metrics = await fetch(`${daemon.adminUrl}/metrics`).then((r) => r.text());
  return Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(metrics)?.[1] ?? 'NaN');
}

function summary(run: Run): Record<string, number | Record<string, number>> {
  const answered = run.outcomes.filter((o) => o.status !== null);
  const refusals: Record<string, number> = {};
  for (const o of run.outcomes) for (const [why, n] of Object.entries(o.refusals)) refusals[why] = (refusals[why] ?? 0) + n;
  return {
    refusals,
    requests: run.outcomes.length, ok: answered.length, replayed: answered.filter((o) => o.replayed).length,
    attempts: run.outcomes.reduce((n, o) => n + o.attempts, 0), timeouts: run.outcomes.reduce((n, o) => n + o.timeouts, 0),
  };
}

describe('idempotent requests', () => {
  // A cluster per test: produce delays pushed for one test never reach the next.
  // One partition per broker: librdkafka sends a partition's batch per produce
  // request, one request in flight per connection here, so with more partitions
  // per broker a record would wait a 2 s round trip per partition ahead of it.
  let kafka: MockKafka;
  const dirs: string[] = [];

  beforeEach(async () => {
    kafka = await MockKafka.start({ topics: { dedup: 3, nodedup: 3, dedupspool: 3 } });
  });

  afterEach(async () => {
    await kafka.stop();
  });

  after(() => {
    for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
  });

  function start(topic: string, env: Record<string, string> = {}): Promise<Daemon> {
    return Daemon.start({
      METRICSTREAM_BROKERS: kafka.bootstrap,
      METRICSTREAM_KAFKA_TOPICS_METRICS: topic,
      // One produce request per connection: the mock cluster checks no sequence numbers (see kafka-trouble.test.ts).
      METRICSTREAM_KAFKA_PRODUCER__max_in_flight_requests_per_connection: '1',
      ...env,
    });
  }

  /** Produce requests (API key 0) answered `ms` late by every broker. Only
   * produce: with metadata as slow the health probe would find Kafka
   * unreachable and every request would get 503 kafka_unavailable at once. */
  async function slowProduce(ms: number): Promise<void> {
    for (const id of BROKERS) await kafka.command(`delay ${id} 0 ${ms} 5000`);
  }

  it('answers: a replay is the first answer again with Idempotent-Replayed; another body 422 naming the key; a bad key 400 naming the header; byContent keys by body', async () => {
    const daemon = await start('dedup', { METRICSTREAM_DEDUP_BY_CONTENT: 'logs' });
    const reader = await TopicReader.open(kafka.bootstrap, 'dedup');
    const send = (path: string, body: string, headers: Record<string, string> = {}): Promise<Response> =>
      fetch(`${daemon.ingestUrl}${path}`, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } });
    try {
      const { body } = metricBatch(4, 'answers');
      const first = await send('/metrics', body, { 'idempotency-key': 'k-1' });
      const again = await send('/metrics', body, { 'idempotency-key': 'k-1' });
      assert.equal(first.status, 200);
      assert.equal(first.headers.get('idempotent-replayed'), null);
      assert.deepEqual([again.status, again.headers.get('idempotent-replayed'), again.headers.get('content-type'), again.headers.get('durable'), await again.text()],
        [200, 'true', first.headers.get('content-type'), 'kafka', await first.text()]);
      const other = await send('/metrics', metricBatch(4, 'other').body, { 'idempotency-key': 'k-1' });
      const reused = (await other.json()) as { error: string; message: string };
      assert.deepEqual([other.status, reused.error], [422, 'idempotency_key_reused']);
      assert.match(reused.message, /idempotency-key "k-1"/);
      const bad = await send('/metrics', body, { 'idempotency-key': 'has space' });
      const invalid = (await bad.json()) as { error: string; message: string };
      assert.deepEqual([bad.status, invalid.error], [400, 'invalid_idempotency_key']);
      assert.match(invalid.message, /idempotency-key/);
      const line = JSON.stringify({ message: 'same line twice', level: 'info', labels: { batch: 'logs', host: 'h0' } });
      const logs = [await send('/logs', line, { 'content-type': 'application/x-ndjson' }), await send('/logs', line, { 'content-type': 'application/x-ndjson' })];
      assert.deepEqual(logs.map((r) => [r.status, r.headers.get('idempotent-replayed')]), [[200, null], [200, 'true']]);
      await reader.waitFor(4, 10_000);
      const records = await reader.settle(500, 10_000);
      assert.equal(records.filter((r) => r.value.includes('"answers"')).length, 4, 'the replayed request wrote nothing again');
      assert.equal(await counter(daemon, 'metricstream_dedup_replays_total'), 2);
      assert.equal(await counter(daemon, 'metricstream_dedup_conflicts_total'), 1);
    } finally {
      await reader.close();
      assert.equal((await daemon.stop()).code, 0);
    }
  });

  it(`${CLIENTS} clients × ${REQUESTS_PER_CLIENT} requests resending on a 1 s timeout while Kafka takes 2 s to answer a produce: every record exactly once, the resends answered as replays`, async () => {
    const daemon = await start('dedup');
    const reader = await TopicReader.open(kafka.bootstrap, 'dedup');
    try {
      await slowProduce(2_000);
      const run = await keyedLoad(() => `${daemon.ingestUrl}/metrics`, 'keyed', { keyed: true, timeoutMs: 1_000, maxAttempts: 40 });
      const audit = auditByContent(run.acknowledged, await reader.settle(1_000, 30_000));
      const replays = await counter(daemon, 'metricstream_dedup_replays_total');
      report('keyed retries, Kafka produce 2 s', { ...summary(run), ...audit, replaysCounted: replays });
      assert.equal(run.acknowledged.size, CLIENTS * REQUESTS_PER_CLIENT, 'every request answered 2xx in the end');
      assert.equal(audit.expected, CLIENTS * REQUESTS_PER_CLIENT * RECORDS_PER_REQUEST);
      assert.equal(audit.lost, 0);
      assert.equal(audit.duplicates, 0);
      assert.equal(audit.redeliveries, 0);
      assert.ok((summary(run)['timeouts'] as number) > 0, 'clients did time out and resend');
      assert.ok((summary(run)['replayed'] as number) > 0, 'resends were answered as replays');
      assert.ok(replays >= (summary(run)['replayed'] as number), `replays counted (${replays}) cover the replays clients saw`);
    } finally {
      await reader.close();
      assert.equal((await daemon.stop()).code, 0);
    }
  });

  it('the control: the same clients with dedup off write resent batches again', async () => {
    const daemon = await start('nodedup', { METRICSTREAM_DEDUP_ENABLED: 'false' });
    const reader = await TopicReader.open(kafka.bootstrap, 'nodedup');
    try {
      await slowProduce(2_000);
      // Fewer attempts: without dedup a 1 s client never gets a 2 s answer, it only writes again.
      const run = await keyedLoad(() => `${daemon.ingestUrl}/metrics`, 'control', { keyed: true, timeoutMs: 1_000, maxAttempts: 3, clients: 2 });
      const records = await reader.settle(1_000, 30_000);
      const audit = auditByContent(run.acknowledged, records);
      const written = new Set(records.map((r) => r.value)).size;
      report('control: dedup off, Kafka produce 2 s', { ...summary(run), ...audit, recordsInKafka: records.length, distinctRecords: written });
      assert.ok(records.length > written, 'resent batches were written more than once');
    } finally {
      await reader.close();
      assert.equal((await daemon.stop()).code, 0);
    }
  });

  it('spool mode: SIGKILL under keyed load, restart on the same spool: resends of spooled requests are answered, not spooled again; nothing acknowledged lost', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dedup-spool-'));
    dirs.push(dir);
    const env = { METRICSTREAM_DELIVERY_MODE: 'spool', METRICSTREAM_SPOOL_DIR: dir, METRICSTREAM_SPOOL_SEGMENT_BYTES: String(256 * 1024) };
    let daemon = await start('dedupspool', env);
    let url = `${daemon.ingestUrl}/metrics`;
    const reader = await TopicReader.open(kafka.bootstrap, 'dedupspool');
    try {
      const progress = { answered: 0 };
      const load = keyedLoad(() => url, 'spool', { keyed: true, timeoutMs: 2_000, maxAttempts: 200, progress });
      while (progress.answered < (CLIENTS * REQUESTS_PER_CLIENT) / 3) await new Promise((resolve) => setTimeout(resolve, 5));
      daemon.child.kill('SIGKILL');
      await daemon.exited;
      daemon = await start('dedupspool', env);
      url = `${daemon.ingestUrl}/metrics`;
      const run = await load;
      const restored = daemon.logs.find((l) => l.msg === 'spool: idempotency keys restored');
      const audit = auditByContent(run.acknowledged, await reader.settle(1_500, 30_000));
      const replays = await counter(daemon, 'metricstream_dedup_replays_total');
      report('spool mode, SIGKILL mid-load, keyed resends', { ...summary(run), ...audit, keysRestored: restored?.['keys'], replaysAfterRestart: replays });
      assert.ok(restored !== undefined && Number(restored['keys']) > 0, 'keys restored from the spool directory');
      assert.equal(run.acknowledged.size, CLIENTS * REQUESTS_PER_CLIENT);
      assert.equal(audit.lost, 0);
      assert.equal(audit.duplicates, 0, 'no request processed twice');
    } finally {
      await reader.close();
      await daemon.stop();
    }
  });
});
