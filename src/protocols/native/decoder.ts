// The /metrics and /logs decoders: decompress, strict UTF-8 JSON or NDJSON,
// then one record per metric point or log record.
import { decompress } from '../../decode/decompress';
import { parseJsonValues, toText } from '../../decode/json-values';
import type { Decoder, DecoderSettings, ProtocolRequest } from '../protocol';
import { decodeLogs, type LogOptions } from './logs';
import { compileMetricValidator, decodeMetrics } from './metrics';

function parse(request: ProtocolRequest, settings: DecoderSettings): unknown[] | { document: unknown } {
  return parseJsonValues(toText(decompress(request.body, request.contentEncoding, settings.maxDecompressedBytes)));
}

export function createMetricsDecoder(settings: DecoderSettings): Decoder {
  const validate = compileMetricValidator(settings.limits);
  const maxRecords = settings.limits.maxRecordsPerRequest;
  return (request, records) => ({
    records: decodeMetrics(parse(request, settings), request.receivedAtMs, validate, maxRecords, records),
    directMessages: 0,
  });
}

export function createLogsDecoder(settings: DecoderSettings): Decoder {
  const options: LogOptions = {
    maxRecords: settings.limits.maxRecordsPerRequest,
    maxDepth: settings.limits.maxValueDepth,
    keyField: settings.logKeyField,
  };
  return (request, records) => ({
    records: decodeLogs(parse(request, settings), request.receivedAtMs, request.client, options, records),
    directMessages: 0,
  });
}
