// `application/x-protobuf` push bodies: a snappy block (the block format, not
// the framed one) holding a logproto.PushRequest. The message definitions are
// written here from the published wire format: field numbers and types only.
// Strings are declared `bytes` and decoded here so that invalid UTF-8 becomes
// U+FFFD the same way everywhere (Loki itself does not reject it, so neither
// do we: a 400 would make the shipper drop the whole batch).
//
// Snappy: the daemon's own block decompressor (src/decode/snappy.ts), into
// one buffer per thread reused from request to request: the result is read
// before the next call. The declared length is checked against the limit
// before anything is allocated.
import protobuf from 'protobufjs';
import { snappyHeader, SnappyError, uncompressInto } from '../../decode/snappy';
import { LokiDecodeError } from './errors';
import { MAX_TIMESTAMP_NS, type PushEntry, type PushStream } from './push-request';

const SCHEMA = `
syntax = "proto3";
package logproto;

message PushRequest { repeated StreamAdapter streams = 1; }
message StreamAdapter {
  bytes labels = 1;
  repeated EntryAdapter entries = 2;
  uint64 hash = 3;
}
message EntryAdapter {
  Timestamp timestamp = 1;
  bytes line = 2;
  repeated LabelPairAdapter structuredMetadata = 3;
}
message LabelPairAdapter { bytes name = 1; bytes value = 2; }
// google.protobuf.Timestamp, same fields and numbers.
message Timestamp { int64 seconds = 1; int32 nanos = 2; }
`;

const PushRequestType = protobuf.parse(SCHEMA, { keepCase: true }).root.lookupType('logproto.PushRequest');

/** protobufjs gives int64 as a number or, with the long package present, a Long. */
type Int64 = number | { readonly low: number; readonly high: number; readonly unsigned?: boolean };

type WireBytes = Uint8Array | readonly number[];
interface WireLabelPair { readonly name: WireBytes; readonly value: WireBytes }
interface WireEntry {
  readonly timestamp: { readonly seconds: Int64; readonly nanos: number } | null;
  readonly line: WireBytes;
  readonly structuredMetadata: readonly WireLabelPair[];
}
interface WireStream { readonly labels: WireBytes; readonly entries: readonly WireEntry[] }
interface WirePushRequest { readonly streams: readonly WireStream[] }

const utf8 = new TextDecoder('utf-8', { ignoreBOM: true });

/** An absent bytes field reads as protobufjs' default, an empty plain array. */
function text(bytes: Uint8Array | readonly number[]): string {
  return bytes instanceof Uint8Array ? utf8.decode(bytes) : '';
}

function int64(value: Int64): bigint {
  if (typeof value === 'number') return BigInt(value);
  const low = BigInt(value.low >>> 0);
  const high = BigInt(value.unsigned === true ? value.high >>> 0 : value.high);
  return (high << 32n) | low;
}

function timestampNs(entry: WireEntry, stream: number, index: number): bigint {
  const ts = entry.timestamp;
  if (ts === null || ts === undefined) return 0n;
  const ns = int64(ts.seconds) * 1_000_000_000n + BigInt(ts.nanos);
  if (ns < 0n || ns > MAX_TIMESTAMP_NS || ts.nanos < 0 || ts.nanos > 999_999_999) {
    throw new LokiDecodeError('invalid_timestamp', `timestamp {seconds: ${int64(ts.seconds)}, nanos: ${ts.nanos}} is outside [0, 2^63) ns`, { stream, entry: index });
  }
  return ns;
}

/** The snappy block decompressed, valid until the next call on this thread. */
export function uncompressPushBody(body: Uint8Array, maxDecompressedBytes: number): Buffer {
  const header = snappyHeader(body);
  if (header === null) throw new LokiDecodeError('bad_compression', 'the snappy length header is truncated or longer than 5 bytes');
  if (header.length > maxDecompressedBytes) {
    throw new LokiDecodeError('decompressed_too_large', `the snappy block declares ${header.length} bytes; the limit is ${maxDecompressedBytes}`);
  }
  try {
    return uncompressInto(body, header.headerBytes, header.length);
  } catch (error) {
    if (!(error instanceof SnappyError)) throw error;
    throw new LokiDecodeError('bad_compression', `not a valid snappy block: ${error.message}`);
  }
}

/** Decodes an uncompressed PushRequest. */
export function decodePushProto(message: Uint8Array): PushStream[] {
  let request: WirePushRequest;
  try {
    request = PushRequestType.decode(message) as unknown as WirePushRequest;
  } catch (error) {
    throw new LokiDecodeError('invalid_protobuf', `not a logproto.PushRequest: ${(error as Error).message}`);
  }
  return request.streams.map((stream, s): PushStream => ({
    labels: { kind: 'text', text: text(stream.labels) },
    entries: stream.entries.map((entry, e): PushEntry => ({
      timestampNs: timestampNs(entry, s, e),
      line: text(entry.line),
      metadata: entry.structuredMetadata.map((pair) => [text(pair.name), text(pair.value)] as const),
    })),
  }));
}
