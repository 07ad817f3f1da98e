// The /metrics decoder: native metrics, and the bodies agents post there
// unchanged, recognised by their shape so that an operator who pointed one at
// /metrics is not refused:
//  - collectd write_http, Command format: the first line is a PUTVAL;
//  - collectd write_http, JSON format: an array whose first element is a
//    value list (`values`, `dstypes`, `dsnames` arrays);
//  - anything else is native metrics, validated as strictly as ever.
// Above the protocols it chooses between (like the route table), so neither
// imports the other.
import { decompress } from '../decode/decompress';
import { parseJsonValues, toText } from '../decode/json-values';
import { decodeCollectdDocument, decodePutvalBody } from './collectd/decoder';
import { isCollectdJson } from './collectd/json';
import { looksLikePutval } from './collectd/command';
import { compileMetricValidator, decodeMetrics } from './native/metrics';
import type { Decoder, DecoderSettings } from './protocol';

export function createMetricsDecoder(settings: DecoderSettings): Decoder {
  const validate = compileMetricValidator(settings.limits);
  const maxRecords = settings.limits.maxRecordsPerRequest;
  return (request, records) => {
    const text = toText(decompress(request.body, request.contentEncoding, settings.maxDecompressedBytes));
    if (looksLikePutval(text)) return decodePutvalBody(text, request.receivedAtMs, settings.limits, records);
    const values = parseJsonValues(text);
    if (!Array.isArray(values) && isCollectdJson(values.document)) {
      return decodeCollectdDocument(values.document, request.receivedAtMs, settings.limits, records);
    }
    return { records: decodeMetrics(values, request.receivedAtMs, validate, maxRecords, records), directMessages: 0 };
  };
}
