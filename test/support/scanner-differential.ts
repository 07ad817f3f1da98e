// Record sinks for the scanners' differential tests: one that takes records
// as strings only (so a decoder takes its general path) and one that also
// takes them encoded (so the byte scanner in front of it runs), both keeping
// every record as bytes to compare.
import { Buffer } from 'node:buffer';
import type { EncodedRecordSink, RecordSink } from '../../src/decode/sink';
import type { Signal } from '../../src/signals';

export interface Written { signal: Signal; index: number; key: Buffer | null; value: Buffer }

/** The general path's sink: strings only. */
export class StringSink implements RecordSink {
  readonly written: Written[] = [];
  append(signal: Signal, index: number, key: string | null, value: string): void {
    this.written.push({ signal, index, key: key === null ? null : Buffer.from(key), value: Buffer.from(value) });
  }
}

/** A sink that also takes encoded records, so the scanner runs. */
export class EncodedSink extends StringSink implements EncodedRecordSink {
  appendEncoded(signal: Signal, index: number, bytes: Uint8Array, keyBytes: number, valueBytes: number): void {
    const copy = Buffer.from(bytes.subarray(0, keyBytes + valueBytes));
    this.written.push({ signal, index, key: keyBytes === 0 ? null : copy.subarray(0, keyBytes), value: copy.subarray(keyBytes) });
  }
}
