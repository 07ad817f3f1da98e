// The extra Kafka headers a ring record may carry beside metricstream-id (the
// Loki route's `tenant`), encoded once per request by the decoder and copied
// as bytes into the ring record, the spool frame, and librdkafka (the patched
// produceWithId() reads the same encoding):
//
//   per header: u16le nameBytes, u16le valueBytes, name, value (UTF-8)
//
// A record's block is at most MAX_HEADER_BYTES, so it costs the ring, the
// spool and Kafka a bounded amount per message.
import { Buffer } from 'node:buffer';

/** Bound on one record's encoded extra headers (docs/kafka.md, "Record headers"). */
export const MAX_HEADER_BYTES = 1024;
const ENTRY_HEADER_BYTES = 4;

/** One Kafka header: name and value, both text. */
export type RecordHeader = readonly [name: string, value: string];

/** The encoded block, or the reason it cannot be made. */
export class HeadersTooLargeError extends RangeError {
  constructor(readonly bytes: number) {
    super(`the record's Kafka headers take ${bytes} bytes; the limit is ${MAX_HEADER_BYTES}`);
    this.name = 'HeadersTooLargeError';
  }
}

/** Encodes `headers` for the ring; throws HeadersTooLargeError past MAX_HEADER_BYTES. */
export function encodeHeaders(headers: readonly RecordHeader[]): Uint8Array {
  const bytes = headers.reduce((sum, [name, value]) => sum + ENTRY_HEADER_BYTES + Buffer.byteLength(name) + Buffer.byteLength(value), 0);
  if (bytes > MAX_HEADER_BYTES) throw new HeadersTooLargeError(bytes);
  const out = Buffer.alloc(bytes);
  let at = 0;
  for (const [name, value] of headers) {
    const nameAt = at + ENTRY_HEADER_BYTES;
    const nameBytes = out.write(name, nameAt);
    const valueBytes = out.write(value, nameAt + nameBytes);
    out.writeUInt16LE(nameBytes, at);
    out.writeUInt16LE(valueBytes, at + 2);
    at = nameAt + nameBytes + valueBytes;
  }
  return out;
}

/** Whether `bytes` at `at` of `buf` are a well-formed block (every entry whole). */
export function headersWellFormed(buf: Uint8Array, at: number, bytes: number): boolean {
  const view = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  const end = at + bytes;
  if (bytes > MAX_HEADER_BYTES || end > view.length) return false;
  while (at < end) {
    if (end - at < ENTRY_HEADER_BYTES) return false;
    at += ENTRY_HEADER_BYTES + view.readUInt16LE(at) + view.readUInt16LE(at + 2);
  }
  return at === end;
}

/** The headers in an encoded block (a well-formed one; see headersWellFormed). */
export function decodeHeaders(buf: Uint8Array, at: number, bytes: number): RecordHeader[] {
  const view = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  const headers: RecordHeader[] = [];
  const end = at + bytes;
  while (at < end) {
    const nameBytes = view.readUInt16LE(at);
    const valueBytes = view.readUInt16LE(at + 2);
    const nameAt = at + ENTRY_HEADER_BYTES;
    headers.push([view.toString('utf8', nameAt, nameAt + nameBytes), view.toString('utf8', nameAt + nameBytes, nameAt + nameBytes + valueBytes)]);
    at = nameAt + nameBytes + valueBytes;
  }
  return headers;
}
