// Line protocol on /metrics: what Telegraf's `outputs.http` sends with
// `data_format = "influx"` (text/plain). A text/plain (or undeclared) body
// whose first non-blank character is not `[` or `{` is line protocol and is
// taken as /write takes it, without destination labels; anything else goes to
// the native JSON decoder, unchanged and as strict as before.
import { Buffer } from 'node:buffer';
import { decompress } from '../../decode/decompress';
import { toText } from '../../decode/json-values';
import type { ErrorCode } from '../../errors';
import { JSON_ANSWERS } from '../native/answers';
import { createMetricsDecoder } from '../native/decoder';
import type { AnswerShape, Decoder, DecoderSettings } from '../protocol';
import { decodeLineProtocol, writeOptions } from './decoder';

function mayBeLineProtocol(contentType: string): boolean {
  const mediaType = contentType.split(';', 1)[0]!.trim().toLowerCase();
  return mediaType === 'text/plain' || mediaType === '';
}

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

/** /metrics' decoder: native JSON, or line protocol as above. */
export function createMetricsRouteDecoder(settings: DecoderSettings): Decoder {
  const native = createMetricsDecoder(settings);
  return (request, records, messages) => {
    if (!mayBeLineProtocol(request.contentType)) return native(request, records, messages);
    const body = decompress(request.body, request.contentEncoding, settings.maxDecompressedBytes);
    if (startsAsJson(body)) return native({ ...request, body, contentEncoding: 'identity' }, records, messages);
    return decodeLineProtocol(toText(body), writeOptions(request.query, 'v1', false), request.receivedAtMs, settings, records);
  };
}

const PARTIAL_WRITE: ErrorCode = 'partial_write';

/** /metrics' answers: the native ones, and for line protocol with bad lines,
 * once the good ones are in Kafka, 400 {"error":"partial_write", "message",
 * "accepted": records written, "rejected_lines"}. */
export const METRICS_ROUTE_ANSWERS: AnswerShape = {
  ...JSON_ANSWERS,
  success: (accepted, partial, detail) => {
    if (partial === undefined) return JSON_ANSWERS.success(accepted, partial, detail);
    const body = { error: PARTIAL_WRITE, message: `partial write: ${partial.message}`, accepted, rejected_lines: partial.rejected };
    return { status: 400, body: JSON.stringify(body), contentType: 'application/json' };
  },
};
