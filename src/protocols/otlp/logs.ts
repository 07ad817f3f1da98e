// OTLP log records → log records (JSON, one Kafka message each): times in ms
// (and the exact nanoseconds as decimal text), severity, body and attributes
// as JSON values, resource and scope, trace context as hex.
import { Signal } from '../../signals';
import type { RecordSink } from '../../decode/sink';
import type { Outcome } from './outcome';
import { normalizeGroups, type JsonObject, type ScopeGroup } from './scopes';
import {
  anyValueToJson, attributesToJson, hex, nanosText, nanosToMs,
  type AnyValue, type Int64, type KeyValue, type Resource, type Scope,
} from './values';

interface LogRecord {
  readonly timeUnixNano: Int64;
  readonly observedTimeUnixNano: Int64;
  readonly severityNumber: number;
  readonly severityText: string;
  readonly body: AnyValue | null;
  readonly attributes: readonly KeyValue[];
  readonly droppedAttributesCount: number;
  readonly flags: number;
  readonly traceId: Uint8Array;
  readonly spanId: Uint8Array;
  readonly eventName: string;
}
export interface LogsRequest {
  readonly resourceLogs: ReadonlyArray<{
    readonly resource: Resource | null;
    readonly scopeLogs: ReadonlyArray<{ readonly scope: Scope | null; readonly logRecords: readonly LogRecord[] }>;
  }>;
}

export interface OtlpLogOptions {
  readonly maxRecords: number;
  readonly maxDepth: number;
  /** Attribute (then resource attribute) whose value keys the record; '' keys by client. */
  readonly keyField: string;
  readonly client: string;
  readonly receivedAtMs: number;
}

function keyOf(field: string, attributes: JsonObject, resource: JsonObject, client: string): string {
  if (field === '') return client;
  const v = attributes[field] ?? resource[field];
  return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? String(v) : client;
}

function logValue(log: LogRecord, resource: JsonObject, scope: JsonObject, options: OtlpLogOptions): JsonObject {
  const observed = nanosToMs(log.observedTimeUnixNano);
  const time = nanosToMs(log.timeUnixNano);
  const value: JsonObject = {
    timestamp: time > 0 ? time : observed > 0 ? observed : options.receivedAtMs,
    observed_timestamp: observed > 0 ? observed : options.receivedAtMs,
    time_unix_nano: nanosText(log.timeUnixNano),
    observed_time_unix_nano: nanosText(log.observedTimeUnixNano),
    severity_number: log.severityNumber,
    severity_text: log.severityText,
    body: anyValueToJson(log.body, options.maxDepth),
    attributes: attributesToJson(log.attributes, options.maxDepth),
    resource,
    scope,
    trace_id: hex(log.traceId),
    span_id: hex(log.spanId),
    flags: log.flags,
    dropped_attributes_count: log.droppedAttributesCount,
  };
  if (log.eventName !== '') value['event_name'] = log.eventName;
  return value;
}

export function logGroups(request: LogsRequest): Array<ScopeGroup<LogRecord>> {
  return request.resourceLogs.flatMap((rl) => rl.scopeLogs.map((sl) => ({ resource: rl.resource, scope: sl.scope, items: sl.logRecords })));
}

export function decodeOtlpLogs(request: LogsRequest, options: OtlpLogOptions, sink: RecordSink): Outcome {
  const limits = { maxItems: options.maxRecords, maxDepth: options.maxDepth };
  return normalizeGroups(logGroups(request), limits, 'log record', (log, { resource, scope }, index) => {
    const value = logValue(log, resource, scope, options);
    const key = keyOf(options.keyField, value['attributes'] as JsonObject, resource, options.client);
    sink.append(Signal.Logs, index, key, JSON.stringify(value));
  });
}
