// The growable buffer the body scanners (native/metrics-scanner.ts and
// logs-scanner.ts, otlp/metrics-scanner.ts) write records' keys and values
// into, byte by byte.
// Hand-written loops rather than Buffer#copy or #write: the parts copied are a
// few to a few dozen bytes, where a call into C++ costs more than the loop.
import { Buffer } from 'node:buffer';

export class ByteOut {
  bytes: Buffer;
  /** Where the next byte goes. */
  at = 0;

  /** keptBytes: what is kept between requests (shrink gives back the rest). */
  constructor(private readonly keptBytes: number) {
    this.bytes = Buffer.allocUnsafe(keptBytes);
  }

  /** Room for `n` more bytes, keeping those written. */
  reserve(n: number): void {
    if (this.at + n <= this.bytes.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.at + n, 2 * this.bytes.length));
    this.bytes.copy(grown, 0, 0, this.at);
    this.bytes = grown;
  }

  byte(b: number): void {
    this.bytes[this.at++] = b;
  }

  copy(from: Uint8Array, start: number, end: number): void {
    const out = this.bytes;
    let o = this.at;
    for (let i = start; i < end; i++) out[o++] = from[i]!;
    this.at = o;
  }

  /** A string known to be ASCII. */
  ascii(text: string): void {
    const out = this.bytes;
    let o = this.at;
    for (let i = 0; i < text.length; i++) out[o++] = text.charCodeAt(i);
    this.at = o;
  }

  /** Gives back the room a large request took. */
  shrink(): void {
    if (this.bytes.length > this.keptBytes) this.bytes = Buffer.allocUnsafe(this.keptBytes);
  }
}
