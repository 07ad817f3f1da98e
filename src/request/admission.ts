// Whether the daemon takes one more request, decided once for the listener
// and for /readyz: draining, Kafka reachable (or, in spool mode, room in the
// spool instead), and the caps (requests in progress, body bytes in memory,
// Kafka messages in flight, decode queue).
// Also counts the requests admitted and not yet answered, which the drain
// waits for.
import type { Refusal } from '../errors';
import type { Signal } from '../signals';

export interface AdmissionLimits {
  readonly maxConcurrentRequests: number;
  readonly maxBufferedBodyBytes: number;
  readonly maxInFlightMessages: number;
}

/** Flipped by the lifecycle (draining) and the Kafka health probe. */
export interface DaemonState {
  readonly draining: boolean;
  readonly kafkaReachable: boolean;
  /** Why Kafka is not usable when it is not (a /readyz reason); undefined = unreachable. */
  readonly kafkaProblem?: NotReadyReason | undefined;
  /** The topic's name when Kafka does not have it (produce/partition-counts.ts). */
  missingTopic(signal: Signal): string | undefined;
  /** Spool mode: the topic replay waits for because Kafka does not have it (src/spool/replay.ts). */
  readonly spoolReplayHeldBy?: string | undefined;
}

export interface AdmissionGauges {
  /** Kafka messages admitted by the ledger and not yet settled. */
  readonly inFlightMessages: number;
}

export interface DecodeQueue {
  hasRoom(): boolean;
}

/** The spool in delivery.mode spool: requests depend on its room, not on Kafka. */
export interface SpoolRoom {
  hasRoom(bytes?: number): boolean;
  readonly usedBytes: number;
  readonly maxBytes: number;
}

/** /readyz reasons (docs/operations.md). */
export type NotReadyReason = 'draining' | 'kafka_unreachable' | 'kafka_authentication_failed' | 'spool_full' | 'spool_topic_missing' | 'overloaded';

export class Admission {
  readonly #limits: AdmissionLimits;
  readonly #state: DaemonState;
  readonly #ledger: AdmissionGauges;
  readonly #pool: DecodeQueue;
  readonly #spool: SpoolRoom | null;
  #active = 0;
  #bufferedBytes = 0;

  constructor(limits: AdmissionLimits, state: DaemonState, ledger: AdmissionGauges, pool: DecodeQueue, spool: SpoolRoom | null = null) {
    this.#spool = spool;
    this.#limits = limits;
    this.#state = state;
    this.#ledger = ledger;
    this.#pool = pool;
  }

  get draining(): boolean {
    return this.#state.draining;
  }

  /** Requests admitted and not yet answered (body still arriving included). */
  get activeRequests(): number {
    return this.#active;
  }

  /** Refusal when the daemon takes no request for `signal` now (before the body's size is known). */
  unavailable(signal: Signal): Refusal | null {
    if (this.#state.draining) return { code: 'draining', message: 'shutting down; retry on another instance' };
    const spool = this.#spool;
    if (spool !== null) {
      // Spool mode takes requests while Kafka is away, as long as there is room.
      if (!spool.hasRoom()) return { code: 'spool_full', message: `the spool holds ${spool.usedBytes} bytes; spool.maxBytes is ${spool.maxBytes}` };
    } else if (!this.#state.kafkaReachable) return { code: 'kafka_unavailable', message: 'Kafka cannot be reached' };
    // A topic Kafka does not have is refused in both modes: replay could never deliver it.
    const missing = this.#state.missingTopic(signal);
    if (missing !== undefined) return { code: 'unknown_topic', message: `Kafka topic ${missing} does not exist; it must be created (auto-creation is off)` };
    return null;
  }

  /** Refusal when a request reserving `bodyBytes` would pass a cap. */
  overloaded(bodyBytes: number): Refusal | null {
    const limits = this.#limits;
    const why = this.#active >= limits.maxConcurrentRequests ? `${this.#active} requests in progress; the limit is ${limits.maxConcurrentRequests}`
      : this.#bufferedBytes + bodyBytes > limits.maxBufferedBodyBytes ? 'request bodies in memory at their byte limit'
      : this.#messagesAtLimit() ? 'Kafka messages in flight at their limit'
      : !this.#pool.hasRoom() ? 'decode queue full'
      : null;
    return why === null ? null : { code: 'overloaded', message: why };
  }

  #messagesAtLimit(): boolean {
    return this.#ledger.inFlightMessages >= this.#limits.maxInFlightMessages;
  }

  /** A request passed admission and holds `bodyBytes` until left(). */
  entered(bodyBytes: number): void {
    this.#active++;
    this.#bufferedBytes += bodyBytes;
  }

  left(bodyBytes: number): void {
    this.#active--;
    this.#bufferedBytes -= bodyBytes;
  }

  /** Empty when ready; the same policy as the refusals above. */
  notReadyReasons(): NotReadyReason[] {
    const reasons: NotReadyReason[] = [];
    if (this.#state.draining) reasons.push('draining');
    if (this.#spool !== null) {
      if (!this.#spool.hasRoom()) reasons.push('spool_full');
      if (this.#state.spoolReplayHeldBy !== undefined) reasons.push('spool_topic_missing');
    } else if (!this.#state.kafkaReachable) reasons.push(this.#state.kafkaProblem ?? 'kafka_unreachable');
    if (this.#messagesAtLimit() || !this.#pool.hasRoom()) reasons.push('overloaded');
    return reasons;
  }
}
