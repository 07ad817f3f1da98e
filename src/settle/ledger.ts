// The request ledger: which records of which request are still in flight, and
// when a request can be answered. A request is answered exactly once:
//
//   open ─► decoding ──decoded(N)──► producing ──all N settled──► answered 200
//              │                        │
//              └─ rejected / timeout ───┴─ delivery failure / timeout ─► answered 4xx/5xx
//
// An entry answered early stays until each admitted message is accounted for
// (delivery report, or skipped in the ring), so kafka.maxInFlightMessages
// counts every message librdkafka may still hold.
//
// The ledger knows nothing of Kafka or HTTP: failures arrive already
// classified (src/produce/kafka-errors.ts) as catalogue codes (src/errors.ts), and
// the pump learns that a request's records may be read through
// onDecodeEnded(), so neither side imports the other's module.
import type { ErrorCode, Refusal } from '../errors';
import type { AnswerDetail, PartialRejection } from '../protocols/protocol';

export const enum State {
  Decoding = 0,
  Producing = 1,
  Answered = 2,
}

/** What a request is answered: every record acknowledged (OTLP: with the
 * items refused alone), or a refusal from the catalogue. */
export type Answer =
  | { readonly ok: true; readonly accepted: number; readonly partial?: PartialRejection | undefined; readonly detail?: AnswerDetail | undefined }
  | ({ readonly ok: false } & Refusal);

export type Responder = (answer: Answer) => void;

function accepted(records: number, partial: PartialRejection | undefined, detail: AnswerDetail | undefined): Answer {
  if (partial === undefined && detail === undefined) return { ok: true, accepted: records };
  return { ok: true, accepted: records, ...(partial && { partial }), ...(detail && { detail }) };
}

/** A worker's account of a request it wrote into a ring. */
export interface Decoded {
  /** Kafka messages written (records, or NDJSON batches). */
  readonly messages: number;
  /** Data records in them: the client's "accepted". */
  readonly records: number;
  readonly partial?: PartialRejection | undefined;
  /** What the protocol's success answer needs beyond the counts. */
  readonly detail?: AnswerDetail | undefined;
}

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
  /** The first delivery failure's code and librdkafka's text for it. */
  failureCode: ErrorCode = 'delivery_failed';
  failureReason = '';
  /** OTLP items refused alone, reported with the success answer. */
  partial: PartialRejection | undefined;
  detail: AnswerDetail | undefined;
  timer: NodeJS.Timeout | undefined;
  /** delivery.mode spool, a request with an idempotency key: its success,
   * spooled with its last message (src/dedup/tag.ts). */
  dedupTag: Buffer | undefined;

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

/** A failed delivery report, its code classified by src/produce/kafka-errors.ts. */
export interface DeliveryFailure {
  readonly code: ErrorCode;
  readonly message: string;
}

/** Request seqs are below this (MAX_SEQ + 1). Records per message stay
 * below 2^21 (limits.maxRecordsPerRequest), so a ticket stays below 2^52:
 * librdkafka's opaque carries it shifted by one bit (DeliveredIdsClient). */
const TICKET_SEQ_SPAN = 2 ** 31;

/** A message's ticket: its request's seq and the data records it holds, in
 * one integer that comes back with the message's delivery report (or spool
 * sync). Numbers, not objects: librdkafka carries them without a persistent
 * handle each (src/produce/producer.ts, DeliveredIdsClient). */
export function ticketOf(entry: RequestEntry, records: number): number {
  return records * TICKET_SEQ_SPAN + entry.seq;
}

/** Routes a delivery report's ticket to the ledger. False when no open
 * request has its seq (never expected: an entry stays until each of its
 * admitted messages is settled). */
export function settleDelivery(ledger: Ledger, ticket: number, failure: DeliveryFailure | null): boolean {
  const seq = ticket % TICKET_SEQ_SPAN;
  const entry = ledger.get(seq);
  if (entry === undefined || !entry.admitted) return false;
  ledger.delivered(entry, failure, (ticket - seq) / TICKET_SEQ_SPAN);
  return true;
}

export interface LedgerOptions {
  readonly maxInFlightMessages: number;
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

export class Ledger {
  readonly #entries = new Map<number, RequestEntry>();
  readonly #options: LedgerOptions;
  #nextSeq = 1;
  #inFlightMessages = 0;
  readonly #decodeEnded: Array<() => void> = [];
  readonly counters: LedgerCounters = { accepted: 0, delivered: 0, failed: 0 };

  constructor(options: LedgerOptions) {
    this.#options = options;
  }

  /** Kafka messages admitted and not yet settled (a batch message counts one). */
  get inFlightMessages(): number {
    return this.#inFlightMessages;
  }

  /** `listener` runs whenever a worker's result for a request is in (decoded
   * or rejected): the request's records in the ring can then be produced or
   * skipped. The ring pump subscribes. */
  onDecodeEnded(listener: () => void): void {
    this.#decodeEnded.push(listener);
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
    entry.timer = setTimeout(() => this.fail(entry, 'request_timeout',
      `not settled within ${this.#options.requestTimeoutMs} ms`), this.#options.requestTimeoutMs);
    this.#entries.set(seq, entry);
    return entry;
  }

  /** The worker wrote `decoded.messages` Kafka messages into the ring; admit
   * them or refuse. Returns whether they were admitted (the pump produces them). */
  decoded(entry: RequestEntry, decoded: Decoded): boolean {
    const admitted = this.#admit(entry, decoded);
    this.#endDecoding();
    return admitted;
  }

  #admit(entry: RequestEntry, { messages, records, partial, detail }: Decoded): boolean {
    if (entry.state !== State.Decoding) {
      this.#forget(entry);
      return false;
    }
    if (this.#inFlightMessages + messages > this.#options.maxInFlightMessages) {
      this.fail(entry, 'overloaded', `${this.#inFlightMessages} Kafka messages in flight; the limit is ${this.#options.maxInFlightMessages}`);
      return false;
    }
    entry.partial = partial;
    entry.detail = detail;
    if (messages === 0) {
      this.#answer(entry, accepted(0, partial, detail));
      this.#forget(entry);
      return false;
    }
    entry.state = State.Producing;
    entry.messages = messages;
    entry.records = records;
    entry.admitted = true;
    entry.admittedAtMs = performance.now();
    this.#inFlightMessages += messages;
    this.counters.accepted += records;
    return true;
  }

  /** The worker refused the request (or failed): nothing was admitted. */
  reject(entry: RequestEntry, refusal: Refusal): void {
    this.#answer(entry, { ok: false, ...refusal });
    if (!entry.admitted) this.#forget(entry);
    this.#endDecoding();
  }

  #endDecoding(): void {
    for (const listener of this.#decodeEnded) listener();
  }

  /** Answers now with an error; admitted records stay counted until settled. */
  fail(entry: RequestEntry, code: ErrorCode, message: string): void {
    this.#answer(entry, { ok: false, code, message });
    if (!entry.admitted) this.#forget(entry);
  }

  /** One message of an admitted request will not be produced (request failed). */
  skipped(entry: RequestEntry): void {
    this.#settle(entry);
  }

  /** A delivery report for one produced message of `records` records. */
  delivered(entry: RequestEntry, failure: DeliveryFailure | null, records: number): void {
    if (failure === null) {
      this.counters.delivered += records;
    } else {
      this.counters.failed += records;
      if (entry.failed++ === 0) {
        entry.failureCode = failure.code;
        entry.failureReason = failure.message;
      }
    }
    this.#settle(entry);
  }

  #settle(entry: RequestEntry): void {
    entry.settled++;
    this.#inFlightMessages--;
    if (entry.settled < entry.messages) return;
    if (entry.failed > 0) {
      this.#answer(entry, {
        ok: false, code: entry.failureCode,
        message: `${entry.failed} of ${entry.messages} Kafka messages were not acknowledged: ${entry.failureReason}`,
      });
    } else {
      this.#options.observeDelivery?.((performance.now() - entry.admittedAtMs) / 1000);
      this.#answer(entry, accepted(entry.records, entry.partial, entry.detail));
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
  failAll(code: ErrorCode, message: string): number {
    let n = 0;
    for (const entry of this.#entries.values()) {
      if (entry.state === State.Answered) continue;
      this.fail(entry, code, message);
      n++;
    }
    return n;
  }
}
