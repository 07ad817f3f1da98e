// The `/loki/api/v1/push` route's decoder: Content-Encoding undone (JSON
// bodies may be gzip or deflate; protobuf is snappy inside), then one log
// record per entry, keyed by the stream's canonical label set so that every
// entry of a stream goes to one partition, in the order it was pushed.
import { decompress } from '../../decode/decompress';
import { DecodeError } from '../../decode/decode-error';
import type { ErrorCode } from '../../errors';
import { encodeHeaders, HeadersTooLargeError } from '../../ring/headers';
import { Signal } from '../../signals';
import type { Decoder, DecoderSettings } from '../protocol';
import { decodeLokiPush, LokiDecodeError, pushFormatOf, type LokiErrorCode } from './index';

/** Loki's own default `max_line_size` (256 KB): a longer line is refused. */
export const MAX_LINE_BYTES = 256 * 1024;

/** The request header that names the tenant (kept on each record as `tenant`
 * and as the Kafka header TENANT_KAFKA_HEADER). */
export const TENANT_HEADER = 'x-scope-orgid';
/** The Kafka header each message of a request with a tenant carries. */
export const TENANT_KAFKA_HEADER = 'tenant';

/** The encoded Kafka headers of a request's messages (src/ring/headers.ts). */
function tenantHeaders(tenant: string | undefined): Uint8Array | null {
  if (tenant === undefined || tenant === '') return null;
  try {
    return encodeHeaders([[TENANT_KAFKA_HEADER, tenant]]);
  } catch (error) {
    if (!(error instanceof HeadersTooLargeError)) throw error;
    throw new DecodeError('invalid_record', `X-Scope-OrgID is too long for a Kafka header: ${error.message}`);
  }
}

const CATALOGUE_CODE: Readonly<Record<LokiErrorCode, ErrorCode>> = {
  bad_compression: 'bad_compression',
  decompressed_too_large: 'decompressed_too_large',
  invalid_protobuf: 'invalid_protobuf',
  invalid_json: 'invalid_json',
  invalid_labels: 'invalid_record',
  invalid_timestamp: 'invalid_record',
  too_many_labels: 'invalid_record',
  line_too_long: 'invalid_record',
  too_many_records: 'too_many_records',
};

export function createLokiDecoder(settings: DecoderSettings): Decoder {
  const options = {
    maxRecords: settings.limits.maxRecordsPerRequest,
    maxLineBytes: MAX_LINE_BYTES,
    maxLabels: settings.limits.maxLabelsPerRecord,
    maxDecompressedBytes: settings.maxDecompressedBytes,
  };
  return (request, records) => {
    // The route admits only the push media types, so a format is always found.
    const format = pushFormatOf(request.contentType) ?? 'protobuf';
    const body = decompress(request.body, request.contentEncoding, settings.maxDecompressedBytes);
    const tenant = request.headers[TENANT_HEADER];
    const headers = tenantHeaders(tenant);
    let decoded;
    try {
      decoded = decodeLokiPush(body, format, { ...options, ...(tenant ? { tenant } : {}) });
    } catch (error) {
      if (!(error instanceof LokiDecodeError)) throw error;
      throw new DecodeError(CATALOGUE_CODE[error.code], error.message);
    }
    if (decoded.length === 0) throw new DecodeError('empty_body', 'the push request holds no entries');
    decoded.forEach((record, i) => records.append(Signal.Logs, i, record.key, record.text, headers));
    return { records: decoded.length, directMessages: 0 };
  };
}
