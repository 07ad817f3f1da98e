// What an answer says, in one place: the route's answer shape (its
// protocol's success and refusal bodies, src/protocols/), the catalogue's
// status for a refusal, Retry-After when retriable, where the records are
// durable, and the refusal log line. exchange.ts writes what this decides.
import type { Logger } from 'pino';
import type { Remembered } from '../dedup/window';
import { ERRORS, type Refusal } from '../errors';
import type { AnswerDetail, AnswerShape, PartialRejection } from '../protocols/protocol';
import type { Answer } from '../settle/ledger';
import { rateLimitedByKey } from '../telemetry/log';
import type { RefusalEntry } from '../telemetry/refusal-ring';
import type { Exchange, Headers } from './exchange';

/** One line per refusal code at most this often; the next says how many were suppressed. */
const REFUSAL_LOG_INTERVAL_MS = 10_000;

/** Told of every answer as it is written, unthrottled (the status page's
 * refusal ring and per-route records: src/telemetry/status.ts). */
export interface AnswerObserver {
  accepted(route: string, records: number): void;
  refused(refusal: RefusalEntry): void;
}

export class Answers {
  readonly #retryAfter: Headers;
  /** Success answers say where the records are durable: `durable: kafka` or `durable: spool`. */
  readonly #durable: Headers;
  readonly #replayed: Headers;
  readonly #logRefusal: (code: string, context: object, message: string) => void;
  readonly #observer: AnswerObserver | undefined;

  constructor(retryAfterSeconds: number, durableIn: 'kafka' | 'spool', log: Logger, observer?: AnswerObserver) {
    this.#observer = observer;
    this.#retryAfter = { 'retry-after': String(retryAfterSeconds) };
    this.#durable = { durable: durableIn };
    this.#replayed = { durable: durableIn, 'idempotent-replayed': 'true' };
    this.#logRefusal = rateLimitedByKey(log, 'warn', REFUSAL_LOG_INTERVAL_MS);
  }

  answer(exchange: Exchange, shape: AnswerShape, answer: Answer): void {
    if (answer.ok) this.accept(exchange, shape, answer.accepted, answer.partial, answer.detail);
    else this.refuse(exchange, shape, answer);
  }

  accept(exchange: Exchange, shape: AnswerShape, accepted: number, partial?: PartialRejection, detail?: AnswerDetail): void {
    if (!exchange.answered) this.#observer?.accepted(exchange.route, accepted);
    const reply = shape.success(accepted, partial, detail);
    exchange.write(reply.status, reply.body, reply.contentType, reply.headers, this.#durable);
  }

  /** A repeat of an idempotency key that succeeded: the first answer again,
   * rendered by the same shape from the same counts, marked as a replay. */
  replay(exchange: Exchange, shape: AnswerShape, remembered: Remembered): void {
    const reply = shape.success(remembered.accepted, remembered.partial, remembered.detail);
    exchange.write(reply.status, reply.body, reply.contentType, reply.headers, this.#replayed);
  }

  /** Answers with a catalogue error, and logs it (rate-limited per code):
   * collectors often show only "HTTP 400", so the daemon's log is where an
   * operator learns why (issue 13). */
  refuse(exchange: Exchange, shape: AnswerShape, refusal: Refusal, headers?: Headers): void {
    if (exchange.answered) return;
    const { code, message, record } = refusal;
    const { status, retriable } = ERRORS[code];
    this.#logRefusal(code, {
      code, status, route: exchange.route, client: exchange.client, requestId: exchange.requestId, reason: message, record,
    }, 'request refused');
    this.#observer?.refused({
      at: Date.now(), route: exchange.route, client: exchange.client, requestId: exchange.requestId, status, code, reason: message, record,
    });
    const retryAfter = retriable ? this.#retryAfter : undefined;
    const reply = shape.refusal(code, status, message, record);
    exchange.write(reply.status, reply.body, reply.contentType, retryAfter, reply.headers === undefined ? headers : { ...reply.headers, ...headers });
  }
}
