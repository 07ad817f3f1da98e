// Broker failures on a real 3-node Kafka cluster (KRaft), topics with
// replication factor 3 and min.insync.replicas=2, the daemon on its DEFAULT
// producer settings (issue 10: the mock cluster does not check idempotent
// sequence numbers, so this is where the default pipelining is proven):
//
//   1. kill -9 the leader of a busy partition under load, then restart it;
//   2. kill two of three: acks=all cannot be met, requests fail with 503 by the
//      delivery deadline, never 200; then bring them back;
//   3. all brokers gone for 10 s under load, then back: new requests are
//      admitted within one probe interval of Kafka taking writes again;
//   4. collectors that give up on a request after 1 s and resend it with its
//      Idempotency-Key while a partition leader is killed: every record once.
//
// Each asserts that every 200-acknowledged record is in Kafka and reports the
// duplicates and the longest stall ("# name: {...}" lines in the test output).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Producer, type DeliveryReport } from 'node-rdkafka';
import { TopicReader } from '../support/consumer';
import { Daemon, metricBatch } from '../support/daemon';
import { auditByContent, sendUntilAnswered, type KeyedOutcome } from '../support/keyed-client';
import { KafkaCluster } from '../support/kafka/cluster';
import { auditWhenRead } from '../support/load';
import { Traffic, type Exchange } from './traffic';

/** The daemon's defaults these tests lean on (src/config/schema.ts, src/main.ts). */
const DELIVERY_TIMEOUT_MS = 20_000;
const REQUEST_TIMEOUT_MS = 30_000;
const PROBE_INTERVAL_MS = 2_000;
const PARTITIONS = 6;

function report(name: string, data: Record<string, unknown>): void {
  process.stdout.write(`# ${name}: ${JSON.stringify(data)}\n`);
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function until(what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return Date.now();
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(50);
  }
}

/** Every exchange was answered, by the daemon's own deadlines: no connection
 * failure, no answer after ingest.requestTimeoutMs, and only 200 or 503. */
function assertAnsweredInTime(exchanges: readonly Exchange[]): void {
  const failed = exchanges.filter((e) => e.status === 0);
  assert.deepEqual(failed, [], 'no request lost its connection');
  const late = exchanges.filter((e) => e.answeredAt - e.sentAt > REQUEST_TIMEOUT_MS);
  assert.deepEqual(late, [], 'no request hung past ingest.requestTimeoutMs');
  const other = exchanges.filter((e) => e.status !== 200 && e.status !== 503);
  assert.deepEqual(other, [], 'every answer is 200 or 503');
}

/** A plain acks=all producer writing to `topic`: when it succeeds, the cluster takes writes. */
class WriteProbe {
  readonly #producer: Producer;

  private constructor(producer: Producer) {
    this.#producer = producer;
  }

  static async open(bootstrap: string): Promise<WriteProbe> {
    const producer = new Producer({ 'bootstrap.servers': bootstrap, 'client.id': 'test-write-probe', dr_cb: true, 'reconnect.backoff.max.ms': 100 },
      { 'request.required.acks': -1, 'message.timeout.ms': 1_000 });
    await new Promise<void>((resolve, reject) => producer.connect({ timeout: 10_000 }, (err) => (err ? reject(err) : resolve())));
    producer.setPollInterval(10);
    return new WriteProbe(producer);
  }

  /** Resolves with the time the first write to `topic` was acknowledged. */
  async firstAcknowledged(topic: string, timeoutMs: number): Promise<number> {
    return until(`${topic} to take writes`, () => new Promise<boolean>((resolve) => {
      const onReport = (err: unknown, report: DeliveryReport): void => {
        if (report.opaque !== marker) return;
        this.#producer.off('delivery-report', onReport);
        resolve(!err);
      };
      const marker = {};
      this.#producer.on('delivery-report', onReport);
      try {
        this.#producer.produce(topic, null, Buffer.from('probe'), null, null, marker);
      } catch {
        this.#producer.off('delivery-report', onReport);
        resolve(false);
      }
    }), timeoutMs);
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.#producer.disconnect(() => resolve()));
  }
}

/** The daemon's own count of answers by status (metricstream_http_requests_total), which
 * sees refusals whose connection closed before the client read them. */
async function answersCounted(daemon: Daemon): Promise<Record<string, number>> {
  const text = await fetch(`${daemon.adminUrl}/metrics`).then((r) => r.text());
  const counts: Record<string, number> = {};
  for (const m of text.matchAll(/^metricstream_http_requests_total\{([^}]*)\} (\d+)/gm)) counts[m[1]!] = Number(m[2]);
  return counts;
}

/** Polls /readyz and records when readiness changed. */
function watchReadiness(adminUrl: string): { stop(): Promise<Array<{ at: number; ready: boolean }>> } {
  const transitions: Array<{ at: number; ready: boolean }> = [];
  let stopped = false;
  const loop = (async () => {
    let last: boolean | undefined;
    while (!stopped) {
      const ready = await fetch(`${adminUrl}/readyz`).then((r) => r.status === 200, () => false);
      if (ready !== last) transitions.push({ at: Date.now(), ready });
      last = ready;
      await sleep(20);
    }
  })();
  return { stop: async () => { stopped = true; await loop; return transitions; } };
}

describe('real Kafka: broker failures (3 nodes, RF 3, min.insync.replicas 2, default producer settings)', () => {
  let kafka: KafkaCluster;

  before(async () => {
    kafka = await KafkaCluster.start({ nodes: 3 });
  });

  after(async () => {
    await kafka?.stop();
  });

  async function setUp(topic: string): Promise<{ daemon: Daemon; reader: TopicReader }> {
    await kafka.createTopic(topic, PARTITIONS, 3, { 'min.insync.replicas': '2' });
    // Nothing but where to write: the producer runs on its defaults.
    const daemon = await Daemon.start({ METRICSTREAM_BROKERS: kafka.bootstrap, METRICSTREAM_KAFKA_TOPICS_METRICS: topic });
    const reader = await TopicReader.open(kafka.bootstrap, topic);
    return { daemon, reader };
  }

  it('kill -9 of a busy partition leader under load, then its restart: every acknowledged record is in Kafka', async () => {
    const { daemon, reader } = await setUp('leaderloss');
    try {
      const traffic = new Traffic(`${daemon.ingestUrl}/metrics`, 8, 20);
      await until('20 acknowledged requests', async () => traffic.exchanges.filter((e) => e.status === 200).length >= 20, 60_000);
      const leader = await kafka.leaderOf('leaderloss', 0);
      const killedAt = Date.now();
      await kafka.kill(leader);
      // The controller fences the dead broker after broker.session.timeout.ms (9 s) and moves its leaderships.
      const movedAt = await until('partition 0 to get a new leader', async () => (await kafka.leaderOf('leaderloss', 0)) !== leader, 60_000);
      const servedAt = await until('a request sent after the kill to be acknowledged', async () =>
        traffic.exchanges.some((e) => e.status === 200 && e.sentAt >= killedAt), 60_000);
      await sleep(3_000);
      const restartedAt = Date.now();
      kafka.restart(leader);
      await kafka.waitForBroker(leader);
      await kafka.waitForFullIsr('leaderloss', 3);
      const wholeAt = Date.now();
      await sleep(3_000);
      const exchanges = await traffic.stop();
      const { expected, missing, duplicates } = await auditWhenRead(reader, traffic.acknowledged(), 60_000);
      const failedAfterKillMs = exchanges.filter((e) => e.status !== 200).map((e) => e.answeredAt - killedAt);
      report('leader loss', {
        sent: exchanges.length, statuses: traffic.summary(), acknowledgedRecords: expected, missing, duplicates,
        longestStallMs: traffic.longestStallMs(), newLeaderAfterKillMs: movedAt - killedAt, servedAgainAfterKillMs: servedAt - killedAt,
        restartedBrokerInIsrAfterMs: wholeAt - restartedAt,
        failuresAnsweredAfterKillMs: failedAfterKillMs.length === 0 ? null : [Math.min(...failedAfterKillMs), Math.max(...failedAfterKillMs)],
        daemonAnswers: await answersCounted(daemon),
        daemonWarnings: daemon.logs.filter((l) => l.level >= 40 && !String(l.msg).includes('does not exist')).map((l) => `${l.msg}: ${JSON.stringify(l['err'] ?? '')}`.slice(0, 300)).slice(0, 5),
      });
      assertAnsweredInTime(exchanges);
      assert.equal(missing, 0, 'every 200-acknowledged record is in Kafka');
      // Regression (issue 10): the health probe queued behind the produce backlog on the
      // producer's connections, timed out, and 98 of 1,131 requests were refused with
      // kafka_unavailable while two of three brokers served; its own handle refused none.
      assert.deepEqual(exchanges.filter((e) => e.error === 'kafka_unavailable'), [], 'Kafka stayed reachable: no kafka_unavailable refusal');
      assert.deepEqual(exchanges.filter((e) => e.sentAt > wholeAt && e.status !== 200), [], 'every request succeeds once the cluster is whole');
    } finally {
      await reader.close();
      assert.equal((await daemon.stop()).code, 0);
    }
  });

  it('two of three brokers killed: 503 by the delivery deadline, never 200; served again once they are back', async () => {
    const { daemon, reader } = await setUp('quorumloss');
    const probe = await WriteProbe.open(kafka.bootstrap);
    try {
      const traffic = new Traffic(`${daemon.ingestUrl}/metrics`, 8, 20);
      await until('20 acknowledged requests', async () => traffic.exchanges.filter((e) => e.status === 200).length >= 20, 60_000);
      const survivor = await kafka.leaderOf('quorumloss', 0);
      const victims = kafka.nodeIds.filter((id) => id !== survivor);
      for (const id of victims) await kafka.kill(id);
      const killedAt = Date.now();
      // Until every client has had an answer to a request it sent after the kill
      // (the requests in flight at the kill fail first, by the delivery deadline).
      await until('each client to be answered a request sent after the kill', async () =>
        new Set(traffic.exchanges.filter((e) => e.sentAt >= killedAt).map((e) => e.client)).size === 8, 3 * DELIVERY_TIMEOUT_MS);
      const restoredAt = Date.now();
      for (const id of victims) kafka.restart(id);
      const takesWritesAt = await probe.firstAcknowledged('quorumloss', 120_000);
      const servedAt = await until('the daemon to acknowledge a request sent after the restore', async () =>
        traffic.exchanges.some((e) => e.status === 200 && e.sentAt >= restoredAt), 60_000);
      await sleep(2_000);
      const exchanges = await traffic.stop();
      assertAnsweredInTime(exchanges);
      const down = exchanges.filter((e) => e.sentAt >= killedAt && e.answeredAt <= restoredAt);
      const firstFailureAfterKillMs = Math.min(...exchanges.filter((e) => e.status === 503 && e.answeredAt >= killedAt).map((e) => e.answeredAt)) - killedAt;
      const { expected, missing, duplicates } = await auditWhenRead(reader, traffic.acknowledged(), 60_000);
      const downLatencies = down.map((e) => e.answeredAt - e.sentAt).sort((a, b) => a - b);
      report('two of three killed', {
        sent: exchanges.length, statuses: traffic.summary(), whileDown: traffic.summary((e) => down.includes(e)),
        slowestRefusalWhileDownMs: downLatencies.at(-1) ?? null, fastestRefusalWhileDownMs: downLatencies[0] ?? null, firstFailureAfterKillMs, acknowledgedRecords: expected, missing, duplicates,
        longestStallMs: traffic.longestStallMs(), clusterTakesWritesAfterRestoreMs: takesWritesAt - restoredAt,
        daemonServedAfterRestoreMs: servedAt - restoredAt, daemonServedAfterClusterTakesWritesMs: servedAt - takesWritesAt,
      });
      assert.ok(down.length > 0, 'requests were sent while two brokers were down');
      assert.deepEqual(down.filter((e) => e.status !== 503), [], 'while acks=all cannot be met every request gets 503, never 200');
      assert.equal(missing, 0, 'every 200-acknowledged record is in Kafka');
    } finally {
      await probe.close();
      await reader.close();
      assert.equal((await daemon.stop()).code, 0);
    }
  });

  it('all brokers gone for 10 s under load: admitting again within one probe interval of Kafka taking writes', async () => {
    const { daemon, reader } = await setUp('outage');
    const probe = await WriteProbe.open(kafka.bootstrap);
    try {
      // The scenario: 20 clients of 100-metric batches.
      const traffic = new Traffic(`${daemon.ingestUrl}/metrics`, 20, 100);
      const readiness = watchReadiness(daemon.adminUrl);
      await until('20 acknowledged requests', async () => traffic.exchanges.filter((e) => e.status === 200).length >= 20, 60_000);
      for (const id of kafka.nodeIds) await kafka.kill(id);
      const killedAt = Date.now();
      await sleep(10_000);
      const restoredAt = Date.now();
      for (const id of kafka.nodeIds) kafka.restart(id);
      const takesWritesAt = await probe.firstAcknowledged('outage', 120_000);
      const servedAt = await until('the daemon to acknowledge a request sent after Kafka takes writes', async () =>
        traffic.exchanges.some((e) => e.status === 200 && e.sentAt >= takesWritesAt), 60_000);
      await sleep(3_000);
      const exchanges = await traffic.stop();
      const transitions = await readiness.stop();
      assertAnsweredInTime(exchanges);
      const refusedLate = exchanges.filter((e) => e.error === 'kafka_unavailable' && e.sentAt >= takesWritesAt + PROBE_INTERVAL_MS);
      const admittedAt = exchanges.filter((e) => e.sentAt >= restoredAt && e.error !== 'kafka_unavailable').map((e) => e.sentAt).sort((a, b) => a - b)[0];
      const { expected, missing, duplicates } = await auditWhenRead(reader, traffic.acknowledged(), 60_000);
      report('all brokers down 10 s', {
        sent: exchanges.length, statuses: traffic.summary(), acknowledgedRecords: expected, missing, duplicates,
        notReadyAfterKillMs: (transitions.find((t) => !t.ready && t.at >= killedAt)?.at ?? NaN) - killedAt,
        readyAfterTakesWritesMs: (transitions.find((t) => t.ready && t.at >= restoredAt)?.at ?? NaN) - takesWritesAt,
        clusterTakesWritesAfterRestartMs: takesWritesAt - restoredAt,
        firstAdmittedAfterTakesWritesMs: admittedAt === undefined ? null : admittedAt - takesWritesAt,
        first200SentAfterTakesWritesAnsweredAfterMs: servedAt - takesWritesAt,
        refusedKafkaUnavailableLaterThanOneProbeInterval: refusedLate.length,
      });
      assert.deepEqual(refusedLate, [], 'no kafka_unavailable refusal later than one probe interval after Kafka takes writes');
      assert.equal(missing, 0, 'every 200-acknowledged record is in Kafka');
    } finally {
      await probe.close();
      await reader.close();
      assert.equal((await daemon.stop()).code, 0);
    }
  });

  it('keyed clients resending on a 1 s timeout while a partition leader is killed and restarted: every acknowledged record in Kafka once', async () => {
    const { daemon, reader } = await setUp('keyedleader');
    const outcomes: KeyedOutcome[] = [];
    const acknowledged = new Map<string, number>();
    let sending = true;
    // 8 collectors, 4 batches of 20 on the wire each, new batches until told to stop.
    const load = Promise.all(Array.from({ length: 32 }, async (_, sender) => {
      for (let r = 0; sending; r++) {
        const tag = `keyed-s${sender}-r${r}`;
        const outcome = await sendUntilAnswered({
          url: () => `${daemon.ingestUrl}/metrics`, body: metricBatch(20, tag).body, key: tag,
          timeoutMs: 1_000, maxAttempts: 120, backoffMs: 200,
        });
        outcomes.push(outcome);
        if (outcome.status !== null) acknowledged.set(tag, outcome.accepted);
      }
    }));
    try {
      await until('20 acknowledged requests', async () => acknowledged.size >= 20, 60_000);
      const leader = await kafka.leaderOf('keyedleader', 0);
      const killedAt = Date.now();
      await kafka.kill(leader);
      const movedAt = await until('partition 0 to get a new leader', async () => (await kafka.leaderOf('keyedleader', 0)) !== leader, 60_000);
      await sleep(3_000);
      kafka.restart(leader);
      await kafka.waitForBroker(leader);
      await kafka.waitForFullIsr('keyedleader', 3);
      await sleep(2_000);
      sending = false;
      await load;
      const audit = auditByContent(acknowledged, await reader.settle(2_000, 60_000));
      const timeouts = outcomes.reduce((n, o) => n + o.timeouts, 0);
      const replayed = outcomes.filter((o) => o.replayed).length;
      report('keyed retries, leader loss', {
        requests: outcomes.length, acknowledged: acknowledged.size, timeouts, replayed,
        attempts: outcomes.reduce((n, o) => n + o.attempts, 0), newLeaderAfterKillMs: movedAt - killedAt, ...audit,
      });
      assert.equal(acknowledged.size, outcomes.length, 'every request answered 2xx in the end');
      assert.ok(timeouts > 0, 'clients did time out and resend during the leader change');
      assert.equal(audit.lost, 0, 'every acknowledged record is in Kafka');
      assert.equal(audit.duplicates, 0, 'no request processed twice');
      assert.equal(audit.redeliveries, 0, 'no record written twice by the producer');
    } finally {
      sending = false;
      await load;
      await reader.close();
      assert.equal((await daemon.stop()).code, 0);
    }
  });
});
