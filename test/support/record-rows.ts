// A record sink for decoder tests that keeps each record as [index, key, value]
// text, whether the decoder hands it over as strings (append) or as encoded
// bytes (appendEncoded, the scanners'), so that the two paths compare equal.
import { Buffer } from 'node:buffer';
import type { EncodedRecordSink } from '../../src/decode/sink';
import type { Signal } from '../../src/signals';

export type RecordRow = [index: number, key: string | null, value: string];

export class RecordRows implements EncodedRecordSink {
  readonly rows: RecordRow[] = [];

  append(_signal: Signal, index: number, key: string | null, value: string): void {
    this.rows.push([index, key, value]);
  }

  appendEncoded(_signal: Signal, index: number, bytes: Uint8Array, keyBytes: number, valueBytes: number): void {
    const text = Buffer.from(bytes.buffer, bytes.byteOffset, keyBytes + valueBytes);
    this.rows.push([index, text.toString('utf8', 0, keyBytes), text.toString('utf8', keyBytes)]);
  }
}
