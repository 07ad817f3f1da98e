// The spool frame encoder as it was before frames carried extra Kafka headers
// (commit af6b4ba's src/spool/frame.ts, kept verbatim but for names): segments
// written by it are on disk wherever the daemon was upgraded with a non-empty
// spool, and must still replay. Checksums are filled in by sealFrames (unchanged).
import { Buffer } from 'node:buffer';

const MAGIC = 0x4c50534d;
const FRAME_HEADER_BYTES = 12;
const PAYLOAD_HEADER_BYTES = 28;

function align4(n: number): number {
  return (n + 3) & ~3;
}

export function frameSizeV1(topicBytes: number, keyBytes: number, idBytes: number, valueBytes: number): number {
  return align4(FRAME_HEADER_BYTES + PAYLOAD_HEADER_BYTES + topicBytes + keyBytes + idBytes + valueBytes);
}

/** One frame of the first format, its bytes 22..23 ("reserved") zero. */
export function writeFrameV1(out: Buffer, at: number, topic: string, partition: number, key: Buffer | null,
  id: string, value: Buffer, count: number, appendedAtMs: number): number {
  const keyBytes = key === null ? 0 : key.length;
  const size = frameSizeV1(topic.length, keyBytes, id.length, value.length);
  const payloadBytes = PAYLOAD_HEADER_BYTES + topic.length + keyBytes + id.length + value.length;
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
  out.writeUInt16LE(0, p + 22);
  out.writeUInt32LE(value.length, p + 24);
  let o = p + PAYLOAD_HEADER_BYTES;
  o += out.write(topic, o, 'latin1');
  if (key !== null) o += key.copy(out, o);
  o += out.write(id, o, 'latin1');
  o += value.copy(out, o);
  out.fill(0, o, at + size);
  return size;
}

/** A whole segment of first-format frames, sealed. */
export function segmentV1(frames: ReadonlyArray<{ topic: string; key: string | null; id: string; value: string }>, sealFrames: (b: Buffer) => void): Buffer {
  const parts = frames.map(({ topic, key, id, value }) => {
    const keyBuffer = key === null ? null : Buffer.from(key);
    const valueBuffer = Buffer.from(value);
    const buf = Buffer.alloc(frameSizeV1(topic.length, keyBuffer?.length ?? 0, id.length, valueBuffer.length));
    writeFrameV1(buf, 0, topic, -1, keyBuffer, id, valueBuffer, 1, Date.now());
    return buf;
  });
  const segment = Buffer.concat(parts);
  sealFrames(segment);
  return segment;
}
