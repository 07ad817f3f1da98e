// OTLP spans → span records (JSON, one Kafka message each), keyed by trace id
// so every span of a trace lands in one partition, in order.
import { Signal } from '../../signals';
import type { RecordSink } from '../../decode/sink';
import type { Outcome } from './outcome';
import { normalizeGroups, type JsonObject, type ScopeGroup } from './scopes';
import {
  attributesToJson, hex, int64ToBigInt, nanosText, nanosToMs, RejectedItem,
  type Int64, type KeyValue, type Resource, type Scope,
} from './values';

interface Span {
  readonly traceId: Uint8Array;
  readonly spanId: Uint8Array;
  readonly traceState: string;
  readonly parentSpanId: Uint8Array;
  readonly flags: number;
  readonly name: string;
  readonly kind: number;
  readonly startTimeUnixNano: Int64;
  readonly endTimeUnixNano: Int64;
  readonly attributes: readonly KeyValue[];
  readonly droppedAttributesCount: number;
  readonly events: ReadonlyArray<{ readonly timeUnixNano: Int64; readonly name: string; readonly attributes: readonly KeyValue[] }>;
  readonly droppedEventsCount: number;
  readonly links: ReadonlyArray<{ readonly traceId: Uint8Array; readonly spanId: Uint8Array; readonly traceState: string; readonly attributes: readonly KeyValue[] }>;
  readonly droppedLinksCount: number;
  readonly status: { readonly message: string; readonly code: number } | null;
}
export interface TracesRequest {
  readonly resourceSpans: ReadonlyArray<{
    readonly resource: Resource | null;
    readonly scopeSpans: ReadonlyArray<{ readonly scope: Scope | null; readonly spans: readonly Span[] }>;
  }>;
}

export interface OtlpTraceOptions {
  readonly maxRecords: number;
  readonly maxDepth: number;
  readonly receivedAtMs: number;
}

const KINDS = ['unspecified', 'internal', 'server', 'client', 'producer', 'consumer'];
const STATUS_CODES = ['unset', 'ok', 'error'];

function spanValue(span: Span, resource: JsonObject, scope: JsonObject, options: OtlpTraceOptions): JsonObject {
  if (span.traceId.length !== 16) throw new RejectedItem(`trace_id must be 16 bytes, got ${span.traceId.length}`);
  if (span.spanId.length !== 8) throw new RejectedItem(`span_id must be 8 bytes, got ${span.spanId.length}`);
  const start = nanosToMs(span.startTimeUnixNano);
  const duration = int64ToBigInt(span.endTimeUnixNano) - int64ToBigInt(span.startTimeUnixNano);
  return {
    trace_id: hex(span.traceId),
    span_id: hex(span.spanId),
    parent_span_id: hex(span.parentSpanId),
    trace_state: span.traceState,
    name: span.name,
    kind: KINDS[span.kind] ?? String(span.kind),
    timestamp: start > 0 ? start : options.receivedAtMs,
    start_time_unix_nano: nanosText(span.startTimeUnixNano),
    end_time_unix_nano: nanosText(span.endTimeUnixNano),
    duration_ns: Number(duration),
    status: { code: STATUS_CODES[span.status?.code ?? 0] ?? String(span.status?.code), message: span.status?.message ?? '' },
    attributes: attributesToJson(span.attributes, options.maxDepth),
    resource,
    scope,
    events: span.events.map((e) => ({
      name: e.name, timestamp: nanosToMs(e.timeUnixNano), time_unix_nano: nanosText(e.timeUnixNano),
      attributes: attributesToJson(e.attributes, options.maxDepth),
    })),
    links: span.links.map((l) => ({
      trace_id: hex(l.traceId), span_id: hex(l.spanId), trace_state: l.traceState,
      attributes: attributesToJson(l.attributes, options.maxDepth),
    })),
    flags: span.flags,
    dropped_attributes_count: span.droppedAttributesCount,
    dropped_events_count: span.droppedEventsCount,
    dropped_links_count: span.droppedLinksCount,
  };
}

export function spanGroups(request: TracesRequest): Array<ScopeGroup<Span>> {
  return request.resourceSpans.flatMap((rs) => rs.scopeSpans.map((ss) => ({ resource: rs.resource, scope: ss.scope, items: ss.spans })));
}

export function decodeOtlpTraces(request: TracesRequest, options: OtlpTraceOptions, sink: RecordSink): Outcome {
  const limits = { maxItems: options.maxRecords, maxDepth: options.maxDepth };
  return normalizeGroups(spanGroups(request), limits, 'span', (span, { resource, scope }, index) => {
    const value = spanValue(span, resource, scope, options);
    sink.append(Signal.Traces, index, value['trace_id'] as string, JSON.stringify(value));
  });
}
