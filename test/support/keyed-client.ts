// A collector as collectors behave: it sends a batch, gives up on it after a
// timeout (or a connection error, or a 5xx) and sends the same batch again,
// with the same Idempotency-Key, until it gets a 2xx. And the audit of what
// reached Kafka by record content (a retry processed twice has new
// metricstream-ids, so ids alone cannot show it).
import type { ConsumedRecord } from './consumer';
import { recordId } from './consumer';

export interface KeyedOutcome {
  /** The final 2xx status, or null when the client gave up. */
  readonly status: number | null;
  readonly attempts: number;
  readonly timeouts: number;
  /** The 2xx said Idempotent-Replayed: true. */
  readonly replayed: boolean;
  readonly accepted: number;
  /** Refusals on the way, by error code ("timeout", "connection" for no answer). */
  readonly refusals: Readonly<Record<string, number>>;
}

export interface KeyedSendOptions {
  /** The daemon's current URL (it changes when the daemon restarts). */
  readonly url: () => string;
  readonly body: string;
  /** null: send no key (the "before" run). */
  readonly key: string | null;
  readonly timeoutMs: number;
  readonly maxAttempts: number;
  /** Wait before a resend after a connection error or a 5xx. */
  readonly backoffMs: number;
}

export async function sendUntilAnswered(options: KeyedSendOptions): Promise<KeyedOutcome> {
  let timeouts = 0;
  const refusals: Record<string, number> = {};
  const refused = (why: string): void => {
    refusals[why] = (refusals[why] ?? 0) + 1;
  };
  for (let attempt = 1; attempt <= options.maxAttempts; attempt++) {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (options.key !== null) headers['idempotency-key'] = options.key;
    try {
      const res = await fetch(options.url(), { method: 'POST', body: options.body, headers, signal: AbortSignal.timeout(options.timeoutMs) });
      const reply = (await res.json()) as { accepted?: number; error?: string };
      if (res.status >= 200 && res.status < 300) {
        return { status: res.status, attempts: attempt, timeouts, replayed: res.headers.get('idempotent-replayed') === 'true', accepted: reply.accepted ?? 0, refusals };
      }
      if (res.status < 500) throw new Error(`answered ${res.status}: ${JSON.stringify(reply)}`);
      refused(reply.error ?? String(res.status));
    } catch (err) {
      if ((err as Error).name === 'TimeoutError') {
        timeouts++;
        refused('timeout');
        continue;
      }
      if ((err as Error).message.startsWith('answered')) throw err;
      refused('connection');
    }
    await new Promise((resolve) => setTimeout(resolve, options.backoffMs));
  }
  return { status: null, attempts: options.maxAttempts, timeouts, replayed: false, accepted: 0, refusals };
}

export interface ContentAudit {
  /** Records of acknowledged batches. */
  readonly expected: number;
  /** Of those, not in Kafka. */
  readonly lost: number;
  /** Extra copies of a record written by a request processed again (a different metricstream-id). */
  readonly duplicates: number;
  /** Extra copies with the same metricstream-id (spool replay after a crash: a consumer drops them by id). */
  readonly redeliveries: number;
}

/** `acknowledged`: batch tag → records its 2xx accepted; records are told apart by
 * their `batch` and `host` labels (test/support/daemon.ts metricBatch). */
export function auditByContent(acknowledged: ReadonlyMap<string, number>, records: readonly ConsumedRecord[]): ContentAudit {
  const copies = new Map<string, string[]>();
  for (const record of records) {
    const { labels } = JSON.parse(record.value) as { labels: { batch: string; host: string } };
    const content = `${labels.batch}/${labels.host}`;
    const id = recordId(record);
    const ids = copies.get(content) ?? [];
    ids.push(`${id.requestId}/${id.index}`);
    copies.set(content, ids);
  }
  let expected = 0;
  let lost = 0;
  for (const [batch, count] of acknowledged) {
    for (let i = 0; i < count; i++) {
      expected++;
      if (!copies.has(`${batch}/h${i}`)) lost++;
    }
  }
  let duplicates = 0;
  let redeliveries = 0;
  for (const ids of copies.values()) {
    const distinct = new Set(ids).size;
    duplicates += distinct - 1;
    redeliveries += ids.length - distinct;
  }
  return { expected, lost, duplicates, redeliveries };
}
