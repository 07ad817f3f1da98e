// A bounded load of metric batches, recording which requests were acknowledged
// so a test can check that every acknowledged record is in Kafka.
import { recordId, type ConsumedRecord, type TopicReader } from './consumer';
import { metricBatch } from './daemon';

export interface LoadResult {
  /** request id → records acknowledged with 200 */
  acknowledged: Map<string, number>;
  statuses: Map<string, number>;
  sent: number;
}

export interface LoadOptions {
  url: string;
  clients: number;
  metricsPerRequest: number;
  /** Stop after this many requests per client, or when stop() says so. */
  maxRequestsPerClient: number;
  stop?: () => boolean;
  onReply?: (status: number, headers: Headers) => void;
}

export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const result: LoadResult = { acknowledged: new Map(), statuses: new Map(), sent: 0 };
  const count = (status: string): void => {
    result.statuses.set(status, (result.statuses.get(status) ?? 0) + 1);
  };
  await Promise.all(Array.from({ length: options.clients }, async (_, client) => {
    for (let r = 0; r < options.maxRequestsPerClient && !(options.stop?.() ?? false); r++) {
      const { body } = metricBatch(options.metricsPerRequest, `c${client}r${r}`);
      result.sent++;
      try {
        const res = await fetch(options.url, { method: 'POST', body, headers: { 'content-type': 'application/json' }, signal: AbortSignal.timeout(60_000) });
        const reply = (await res.json()) as { accepted?: number };
        count(String(res.status));
        options.onReply?.(res.status, res.headers);
        if (res.status === 200) result.acknowledged.set(res.headers.get('x-request-id')!, reply.accepted!);
        else if (res.status === 503) await new Promise((resolve) => setTimeout(resolve, 20));
      } catch {
        count('connection_error');
        // The daemon is gone or going: stop this client.
        if (options.stop?.() ?? true) return;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    }
  }));
  return result;
}

/** Acknowledged records missing from what was read, and duplicates among those read. */
export function audit(acknowledged: Map<string, number>, records: readonly ConsumedRecord[]): { expected: number; missing: number; duplicates: number } {
  const seen = new Map<string, number>();
  for (const r of records) {
    const { requestId, index } = recordId(r);
    const id = `${requestId}#${index}`;
    seen.set(id, (seen.get(id) ?? 0) + 1);
  }
  let expected = 0;
  let missing = 0;
  for (const [requestId, n] of acknowledged) {
    for (let i = 0; i < n; i++) {
      expected++;
      if (!seen.has(`${requestId}#${i}`)) missing++;
    }
  }
  const duplicates = [...seen.values()].reduce((sum, n) => sum + (n - 1), 0);
  return { expected, missing, duplicates };
}

/** Reads until every acknowledged record has arrived, or timeoutMs passed, then
 * audits. Waiting for a record count is not enough: records of requests that
 * were answered with an error may be in Kafka too, and fill the count while an
 * acknowledged record is still on its way. */
export async function auditWhenRead(reader: TopicReader, acknowledged: Map<string, number>, timeoutMs = 30_000): Promise<{ expected: number; missing: number; duplicates: number }> {
  const deadline = Date.now() + timeoutMs;
  let result = audit(acknowledged, reader.records);
  while (result.missing > 0 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    result = audit(acknowledged, reader.records);
  }
  // A last quiet moment, so that duplicates arriving right behind are counted.
  return audit(acknowledged, await reader.settle(500, 5_000));
}

/** Records whose first copy in Kafka (by partition and offset) carries a
 * lower `value` than an earlier first copy of the same key in the same
 * partition: 0 when every series kept the order its requests were sent in
 * (repeats after a replay may follow; the first copy of each record counts).
 * The tests that use it send a rising `value` per series. */
export function outOfOrder(records: readonly ConsumedRecord[]): number {
  const firstSeen = new Set<string>();
  const lastValue = new Map<string, number>();
  let wrong = 0;
  for (const r of [...records].sort((a, b) => a.partition - b.partition || a.offset - b.offset)) {
    const { requestId, index } = recordId(r);
    const id = `${requestId}#${index}`;
    if (firstSeen.has(id)) continue;
    firstSeen.add(id);
    const value = (JSON.parse(r.value) as { value: number }).value;
    const key = `${r.partition}/${r.key}`;
    if ((lastValue.get(key) ?? -1) > value) wrong++;
    lastValue.set(key, value);
  }
  return wrong;
}

export interface SeriesLoad {
  /** request id → records acknowledged with 200 */
  readonly acknowledged: Map<string, number>;
  readonly statuses: Map<string, number>;
  /** Values of the `durable` answer header seen. */
  readonly durable: Set<string>;
  /** Stops the clients; resolves when the last request was answered. */
  stop(): Promise<void>;
}

/** `clients` clients, each sending the same `series` metric series again and
 * again with a rising value (for outOfOrder), until stop(). */
export function startSeriesLoad(url: string, name: string, clients = 4, series = 20): SeriesLoad {
  const acknowledged = new Map<string, number>();
  const statuses = new Map<string, number>();
  const durable = new Set<string>();
  let stopped = false;
  const done = Promise.all(Array.from({ length: clients }, async (_, client) => {
    for (let value = 0; !stopped; value++) {
      const metrics = Array.from({ length: series }, (_, i) => ({ name, value, labels: { client: `c${client}`, series: `s${i}` } }));
      const res = await fetch(url, { method: 'POST', body: JSON.stringify(metrics), headers: { 'content-type': 'application/json' } });
      const body = (await res.json()) as { accepted?: number };
      statuses.set(String(res.status), (statuses.get(String(res.status)) ?? 0) + 1);
      durable.add(res.headers.get('durable') ?? '');
      if (res.status === 200) acknowledged.set(res.headers.get('x-request-id')!, body.accepted!);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }));
  return { acknowledged, statuses, durable, stop: async () => { stopped = true; await done; } };
}
