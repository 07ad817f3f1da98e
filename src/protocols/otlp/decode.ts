// OTLP/HTTP export requests (/v1/metrics, /v1/logs, /v1/traces) in a pool
// worker: decompress, decode (protobuf or JSON), then either normalize into
// records or forward the request as one message (otlp_proto / otlp_json).
import type { Buffer } from 'node:buffer';
import protobuf from 'protobufjs';
import { decompress } from '../../decode/decompress';
import { DecodeError } from '../../decode/decode-error';
import { acceptsEncoded, type MessageSink, type RecordSink } from '../../decode/sink';
import { PARTITION_BY_KEY } from '../../ring/layout';
import { SIGNAL_NAMES, Signal } from '../../signals';
import type { Decoded, Decoder, DecoderSettings, ProtocolRequest } from '../protocol';
import { EXPORT_REQUEST, otlpEncodingOf } from './proto';
import { decodeOtlpLogs, logGroups, type LogsRequest } from './logs';
import { decodeOtlpMetrics, metricPointCount, type MetricsRequest } from './metrics';
import { NOT_SCANNED } from '../../decode/scan';
import { OtlpMetricsScanner } from './metrics-scanner';
import type { Outcome } from './outcome';
import { checkJsonSize, checkedJsonRequest, decodeRequest, encodeRequest, type RequestMessage } from './request';
import { OtlpJsonScanner } from './json-scanner';
import { jsonItemCount } from './json-count';
import { itemCount as groupItemCount } from './scopes';
import { decodeOtlpTraces, spanGroups, type TracesRequest } from './traces';
import { checkWire, type WireLimits } from './wire-check';
import { wireItemCount } from './wire-count';

export interface OtlpRequest extends ProtocolRequest {
  readonly signal: Signal;
}

/** Message nesting the wire check allows: the deepest envelope (request →
 * resource → scope → metric → kind → point → attribute = 8) plus three messages
 * per value level (AnyValue → KeyValueList → KeyValue), with room to spare, so
 * that a value nested past limits.maxValueDepth is refused as that item alone,
 * as in JSON, and only absurd nesting refuses the request. */
function wireLimits(settings: DecoderSettings): WireLimits {
  return { maxDepth: 16 + 3 * settings.limits.maxValueDepth, maxDecodedBytes: settings.maxDecodedBytes };
}

function normalize(request: OtlpRequest, message: RequestMessage, settings: DecoderSettings, sink: RecordSink): Outcome {
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

/** Items of a protobuf request forwarded as it is, counted on the wire
 * without decoding it when that gives what protobufjs would (wire-count.ts):
 * protobufjs refuses messages nested past its recursion limit. */
function protobufItemCount(signal: Signal, body: Buffer, limits: WireLimits): number {
  const deepest = checkWire(body, EXPORT_REQUEST[signal], limits);
  const counted = deepest - 1 <= protobuf.Reader.recursionLimit ? wireItemCount(body, signal) : undefined;
  return counted ?? itemCount(signal, decodeRequest(signal, body, 'proto', limits));
}

/** Items of an OTLP/JSON request forwarded as it is (otlp_json): counted by
 * the byte scanner where it decides, else on the checked document. */
function jsonItems(signal: Signal, body: Buffer, limits: WireLimits, scanner: OtlpJsonScanner | undefined): number {
  checkJsonSize(body, limits);
  const scanned = scanner === undefined ? NOT_SCANNED : scanner.count(body, limits.maxDepth);
  return scanned !== NOT_SCANNED ? scanned : jsonItemCount(signal, checkedJsonRequest(signal, body, limits));
}

/** Whether a request of the signal with this Content-Type is forwarded as it
 * is after a walk of its wire format only (a protobuf body and otlp_proto): no
 * decode, no objects; the cheapest work of any route. */
export function forwardedAsIs(signal: Signal, contentType: string, otlpEncoding: DecoderSettings['otlpEncoding']): boolean {
  return otlpEncoding[SIGNAL_NAMES[signal]] === 'otlp_proto' && otlpEncodingOf(contentType) === 'proto';
}

/** The metrics wire scanner's answer for a protobuf request of points as
 * records, or undefined when the general path must decide (checkWire has
 * then run: decodeRequest runs it again, on the rare body this path leaves). */
function scannedMetrics(request: OtlpRequest, body: Buffer, settings: DecoderSettings, records: RecordSink, scanner: OtlpMetricsScanner): Decoded | undefined {
  if (!acceptsEncoded(records)) return undefined;
  checkWire(body, EXPORT_REQUEST[Signal.Metrics], wireLimits(settings));
  const written = scanner.decode(body, request.receivedAtMs, records);
  return written === NOT_SCANNED ? undefined : { records: written, directMessages: 0, partial: undefined };
}

/** The byte scanners a route's decoder keeps: the metrics fast path for
 * protobuf requests of points as records (metrics-scanner.ts), and the
 * check and count of JSON requests forwarded as they are (json-scanner.ts). */
export interface OtlpScanners {
  readonly metrics?: OtlpMetricsScanner;
  readonly json?: OtlpJsonScanner;
}

export function decodeOtlp(request: OtlpRequest, settings: DecoderSettings, records: RecordSink, messages: MessageSink,
  scanners: OtlpScanners = {}): Decoded {
  const { metrics: metricsScanner, json: jsonScanner } = scanners;
  const body = decompress(request.body, request.contentEncoding, settings.maxDecompressedBytes);
  if (forwardedAsIs(request.signal, request.contentType, settings.otlpEncoding)) {
    return forwarded(request.signal, () => body, protobufItemCount(request.signal, body, wireLimits(settings)), settings, messages);
  }
  const encoding = otlpEncodingOf(request.contentType);
  const forward = settings.otlpEncoding[SIGNAL_NAMES[request.signal]];
  if (forward === 'otlp_json' && encoding === 'json') {
    return forwarded(request.signal, () => body, jsonItems(request.signal, body, wireLimits(settings), jsonScanner), settings, messages);
  }
  if (metricsScanner !== undefined && forward === 'records' && encoding === 'proto' && request.signal === Signal.Metrics) {
    const scanned = scannedMetrics(request, body, settings, records, metricsScanner);
    if (scanned !== undefined) return scanned;
  }
  const message = decodeRequest(request.signal, body, encoding, wireLimits(settings));
  if (forward === 'records') {
    const outcome = normalize(request, message, settings, records);
    return { records: outcome.records, directMessages: 0, partial: outcome.rejections.toPartial() };
  }
  const wanted = forward === 'otlp_proto' ? 'proto' : 'json';
  const value = (): Uint8Array => (wanted === encoding ? body : encodeRequest(request.signal, message, wanted));
  return forwarded(request.signal, value, itemCount(request.signal, message), settings, messages);
}

/** The request as one message (otlp_proto / otlp_json), counting its items. */
function forwarded(signal: Signal, value: () => Uint8Array, items: number, settings: DecoderSettings, messages: MessageSink): Decoded {
  if (items === 0) return { records: 0, directMessages: 0, partial: undefined };
  if (items > settings.limits.maxRecordsPerRequest) {
    throw new DecodeError('too_many_records', `request holds ${items} items; the limit is ${settings.limits.maxRecordsPerRequest}`);
  }
  messages.message(signal, 0, null, value(), PARTITION_BY_KEY, items);
  return { records: items, directMessages: 1, partial: undefined };
}

/** The decoder of the signal's OTLP/HTTP route. */
export function createOtlpDecoder(signal: Signal): (settings: DecoderSettings) => Decoder {
  return (settings) => {
    const scanners: OtlpScanners = {
      metrics: signal === Signal.Metrics ? new OtlpMetricsScanner(settings.limits) : undefined,
      json: settings.otlpEncoding[SIGNAL_NAMES[signal]] === 'otlp_json' ? new OtlpJsonScanner(signal) : undefined,
    };
    return (request, records, messages) => decodeOtlp({ ...request, signal }, settings, records, messages, scanners);
  };
}
