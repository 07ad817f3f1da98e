// Kafka's partitioner hash: MurmurHash2 (32-bit, seed 0x9747b28c) over the
// key's bytes, as the Java client's Utils.murmur2 and librdkafka's rd_murmur2
// compute it. Written here because the batched message mode must put a series
// in the very partition librdkafka's murmur2_random partitioner would choose,
// and npm's murmurhash packages hash JavaScript strings, not UTF-8 bytes.
// Verified against librdkafka's own test vectors (test/decode/murmur2.test.ts).
const M = 0x5bd1e995;
const SEED = 0x9747b28c;

export function murmur2(data: Uint8Array): number {
  const length = data.length;
  let h = (SEED ^ length) | 0;
  const blocks = length & ~3;
  for (let i = 0; i < blocks; i += 4) {
    let k = data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24);
    k = Math.imul(k, M);
    k ^= k >>> 24;
    k = Math.imul(k, M);
    h = Math.imul(h, M) ^ k;
  }
  const rest = length & 3;
  if (rest === 3) h ^= data[blocks + 2]! << 16;
  if (rest >= 2) h ^= data[blocks + 1]! << 8;
  if (rest >= 1) {
    h ^= data[blocks]!;
    h = Math.imul(h, M);
  }
  h ^= h >>> 13;
  h = Math.imul(h, M);
  h ^= h >>> 15;
  return h | 0;
}

/** The partition Kafka's default (murmur2) partitioner gives a key. */
export function partitionOf(key: Uint8Array, partitions: number): number {
  return (murmur2(key) & 0x7fffffff) % partitions;
}
