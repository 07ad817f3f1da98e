// Content-Encoding → bytes: decompression with a size cap (bombs stop at the
// cap). Text and JSON come after, in json-values.ts.
import { Buffer } from 'node:buffer';
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
  // The main thread forwards only the encodings its route accepts (src/protocols/routes.ts).
  throw new DecodeError('unsupported_content_encoding', `Content-Encoding ${encoding} is not supported`);
}
