// Snappy block decompression (the format remote_write bodies use) into one
// buffer per worker, reused from request to request.
//
// Why not the `snappy` package's uncompressSync: each call returns a fresh
// native buffer, and a worker decompressing remote_write bodies held about
// 50 MB more RSS with it than with a reused buffer (500-sample bodies, 800
// requests in one worker, measured here: RSS +112 MB vs +62 MB); at the
// daemon's level remote_write peaked near 420 MB against ~230 MB for the
// other formats (issue 12). The body's declared length is checked against
// the limit before this runs (remote-write.ts).
//
// Format (github.com/google/snappy, format_description.txt): a varint length,
// then elements: a literal (tag & 3 = 0) or a copy of earlier output
// (1: 1-byte offset, 2: 2-byte, 4: 4-byte), lengths and offsets little-endian.
import { Buffer } from 'node:buffer';

export class SnappyError extends Error {}

/** The uncompressed length a block declares (its leading varint) and the
 * varint's size, so a bomb can be refused before anything is decompressed;
 * null when the varint is truncated or longer than 5 bytes. */
export function snappyHeader(block: Uint8Array): { readonly length: number; readonly headerBytes: number } | null {
  let length = 0;
  for (let i = 0; i < 5 && i < block.length; i++) {
    const byte = block[i]!;
    length += (byte & 0x7f) * 2 ** (7 * i);
    if ((byte & 0x80) === 0) return { length, headerBytes: i + 1 };
  }
  return null;
}

/** The reused buffer grows to this at most; a larger body gets its own, once. */
const KEPT_BYTES = 4 * 1024 * 1024;
let output = Buffer.alloc(64 * 1024);

function outputFor(length: number): Buffer {
  if (length > KEPT_BYTES) return Buffer.allocUnsafe(length);
  if (output.length < length) output = Buffer.alloc(Math.min(KEPT_BYTES, Math.max(length, output.length * 2)));
  return output;
}

/** Decompresses `block`, whose varint header (`headerBytes` long) declares
 * `length` bytes, into the reused output buffer: the result is valid until
 * the next call. */
export function uncompressInto(block: Uint8Array, headerBytes: number, length: number): Buffer {
  const out = outputFor(length);
  let i = headerBytes;
  let o = 0;
  const end = block.length;
  while (i < end) {
    const tag = block[i++]!;
    const kind = tag & 3;
    if (kind === 0) {
      let n = tag >>> 2;
      if (n >= 60) {
        const bytes = n - 59;
        if (i + bytes > end) throw new SnappyError('literal length past the end');
        n = 0;
        for (let b = 0; b < bytes; b++) n += block[i + b]! * 2 ** (8 * b);
        i += bytes;
      }
      n += 1;
      if (i + n > end || o + n > length) throw new SnappyError('literal past the end');
      out.set(block.subarray(i, i + n), o);
      i += n;
      o += n;
      continue;
    }
    let n: number;
    let offset: number;
    if (kind === 1) {
      if (i >= end) throw new SnappyError('copy past the end');
      n = 4 + ((tag >>> 2) & 7);
      offset = ((tag >>> 5) << 8) | block[i++]!;
    } else if (kind === 2) {
      if (i + 2 > end) throw new SnappyError('copy past the end');
      n = 1 + (tag >>> 2);
      offset = block[i]! | (block[i + 1]! << 8);
      i += 2;
    } else {
      if (i + 4 > end) throw new SnappyError('copy past the end');
      n = 1 + (tag >>> 2);
      offset = (block[i]! | (block[i + 1]! << 8) | (block[i + 2]! << 16)) + block[i + 3]! * 2 ** 24;
      i += 4;
    }
    if (offset === 0 || offset > o || o + n > length) throw new SnappyError('copy outside the output');
    if (offset >= n) {
      out.copyWithin(o, o - offset, o - offset + n);
      o += n;
    } else {
      // Overlapping: the pattern repeats, byte by byte.
      for (let k = 0; k < n; k++, o++) out[o] = out[o - offset]!;
    }
  }
  if (o !== length) throw new SnappyError(`decompressed ${o} bytes, the header declares ${length}`);
  return out.subarray(0, length);
}
