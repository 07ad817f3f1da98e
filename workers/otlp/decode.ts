// OTLP/HTTP export requests (/v1/metrics, /v1/logs, /v1/traces) in a pool
// worker: decompress, decode (protobuf or JSON), then either normalize into
// records or forward the request as one message (otlp_proto / otlp_json).
import type { Buffer } from 'node:buffer';
import type { Config } from '../../src/config/schema';
import { otlpEncodingOf } from '../../src/otlp/proto';
import type { PartialRejection } from '../../src/pool/protocol';
import { SIGNAL_NAMES, Signal } from '../../src/routes';
import { PARTITION_BY_KEY } from '../../src/ring/layout';
import { decompress } from '../decompress';
import { DecodeError } from '../decode-error';
import type { MessageSink, RecordSink } from '../sink';
import { decodeOtlpLogs, logGroups, type LogsRequest } from './logs';
import { decodeOtlpMetrics, metricPointCount, type MetricsRequest } from './metrics';
import type { Outcome } from './outcome';
import { decodeRequest, encodeRequest, type RequestMessage } from './request';
import { itemCount as groupItemCount } from './scopes';
import { decodeOtlpTraces, spanGroups, type TracesRequest } from './traces';
import type { WireLimits } from './wire-check';

export interface OtlpSettings {
  readonly limits: Config['limits'];
  readonly maxDecompressedBytes: number;
  readonly maxDecodedBytes: number;
  readonly encoding: Config['otlp']['encoding'];
  readonly logKeyField: string;
}

export interface OtlpRequest {
  readonly signal: Signal;
  readonly body: Buffer;
  readonly contentType: string;
  readonly contentEncoding: string;
  readonly receivedAtMs: number;
  readonly client: string;
}

export interface OtlpResult {
  /** Data records written, or the items a forwarded request holds. */
  readonly records: number;
  /** Messages written straight to the ring (a forwarded request), besides the record sink's. */
  readonly directMessages: number;
  readonly partial: PartialRejection | undefined;
}

/** Message nesting the wire check allows: the deepest envelope (request →
 * resource → scope → metric → kind → point → attribute = 8) plus three messages
 * per value level (AnyValue → KeyValueList → KeyValue), with room to spare, so
 * that a value nested past limits.maxValueDepth is refused as that item alone,
 * as in JSON, and only absurd nesting refuses the request. */
function wireLimits(settings: OtlpSettings): WireLimits {
  return { maxDepth: 16 + 3 * settings.limits.maxValueDepth, maxDecodedBytes: settings.maxDecodedBytes };
}

function normalize(request: OtlpRequest, message: RequestMessage, settings: OtlpSettings, sink: RecordSink): Outcome {
  const { limits } = settings;
  switch (request.signal) {
    case Signal.Metrics:
      return decodeOtlpMetrics(message as unknown as MetricsRequest, request.receivedAtMs, limits, sink);
    case Signal.Logs:
      return decodeOtlpLogs(message as unknown as LogsRequest, {
        maxRecords: limits.maxRecordsPerRequest, maxDepth: limits.maxValueDepth, keyField: settings.logKeyField,
        client: request.client, receivedAtMs: request.receivedAtMs,
      }, sink);
    case Signal.Traces:
      return decodeOtlpTraces(message as unknown as TracesRequest, {
        maxRecords: limits.maxRecordsPerRequest, maxDepth: limits.maxValueDepth, receivedAtMs: request.receivedAtMs,
      }, sink);
  }
}

/** Items (points, log records, spans) a request holds, counted without normalizing. */
function itemCount(signal: Signal, message: RequestMessage): number {
  switch (signal) {
    case Signal.Metrics: return metricPointCount(message as unknown as MetricsRequest);
    case Signal.Logs: return groupItemCount(logGroups(message as unknown as LogsRequest));
    case Signal.Traces: return groupItemCount(spanGroups(message as unknown as TracesRequest));
  }
}

export function decodeOtlp(request: OtlpRequest, settings: OtlpSettings, records: RecordSink, messages: MessageSink): OtlpResult {
  const body = decompress(request.body, request.contentEncoding, settings.maxDecompressedBytes);
  const encoding = otlpEncodingOf(request.contentType);
  const message = decodeRequest(request.signal, body, encoding, wireLimits(settings));
  const forward = settings.encoding[SIGNAL_NAMES[request.signal]];
  if (forward === 'records') {
    const outcome = normalize(request, message, settings, records);
    return { records: outcome.records, directMessages: 0, partial: outcome.rejections.toPartial() };
  }
  const items = itemCount(request.signal, message);
  if (items === 0) return { records: 0, directMessages: 0, partial: undefined };
  if (items > settings.limits.maxRecordsPerRequest) {
    throw new DecodeError('too_many_records', `request holds ${items} items; the limit is ${settings.limits.maxRecordsPerRequest}`);
  }
  const wanted = forward === 'otlp_proto' ? 'proto' : 'json';
  const value = wanted === encoding ? body : encodeRequest(request.signal, message, wanted);
  messages.message(request.signal, 0, null, value, PARTITION_BY_KEY, items);
  return { records: items, directMessages: 1, partial: undefined };
}
