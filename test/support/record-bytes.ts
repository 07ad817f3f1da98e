// A RecordBytes (src/ring/reader.ts) over a fresh buffer holding a key, extra
// headers and a value, for tests that send messages without a ring.
import { encodeHeaders, type RecordHeader } from '../../src/ring/headers';
import type { RecordBytes } from '../../src/ring/reader';

export function recordBytes(value: string | Buffer, key: string | Buffer | null, headers: readonly RecordHeader[] = []): RecordBytes {
  const keyBuffer = key === null ? Buffer.alloc(0) : Buffer.from(key);
  const headerBuffer = Buffer.from(encodeHeaders(headers));
  const valueBuffer = Buffer.from(value);
  const data = Buffer.concat([Buffer.from('pad'), keyBuffer, headerBuffer, valueBuffer]);
  const headersAt = 3 + keyBuffer.length;
  return {
    data, keyAt: 3, keyBytes: key === null ? -1 : keyBuffer.length, headersAt, headerBytes: headerBuffer.length,
    valueAt: headersAt + headerBuffer.length, valueBytes: valueBuffer.length,
  };
}
