// OTLP export requests in and out of their two encodings: binary protobuf,
// and OTLP/JSON (protobuf's JSON mapping with lowerCamelCase keys, except that
// trace and span ids are hex, not base64).
import { Buffer, isUtf8 } from 'node:buffer';
import type protobuf from 'protobufjs';
import { Signal } from '../../signals';
import { EXPORT_REQUEST, type OtlpEncoding } from './proto';
import { DecodeError } from '../../decode/decode-error';
import { checkJson } from './json-check';
import { checkWire, type WireLimits } from './wire-check';

/** Where ids sit in each request, as key paths (arrays are walked through). */
export const ID_PATHS: Readonly<Record<Signal, ReadonlyArray<readonly string[]>>> = {
  [Signal.Traces]: [
    ['resourceSpans', 'scopeSpans', 'spans', 'traceId'],
    ['resourceSpans', 'scopeSpans', 'spans', 'spanId'],
    ['resourceSpans', 'scopeSpans', 'spans', 'parentSpanId'],
    ['resourceSpans', 'scopeSpans', 'spans', 'links', 'traceId'],
    ['resourceSpans', 'scopeSpans', 'spans', 'links', 'spanId'],
  ],
  [Signal.Logs]: [
    ['resourceLogs', 'scopeLogs', 'logRecords', 'traceId'],
    ['resourceLogs', 'scopeLogs', 'logRecords', 'spanId'],
  ],
  [Signal.Metrics]: ['gauge', 'sum', 'histogram', 'exponentialHistogram'].flatMap((kind) => [
    ['resourceMetrics', 'scopeMetrics', 'metrics', kind, 'dataPoints', 'exemplars', 'traceId'],
    ['resourceMetrics', 'scopeMetrics', 'metrics', kind, 'dataPoints', 'exemplars', 'spanId'],
  ]),
};

export type Node = { [key: string]: unknown };

/** Heap bytes per byte of OTLP/JSON once parsed and converted (JSON.parse's
 * objects, then protobufjs' messages), measured at about 4–6. */
const JSON_HEAP_FACTOR = 6;

/** Refuses a JSON body too large to decode within limits.maxDecodedBytes. */
export function checkJsonSize(body: Buffer, limits: WireLimits): void {
  if (body.length * JSON_HEAP_FACTOR > limits.maxDecodedBytes) {
    throw new DecodeError('decoded_too_large', `a JSON body of ${body.length} bytes would take more than ${limits.maxDecodedBytes} bytes of memory decoded; send smaller batches or protobuf`);
  }
}

/** Calls fn(holder, key) for every object along path that holds the last key. */
function visit(node: unknown, path: readonly string[], fn: (holder: Node, key: string) => void): void {
  if (Array.isArray(node)) {
    for (const item of node) visit(item, path, fn);
    return;
  }
  if (node === null || typeof node !== 'object') return;
  const [key, ...rest] = path as [string, ...string[]];
  if (rest.length === 0) {
    if (key in node) fn(node as Node, key);
    return;
  }
  visit((node as Node)[key], rest, fn);
}

/** Refuses an id that is not hex; with toBytes, makes each id its bytes (what
 * protobufjs' fromObject takes for a bytes field, instead of base64). */
function checkIds(document: unknown, signal: Signal, toBytes: boolean): void {
  for (const path of ID_PATHS[signal]) {
    visit(document, path, (holder, key) => {
      const id = holder[key];
      if (typeof id !== 'string' || !/^(?:[0-9a-fA-F]{2})*$/.test(id)) {
        throw new DecodeError('invalid_id', `${path.join('.')}: ids are hex strings in OTLP/JSON, got ${JSON.stringify(id)?.slice(0, 64)}`);
      }
      if (toBytes) holder[key] = Buffer.from(id, 'hex');
    });
  }
}

function idsToHex(document: unknown, signal: Signal): void {
  for (const path of ID_PATHS[signal]) {
    visit(document, path, (holder, key) => {
      holder[key] = Buffer.from(holder[key] as string, 'base64').toString('hex');
    });
  }
}

/** The decoded request: a protobufjs message of EXPORT_REQUEST[signal]. */
export type RequestMessage = protobuf.Message;

export function decodeRequest(signal: Signal, body: Buffer, encoding: OtlpEncoding, limits: WireLimits): RequestMessage {
  const type = EXPORT_REQUEST[signal];
  if (encoding === 'proto') {
    checkWire(body, type, limits);
    try {
      return type.decode(body);
    } catch (err) {
      throw new DecodeError('invalid_protobuf', `body is not an OTLP ${type.name}: ${(err as Error).message}`);
    }
  }
  const document = parseJson(signal, body, limits, { idsToBytes: true, maxDepth: Infinity });
  try {
    return type.fromObject(document);
  } catch (err) {
    // TypeErrors name the field (".resourceSpans: array expected"); a RangeError is nesting too deep to convert.
    throw new DecodeError('invalid_json', `body is not an OTLP/JSON ${type.name}: ${(err as Error).message}`);
  }
}

/** An OTLP/JSON body checked as decodeRequest checks it, ids left hex: the
 * request document as JSON.parse made it, for forwarding the body as it is
 * (otlp_json). Every value is checked against the schema (json-check.ts), so
 * protobufjs' conversion, which would only repeat those checks, is skipped:
 * it was about half of such a request's decode (bench/otlp-cpu.ts). */
export function checkedJsonRequest(signal: Signal, body: Buffer, limits: WireLimits): Node {
  return parseJson(signal, body, limits, { idsToBytes: false, maxDepth: limits.maxDepth });
}

/** How parseJson leaves the document: ids as bytes (for fromObject) or hex;
 * nesting bounded as the wire check bounds protobuf, or left to fromObject. */
interface JsonCheck {
  readonly idsToBytes: boolean;
  readonly maxDepth: number;
}

function parseJson(signal: Signal, body: Buffer, limits: WireLimits, check: JsonCheck): Node {
  const type = EXPORT_REQUEST[signal];
  checkJsonSize(body, limits);
  let document: unknown;
  try {
    if (!isUtf8(body)) throw new DecodeError('invalid_utf8', 'request body is not valid UTF-8');
    document = JSON.parse(body.toString('utf8'));
  } catch (err) {
    if (err instanceof DecodeError) throw err;
    throw new DecodeError('invalid_json', `body is not JSON: ${(err as Error).message}`);
  }
  if (document === null || typeof document !== 'object' || Array.isArray(document)) {
    throw new DecodeError('invalid_json', `body must be a JSON object (an OTLP ${type.name})`);
  }
  checkIds(document, signal, check.idsToBytes);
  checkJson(document, type, check.maxDepth);
  return document as Node;
}

/** The request in the given encoding (for forwarding as otlp_proto / otlp_json). */
export function encodeRequest(signal: Signal, message: RequestMessage, encoding: OtlpEncoding): Uint8Array {
  const type = EXPORT_REQUEST[signal];
  if (encoding === 'proto') return type.encode(message).finish();
  const document = type.toObject(message, { longs: String, enums: Number, bytes: String, json: true });
  idsToHex(document, signal);
  return Buffer.from(JSON.stringify(document));
}
