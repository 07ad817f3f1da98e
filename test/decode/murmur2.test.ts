// Kafka's murmur2, checked against librdkafka's unit-test vectors (rdmurmur2.c),
// which are the Java client's results.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { murmur2, partitionOf } from '../../src/decode/murmur2';

const unaligned = 'PreAmbleWillBeRemoved,ThePrePartThatIs';
const vectors: Array<[string, number]> = [
  ['kafka', 0xd067cf64], ['giberish123456789', 0x8f552b0c],
  ['1234', 0x9fc97b14], ['234', 0xe7c009ca], ['34', 0x873930da], ['4', 0x5a4b5ca1],
  [unaligned, 0x78424f1c], [unaligned.slice(1), 0x4a62b377], [unaligned.slice(2), 0xe0e4e09e], [unaligned.slice(3), 0x62b8b43f],
  ['', 0x106e08d9],
];

describe('murmur2', () => {
  for (const [key, expected] of vectors) {
    it(`hashes ${JSON.stringify(key)} as Kafka does`, () => {
      assert.equal(murmur2(Buffer.from(key)), expected | 0);
    });
  }

  it('maps a key to a partition in range, stably', () => {
    const key = Buffer.from('cpu{host="h1"}');
    const p = partitionOf(key, 12);
    assert.ok(p >= 0 && p < 12);
    assert.equal(partitionOf(key, 12), p);
    assert.equal(partitionOf(Buffer.from('kafka'), 1000), (0xd067cf64 & 0x7fffffff) % 1000);
  });
});
