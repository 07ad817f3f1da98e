// The lease table (src/ring/leases.ts): one writer per ring, releases that
// cannot free a ring from its next holder, the pool's release for a dead
// worker, and the pump's rewind, which needs the ring to itself.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Signal } from '../../src/signals';
import { createRingSet } from '../../src/ring/layout';
import { LeaseTable, REWIND_LEASE } from '../../src/ring/leases';
import { RingReader } from '../../src/ring/reader';
import { RingWriter } from '../../src/ring/writer';

function table(rings: number): LeaseTable {
  return new LeaseTable(createRingSet(rings, 4096).leases);
}

function holders(leases: LeaseTable): number[] {
  return Array.from({ length: leases.size }, (_, i) => leases.holder(i));
}

describe('leases', () => {
  it('leases the preferred ring first, then the next free one; none when all are busy', () => {
    const leases = table(3);
    assert.equal(leases.lease(11, 1), 1);
    assert.equal(leases.lease(12, 1), 2);
    assert.equal(leases.lease(13, 1), 0);
    assert.equal(leases.lease(14, 0), null);
    assert.deepEqual(holders(leases), [13, 11, 12]);
  });

  it('two leases never take the same ring', () => {
    const leases = table(4);
    const taken = new Set<number>();
    for (let seq = 1; seq <= 4; seq++) {
      const ring = leases.lease(seq, 2);
      assert.notEqual(ring, null);
      assert.ok(!taken.has(ring!), `ring ${ring} leased twice`);
      taken.add(ring!);
    }
    assert.equal(leases.lease(5, 2), null);
  });

  it('two tables over one buffer (two threads) see each other\'s leases', () => {
    const set = createRingSet(2, 4096);
    const worker = new LeaseTable(set.leases);
    const main = new LeaseTable(set.leases);
    assert.equal(worker.lease(7, 0), 0);
    assert.equal(main.holder(0), 7);
    assert.equal(main.holdForRewind(0), false);
  });

  it('releasing with the wrong seq is a no-op; the holder\'s release frees the ring', () => {
    const leases = table(2);
    assert.equal(leases.lease(11, 0), 0);
    assert.equal(leases.lease(12, 0), 1);
    leases.release(0, 99);
    leases.release(0, 12);
    assert.equal(leases.lease(13, 0), null, 'a wrong seq does not release');
    leases.release(0, 11);
    assert.equal(leases.lease(13, 1), 0);
    assert.deepEqual(holders(leases), [13, 12]);
  });

  it('a late release by a dead task\'s seq does not free the ring from its next holder', () => {
    const leases = table(1);
    assert.equal(leases.lease(21, 0), 0);
    leases.releaseAllHeldBy(21); // the pool, after the worker died
    assert.equal(leases.lease(22, 0), 0);
    leases.release(0, 21); // the dead task's release arrives late
    assert.equal(leases.lease(23, 0), null);
    leases.release(0, 22);
    leases.release(0, 22); // twice is harmless
    assert.equal(leases.lease(23, 0), 0);
  });

  it('releaseAllHeldBy frees every ring of that seq and no other', () => {
    const leases = table(3);
    leases.lease(5, 0);
    leases.lease(6, 0);
    leases.lease(5, 0);
    leases.releaseAllHeldBy(5);
    assert.deepEqual(holders(leases), [0, 6, 0]);
  });

  it('a worker cannot lease a ring while the pump rewinds it, and can after', () => {
    const leases = table(1);
    assert.equal(leases.holdForRewind(0), true);
    assert.equal(leases.holder(0), REWIND_LEASE);
    assert.equal(leases.lease(5, 0), null);
    assert.equal(leases.holdForRewind(0), false, 'one rewind at a time');
    leases.endRewind(0);
    assert.equal(leases.lease(5, 0), 0);
    assert.equal(leases.holdForRewind(0), false, 'never while a worker holds it');
  });
});

// Rewind: an empty ring that no worker holds goes back to position 0, so a
// request that fits the capacity fits, wherever the positions had been.
function fillAndDrain(ring: SharedArrayBuffer, reader: RingReader, bytes: number): void {
  const writer = new RingWriter(ring, 1);
  assert.ok(writer.append(Signal.Metrics, 0, null, 'x'.repeat(bytes)));
  writer.commit();
  while (reader.next()) reader.consume();
  reader.release();
}

describe('leases: ring rewind', () => {
  it('lets a record larger than half the ring fit after the ring emptied at mid-capacity', () => {
    const set = createRingSet(1, 4096);
    const ring = set.rings[0]!;
    const leases = new LeaseTable(set.leases);
    const reader = new RingReader(ring);
    fillAndDrain(ring, reader, 2020); // positions now at 2048
    const before = new RingWriter(ring, 2);
    assert.equal(before.append(Signal.Metrics, 0, null, 'y'.repeat(3000)), false, 'at mid-capacity it cannot fit');
    assert.equal(before.exceedsCapacity(before.lastRecordBytes), false, 'yet it is within capacity');

    assert.equal(reader.rewindIfIdle(leases, 0), true);
    assert.equal(leases.holder(0), 0, 'the pump gives the lease back');
    const after = new RingWriter(ring, 3);
    assert.ok(after.append(Signal.Metrics, 0, null, 'y'.repeat(3000)));
    after.commit();
    assert.ok(reader.next());
    assert.equal(reader.seq, 3);
    assert.equal(reader.value.toString(), 'y'.repeat(3000));
  });

  it('never rewinds a ring a worker holds, or one with unread records', () => {
    const set = createRingSet(1, 4096);
    const ring = set.rings[0]!;
    const leases = new LeaseTable(set.leases);
    const reader = new RingReader(ring);
    fillAndDrain(ring, reader, 100);
    assert.equal(leases.lease(7, 0), 0);
    assert.equal(reader.rewindIfIdle(leases, 0), false, 'leased by a worker');
    assert.equal(leases.holder(0), 7, 'the worker keeps its lease');
    leases.release(0, 7);

    const writer = new RingWriter(ring, 8);
    assert.ok(writer.append(Signal.Logs, 0, null, 'unread'));
    writer.commit();
    assert.equal(reader.rewindIfIdle(leases, 0), false, 'holds an unread record');
    assert.ok(reader.next());
    assert.equal(reader.value.toString(), 'unread');
  });
});
