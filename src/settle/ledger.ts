// The request ledger: which records of which request are still in flight, and
// when a request can be answered. A request is answered exactly once:
//
//   open ─► decoding ──decoded(N)──► producing ──all N settled──► answered 200
//              │                        │
//              └─ rejected / timeout ───┴─ delivery failure / timeout ─► answered 4xx/5xx
//
// An entry answered early stays until each admitted message is accounted for
// (delivery report, or skipped in the ring), so kafka.maxInFlightRecords
// counts every message librdkafka may still hold.
import type { KafkaFailure } from '../produce/errors';

export const enum State {
  Decoding = 0,
  Producing = 1,
  Answered = 2,
}

export type Answer =
  | { readonly status: 200; readonly accepted: number }
  | { readonly status: number; readonly code: string; readonly message: string; readonly retriable: boolean; readonly record?: number };

export type Responder = (answer: Answer) => void;

export class RequestEntry {
  state = State.Decoding;
  /** Kafka messages admitted into flight (0 until decoded). */
  messages = 0;
  /** Data records in those messages: the client's "accepted". */
  records = 0;
  admitted = false;
  /** performance.now() when its messages were admitted. */
  admittedAtMs = 0;
  produced = 0;
  settled = 0;
  failed = 0;
  failureReason = '';
  failure: KafkaFailure | undefined;
  timer: NodeJS.Timeout | undefined;

  /** Prefix of each message's metricstream-id header ("<requestId>/"). */
  readonly idPrefix: string;

  constructor(
    readonly seq: number,
    readonly requestId: string,
    readonly respond: Responder,
  ) {
    this.idPrefix = requestId + '/';
  }
}

/** The opaque of a batch message (per-record messages carry their RequestEntry). */
export class BatchMessage {
  constructor(readonly entry: RequestEntry, readonly records: number) {}
}

/** A failed delivery: librdkafka's text and, when known, how to answer it
 * (produce/errors.ts describeDeliveryError; default 503 delivery_failed). */
export interface DeliveryError {
  readonly message: string;
  readonly failure?: KafkaFailure;
}

/** Routes a delivery report's opaque to the ledger. */
export function settleDelivery(ledger: Ledger, opaque: unknown, error: DeliveryError | null): void {
  if (opaque instanceof BatchMessage) ledger.delivered(opaque.entry, error, opaque.records);
  else ledger.delivered(opaque as RequestEntry, error, 1);
}

export interface LedgerOptions {
  readonly maxInFlightRecords: number;
  readonly requestTimeoutMs: number;
  /** Seconds from admission to the last acknowledgement of a delivered request. */
  readonly observeDelivery?: (seconds: number) => void;
}

export interface LedgerCounters {
  accepted: number;
  delivered: number;
  failed: number;
}

const MAX_SEQ = 0x7fffffff;
const DELIVERY_FAILED: KafkaFailure = { status: 503, code: 'delivery_failed', retriable: true };

export class Ledger {
  readonly #entries = new Map<number, RequestEntry>();
  readonly #options: LedgerOptions;
  #nextSeq = 1;
  #inFlightRecords = 0;
  readonly counters: LedgerCounters = { accepted: 0, delivered: 0, failed: 0 };

  constructor(options: LedgerOptions) {
    this.#options = options;
  }

  get inFlightRecords(): number {
    return this.#inFlightRecords;
  }

  get openRequests(): number {
    return this.#entries.size;
  }

  get(seq: number): RequestEntry | undefined {
    return this.#entries.get(seq);
  }

  open(requestId: string, respond: Responder): RequestEntry {
    let seq = this.#nextSeq;
    while (this.#entries.has(seq)) seq = seq === MAX_SEQ ? 1 : seq + 1;
    this.#nextSeq = seq === MAX_SEQ ? 1 : seq + 1;
    const entry = new RequestEntry(seq, requestId, respond);
    entry.timer = setTimeout(() => this.fail(entry, {
      status: 504, code: 'request_timeout', retriable: true,
    }, `not settled within ${this.#options.requestTimeoutMs} ms`), this.#options.requestTimeoutMs);
    this.#entries.set(seq, entry);
    return entry;
  }

  /** The worker wrote `messages` Kafka messages holding `records` records into the ring; admit them or refuse. */
  decoded(entry: RequestEntry, messages: number, records: number): boolean {
    if (entry.state !== State.Decoding) {
      this.#forget(entry);
      return false;
    }
    if (this.#inFlightRecords + messages > this.#options.maxInFlightRecords) {
      this.fail(entry, { status: 503, code: 'overloaded', retriable: true },
        `${this.#inFlightRecords} records in flight; the limit is ${this.#options.maxInFlightRecords}`);
      return false;
    }
    if (messages === 0) {
      this.#answer(entry, { status: 200, accepted: 0 });
      this.#forget(entry);
      return false;
    }
    entry.state = State.Producing;
    entry.messages = messages;
    entry.records = records;
    entry.admitted = true;
    entry.admittedAtMs = performance.now();
    this.#inFlightRecords += messages;
    this.counters.accepted += records;
    return true;
  }

  /** The request is refused before any record was admitted. */
  reject(entry: RequestEntry, answer: Answer): void {
    this.#answer(entry, answer);
    if (!entry.admitted) this.#forget(entry);
  }

  /** Answers now with an error; admitted records stay counted until settled. */
  fail(entry: RequestEntry, failure: KafkaFailure, message: string): void {
    this.#answer(entry, { status: failure.status, code: failure.code, message, retriable: failure.retriable });
    if (!entry.admitted) this.#forget(entry);
  }

  /** One message of an admitted request will not be produced (request failed). */
  skipped(entry: RequestEntry): void {
    this.#settle(entry);
  }

  /** A delivery report for one produced message of `records` records. */
  delivered(entry: RequestEntry, error: DeliveryError | null, records: number): void {
    if (error === null) {
      this.counters.delivered += records;
    } else {
      this.counters.failed += records;
      entry.failed++;
      if (entry.failureReason === '') {
        entry.failureReason = error.message;
        entry.failure = error.failure;
      }
    }
    this.#settle(entry);
  }

  #settle(entry: RequestEntry): void {
    entry.settled++;
    this.#inFlightRecords--;
    if (entry.settled < entry.messages) return;
    if (entry.failed > 0) {
      const failure = entry.failure ?? DELIVERY_FAILED;
      this.#answer(entry, {
        status: failure.status, code: failure.code, retriable: failure.retriable,
        message: `${entry.failed} of ${entry.messages} Kafka messages were not acknowledged: ${entry.failureReason}`,
      });
    } else {
      this.#options.observeDelivery?.((performance.now() - entry.admittedAtMs) / 1000);
      this.#answer(entry, { status: 200, accepted: entry.records });
    }
    this.#forget(entry);
  }

  #answer(entry: RequestEntry, answer: Answer): void {
    if (entry.state === State.Answered) return;
    entry.state = State.Answered;
    clearTimeout(entry.timer);
    entry.respond(answer);
  }

  #forget(entry: RequestEntry): void {
    clearTimeout(entry.timer);
    this.#entries.delete(entry.seq);
  }

  /** Answers every open request (drain deadline); returns how many. */
  failAll(failure: KafkaFailure, message: string): number {
    let n = 0;
    for (const entry of this.#entries.values()) {
      if (entry.state === State.Answered) continue;
      this.fail(entry, failure, message);
      n++;
    }
    return n;
  }
}
