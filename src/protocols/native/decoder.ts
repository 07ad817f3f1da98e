// The /logs decoder: decompress, strict UTF-8 JSON or NDJSON, then one record
// per log record. (/metrics, which also recognises other agents' bodies, is
// ../metrics-body.ts.)
import { decompress } from '../../decode/decompress';
import { parseJsonValues, toText } from '../../decode/json-values';
import type { Decoder, DecoderSettings, ProtocolRequest } from '../protocol';
import { decodeLogs, type LogOptions } from './logs';

function parse(request: ProtocolRequest, settings: DecoderSettings): unknown[] | { document: unknown } {
  return parseJsonValues(toText(decompress(request.body, request.contentEncoding, settings.maxDecompressedBytes)));
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
