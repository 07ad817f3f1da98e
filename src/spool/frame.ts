// The spool's on-disk record: one Kafka message, framed so that a reader can
// tell a whole, intact record from a torn or corrupted one, and find the next
// good record after damage. Shared by the main thread (which lays frames out
// and reads them back for replay) and the spool writer thread (which fills in
// checksums and validates segments at start-up).
//
// Frame (little-endian, 4-byte aligned):
//   0  u32 MAGIC
//   4  u32 payloadBytes
//   8  u32 crc32 of the payload (zlib's CRC-32)
//  12  payload:
//        0  f64 appendedAtMs  wall clock when the request was accepted
//        8  i32 partition     the ring's PARTITION_BY_KEY = librdkafka's partitioner decides,
//                             PARTITION_AT_REPLAY = replay computes it from the key (replay.ts)
//       12  u32 count         data records in the message
//       16  u16 topicBytes
//       18  u16 keyBytes      0 = no key
//       20  u16 idBytes       the metricstream-id header value
//       22  u16 headerBytes   the extra Kafka headers, encoded as in the ring
//                             (src/ring/headers.ts); 0 = none
//       24  u32 valueBytes
//       28  topic, key, id, headers, value,
//           then the tag: an idempotency key's success (src/dedup/tag.ts) on
//           a request's last message, its length what payloadBytes leaves
//           after the fields above (0 = none)
//      then padding to 4
//
// Segments written before frames carried extra headers and tags have 0 (then
// "reserved") at 22, no header bytes and payloadBytes equal to the fields:
// they read as frames without either. A frame with headers or a tag is
// damage to a daemon older than this format.
import { crc32 } from 'node:zlib';
import { headersWellFormed } from '../ring/headers';
import { align4 } from '../ring/layout';

const MAGIC = 0x4c50534d; // "MSPL" read as little-endian bytes
const FRAME_HEADER_BYTES = 12;
const PAYLOAD_HEADER_BYTES = 28;
/** Bigger than any record the daemon accepts; a length past it is damage. */
const MAX_PAYLOAD_BYTES = 256 * 1024 * 1024;
/** A tag longer than this is damage (src/dedup/tag.ts never writes one). */
export const MAX_TAG_BYTES = 0xffff;

export interface SpooledMessage {
  readonly topic: string;
  readonly partition: number;
  readonly key: Buffer | null;
  readonly value: Buffer;
  readonly id: string;
  /** The extra Kafka headers, encoded (src/ring/headers.ts); null = none. */
  readonly headers: Buffer | null;
  readonly count: number;
  readonly appendedAtMs: number;
  /** The idempotency key's success spooled with a request's last message. */
  readonly tag: Buffer | null;
}

/** Bytes one message occupies in a segment. */
export function frameSize(topicBytes: number, keyBytes: number, idBytes: number, valueBytes: number, headerBytes = 0, tagBytes = 0): number {
  return align4(FRAME_HEADER_BYTES + PAYLOAD_HEADER_BYTES + topicBytes + keyBytes + idBytes + headerBytes + valueBytes + tagBytes);
}

/** Lays one frame out at `at` with a zero checksum (the writer thread fills
 * checksums in, keeping that work off the main thread); returns its size.
 * `topic` (a Kafka topic name) and `id` (a metricstream-id) are ASCII, so
 * they are written as latin1 without an intermediate buffer. */
export function writeFrame(out: Buffer, at: number, topic: string, partition: number, key: Buffer | null,
  id: string, value: Buffer, count: number, appendedAtMs: number, headers: Buffer | null = null, tag: Buffer | null = null): number {
  const keyBytes = key === null ? 0 : key.length;
  const headerBytes = headers === null ? 0 : headers.length;
  const tagBytes = tag === null ? 0 : tag.length;
  if (tagBytes > MAX_TAG_BYTES) throw new RangeError(`a spool frame's tag is at most ${MAX_TAG_BYTES} bytes`);
  const size = frameSize(topic.length, keyBytes, id.length, value.length, headerBytes, tagBytes);
  const payloadBytes = PAYLOAD_HEADER_BYTES + topic.length + keyBytes + id.length + headerBytes + value.length + tagBytes;
  out.writeUInt32LE(MAGIC, at);
  out.writeUInt32LE(payloadBytes, at + 4);
  out.writeUInt32LE(0, at + 8);
  const p = at + FRAME_HEADER_BYTES;
  out.writeDoubleLE(appendedAtMs, p);
  out.writeInt32LE(partition, p + 8);
  out.writeUInt32LE(count, p + 12);
  out.writeUInt16LE(topic.length, p + 16);
  out.writeUInt16LE(keyBytes, p + 18);
  out.writeUInt16LE(id.length, p + 20);
  out.writeUInt16LE(headerBytes, p + 22);
  out.writeUInt32LE(value.length, p + 24);
  let o = p + PAYLOAD_HEADER_BYTES;
  o += out.write(topic, o, 'latin1');
  if (key !== null) o += key.copy(out, o);
  o += out.write(id, o, 'latin1');
  if (headers !== null) o += headers.copy(out, o);
  o += value.copy(out, o);
  if (tag !== null) o += tag.copy(out, o);
  out.fill(0, o, at + size);
  return size;
}

/** Fills in the checksum of every frame in `frames` (laid out back to back). */
export function sealFrames(frames: Buffer): void {
  let at = 0;
  while (at < frames.length) {
    const payloadBytes = frames.readUInt32LE(at + 4);
    const payload = frames.subarray(at + FRAME_HEADER_BYTES, at + FRAME_HEADER_BYTES + payloadBytes);
    frames.writeUInt32LE(crc32(payload), at + 8);
    at += align4(FRAME_HEADER_BYTES + payloadBytes);
  }
}

export type FrameCheck =
  | { readonly kind: 'frame'; readonly size: number }
  /** Not enough bytes for the frame the header announces (a torn tail, or damage). */
  | { readonly kind: 'short' }
  | { readonly kind: 'bad'; readonly reason: string };

/** Whether a whole, intact frame starts at `at` in `buf` (bytes past `end` are not looked at). */
export function checkFrame(buf: Buffer, at: number, end: number): FrameCheck {
  if (end - at < FRAME_HEADER_BYTES) return { kind: 'short' };
  if (buf.readUInt32LE(at) !== MAGIC) return { kind: 'bad', reason: 'no frame marker' };
  const payloadBytes = buf.readUInt32LE(at + 4);
  if (payloadBytes < PAYLOAD_HEADER_BYTES || payloadBytes > MAX_PAYLOAD_BYTES) return { kind: 'bad', reason: `impossible length ${payloadBytes}` };
  const size = align4(FRAME_HEADER_BYTES + payloadBytes);
  if (end - at < size) return { kind: 'short' };
  const payload = buf.subarray(at + FRAME_HEADER_BYTES, at + FRAME_HEADER_BYTES + payloadBytes);
  if (crc32(payload) !== buf.readUInt32LE(at + 8)) return { kind: 'bad', reason: 'checksum mismatch' };
  const p = at + FRAME_HEADER_BYTES;
  const headerBytes = buf.readUInt16LE(p + 22);
  const fields = PAYLOAD_HEADER_BYTES + buf.readUInt16LE(p + 16) + buf.readUInt16LE(p + 18) + buf.readUInt16LE(p + 20) + headerBytes + buf.readUInt32LE(p + 24);
  if (fields > payloadBytes || payloadBytes - fields > MAX_TAG_BYTES) return { kind: 'bad', reason: 'field lengths disagree with the frame length' };
  const headersAt = p + PAYLOAD_HEADER_BYTES + buf.readUInt16LE(p + 16) + buf.readUInt16LE(p + 18) + buf.readUInt16LE(p + 20);
  if (headerBytes > 0 && !headersWellFormed(buf, headersAt, headerBytes)) return { kind: 'bad', reason: 'malformed headers' };
  return { kind: 'frame', size };
}

/** Reads the (already checked) frame at `at`. Key and value are views into `buf`. */
export function readFrame(buf: Buffer, at: number): SpooledMessage {
  const p = at + FRAME_HEADER_BYTES;
  const topicBytes = buf.readUInt16LE(p + 16);
  const keyBytes = buf.readUInt16LE(p + 18);
  const idBytes = buf.readUInt16LE(p + 20);
  const headerBytes = buf.readUInt16LE(p + 22);
  const valueBytes = buf.readUInt32LE(p + 24);
  const payloadBytes = buf.readUInt32LE(at + 4);
  let o = p + PAYLOAD_HEADER_BYTES;
  const topic = buf.toString('latin1', o, o + topicBytes);
  o += topicBytes;
  const key = keyBytes === 0 ? null : buf.subarray(o, o + keyBytes);
  o += keyBytes;
  const id = buf.toString('latin1', o, o + idBytes);
  o += idBytes;
  const headers = headerBytes === 0 ? null : buf.subarray(o, o + headerBytes);
  o += headerBytes;
  return {
    topic,
    partition: buf.readInt32LE(p + 8),
    key,
    value: buf.subarray(o, o + valueBytes),
    id,
    headers,
    count: buf.readUInt32LE(p + 12),
    appendedAtMs: buf.readDoubleLE(p),
    tag: tagOf(buf, o + valueBytes, p + payloadBytes),
  };
}

/** The tag between the value's end and the payload's, or null when there is none. */
function tagOf(buf: Buffer, from: number, end: number): Buffer | null {
  return end > from ? buf.subarray(from, end) : null;
}

/** The wall-clock time stored in the frame at `at`. */
export function appendedAtOf(buf: Buffer, at: number): number {
  return buf.readDoubleLE(at + FRAME_HEADER_BYTES);
}

/** Where the next frame marker at or after `from` (4-aligned) is, or -1. */
export function nextMarker(buf: Buffer, from: number, end: number): number {
  for (let at = align4(from); at + 4 <= end; at += 4) {
    if (buf.readUInt32LE(at) === MAGIC) return at;
  }
  return -1;
}
