// OTLP log records → log records (JSON, one Kafka message each): times in ms
// (and the exact nanoseconds as decimal text), severity, body and attributes
// as JSON values, resource and scope, trace context as hex.
import { Topic } from '../../src/ring/layout';
import { DecodeError } from '../decode-error';
import type { RecordSink } from '../sink';
import { Rejections, type Outcome } from './outcome';
import {
  anyValueToJson, attributesToJson, hex, nanosText, nanosToMs, RejectedItem,
  type AnyValue, type Int64, type JsonValue, type KeyValue, type Resource, type Scope,
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

export function scopeToJson(scope: Scope | null, maxDepth: number): { name: string; version: string; attributes: { [key: string]: JsonValue } } {
  return { name: scope?.name ?? '', version: scope?.version ?? '', attributes: attributesToJson(scope?.attributes ?? [], maxDepth) };
}

function keyOf(field: string, attributes: { [key: string]: JsonValue }, resource: { [key: string]: JsonValue }, client: string): string {
  if (field === '') return client;
  const v = attributes[field] ?? resource[field];
  return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? String(v) : client;
}

function logValue(log: LogRecord, resource: { [key: string]: JsonValue }, scope: JsonValue, options: OtlpLogOptions): { [key: string]: JsonValue } {
  const observed = nanosToMs(log.observedTimeUnixNano);
  const time = nanosToMs(log.timeUnixNano);
  const value: { [key: string]: JsonValue } = {
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

export function decodeOtlpLogs(request: LogsRequest, options: OtlpLogOptions, sink: RecordSink): Outcome {
  let items = 0;
  for (const rl of request.resourceLogs) for (const sl of rl.scopeLogs) items += sl.logRecords.length;
  if (items > options.maxRecords) {
    throw new DecodeError(413, 'too_many_records', `request holds ${items} log records; the limit is ${options.maxRecords}`);
  }
  const rejections = new Rejections();
  let index = 0;
  for (const rl of request.resourceLogs) {
    for (const sl of rl.scopeLogs) {
      let resource: { [key: string]: JsonValue };
      let scope: JsonValue;
      try {
        resource = attributesToJson(rl.resource?.attributes ?? [], options.maxDepth);
        scope = scopeToJson(sl.scope, options.maxDepth);
      } catch (err) {
        if (!(err instanceof RejectedItem)) throw err;
        rejections.add(sl.logRecords.length, `resource or scope: ${err.message}`);
        continue;
      }
      for (const log of sl.logRecords) {
        let value: { [key: string]: JsonValue };
        try {
          value = logValue(log, resource, scope, options);
        } catch (err) {
          if (!(err instanceof RejectedItem)) throw err;
          rejections.add(1, `log record: ${err.message}`);
          continue;
        }
        const key = keyOf(options.keyField, value['attributes'] as { [key: string]: JsonValue }, resource, options.client);
        sink.append(Topic.Logs, index++, key, JSON.stringify(value));
      }
    }
  }
  return { records: index, items, rejections };
}
