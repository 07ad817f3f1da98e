// The idempotency window (src/dedup/window.ts): what a repeat of a key gets,
// how long a success is remembered, and the bounds that evict the oldest.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DedupWindow, type Claim, type Remembered } from '../../src/dedup/window';

const LIMITS = { windowMs: 10_000, maxKeys: 100, maxBytes: 1024 * 1024 };

function success(fingerprint: string, accepted = 3): Remembered {
  return { fingerprint, contentType: 'application/json', accepted };
}

function first(claim: Claim): Extract<Claim, { kind: 'first' }> {
  assert.equal(claim.kind, 'first');
  return claim as Extract<Claim, { kind: 'first' }>;
}

describe('dedup window', () => {
  it('a repeat of a key that succeeded gets the remembered answer, counted as a replay', () => {
    const window = new DedupWindow(LIMITS, () => 0);
    first(window.claim('k', 'fp')).settle(success('fp', 7));
    const repeat = window.claim('k', 'fp');
    assert.deepEqual(repeat, { kind: 'replay', remembered: success('fp', 7) });
    assert.equal(window.counters.replays, 1);
  });

  it('a repeat after a failure is processed again', () => {
    const window = new DedupWindow(LIMITS, () => 0);
    first(window.claim('k', 'fp')).settle(null);
    first(window.claim('k', 'fp'));
    assert.equal(window.counters.replays, 0);
  });

  it('the same key with another body is a conflict, while in flight and after success', () => {
    const window = new DedupWindow(LIMITS, () => 0);
    const claim = first(window.claim('k', 'fp-a'));
    assert.equal(window.claim('k', 'fp-b').kind, 'conflict');
    claim.settle(success('fp-a'));
    assert.equal(window.claim('k', 'fp-b').kind, 'conflict');
    assert.equal(window.counters.conflicts, 2);
  });

  it('a repeat while the first is in flight waits for its outcome, then is replayed', async () => {
    const window = new DedupWindow(LIMITS, () => 0);
    const claim = first(window.claim('k', 'fp'));
    const waiting = window.claim('k', 'fp');
    assert.equal(waiting.kind, 'pending');
    let woken = false;
    const settled = (waiting as Extract<Claim, { kind: 'pending' }>).settled.then(() => { woken = true; });
    await Promise.resolve();
    assert.equal(woken, false, 'not before the first is answered');
    claim.settle(success('fp'));
    await settled;
    assert.equal(window.claim('k', 'fp').kind, 'replay');
  });

  it('a repeat waiting on a first that fails is processed itself', async () => {
    const window = new DedupWindow(LIMITS, () => 0);
    const claim = first(window.claim('k', 'fp'));
    const waiting = window.claim('k', 'fp') as Extract<Claim, { kind: 'pending' }>;
    claim.settle(null);
    await waiting.settled;
    first(window.claim('k', 'fp'));
  });

  it('a success is forgotten windowMs after it was answered', () => {
    let now = 1_000;
    const window = new DedupWindow(LIMITS, () => now);
    const claim = first(window.claim('k', 'fp'));
    now = 5_000;
    claim.settle(success('fp'));
    now = 5_000 + LIMITS.windowMs - 1;
    assert.equal(window.claim('k', 'fp').kind, 'replay', 'the window counts from the answer');
    now = 5_000 + LIMITS.windowMs;
    assert.equal(window.size, 0, 'expired keys are dropped');
    first(window.claim('k', 'fp'));
    assert.equal(window.counters.evictions, 0, 'expiry is not eviction');
  });

  it('past maxKeys the oldest key is evicted and counted', () => {
    const window = new DedupWindow({ ...LIMITS, maxKeys: 3 }, () => 0);
    for (const key of ['a', 'b', 'c', 'd']) first(window.claim(key, 'fp')).settle(success('fp'));
    assert.equal(window.size, 3);
    assert.equal(window.counters.evictions, 1);
    first(window.claim('a', 'fp'));
    assert.equal(window.claim('d', 'fp').kind, 'replay');
  });

  it('past maxBytes the oldest keys are evicted until the estimate fits', () => {
    const window = new DedupWindow({ ...LIMITS, maxBytes: 2_000 }, () => 0);
    for (let i = 0; i < 20; i++) first(window.claim(`key-${i}`, 'fp')).settle(success('fp'));
    assert.ok(window.bytes <= 2_000, `bytes ${window.bytes}`);
    assert.ok(window.size > 1 && window.size < 20, `size ${window.size}`);
    assert.equal(window.counters.evictions, 20 - window.size);
    assert.equal(window.claim('key-19', 'fp').kind, 'replay', 'the newest stays');
  });

  it('a pending key evicted wakes its waiters, who are then processed; its late outcome is dropped', async () => {
    const window = new DedupWindow({ ...LIMITS, maxKeys: 1 }, () => 0);
    const claim = first(window.claim('a', 'fp'));
    const waiting = window.claim('a', 'fp') as Extract<Claim, { kind: 'pending' }>;
    first(window.claim('b', 'fp'));
    await waiting.settled;
    claim.settle(success('fp'));
    assert.equal(window.claim('a', 'fp').kind, 'first');
  });

  it('restores successes from before a restart, dropping those already expired', () => {
    const window = new DedupWindow(LIMITS, () => 20_000);
    window.restore('old', success('fp'), 5_000);
    window.restore('new', success('fp', 9), 15_000);
    assert.equal(window.claim('old', 'fp').kind, 'first');
    assert.deepEqual(window.claim('new', 'fp'), { kind: 'replay', remembered: success('fp', 9) });
    assert.deepEqual([...window.remembered()].map((r) => [r.key, r.atMs]), [['new', 15_000]]);
  });

  it('tells its listener of each success (the spool dedup log)', () => {
    const seen: string[] = [];
    const window = new DedupWindow(LIMITS, () => 42);
    window.onRemembered = (key, remembered, atMs) => seen.push(`${key} ${remembered.accepted} ${atMs}`);
    first(window.claim('k', 'fp')).settle(success('fp', 5));
    first(window.claim('f', 'fp')).settle(null);
    assert.deepEqual(seen, ['k 5 42']);
  });
});
