// Loki push (`POST /loki/api/v1/push`) decoding: the body as the route
// received it (after any Content-Encoding was undone by the caller) → one log
// record per entry. Pure: no I/O, no shared state.
//
// Content types: `application/json` (optionally with parameters) is JSON;
// `application/x-protobuf`, or none at all (Promtail and other Go clients of
// old sent none), is snappy-compressed protobuf. Anything else is refused by
// the route before this runs.
import { decodePushJson } from './push-json';
import { decodePushProto, uncompressPushBody } from './push-proto';
import { pushRecords, type KeyedLokiRecord, type LokiLimits } from './records';

export { LokiDecodeError, type LokiErrorCode } from './errors';
export { canonicalLabels, parseLabels, LabelSyntaxError, type LabelPairs } from './labels';
export type { KeyedLokiRecord, LokiLimits, LokiLogRecord } from './records';

export type LokiPushFormat = 'json' | 'protobuf';

export interface LokiDecodeOptions extends LokiLimits {
  /** The X-Scope-OrgID header, if any: kept on every record as `tenant`. */
  readonly tenant?: string;
  /** Bound on the snappy block's declared uncompressed size. */
  readonly maxDecompressedBytes: number;
}

/** The body format a Content-Type header selects; undefined when not a push format. */
export function pushFormatOf(contentType: string | undefined): LokiPushFormat | undefined {
  const mediaType = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (mediaType === '' || mediaType === 'application/x-protobuf') return 'protobuf';
  if (mediaType === 'application/json') return 'json';
  return undefined;
}

export function decodeLokiPush(body: Uint8Array, format: LokiPushFormat, options: LokiDecodeOptions): KeyedLokiRecord[] {
  const streams = format === 'json'
    ? decodePushJson(new TextDecoder('utf-8', { ignoreBOM: false }).decode(body))
    : decodePushProto(uncompressPushBody(body, options.maxDecompressedBytes));
  return pushRecords(streams, options.tenant, options);
}
