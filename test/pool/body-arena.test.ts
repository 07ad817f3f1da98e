// The body arena (src/pool/body-arena.ts): leases never overlap, come from
// the lowest free address, merge back when released, and are given back only
// by their last holder.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ArenaLease, BodyArena } from '../../src/pool/body-arena';
import { random } from '../support/random';

describe('pool: body arena', () => {
  it('leases from the lowest free address, on 64-byte boundaries, and null when no free extent holds the body', () => {
    const arena = new BodyArena(1024);
    const a = arena.lease(100)!;
    const b = arena.lease(1)!;
    const c = arena.lease(0)!;
    assert.deepEqual([a.start, b.start, c.start], [0, 128, 192]);
    assert.deepEqual([a.bytes.length, b.bytes.length, c.bytes.length], [100, 1, 0]);
    assert.equal(a.bytes.buffer, arena.buffer);
    assert.equal(arena.leasedBytes, 256);
    assert.equal(arena.lease(769), null, 'more than the 768 bytes left');
    b.release();
    assert.equal(arena.lease(64)!.start, 128, 'the hole b left is the lowest free address');
    assert.equal(arena.lease(65)!.start, 256, 'a body larger than the hole goes past it');
  });

  it('a lease is given back by its last holder only; releasing it once more throws', () => {
    const arena = new BodyArena(256);
    const lease = arena.lease(10)!;
    lease.hold();
    lease.release();
    assert.equal(arena.leasedBytes, 64);
    lease.release();
    assert.equal(arena.leasedBytes, 0);
    assert.throws(() => lease.release(), /released twice/);
    assert.throws(() => lease.hold(), /held again/);
  });

  it('random leases and releases: no two leases overlap, the accounting holds, and all released is one free extent again', () => {
    const next = random(11);
    const arena = new BodyArena(64 * 1024);
    const held: ArenaLease[] = [];
    let refused = 0;
    for (let step = 0; step < 20_000; step++) {
      if (held.length > 0 && next() < 0.5) {
        held.splice(Math.floor(next() * held.length), 1)[0]!.release();
      } else {
        const lease = arena.lease(Math.floor(next() * 4000));
        if (lease === null) refused++;
        else {
          lease.bytes.fill(held.length & 0xff);
          held.push(lease);
        }
      }
      if (step % 500 === 0) {
        const spans = held.map((l) => [l.start, l.start + Math.max(64, Math.ceil(l.length / 64) * 64)] as const).sort((x, y) => x[0] - y[0]);
        for (let i = 1; i < spans.length; i++) assert.ok(spans[i - 1]![1] <= spans[i]![0], `leases overlap at step ${step}`);
        assert.equal(arena.leasedBytes, spans.reduce((sum, [start, end]) => sum + end - start, 0));
      }
    }
    assert.ok(refused > 0, 'the arena filled up at times');
    for (const lease of held.splice(0)) lease.release();
    assert.equal(arena.leasedBytes, 0);
    assert.equal(arena.lease(64 * 1024)!.start, 0, 'every extent merged back into one');
  });
});
