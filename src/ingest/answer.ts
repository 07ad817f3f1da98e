// What an answer says, in one place: success bodies per route (200
// {"accepted":N}, 204 for remote_write, OTLP's Export*ServiceResponse with its
// partial success), refusals from the error catalogue (status, Retry-After
// when retriable, JSON or google.rpc.Status), and the refusal log line.
// exchange.ts writes what this file decides.
import type { Logger } from 'pino';
import { ERRORS, type Refusal } from '../errors';
import type { OtlpEncoding, Signal } from '../otlp/proto';
import { otlpErrorBody, otlpSuccessBody } from '../otlp/responses';
import type { PartialRejection } from '../pool/protocol';
import type { Answer } from '../settle/ledger';
import { rateLimitedByKey } from '../telemetry/log';
import type { Exchange, Headers } from './exchange';

/** How a route's answers are written. */
export interface AnswerFormat {
  /** 200 {"accepted":N}, or 204 without a body (remote_write). */
  readonly successStatus: 200 | 204;
  /** OTLP/HTTP routes: Export*ServiceResponse and google.rpc.Status in the request's encoding. */
  readonly otlp?: { readonly signal: Signal; readonly encoding: OtlpEncoding } | undefined;
}

export const JSON_ANSWERS: AnswerFormat = { successStatus: 200 };

/** One line per refusal code at most this often; the next says how many were suppressed. */
const REFUSAL_LOG_INTERVAL_MS = 10_000;

export class Answers {
  readonly #retryAfter: Headers;
  /** Success answers say where the records are durable: `durable: kafka` or `durable: spool`. */
  readonly #durable: Headers;
  readonly #logRefusal: (code: string, context: object, message: string) => void;

  constructor(retryAfterSeconds: number, durableIn: 'kafka' | 'spool', log: Logger) {
    this.#retryAfter = { 'retry-after': String(retryAfterSeconds) };
    this.#durable = { durable: durableIn };
    this.#logRefusal = rateLimitedByKey(log, 'warn', REFUSAL_LOG_INTERVAL_MS);
  }

  answer(exchange: Exchange, format: AnswerFormat, answer: Answer): void {
    if (answer.ok) this.accept(exchange, format, answer.accepted, answer.partial);
    else this.refuse(exchange, format, answer);
  }

  accept(exchange: Exchange, format: AnswerFormat, accepted: number, partial: PartialRejection | undefined): void {
    if (format.otlp !== undefined) {
      const encoded = otlpSuccessBody(format.otlp.signal, partial, format.otlp.encoding);
      exchange.write(200, encoded.body, encoded.contentType, undefined, this.#durable);
    } else if (format.successStatus === 204) exchange.write(204, null, '', undefined, this.#durable);
    else exchange.write(200, `{"accepted":${accepted}}`, 'application/json', undefined, this.#durable);
  }

  /** Answers with a catalogue error, and logs it (rate-limited per code):
   * collectors often show only "HTTP 400", so the daemon's log is where an
   * operator learns why (issue 13). */
  refuse(exchange: Exchange, format: AnswerFormat, refusal: Refusal, headers?: Headers): void {
    if (exchange.answered) return;
    const { code, message, record } = refusal;
    const { status, retriable } = ERRORS[code];
    this.#logRefusal(code, {
      code, status, route: exchange.route, client: exchange.client, requestId: exchange.requestId, reason: message, record,
    }, 'request refused');
    const retryAfter = retriable ? this.#retryAfter : undefined;
    if (format.otlp !== undefined) {
      const encoded = otlpErrorBody(code, message, format.otlp.encoding);
      exchange.write(status, encoded.body, encoded.contentType, retryAfter, headers);
    } else {
      const body = record === undefined ? { error: code, message } : { error: code, message, record };
      exchange.write(status, JSON.stringify(body), 'application/json', retryAfter, headers);
    }
  }
}
