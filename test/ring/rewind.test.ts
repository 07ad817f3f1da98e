// Rewind: an empty ring that no worker holds goes back to position 0, so a
// request that fits the capacity fits, wherever the positions had been.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { REWIND_LEASE, Topic, createRingSet } from '../../src/ring/layout';
import { RingReader } from '../../src/ring/reader';
import { RingWriter, leaseRing } from '../../src/ring/writer';

function fillAndDrain(ring: SharedArrayBuffer, reader: RingReader, bytes: number): void {
  const writer = new RingWriter(ring, 1);
  assert.ok(writer.append(Topic.Metrics, 0, null, 'x'.repeat(bytes)));
  writer.commit();
  while (reader.next()) reader.consume();
  reader.release();
}

describe('ring rewind', () => {
  it('lets a record larger than half the ring fit after the ring emptied at mid-capacity', () => {
    const set = createRingSet(1, 4096);
    const ring = set.rings[0]!;
    const leases = new Int32Array(set.leases);
    const reader = new RingReader(ring);
    fillAndDrain(ring, reader, 2020); // positions now at 2048
    const before = new RingWriter(ring, 2);
    assert.equal(before.append(Topic.Metrics, 0, null, 'y'.repeat(3000)), false, 'at mid-capacity it cannot fit');
    assert.equal(before.exceedsCapacity(before.lastRecordBytes), false, 'yet it is within capacity');

    assert.equal(reader.rewindIfIdle(leases, 0), true);
    const after = new RingWriter(ring, 3);
    assert.ok(after.append(Topic.Metrics, 0, null, 'y'.repeat(3000)));
    after.commit();
    assert.ok(reader.next());
    assert.equal(reader.seq, 3);
    assert.equal(reader.value.toString(), 'y'.repeat(3000));
  });

  it('never rewinds a ring a worker holds, or one with unread records', () => {
    const set = createRingSet(1, 4096);
    const ring = set.rings[0]!;
    const leases = new Int32Array(set.leases);
    const reader = new RingReader(ring);
    fillAndDrain(ring, reader, 100);
    assert.equal(leaseRing(set, 7, 0), 0);
    assert.equal(reader.rewindIfIdle(leases, 0), false, 'leased by a worker');
    assert.equal(Atomics.load(leases, 0), 7, 'the worker keeps its lease');
    Atomics.store(leases, 0, 0);

    const writer = new RingWriter(ring, 8);
    assert.ok(writer.append(Topic.Logs, 0, null, 'unread'));
    writer.commit();
    assert.equal(reader.rewindIfIdle(leases, 0), false, 'holds an unread record');
    assert.ok(reader.next());
    assert.equal(reader.value.toString(), 'unread');
  });

  it('a worker cannot lease a ring while the reader rewinds it', () => {
    const set = createRingSet(1, 4096);
    Atomics.store(new Int32Array(set.leases), 0, REWIND_LEASE);
    assert.equal(leaseRing(set, 5, 0), null);
  });
});
