// `application/json` push bodies:
//   {"streams":[{"stream":{"job":"api"},"values":[["<ns>","line",{"k":"v"}]]}]}
// The timestamp is a decimal string of nanoseconds; the third element of a
// value, structured metadata, is optional and maps names to strings.
import { LokiDecodeError } from './errors';
import { MAX_TIMESTAMP_NS, type PushEntry, type PushStream } from './push-request';

type JsonObject = Record<string, unknown>;

function isObject(value: unknown): value is JsonObject {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function stringPairs(value: unknown, what: string, place: { stream: number; entry?: number }): Array<[string, string]> {
  if (!isObject(value)) throw new LokiDecodeError('invalid_json', `${what} must be an object of strings`, place);
  return Object.entries(value).map(([name, v]) => {
    if (typeof v !== 'string') throw new LokiDecodeError('invalid_json', `${what} "${name}" must be a string`, place);
    return [name, v];
  });
}

const NANOS = /^[0-9]{1,19}$/;

function parseNanos(value: unknown, place: { stream: number; entry: number }): bigint {
  if (typeof value !== 'string' || !NANOS.test(value)) {
    throw new LokiDecodeError('invalid_timestamp', 'the timestamp must be a string of decimal nanoseconds', place);
  }
  const ns = BigInt(value);
  if (ns > MAX_TIMESTAMP_NS) throw new LokiDecodeError('invalid_timestamp', `timestamp ${value} is past 2^63 - 1 ns`, place);
  return ns;
}

function entryOf(value: unknown, place: { stream: number; entry: number }): PushEntry {
  if (!Array.isArray(value) || value.length < 2 || value.length > 3) {
    throw new LokiDecodeError('invalid_json', 'a value must be ["<ns>", "line"] or ["<ns>", "line", {metadata}]', place);
  }
  const [ts, line, metadata] = value as [unknown, unknown, unknown];
  if (typeof line !== 'string') throw new LokiDecodeError('invalid_json', 'the line must be a string', place);
  return {
    timestampNs: parseNanos(ts, place),
    line,
    metadata: metadata === undefined ? [] : stringPairs(metadata, 'structured metadata', place),
  };
}

function streamOf(value: unknown, s: number): PushStream {
  if (!isObject(value)) throw new LokiDecodeError('invalid_json', 'a stream must be an object', { stream: s });
  const values = value['values'];
  if (!Array.isArray(values)) throw new LokiDecodeError('invalid_json', '"values" must be an array', { stream: s });
  return {
    labels: { kind: 'pairs', pairs: stringPairs(value['stream'], 'stream label', { stream: s }) },
    entries: values.map((v, e) => entryOf(v, { stream: s, entry: e })),
  };
}

/** Decodes a JSON push body (already decompressed). */
export function decodePushJson(body: string): PushStream[] {
  let document: unknown;
  try {
    document = JSON.parse(body);
  } catch (error) {
    throw new LokiDecodeError('invalid_json', `the body is not JSON: ${(error as Error).message}`);
  }
  if (!isObject(document) || !Array.isArray(document['streams'])) {
    throw new LokiDecodeError('invalid_json', 'the body must be {"streams": [...]}');
  }
  return document['streams'].map(streamOf);
}
