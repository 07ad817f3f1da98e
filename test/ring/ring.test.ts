// The worker→producer ring: round trips, all-or-nothing publication, wrap
// around, a full ring, and lease exclusivity.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PARTITION_BY_KEY, Topic, createRingSet, recordSize } from '../../src/ring/layout';
import { RingReader } from '../../src/ring/reader';
import { RingWriter, leaseRing, releaseRing } from '../../src/ring/writer';

function readAll(reader: RingReader): Array<{ seq: number; index: number; key: string | null; value: string; partition: number; count: number }> {
  const out = [];
  while (reader.next()) {
    out.push({ seq: reader.seq, index: reader.index, key: reader.key?.toString() ?? null, value: reader.value.toString(), partition: reader.partition, count: reader.count });
    reader.consume();
  }
  reader.release();
  return out;
}

describe('ring', () => {
  it('round-trips records, visible only after commit', () => {
    const { rings } = createRingSet(1, 4096);
    const reader = new RingReader(rings[0]!);
    const writer = new RingWriter(rings[0]!, 7);
    assert.ok(writer.append(Topic.Metrics, 0, 'cpu{host="h1"}', '{"v":1}'));
    assert.ok(writer.append(Topic.Logs, 1, null, 'é ünïcode', 3, 2));
    assert.equal(reader.next(), false, 'nothing visible before commit');
    writer.commit();
    assert.deepEqual(readAll(reader), [
      { seq: 7, index: 0, key: 'cpu{host="h1"}', value: '{"v":1}', partition: PARTITION_BY_KEY, count: 1 },
      { seq: 7, index: 1, key: null, value: 'é ünïcode', partition: 3, count: 2 },
    ]);
    assert.equal(reader.usedBytes, 0);
  });

  it('a writer that never commits (a worker that died mid-write) leaves nothing behind', () => {
    const { rings } = createRingSet(1, 4096);
    const dead = new RingWriter(rings[0]!, 1);
    for (let i = 0; i < 10; i++) assert.ok(dead.append(Topic.Metrics, i, 'k', 'garbage'));
    const next = new RingWriter(rings[0]!, 2);
    assert.ok(next.append(Topic.Metrics, 0, 'k2', 'good'));
    next.commit();
    assert.deepEqual(readAll(new RingReader(rings[0]!)).map((r) => [r.seq, r.value]), [[2, 'good']]);
  });

  it('wraps around many times with varied sizes, in order and intact', () => {
    const { rings } = createRingSet(1, 4096);
    const reader = new RingReader(rings[0]!);
    let written = 0;
    let read = 0;
    for (let round = 0; round < 2000; round++) {
      const writer = new RingWriter(rings[0]!, round + 1);
      const batch = 1 + (round % 5);
      for (let i = 0; i < batch; i++) {
        const value = `${written}:` + 'x'.repeat((written * 37) % 300);
        if (!writer.append(Topic.Metrics, i, `key-${written}`, value)) break;
        written++;
      }
      writer.commit();
      for (const record of readAll(reader)) {
        assert.equal(record.key, `key-${read}`);
        assert.equal(record.value, `${read}:` + 'x'.repeat((read * 37) % 300));
        read++;
      }
    }
    assert.equal(read, written);
    assert.ok(written > 5000);
  });

  it('a full ring refuses appends without corrupting what it holds', () => {
    const { rings } = createRingSet(1, 1024);
    const writer = new RingWriter(rings[0]!, 1);
    let n = 0;
    while (writer.append(Topic.Metrics, n, 'k', 'v'.repeat(50))) n++;
    assert.ok(n > 5 && n * recordSize(1, 50) <= 1024);
    writer.commit();
    const second = new RingWriter(rings[0]!, 2);
    assert.equal(second.append(Topic.Metrics, 0, 'k', 'v'.repeat(50)), false);
    assert.equal(second.exceedsCapacity(recordSize(1, 50)), false, 'would fit in an empty ring: 503, not 413');
    assert.equal(second.exceedsCapacity(2000), true);
    const records = readAll(new RingReader(rings[0]!));
    assert.equal(records.length, n);
    assert.ok(records.every((r, i) => r.index === i && r.seq === 1));
  });

  it('leases are exclusive and released only by their holder', () => {
    const set = createRingSet(2, 4096);
    assert.equal(leaseRing(set, 11, 0), 0);
    assert.equal(leaseRing(set, 12, 0), 1);
    assert.equal(leaseRing(set, 13, 0), null);
    releaseRing(set, 0, 99);
    assert.equal(leaseRing(set, 13, 0), null, 'a wrong seq does not release');
    releaseRing(set, 0, 11);
    assert.equal(leaseRing(set, 13, 1), 0);
  });
});
