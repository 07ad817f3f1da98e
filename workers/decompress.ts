// Body → text: decompression with a size cap (bombs stop at the cap), then
// strict UTF-8 (invalid bytes are an error, never silently replaced).
import { Buffer, isUtf8 } from 'node:buffer';
import { gunzipSync, inflateRawSync, inflateSync, type ZlibOptions } from 'node:zlib';
import { Decompress as ZstdStream } from 'fzstd';
import { DecodeError } from './decode-error';

function isOverLimit(err: unknown): boolean {
  return err instanceof RangeError || (err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE';
}

function inflate(body: Buffer, options: ZlibOptions): Buffer {
  try {
    return inflateSync(body, options);
  } catch (err) {
    if (isOverLimit(err)) throw err;
    // HTTP's "deflate" means zlib-wrapped, but many clients send raw deflate.
    return inflateRawSync(body, options);
  }
}

/** zstd (Node 20's zlib has none): fzstd's stream hands out each block as it is
 * decoded, so a bomb stops at the cap instead of after inflating. */
function unzstd(body: Buffer, maxBytes: number): Buffer {
  const chunks: Uint8Array[] = [];
  let total = 0;
  const stream = new ZstdStream((chunk) => {
    total += chunk.length;
    if (total > maxBytes) throw new DecodeError('decompressed_too_large', `body decompresses to more than ${maxBytes} bytes`);
    chunks.push(chunk);
  });
  try {
    stream.push(body, true);
  } catch (err) {
    if (err instanceof DecodeError) throw err;
    throw new DecodeError('bad_compression', `body is not valid zstd: ${(err as Error).message}`);
  }
  return Buffer.concat(chunks, total);
}

export function decompress(body: Buffer, encoding: string, maxBytes: number): Buffer {
  if (encoding === '' || encoding === 'identity') return body;
  if (encoding === 'zstd') return unzstd(body, maxBytes);
  const options: ZlibOptions = { maxOutputLength: maxBytes };
  try {
    if (encoding === 'gzip' || encoding === 'x-gzip') return gunzipSync(body, options);
    if (encoding === 'deflate') return inflate(body, options);
  } catch (err) {
    if (isOverLimit(err)) {
      throw new DecodeError('decompressed_too_large', `body decompresses to more than ${maxBytes} bytes`);
    }
    throw new DecodeError('bad_compression', `body is not valid ${encoding}: ${(err as Error).message}`);
  }
  // The main thread only forwards encodings listed in src/ingest/http.ts.
  throw new DecodeError('unsupported_content_encoding', `Content-Encoding ${encoding} is not supported`);
}

export function toText(body: Buffer): string {
  if (body.length === 0) throw new DecodeError('empty_body', 'request body is empty');
  if (!isUtf8(body)) throw new DecodeError('invalid_utf8', 'request body is not valid UTF-8');
  return body.toString('utf8');
}

/**
 * Splits a body into JSON values: one JSON document, or NDJSON (one value per
 * non-blank line).
 */
export function parseJsonValues(text: string): unknown[] | { document: unknown } {
  const trimmed = text.trimStart();
  if (trimmed.startsWith('[') || trimmed.startsWith('{')) {
    try {
      return { document: JSON.parse(text) as unknown };
    } catch (err) {
      if (!text.includes('\n')) throw new DecodeError('invalid_json', `body is not valid JSON: ${(err as Error).message}`);
    }
  }
  const values: unknown[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trim() === '') continue;
    try {
      values.push(JSON.parse(line) as unknown);
    } catch (err) {
      throw new DecodeError('invalid_json', `line ${i + 1} is not valid JSON: ${(err as Error).message}`);
    }
  }
  if (values.length === 0) throw new DecodeError('empty_body', 'request body holds no records');
  return values;
}
