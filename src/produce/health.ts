// Whether Kafka can be reached: a metadata request on an interval, each with a
// deadline. New requests are refused fast (503) while it cannot.
import type { Logger } from 'pino';
import type { KafkaProducer } from './producer';

export class KafkaHealth {
  readonly #producer: KafkaProducer;
  readonly #log: Logger;
  readonly #intervalMs: number;
  #timer: NodeJS.Timeout | undefined;
  #probing = false;
  reachable = true;
  /** Runs after each successful probe (e.g. to refresh partition counts). */
  onProbe: (() => void) | undefined;

  constructor(producer: KafkaProducer, log: Logger, intervalMs: number) {
    this.#producer = producer;
    this.#log = log;
    this.#intervalMs = intervalMs;
  }

  start(): void {
    this.#timer = setInterval(() => void this.probe(), this.#intervalMs);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
  }

  async probe(): Promise<void> {
    if (this.#probing) return;
    this.#probing = true;
    try {
      await this.#producer.metadata(this.#intervalMs);
      this.#set(true, undefined);
      this.onProbe?.();
    } catch (err) {
      this.#set(false, err);
    } finally {
      this.#probing = false;
    }
  }

  /** librdkafka reported all brokers down: stop admitting before the next probe. */
  markUnreachable(reason: unknown): void {
    this.#set(false, reason);
  }

  #set(reachable: boolean, reason: unknown): void {
    if (reachable === this.reachable) return;
    this.reachable = reachable;
    if (reachable) this.#log.info('Kafka reachable again; admitting requests');
    else this.#log.error({ err: reason }, 'Kafka unreachable; refusing requests with 503 until it returns');
  }
}
