// Native metric batches: {"batch_timestamp", "metrics": [...]},
// a JSON array of metrics, or NDJSON of them → one Kafka record per point.
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import type { Config } from '../../config/schema';
import { Signal } from '../../signals';
import { DecodeError } from '../../decode/decode-error';
import { seriesKey, type Labels } from '../../decode/series-key';
import type { RecordSink } from '../../decode/sink';

export interface Metric {
  name: string;
  value: number;
  type?: 'gauge' | 'counter' | 'histogram' | 'summary';
  timestamp?: number;
  labels?: Labels;
}

// A compiled ajv validator: validation is on the hot path (once per record)
// and ajv's generated code is several times faster than interpreting a schema.
// ajv rejects NaN/Infinity for "number" (strictNumbers, its default).
export function compileMetricValidator(limits: Config['limits']): ValidateFunction<Metric> {
  const ajv = new Ajv({ allErrors: false, strict: true });
  return ajv.compile<Metric>({
    type: 'object',
    required: ['name', 'value'],
    additionalProperties: false,
    properties: {
      name: { type: 'string', minLength: 1, maxLength: limits.maxNameLength },
      value: { type: 'number' },
      type: { enum: ['gauge', 'counter', 'histogram', 'summary'] },
      timestamp: { type: 'integer', minimum: 0 },
      labels: {
        type: 'object',
        maxProperties: limits.maxLabelsPerRecord,
        propertyNames: { minLength: 1, maxLength: limits.maxLabelNameLength },
        additionalProperties: { type: 'string', maxLength: limits.maxLabelValueLength },
      },
    },
  });
}

function describeSchemaError(error: ErrorObject | undefined): string {
  if (error === undefined) return 'invalid record';
  const where = error.instancePath === '' ? 'record' : error.instancePath.slice(1).replace(/\//g, '.');
  const extra = (error.params as { additionalProperty?: string }).additionalProperty;
  if (extra !== undefined) return `${where} has unknown field "${extra}"`;
  // A label name that fails its own rule: say it is the property name, not the map.
  const name = (error as ErrorObject & { propertyName?: string }).propertyName;
  if (name !== undefined) return `${where} property name ${JSON.stringify(name.slice(0, 64))} ${error.message ?? 'is invalid'}`;
  return `${where} ${error.message ?? 'is invalid'}`;
}

export type MetricType = NonNullable<Metric['type']>;

/** JSON has no NaN or infinities: those values (Prometheus' stale markers,
 * +Inf buckets) are written as the strings "NaN", "+Inf", "-Inf". */
export function jsonNumber(value: number): number | string {
  return Number.isFinite(value) ? value : Number.isNaN(value) ? 'NaN' : value > 0 ? '+Inf' : '-Inf';
}

/** The Kafka value of one metric point (docs/kafka.md), in a fixed field order. */
export function metricRecord(name: string, value: number, type: MetricType, timestamp: number, labels: Labels): string {
  return JSON.stringify({ name, value: jsonNumber(value), type, timestamp, labels });
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Finds the list of metrics and the batch default timestamp in a body. */
function metricsOf(parsed: unknown[] | { document: unknown }): { metrics: unknown[]; batchTimestamp: number | undefined } {
  if (Array.isArray(parsed)) return { metrics: parsed, batchTimestamp: undefined };
  const doc = parsed.document;
  if (Array.isArray(doc)) return { metrics: doc, batchTimestamp: undefined };
  if (isObject(doc) && 'metrics' in doc) {
    const extra = Object.keys(doc).find((k) => k !== 'metrics' && k !== 'batch_timestamp');
    if (extra !== undefined) throw new DecodeError('invalid_batch', `batch has unknown field "${extra}"`);
    if (!Array.isArray(doc['metrics'])) throw new DecodeError('invalid_batch', 'batch field "metrics" must be an array');
    const ts = doc['batch_timestamp'];
    if (ts !== undefined && !(Number.isSafeInteger(ts) && (ts as number) >= 0)) {
      throw new DecodeError('invalid_batch', 'batch_timestamp must be a non-negative integer (ms)');
    }
    return { metrics: doc['metrics'], batchTimestamp: ts as number | undefined };
  }
  return { metrics: [doc], batchTimestamp: undefined };
}

export function decodeMetrics(
  parsed: unknown[] | { document: unknown },
  receivedAtMs: number,
  validate: ValidateFunction<Metric>,
  maxRecords: number,
  sink: RecordSink,
): number {
  const { metrics, batchTimestamp } = metricsOf(parsed);
  if (metrics.length > maxRecords) {
    throw new DecodeError('too_many_records', `request holds ${metrics.length} records; the limit is ${maxRecords}`);
  }
  const defaultTimestamp = batchTimestamp ?? receivedAtMs;
  for (let i = 0; i < metrics.length; i++) {
    const metric = metrics[i];
    if (!validate(metric)) {
      throw new DecodeError('invalid_record', `record ${i}: ${describeSchemaError(validate.errors?.[0])}`, i);
    }
    const labels = metric.labels ?? {};
    const value = metricRecord(metric.name, metric.value, metric.type ?? 'gauge', metric.timestamp ?? defaultTimestamp, labels);
    sink.append(Signal.Metrics, i, seriesKey(metric.name, labels), value);
  }
  return metrics.length;
}
