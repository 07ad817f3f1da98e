// Steady client traffic for the real-Kafka fault tests: every request's send
// and answer time, status and error code, so a test can tell what happened
// before, during and after a fault.
import { metricBatch } from '../support/daemon';

export interface Exchange {
  readonly client: number;
  readonly sentAt: number;
  readonly answeredAt: number;
  /** HTTP status, or 0 when the connection failed. */
  readonly status: number;
  readonly error: string | undefined;
  readonly requestId: string;
  readonly accepted: number;
}

export class Traffic {
  readonly exchanges: Exchange[] = [];
  #stopped = false;
  readonly #done: Promise<void>;

  /** `clients` loops posting batches of `metrics` metrics to `url` until stop(); a 503 waits `pauseMs` (a client honouring Retry-After briefly). */
  constructor(url: string, clients: number, metrics: number, pauseMs = 100) {
    let n = 0;
    this.#done = Promise.all(Array.from({ length: clients }, async (_, client) => {
      while (!this.#stopped) {
        const { body } = metricBatch(metrics, `c${client}n${n++}`);
        const sentAt = Date.now();
        let status = 0;
        let error: string | undefined;
        let requestId = '';
        let accepted = 0;
        try {
          const res = await fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/json' }, signal: AbortSignal.timeout(90_000) });
          const reply = (await res.json()) as { accepted?: number; error?: string };
          status = res.status;
          error = reply.error;
          requestId = res.headers.get('x-request-id') ?? '';
          accepted = reply.accepted ?? 0;
        } catch (err) {
          const cause = (err as { cause?: { code?: string; message?: string } }).cause;
          error = `${(err as Error).message}: ${cause?.code ?? cause?.message ?? ''}`;
        }
        this.exchanges.push({ client, sentAt, answeredAt: Date.now(), status, error, requestId, accepted });
        if (status !== 200) await new Promise((r) => setTimeout(r, pauseMs));
      }
    })).then(() => undefined);
  }

  async stop(): Promise<Exchange[]> {
    this.#stopped = true;
    await this.#done;
    return this.exchanges;
  }

  /** request id → records acknowledged with 200. */
  acknowledged(): Map<string, number> {
    return new Map(this.exchanges.filter((e) => e.status === 200).map((e) => [e.requestId, e.accepted]));
  }

  /** The longest time between two consecutive 200 answers in [from, to] (the clients' stall). */
  longestStallMs(from = 0, to = Infinity): number {
    const times = this.exchanges.filter((e) => e.status === 200 && e.answeredAt >= from && e.answeredAt <= to).map((e) => e.answeredAt).sort((a, b) => a - b);
    let longest = 0;
    for (let i = 1; i < times.length; i++) longest = Math.max(longest, times[i]! - times[i - 1]!);
    return longest;
  }

  /** Status (and error code) counts. */
  summary(filter: (e: Exchange) => boolean = () => true): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const e of this.exchanges.filter(filter)) {
      const name = e.status === 200 ? '200' : `${e.status} ${e.error ?? ''}`.trim();
      counts[name] = (counts[name] ?? 0) + 1;
    }
    return counts;
  }
}
