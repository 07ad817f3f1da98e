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

function v1Error(status: number, message: string, extra: Record<string, string> = {}): InfluxAnswer {
  // X-Influxdb-Error carries one header line: newlines in a quoted line would break it.
  return {
    status,
    headers: { 'Content-Type': JSON_TYPE, 'X-Influxdb-Error': message.replace(/[\r\n]+/g, ' '), ...extra },
    body: JSON.stringify({ error: message }),
  };
}

function v2Error(status: number, code: string, message: string, extra: Record<string, string> = {}): InfluxAnswer {
  return { status, headers: { 'Content-Type': JSON_TYPE, ...extra }, body: JSON.stringify({ code, message }) };
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

/** 400 for a request refused as a whole (bad precision, missing bucket, ...). */
export function invalidRequestAnswer(api: InfluxApi, message: string): InfluxAnswer {
  return api === 'v1' ? v1Error(400, message) : v2Error(400, 'invalid', message);
}

/** 413: Telegraf's v2 output splits the batch in two and sends the halves. */
export function tooLargeAnswer(api: InfluxApi, message: string): InfluxAnswer {
  return api === 'v1' ? v1Error(413, message) : v2Error(413, 'request too large', message);
}

/** 503 with Retry-After: the client keeps the batch and retries (never 429 here). */
export function unavailableAnswer(api: InfluxApi, message: string, retryAfterSeconds: number): InfluxAnswer {
  const retryAfter = { 'Retry-After': String(Math.max(1, Math.ceil(retryAfterSeconds))) };
  return api === 'v1' ? v1Error(503, message, retryAfter) : v2Error(503, 'unavailable', message, retryAfter);
}

/** GET /ping: 204 with the version header InfluxDB 1.x sends. */
export function pingAnswer(): InfluxAnswer {
  return { status: 204, headers: { 'X-Influxdb-Version': INFLUX_COMPATIBLE_VERSION, 'X-Influxdb-Build': 'OSS' }, body: '' };
}

/** GET /health: InfluxDB 2.x's health document. */
export function healthAnswer(): InfluxAnswer {
  return {
    status: 200,
    headers: { 'Content-Type': JSON_TYPE },
    body: JSON.stringify({ name: 'influxdb', message: 'ready for queries and writes', status: 'pass', checks: [], version: INFLUX_COMPATIBLE_VERSION }),
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
