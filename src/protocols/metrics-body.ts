// The /metrics decoder: native metrics, and the bodies agents post there
// unchanged, recognised by their shape so that an operator who pointed one at
// /metrics is not refused:
//  - collectd write_http, Command format: the first line is a PUTVAL;
//  - InfluxDB line protocol (Telegraf's outputs.http with data_format =
//    "influx"): a text/plain (or undeclared) body whose first non-blank
//    character does not open JSON;
//  - collectd write_http, JSON format: an array whose first element is a
//    value list (`values`, `dstypes`, `dsnames` arrays);
//  - anything else is native metrics, validated as strictly as ever: first by
//    native/metrics-scanner.ts, which writes the records of a body in the
//    common shape straight from its bytes, else by the general path.
// Above the protocols it chooses between (like the route table), so none of
// them imports another.
import { isUtf8, type Buffer } from 'node:buffer';
import { decompress } from '../decode/decompress';
import { parseJsonValues, toText } from '../decode/json-values';
import { looksLikePutval } from './collectd/command';
import { decodeCollectdDocument, decodePutvalBody } from './collectd/decoder';
import { isCollectdJson } from './collectd/json';
import { decodeLineProtocol, writeOptions } from './influx/decoder';
import { compileMetricValidator, decodeMetrics } from './native/metrics';
import { NOT_SCANNED } from '../decode/scan';
import { MetricsScanner } from './native/metrics-scanner';
import { acceptsEncoded } from '../decode/sink';
import type { Decoder, DecoderSettings } from './protocol';

const SPACE = 0x20;
const TAB = 0x09;
const NEWLINE = 0x0a;
const RETURN = 0x0d;
const BOM = [0xef, 0xbb, 0xbf] as const;

/** Whether the body's first character past JSON's blanks opens JSON, with no byte order mark. */
function opensJson(body: Buffer): boolean {
  let i = 0;
  while (i < body.length && (body[i] === SPACE || body[i] === TAB || body[i] === NEWLINE || body[i] === RETURN)) i++;
  return body[i] === 0x5b /* [ */ || body[i] === 0x7b /* { */;
}

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
  const scanner = new MetricsScanner(settings.limits);
  return (request, records) => {
    const body = decompress(request.body, request.contentEncoding, settings.maxDecompressedBytes);
    // Neither a PUTVAL nor line protocol opens with [ or {; collectd's JSON
    // and everything else the scanner does not decide come back NOT_SCANNED.
    if (acceptsEncoded(records) && opensJson(body) && isUtf8(body)) {
      const scanned = scanner.decode(body, request.receivedAtMs, records);
      if (scanned !== NOT_SCANNED) return { records: scanned, directMessages: 0 };
    }
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
