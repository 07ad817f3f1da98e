// A RecordBytes (src/ring/reader.ts) over a fresh buffer holding a key and a
// value, for tests that send messages without a ring.
import type { RecordBytes } from '../../src/ring/reader';

export function recordBytes(value: string | Buffer, key: string | Buffer | null): RecordBytes {
  const keyBuffer = key === null ? Buffer.alloc(0) : Buffer.from(key);
  const data = Buffer.concat([Buffer.from('pad'), keyBuffer, Buffer.from(value)]);
  return { data, keyAt: 3, keyBytes: key === null ? -1 : keyBuffer.length, valueAt: 3 + keyBuffer.length, valueBytes: data.length - 3 - keyBuffer.length };
}
