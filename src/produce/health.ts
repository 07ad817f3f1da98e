// Whether Kafka can be reached: a metadata request on its own connections
// (metadata-probe.ts) on an interval, each with a deadline. New requests are
// refused fast (503) while it cannot.
//
//   reachable ──probe fails / all brokers down / auth refused──► unreachable
//       ▲  probe every intervalMs                                    │ probes back to back
//       └──────────────── a probe succeeds ◄──────────────────────────┘
//
// While unreachable the probes run back to back (issue 10: with one probe
// every 2 s, the return of the brokers was seen up to 2 s late, and an outage
// that librdkafka did not report was seen 2.9 s late; back to back: 20 ms).
import type { Logger } from 'pino';
import type { MetadataSource } from './metadata-probe';

/** Gap between failed probes, so a probe that fails at once does not spin. */
const RETRY_GAP_MS = 50;

export type KafkaProblem = 'kafka_unreachable' | 'kafka_authentication_failed';

export class KafkaHealth {
  readonly #probe: MetadataSource;
  readonly #log: Logger;
  readonly #intervalMs: number;
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;
  #probing = false;
  reachable = true;
  /** Why Kafka is not usable, while it is not (a /readyz reason). */
  problem: KafkaProblem | undefined;
  /** Runs after each successful probe (e.g. to refresh partition counts). */
  onProbe: (() => void) | undefined;

  constructor(probe: MetadataSource, log: Logger, intervalMs: number) {
    this.#probe = probe;
    this.#log = log;
    this.#intervalMs = intervalMs;
  }

  start(): void {
    this.#schedule(this.#intervalMs);
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
  }

  #schedule(delayMs: number): void {
    if (this.#stopped) return;
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => void this.probe(), delayMs);
    this.#timer.unref();
  }

  async probe(): Promise<void> {
    if (this.#probing) return;
    this.#probing = true;
    try {
      await this.#probe.metadata(this.#intervalMs);
      this.#set(undefined, undefined);
      this.onProbe?.();
    } catch (err) {
      // An authentication refusal stays the reason until a probe succeeds.
      this.#set(this.problem ?? 'kafka_unreachable', err);
    } finally {
      this.#probing = false;
      this.#schedule(this.reachable ? this.#intervalMs : RETRY_GAP_MS);
    }
  }

  /** librdkafka reported all brokers down, or refused authentication: stop
   * admitting now, and probe until Kafka serves again. */
  markUnreachable(problem: KafkaProblem, reason: unknown): void {
    this.#set(problem, reason);
    if (!this.#probing) this.#schedule(RETRY_GAP_MS);
  }

  #set(problem: KafkaProblem | undefined, reason: unknown): void {
    const reachable = problem === undefined;
    const changed = reachable !== this.reachable || problem !== this.problem;
    this.reachable = reachable;
    this.problem = problem;
    if (!changed) return;
    if (reachable) this.#log.info('Kafka reachable again; admitting requests');
    else this.#log.error({ err: reason, reason: problem }, 'Kafka unreachable; refusing requests with 503 until it returns');
  }
}
