// HEC event objects → log records or metric points.
//
// An event is {"time"?, "host"?, "source"?, "sourcetype"?, "index"?, "event", "fields"?}.
// `"event": "metric"` with a `metric_name` field (single form: `_value` holds
// the value) or `metric_name:<name>` fields (multi form: one value per field)
// is metric data, as the OpenTelemetry Collector's splunk_hec exporter sends;
// each value becomes a gauge point labelled by the other fields and by
// host/source/sourcetype/index. Any other event is a log record:
//   timestamp       ms, from `time` (else the receive time)
//   time_unix_nano  exact ns from `time`'s decimal text (absent without `time`)
//   body            `event` as sent: a string, an object or another JSON value
//   attributes      `fields` (indexed fields), as sent
//   host, source, sourcetype, index   when given (or defaulted from the query string)
//   channel         X-Splunk-Request-Channel, when given
// The key is left to the caller (the route's log key rule, as for /logs).
import { HEC } from './answers';
import { HecDecodeError } from './errors';
import { parseHecTime } from './time';
import { depthExceeds } from '../../decode/json-values';

export type JsonObject = Readonly<Record<string, unknown>>;

export interface HecMetadata {
  readonly host?: string;
  readonly source?: string;
  readonly sourcetype?: string;
  readonly index?: string;
}

export interface HecContext {
  readonly receivedAtMs: number;
  /** Query-string defaults (`?host=&source=&sourcetype=&index=`), overridden per event. */
  readonly defaults: HecMetadata;
  readonly channel: string | undefined;
  readonly maxDepth: number;
}

export interface HecLogRecord extends HecMetadata {
  readonly timestamp: number;
  readonly time_unix_nano?: string;
  readonly body: unknown;
  readonly attributes: JsonObject;
  readonly channel?: string;
}

export interface HecMetricPoint {
  readonly name: string;
  readonly value: number;
  readonly type: 'gauge';
  readonly timestamp: number;
  readonly labels: Readonly<Record<string, string>>;
}

export type HecRecord = { readonly kind: 'log'; readonly record: HecLogRecord } | { readonly kind: 'metric'; readonly point: HecMetricPoint };

const METADATA_KEYS = ['host', 'source', 'sourcetype', 'index'] as const;
const METRIC_PREFIX = 'metric_name:';

function isObject(value: unknown): value is JsonObject {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}


function metadataOf(event: JsonObject, defaults: HecMetadata, n: number): HecMetadata {
  const out: Record<string, string> = {};
  for (const key of METADATA_KEYS) {
    const value = event[key] ?? defaults[key];
    if (value === undefined || value === null) continue;
    if (typeof value !== 'string') throw new HecDecodeError(HEC.invalidDataFormat, `"${key}" must be a string`, n);
    out[key] = value;
  }
  return out;
}

function fieldsOf(event: JsonObject, n: number): JsonObject {
  const fields = event['fields'];
  if (fields === undefined || fields === null) return {};
  if (!isObject(fields)) throw new HecDecodeError(HEC.invalidDataFormat, '"fields" must be an object', n);
  for (const [name, value] of Object.entries(fields)) {
    const scalar = (v: unknown) => typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
    if (!scalar(value) && !(Array.isArray(value) && value.every(scalar))) {
      throw new HecDecodeError(HEC.indexedFieldsError, `field "${name}" must be a string, number, boolean or an array of them`, n);
    }
  }
  return fields;
}

function checkEvent(event: JsonObject, n: number): void {
  const body = event['event'];
  if (body === undefined || body === null) throw new HecDecodeError(HEC.eventRequired, 'no "event"', n);
  if (body === '' || (isObject(body) && Object.keys(body).length === 0)) throw new HecDecodeError(HEC.eventBlank, '"event" is empty', n);
}

function numeric(value: unknown): number | undefined {
  const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
  return Number.isFinite(n) ? n : undefined;
}

function isMetric(event: JsonObject, fields: JsonObject): boolean {
  return event['event'] === 'metric' && ('metric_name' in fields || Object.keys(fields).some((k) => k.startsWith(METRIC_PREFIX)));
}

function metricPoints(fields: JsonObject, metadata: HecMetadata, timestamp: number, n: number): HecMetricPoint[] {
  const values: Array<[string, unknown]> = [];
  const labels: Record<string, string> = { ...metadata };
  for (const [key, value] of Object.entries(fields)) {
    if (key === 'metric_name' || key === '_value') continue;
    if (key.startsWith(METRIC_PREFIX)) values.push([key.slice(METRIC_PREFIX.length), value]);
    else labels[key] = typeof value === 'string' ? value : JSON.stringify(value);
  }
  if ('metric_name' in fields) values.unshift([fields['metric_name'] as string, fields['_value']]);
  return values.map(([name, raw]) => {
    const value = numeric(raw);
    if (typeof name !== 'string' || name === '') throw new HecDecodeError(HEC.invalidDataFormat, 'a metric name must be a non-empty string', n);
    if (value === undefined) throw new HecDecodeError(HEC.invalidDataFormat, `metric "${name}" has no numeric value`, n);
    return { name, value, type: 'gauge', timestamp, labels };
  });
}

/** One parsed event (the n-th, 0-based) → its log record or metric points. */
export function eventRecords(event: unknown, n: number, context: HecContext): HecRecord[] {
  if (!isObject(event)) throw new HecDecodeError(HEC.invalidDataFormat, 'an event must be a JSON object', n);
  if (depthExceeds(event, context.maxDepth)) throw new HecDecodeError(HEC.invalidDataFormat, `nested deeper than ${context.maxDepth} levels`, n);
  checkEvent(event, n);
  const time = event['time'] === undefined || event['time'] === null ? undefined : parseHecTime(event['time']);
  if (time === undefined && event['time'] !== undefined && event['time'] !== null) {
    throw new HecDecodeError(HEC.invalidDataFormat, '"time" must be epoch seconds', n);
  }
  const metadata = metadataOf(event, context.defaults, n);
  const fields = fieldsOf(event, n);
  const timestamp = time?.ms ?? context.receivedAtMs;
  if (isMetric(event, fields)) return metricPoints(fields, metadata, timestamp, n).map((point) => ({ kind: 'metric', point }));
  const record: HecLogRecord = {
    timestamp,
    ...(time === undefined ? {} : { time_unix_nano: time.nanos }),
    body: event['event'],
    attributes: fields,
    ...metadata,
    ...(context.channel === undefined ? {} : { channel: context.channel }),
  };
  return [{ kind: 'log', record }];
}
