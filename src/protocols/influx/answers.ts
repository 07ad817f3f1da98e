// What the InfluxDB routes answer, in InfluxDB's own shapes, because the
// clients act on them:
//  - Telegraf `outputs.influxdb` (v1) treats anything but 204 as a failure, drops
//    the batch on any 4xx, and reads the reason from a JSON `{"error": ...}` body
//    (InfluxDB 1.x answers errors that way, with the same text in X-Influxdb-Error).
//  - Telegraf `outputs.influxdb_v2` drops on 400, splits the batch on 413, and
//    retries 503 after Retry-After; it reads `{"code": ..., "message": ...}`.
// A bad line is answered as InfluxDB does: "partial write: unable to parse
// '<line>': <reason> dropped=<n>" (v1) or `{"code":"invalid","message":"partial
// write error (<n> written): unable to parse '<line>': <reason>"}` (v2); when no
// line was written the "partial write" prefix is left out, as InfluxDB does.
import type { AnswerDetail, AnswerShape, PartialRejection, Reply } from '../protocol';
import type { BadLine, InfluxApi } from './line-protocol';

export interface InfluxAnswer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  /** '' for no body. */
  readonly body: string;
}

/** The InfluxDB version the compatibility endpoints claim (some clients read it from /ping). */
export const INFLUX_COMPATIBLE_VERSION = '1.8.10';

const JSON_TYPE = 'application/json; charset=utf-8';

function v1Error(status: number, message: string): InfluxAnswer {
  // X-Influxdb-Error carries one header line of printable ASCII: a quoted line's
  // newlines would break it, and HTTP clients refuse a response with control
  // characters in a header. The body keeps the exact text.
  return {
    status,
    headers: { 'Content-Type': JSON_TYPE, 'X-Influxdb-Error': message.replace(/[\r\n]+/g, ' ').replace(/[^\x20-\x7e]/g, '?') },
    body: JSON.stringify({ error: message }),
  };
}

function v2Error(status: number, code: string, message: string): InfluxAnswer {
  return { status, headers: { 'Content-Type': JSON_TYPE }, body: JSON.stringify({ code, message }) };
}

export function writtenAnswer(): InfluxAnswer {
  return { status: 204, headers: {}, body: '' };
}

/** The line as InfluxDB quotes it: `unable to parse '<line>': <reason>`. */
export function unableToParse(bad: BadLine): string {
  return `unable to parse '${bad.text}': ${bad.reason} (line ${bad.line})`;
}

/** 400 for a body with bad lines; `written` records of the good lines went to Kafka first. */
export function badLinesAnswer(api: InfluxApi, bad: BadLine, written: number, droppedLines: number): InfluxAnswer {
  const reason = unableToParse(bad);
  if (api === 'v1') return v1Error(400, written > 0 ? `partial write: ${reason} dropped=${droppedLines}` : reason);
  return v2Error(400, 'invalid', written > 0 ? `partial write error (${written} written): ${reason}` : reason);
}

/** InfluxDB 2.x's error codes by HTTP status (its errors package). */
const V2_CODES: Readonly<Record<number, string>> = {
  400: 'invalid', 401: 'unauthorized', 403: 'forbidden', 404: 'not found', 405: 'method not allowed',
  413: 'request too large', 415: 'unsupported media type', 500: 'internal error', 503: 'unavailable', 504: 'unavailable',
};

function v2Code(status: number): string {
  return V2_CODES[status] ?? (status >= 500 ? 'internal error' : 'invalid');
}

/**
 * A refusal in the version's shape, with the status the error catalogue
 * gives (src/errors.ts): 413 makes Telegraf's v2 output split the batch, 503
 * makes it wait for Retry-After (added by the listener for retriable codes),
 * any other 4xx drops the batch. Never 429.
 */
export function errorAnswer(api: InfluxApi, status: number, message: string): InfluxAnswer {
  return api === 'v1' ? v1Error(status, message) : v2Error(status, v2Code(status), message);
}

/** GET /ping: 204 with the version header InfluxDB 1.x sends. */
export function pingAnswer(): InfluxAnswer {
  return { status: 204, headers: { 'X-Influxdb-Version': INFLUX_COMPATIBLE_VERSION, 'X-Influxdb-Build': 'OSS' }, body: '' };
}

/** GET /health: InfluxDB 2.x's health document; 503 "fail" while the daemon
 * would not take a write (what /readyz says). */
export function healthAnswer(ready = true): InfluxAnswer {
  const [status, state, message] = ready ? [200, 'pass', 'ready for queries and writes'] : [503, 'fail', 'not ready for writes'];
  return {
    status,
    headers: { 'Content-Type': JSON_TYPE },
    body: JSON.stringify({ name: 'influxdb', message, status: state, checks: [], version: INFLUX_COMPATIBLE_VERSION }),
  };
}

const CREATE_DATABASE = /^\s*CREATE\s+DATABASE\s/i;

/**
 * POST /query: only `CREATE DATABASE` is understood (what Telegraf's v1 output
 * sends at start), and succeeds without doing anything: the records' database
 * travels with each write. Anything else is refused, InfluxDB-shaped.
 */
export function queryAnswer(query: string): InfluxAnswer {
  if (CREATE_DATABASE.test(query)) {
    return { status: 200, headers: { 'Content-Type': JSON_TYPE }, body: JSON.stringify({ results: [{ statement_id: 0 }] }) };
  }
  return v1Error(400, 'this endpoint takes writes only: the only query understood is CREATE DATABASE');
}

/** What a write route's decoder reports with a partial write (Decoded.detail). */
export interface BadLinesDetail {
  readonly badLine: BadLine;
}

export function badLinesDetail(badLine: BadLine): AnswerDetail {
  return { badLine } satisfies BadLinesDetail;
}

function badLineOf(detail: AnswerDetail | undefined): BadLine | undefined {
  const badLine = detail?.['badLine'] as BadLine | undefined;
  return badLine !== undefined && typeof badLine.text === 'string' ? badLine : undefined;
}

/** An answer as the listener writes it: lower-case header names, no body for ''. */
export function toReply(answer: InfluxAnswer): Reply {
  let contentType = '';
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(answer.headers)) {
    if (name.toLowerCase() === 'content-type') contentType = value;
    else headers[name.toLowerCase()] = value;
  }
  return { status: answer.status, body: answer.body === '' ? null : answer.body, contentType, headers };
}

function partialAnswer(api: InfluxApi, accepted: number, partial: PartialRejection, detail: AnswerDetail | undefined): InfluxAnswer {
  const badLine = badLineOf(detail);
  return badLine === undefined ? errorAnswer(api, 400, partial.message) : badLinesAnswer(api, badLine, accepted, partial.rejected);
}

/** The answers of /write (v1) and /api/v2/write (v2): 204 once every record is
 * in Kafka, 400 "partial write" once the good lines are, refusals in the
 * version's error shape with the catalogue's status. */
export function influxAnswers(api: InfluxApi): AnswerShape {
  return {
    success: (accepted, partial, detail) => toReply(partial === undefined ? writtenAnswer() : partialAnswer(api, accepted, partial, detail)),
    refusal: (_code, status, message) => toReply(errorAnswer(api, status, message)),
    acceptsEmptyBody: false,
  };
}
