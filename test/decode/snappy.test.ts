// The snappy block decoder (src/decode/snappy.ts) against the snappy package's
// own compressor and decompressor: the same bytes for every shape of input,
// and a refusal (never a read outside the block) for damaged blocks.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compressSync, uncompressSync } from 'snappy';
import { SnappyError, uncompressInto } from '../../src/decode/snappy';

function header(block: Buffer): { bytes: number; length: number } {
  let length = 0;
  for (let i = 0, shift = 0; ; i++, shift += 7) {
    length += (block[i]! & 0x7f) * 2 ** shift;
    if ((block[i]! & 0x80) === 0) return { bytes: i + 1, length };
  }
}

function roundTrip(input: Buffer): void {
  const block = compressSync(input);
  const { bytes, length } = header(block);
  const out = uncompressInto(block, bytes, length);
  assert.ok(out.equals(input), `${input.length} bytes`);
  assert.ok(out.equals(uncompressSync(block, { asBuffer: true }) as Buffer));
}

let seed = 42;
function random(): number {
  seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
  return seed / 2 ** 31;
}

describe('snappy', () => {
  it('decompresses what snappy compresses: empty, short, repetitive, random, long literals, far copies', () => {
    roundTrip(Buffer.alloc(0));
    roundTrip(Buffer.from('a'));
    roundTrip(Buffer.alloc(100_000, 'ab'));
    roundTrip(Buffer.from(Array.from({ length: 70_000 }, () => Math.floor(random() * 256))));
    const text = Array.from({ length: 3_000 }, (_, i) => `{"name":"http_requests_total","labels":{"instance":"web-${i % 50}:9100","path":"/api/${i}"}}`).join('\n');
    roundTrip(Buffer.from(text));
    // Blocks past 64 KiB: copies with 4-byte offsets are possible.
    const chunk = Buffer.from(Array.from({ length: 5_000 }, () => Math.floor(random() * 256)));
    roundTrip(Buffer.concat([chunk, Buffer.from(Array.from({ length: 80_000 }, () => Math.floor(random() * 256))), chunk]));
  });

  it('a result is valid until the next call, larger outputs included (the buffer grows)', () => {
    for (const size of [10, 70_000, 300_000, 5 * 1024 * 1024, 20]) roundTrip(Buffer.alloc(size, size % 251));
  });

  it('refuses damaged blocks with SnappyError', () => {
    const block = compressSync(Buffer.from('hello hello hello hello hello, snappy'));
    const { bytes, length } = header(block);
    for (let cut = bytes; cut < block.length; cut++) {
      assert.throws(() => uncompressInto(block.subarray(0, cut), bytes, length), SnappyError, `cut at ${cut}`);
    }
    assert.throws(() => uncompressInto(block, bytes, length + 1), SnappyError);
    assert.throws(() => uncompressInto(block, bytes, length - 1), SnappyError);
    // A copy reaching before the start of the output.
    assert.throws(() => uncompressInto(Buffer.from([5, 0x01 | (1 << 2), 9]), 1, 5), SnappyError);
    assert.throws(() => uncompressInto(Buffer.from([4, 0x02 | (3 << 2), 0, 0]), 1, 4), SnappyError);
  });
});
