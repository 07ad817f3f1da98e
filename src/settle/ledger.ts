// The request ledger: which records of which request are still in flight, and
// when a request can be answered. A request is answered exactly once:
//
//   open ─► decoding ──decoded(N)──► producing ──all N settled──► answered 200
//              │                        │
//              └─ rejected / timeout ───┴─ delivery failure / timeout ─► answered 4xx/5xx
//
// An entry answered early stays until each admitted record is accounted for
// (delivery report, or skipped in the ring), so kafka.maxInFlightRecords
// counts every record librdkafka may still hold.
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
  /** Records admitted into flight (0 until decoded). */
  records = 0;
  admitted = false;
  produced = 0;
  settled = 0;
  failed = 0;
  failureReason = '';
  timer: NodeJS.Timeout | undefined;

  /** The Kafka header naming the request, built once per request. */
  readonly requestHeader: Record<string, string>;

  constructor(
    readonly seq: number,
    readonly requestId: string,
    readonly respond: Responder,
  ) {
    this.requestHeader = { 'metricstream-request-id': requestId };
  }
}

export interface LedgerOptions {
  readonly maxInFlightRecords: number;
  readonly requestTimeoutMs: number;
}

export interface LedgerCounters {
  accepted: number;
  delivered: number;
  failed: number;
}

const MAX_SEQ = 0x7fffffff;

export class Ledger {
  readonly #entries = new Map<number, RequestEntry>();
  readonly #options: LedgerOptions;
  #nextSeq = 1;
  #inFlightRecords = 0;
  readonly counters: LedgerCounters = { accepted: 0, delivered: 0, failed: 0 };
  /** Called whenever the last in-flight record settles (drain waits on it). */
  onIdle: (() => void) | undefined;

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

  /** The worker parsed N records into the ring; admit them or refuse. */
  decoded(entry: RequestEntry, records: number): boolean {
    if (entry.state !== State.Decoding) {
      this.#forget(entry);
      return false;
    }
    if (this.#inFlightRecords + records > this.#options.maxInFlightRecords) {
      this.fail(entry, { status: 503, code: 'overloaded', retriable: true },
        `${this.#inFlightRecords} records in flight; the limit is ${this.#options.maxInFlightRecords}`);
      return false;
    }
    if (records === 0) {
      this.#answer(entry, { status: 200, accepted: 0 });
      this.#forget(entry);
      return false;
    }
    entry.state = State.Producing;
    entry.records = records;
    entry.admitted = true;
    this.#inFlightRecords += records;
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

  /** One record of an admitted request will not be produced (request failed). */
  skipped(entry: RequestEntry): void {
    this.#settle(entry);
  }

  /** A delivery report for one produced record. */
  delivered(entry: RequestEntry, error: { readonly message: string } | null): void {
    if (error === null) {
      this.counters.delivered++;
    } else {
      this.counters.failed++;
      entry.failed++;
      if (entry.failureReason === '') entry.failureReason = error.message;
    }
    this.#settle(entry);
  }

  #settle(entry: RequestEntry): void {
    entry.settled++;
    this.#inFlightRecords--;
    if (entry.settled < entry.records) return;
    if (entry.failed > 0) {
      this.#answer(entry, {
        status: 503, code: 'delivery_failed', retriable: true,
        message: `${entry.failed} of ${entry.records} records were not acknowledged by Kafka: ${entry.failureReason}`,
      });
    } else {
      this.#answer(entry, { status: 200, accepted: entry.records });
    }
    this.#forget(entry);
    if (this.#inFlightRecords === 0) this.onIdle?.();
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
