// The daemon as the target of a log shipper, for the end-to-end tests of the
// Loki, Elasticsearch and Splunk HEC routes: a mock Kafka cluster, the daemon
// with an ingest token, readers on the logs and metrics topics, captured
// requests replayed as their client sent them, and Kafka taken down and back.
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import type { CapturedRequest } from './client-captures';
import { TopicReader, type ConsumedRecord } from './consumer';
import { Daemon } from './daemon';
import { MockKafka } from './mock-kafka';

export const TOKEN = '00000000-0000-0000-0000-000000000000';
const BROKERS = [1, 2, 3];

export interface ShipperTarget {
  readonly kafka: MockKafka;
  readonly daemon: Daemon;
  readonly logs: TopicReader;
  readonly metrics: TopicReader;
  stop(): Promise<void>;
}

/** Topics `<name>-logs` and `<name>-metrics` with 4 partitions each; `env` is added to the daemon's. */
export async function startShipperTarget(name: string, env: Record<string, string> = {}): Promise<ShipperTarget> {
  const topics = { logs: `${name}-logs`, metrics: `${name}-metrics` };
  const kafka = await MockKafka.start({ topics: { [topics.logs]: 4, [topics.metrics]: 4 } });
  const daemon = await Daemon.start({
    METRICSTREAM_BROKERS: kafka.bootstrap, METRICSTREAM_KAFKA_TOPICS_LOGS: topics.logs, METRICSTREAM_KAFKA_TOPICS_METRICS: topics.metrics,
    METRICSTREAM_INGEST_AUTH_TOKENS: TOKEN, ...env,
  });
  const logs = await TopicReader.open(kafka.bootstrap, topics.logs);
  const metrics = await TopicReader.open(kafka.bootstrap, topics.metrics);
  return {
    kafka, daemon, logs, metrics,
    async stop() {
      await logs.close();
      await metrics.close();
      assert.equal((await daemon.stop()).code, 0);
      await kafka.stop();
    },
  };
}

const HOP_HEADERS = new Set(['host', 'content-length', 'connection', 'transfer-encoding']);

/** Sends a captured request to the daemon as its client sent it (Fluent Bit's
 * gzip captures were made on a `/gz` path prefix, dropped here). */
export function replay(daemon: Daemon, request: CapturedRequest, options: { gzip?: boolean; headers?: Record<string, string> } = {}): Promise<Response> {
  const headers = { ...Object.fromEntries(Object.entries(request.headers).filter(([name]) => !HOP_HEADERS.has(name))), ...options.headers };
  const body = options.gzip === true ? gzipSync(request.body) : request.raw;
  if (options.gzip === true) headers['content-encoding'] = 'gzip';
  const url = `${daemon.ingestUrl}${request.url.pathname.replace(/^\/gz\//, '/')}${request.url.search}`;
  return fetch(url, { method: request.method, headers, body });
}

/** The records of `reader` whose value has `field` equal to `value`, once `count` arrived. */
export async function recordsWhere(reader: TopicReader, count: number, match: (value: Record<string, unknown>, record: ConsumedRecord) => boolean): Promise<ConsumedRecord[]> {
  const matching = (): ConsumedRecord[] => reader.records.filter((r) => match(JSON.parse(r.value) as Record<string, unknown>, r));
  const deadline = Date.now() + 30_000;
  while (matching().length < count && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  const found = matching();
  assert.equal(found.length, count, `${found.length} matching records in Kafka, expected ${count}`);
  return found;
}

export async function until(what: string, check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  assert.fail(`timed out waiting for ${what}`);
}

/** Runs `during` with every broker down and the daemon knowing it (its
 * /readyz says kafka_unreachable), then brings the brokers back and waits for
 * the daemon to be ready again. */
export async function withKafkaDown(target: ShipperTarget, during: () => Promise<void>): Promise<void> {
  for (const id of BROKERS) await target.kafka.command(`down ${id}`);
  try {
    await until('readyz to report kafka_unreachable', async () => {
      const r = await fetch(`${target.daemon.adminUrl}/readyz`);
      return r.status === 503 && ((await r.json()) as { reasons: string[] }).reasons.includes('kafka_unreachable');
    });
    await during();
  } finally {
    for (const id of BROKERS) await target.kafka.command(`up ${id}`);
    await until('readyz to recover', async () => (await fetch(`${target.daemon.adminUrl}/readyz`)).status === 200);
  }
}

/** Fuzz: requests whose bodies have a few bytes overwritten (`send` applies
 * the mutation it is given to the body of the case drawn) are never answered
 * 5xx, and the daemon stays healthy. Prints the statuses seen. */
export async function assertNeverServerError<Case extends string>(target: ShipperTarget, name: string, cases: readonly Case[],
  send: (mutate: (body: Buffer) => Buffer, which: Case) => Promise<Response>): Promise<void> {
  const statuses = new Map<number, number>();
  await fc.assert(fc.asyncProperty(
    fc.record({ at: fc.array(fc.nat(), { minLength: 1, maxLength: 6 }), byte: fc.integer({ min: 0, max: 255 }), which: fc.constantFrom(...cases) }),
    async ({ at, byte, which }) => {
      const mutate = (body: Buffer): Buffer => {
        const copy = Buffer.from(body);
        for (const i of at) copy[i % copy.length] = byte;
        return copy;
      };
      const reply = await send(mutate, which);
      statuses.set(reply.status, (statuses.get(reply.status) ?? 0) + 1);
      assert.ok(reply.status < 500, `${reply.status} ${await reply.text()}`);
    }), { numRuns: 150, seed: 20261206 });
  process.stdout.write(`# ${name} fuzz statuses: ${JSON.stringify(Object.fromEntries(statuses))}\n`);
  assert.equal((await fetch(`${target.daemon.adminUrl}/healthz`)).status, 200);
}
