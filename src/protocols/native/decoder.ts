// The /logs decoder: decompress, strict UTF-8 JSON or NDJSON, then one record
// per log record — first by logs-scanner.ts, which writes the records of a
// body it can decide straight from its bytes, else by the general path
// (logs.ts). (/metrics, which also recognises other agents' bodies, is
// ../metrics-body.ts.)
import { isUtf8, type Buffer } from 'node:buffer';
import { decompress } from '../../decode/decompress';
import { parseJsonValues, toText } from '../../decode/json-values';
import { NOT_SCANNED } from '../../decode/scan';
import { acceptsEncoded } from '../../decode/sink';
import type { Decoder, DecoderSettings } from '../protocol';
import { decodeLogs, type LogOptions } from './logs';
import { LogsScanner } from './logs-scanner';

function parse(body: Buffer): unknown[] | { document: unknown } {
  return parseJsonValues(toText(body));
}

export function createLogsDecoder(settings: DecoderSettings): Decoder {
  const options: LogOptions = {
    maxRecords: settings.limits.maxRecordsPerRequest,
    maxDepth: settings.limits.maxValueDepth,
    keyField: settings.logKeyField,
  };
  const scanner = new LogsScanner(options);
  return (request, records) => {
    const body = decompress(request.body, request.contentEncoding, settings.maxDecompressedBytes);
    if (acceptsEncoded(records) && body.length > 0 && isUtf8(body)) {
      const scanned = scanner.decode(body, request.receivedAtMs, request.client, records);
      if (scanned !== NOT_SCANNED) return { records: scanned, directMessages: 0 };
    }
    return { records: decodeLogs(parse(body), request.receivedAtMs, request.client, options, records), directMessages: 0 };
  };
}
