// Extra Kafka headers in ring records (src/ring/headers.ts, layout.ts): the
// encoding round-trips, is bounded, rejects malformed blocks; a record carries
// its topic slot and header block through the ring byte for byte, and a
// record without headers reads as one without.
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { describe, it } from 'node:test';
import { decodeHeaders, encodeHeaders, headersWellFormed, HeadersTooLargeError, MAX_HEADER_BYTES } from '../../src/ring/headers';
import { createRingSet, recordSize } from '../../src/ring/layout';
import { headersView, RingReader } from '../../src/ring/reader';
import { RingWriter } from '../../src/ring/writer';

describe('ring: extra header encoding', () => {
  it('round-trips names and UTF-8 values, in order', () => {
    const headers = [['tenant', 'acme'], ['zone', 'zürich'], ['empty', '']] as const;
    const block = encodeHeaders(headers);
    assert.equal(block.length, 3 * 4 + 'tenant'.length + 4 + 'zone'.length + Buffer.byteLength('zürich') + 'empty'.length);
    assert.equal(headersWellFormed(block, 0, block.length), true);
    assert.deepEqual(decodeHeaders(block, 0, block.length), headers);
    assert.equal(encodeHeaders([]).length, 0);
  });

  it(`refuses a block over ${MAX_HEADER_BYTES} bytes, and takes one of exactly that`, () => {
    const exact = encodeHeaders([['t', 'x'.repeat(MAX_HEADER_BYTES - 5)]]);
    assert.equal(exact.length, MAX_HEADER_BYTES);
    assert.throws(() => encodeHeaders([['t', 'x'.repeat(MAX_HEADER_BYTES - 4)]]), HeadersTooLargeError);
  });

  it('tells a torn or overlong block from a well-formed one', () => {
    const block = Buffer.from(encodeHeaders([['tenant', 'acme']]));
    assert.equal(headersWellFormed(block, 0, block.length - 1), false, 'an entry cut short');
    assert.equal(headersWellFormed(Buffer.concat([block, Buffer.from([1, 0])]), 0, block.length + 2), false, 'a partial entry header');
    const lying = Buffer.from(block);
    lying.writeUInt16LE(200, 2);
    assert.equal(headersWellFormed(lying, 0, lying.length), false, 'a value length past the block');
  });
});

describe('ring: records with a topic slot and extra headers', () => {
  it('carries slot, key, headers and value through the ring; a record without headers has none', () => {
    const { rings } = createRingSet(1, 4096);
    const writer = new RingWriter(rings[0]!, 7);
    const headers = encodeHeaders([['tenant', 'acme']]);
    assert.ok(writer.append(200, 0, 'stream{app="a"}', '{"body":"x"}', -1, 1, headers));
    assert.ok(writer.append(1, 1, null, '{"body":"y"}'));
    writer.commit();
    const reader = new RingReader(rings[0]!);
    assert.ok(reader.next());
    assert.equal(reader.topic, 200);
    assert.equal(reader.key?.toString(), 'stream{app="a"}');
    assert.equal(reader.value.toString(), '{"body":"x"}');
    assert.deepEqual(decodeHeaders(reader.data, reader.headersAt, reader.headerBytes), [['tenant', 'acme']]);
    assert.equal(reader.bytes, recordSize(Buffer.byteLength('stream{app="a"}'), 12, headers.length));
    reader.consume();
    assert.ok(reader.next());
    assert.equal(reader.topic, 1);
    assert.equal(reader.headerBytes, 0);
    assert.equal(headersView(reader), null);
    assert.equal(reader.key, null);
    assert.equal(reader.value.toString(), '{"body":"y"}');
    reader.consume();
    assert.equal(reader.next(), false);
  });
});
