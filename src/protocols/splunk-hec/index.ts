// Splunk HTTP Event Collector: `/services/collector`, `/services/collector/event`
// (concatenated JSON event objects) and `/services/collector/raw` (one event
// per line). Pure: body text in (decompressed by the caller), records out,
// and HEC's answers; auth, Kafka and the route are the caller's.
import { HEC } from './answers';
import { HecDecodeError } from './errors';
import { eventRecords, type HecContext, type HecRecord } from './events';
import { splitEvents } from './split';

export { HEC, healthAnswer, hecAnswer, hecToken, type HecAnswer, type HecStatus, type TokenCheck } from './answers';
export { HecDecodeError } from './errors';
export type { HecContext, HecLogRecord, HecMetadata, HecMetricPoint, HecRecord } from './events';
export { parseHecTime, type HecTime } from './time';

export interface HecLimits {
  /** Events (JSON objects, or raw lines) in one request. */
  readonly maxRecords: number;
  /** UTF-8 bytes of one event object or raw line. */
  readonly maxEventBytes: number;
}

function checkSize(text: string, limits: HecLimits, n: number): void {
  // A UTF-16 unit is at most 3 UTF-8 bytes: most events need no count.
  if (text.length * 3 <= limits.maxEventBytes) return;
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > limits.maxEventBytes) throw new HecDecodeError(HEC.eventTooLarge, `${bytes} bytes; the limit is ${limits.maxEventBytes}`, n);
}

function noData(text: string): boolean {
  return text.trim() === '';
}

/** `/services/collector` and `/services/collector/event` bodies. */
export function decodeHecEvents(body: string, context: HecContext, limits: HecLimits): HecRecord[] {
  if (noData(body)) throw new HecDecodeError(HEC.noData, 'the body is empty');
  return splitEvents(body, limits.maxRecords).flatMap((text, n) => {
    checkSize(text, limits, n);
    let event: unknown;
    try {
      event = JSON.parse(text);
    } catch (error) {
      throw new HecDecodeError(HEC.invalidDataFormat, (error as Error).message, n);
    }
    return eventRecords(event, n, context);
  });
}

/** `/services/collector/raw` bodies: each non-blank line is one log record
 * whose body is the line; Splunk requires the request's channel here. */
export function decodeHecRaw(body: string, context: HecContext, limits: HecLimits): HecRecord[] {
  if (context.channel === undefined || context.channel === '') throw new HecDecodeError(HEC.channelMissing, 'raw requests need X-Splunk-Request-Channel');
  const lines = body.split('\n').map((line) => line.replace(/\r$/, '')).filter((line) => line.trim() !== '');
  if (lines.length === 0) throw new HecDecodeError(HEC.noData, 'the body is empty');
  if (lines.length > limits.maxRecords) throw new HecDecodeError(HEC.tooLarge, `${lines.length} lines; the limit is ${limits.maxRecords}`);
  return lines.map((line, n): HecRecord => {
    checkSize(line, limits, n);
    return { kind: 'log', record: { timestamp: context.receivedAtMs, body: line, attributes: {}, ...context.defaults, channel: context.channel! } };
  });
}

/** Body bytes as text; bytes that are not UTF-8 are invalid data (event 0: the request can not be read). */
export function hecText(body: Uint8Array): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(body);
  } catch {
    throw new HecDecodeError(HEC.invalidDataFormat, 'the body is not UTF-8', 0);
  }
}
