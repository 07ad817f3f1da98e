// The /metrics decoder: native metrics, and the bodies agents post there
// unchanged, recognised by their shape so that an operator who pointed one at
// /metrics is not refused:
//  - collectd write_http, Command format: the first line is a PUTVAL;
//  - InfluxDB line protocol (Telegraf's outputs.http with data_format =
//    "influx"): a text/plain (or undeclared) body whose first non-blank
//    character does not open JSON;
//  - collectd write_http, JSON format: an array whose first element is a
//    value list (`values`, `dstypes`, `dsnames` arrays);
//  - anything else is native metrics, validated as strictly as ever.
// Above the protocols it chooses between (like the route table), so none of
// them imports another.
import type { Buffer } from 'node:buffer';
import { decompress } from '../decode/decompress';
import { parseJsonValues, toText } from '../decode/json-values';
import { looksLikePutval } from './collectd/command';
import { decodeCollectdDocument, decodePutvalBody } from './collectd/decoder';
import { isCollectdJson } from './collectd/json';
import { decodeLineProtocol, writeOptions } from './influx/decoder';
import { compileMetricValidator, decodeMetrics } from './native/metrics';
import type { Decoder, DecoderSettings } from './protocol';

const SPACE = 0x20;
const TAB = 0x09;
const NEWLINE = 0x0a;
const RETURN = 0x0d;
const BOM = [0xef, 0xbb, 0xbf] as const;

/** Whether the body's first character past blanks (and a byte order mark) opens JSON. */
export function startsAsJson(body: Buffer): boolean {
  let i = body.length >= 3 && body[0] === BOM[0] && body[1] === BOM[1] && body[2] === BOM[2] ? 3 : 0;
  while (i < body.length && (body[i] === SPACE || body[i] === TAB || body[i] === NEWLINE || body[i] === RETURN)) i++;
  return body[i] === 0x5b /* [ */ || body[i] === 0x7b /* { */;
}

function mayBeText(contentType: string): boolean {
  const mediaType = contentType.split(';', 1)[0]!.trim().toLowerCase();
  return mediaType === 'text/plain' || mediaType === '';
}

export function createMetricsDecoder(settings: DecoderSettings): Decoder {
  const validate = compileMetricValidator(settings.limits);
  const maxRecords = settings.limits.maxRecordsPerRequest;
  return (request, records) => {
    const body = decompress(request.body, request.contentEncoding, settings.maxDecompressedBytes);
    const text = toText(body);
    if (looksLikePutval(text)) return decodePutvalBody(text, request.receivedAtMs, settings.limits, records);
    if (mayBeText(request.contentType) && !startsAsJson(body)) {
      return decodeLineProtocol(text, writeOptions(request.query, 'v1', false), request.receivedAtMs, settings, records);
    }
    const values = parseJsonValues(text);
    if (!Array.isArray(values) && isCollectdJson(values.document)) {
      return decodeCollectdDocument(values.document, request.receivedAtMs, settings.limits, records);
    }
    return { records: decodeMetrics(values, request.receivedAtMs, validate, maxRecords, records), directMessages: 0 };
  };
}
