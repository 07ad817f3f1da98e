// Body reading (src/ingest/read-body.ts): one buffer under a byte cap and a
// deadline, declared or chunked; a declared body in the body arena when it
// has room, its lease given back when the body is refused.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Exchange } from '../../src/ingest/exchange';
import { readBody, type BodyOutcome } from '../../src/ingest/read-body';
import { BodyArena } from '../../src/pool/body-arena';
import { FakeResponse } from '../support/fake-uws';

function start(declared: number | null, limits = { maxBodyBytes: 10, bodyReadTimeoutMs: 1_000 }, arena: BodyArena | null = null): { res: FakeResponse; outcomes: BodyOutcome[] } {
  const res = new FakeResponse();
  const outcomes: BodyOutcome[] = [];
  readBody(new Exchange(res.asUws), declared, limits, arena, (o) => outcomes.push(o));
  return { res, outcomes };
}

const text = (o: BodyOutcome | undefined): string => {
  assert.ok(o?.ok, JSON.stringify(o));
  return Buffer.from(o.body.bytes).toString();
};

describe('ingest: read-body', () => {
  it('a declared body in chunks becomes one buffer of exactly that size', () => {
    const { res, outcomes } = start(5);
    res.send('ab', false);
    res.send('cde', true);
    assert.equal(outcomes.length, 1);
    assert.equal(text(outcomes[0]), 'abcde');
    assert.ok(outcomes[0]?.ok);
    assert.equal(outcomes[0].body.bytes.buffer.byteLength, 5);
    assert.equal(outcomes[0].body.lease, null);
  });

  it('more bytes than Content-Length: 413 body_too_large', () => {
    const { res, outcomes } = start(2);
    res.send('abc', true);
    assert.deepEqual(outcomes, [{ ok: false, code: 'body_too_large', message: 'body longer than its Content-Length' }]);
  });

  it('a body that ends short of its Content-Length: 400 bad_content_length', () => {
    const { res, outcomes } = start(5);
    res.send('abc', true);
    assert.deepEqual(outcomes, [{ ok: false, code: 'bad_content_length', message: 'body ended after 3 of its 5 declared bytes' }]);
  });

  it('a chunked body is capped as it arrives', () => {
    const ok = start(null);
    ok.res.send('hello', false);
    ok.res.send('world', true);
    assert.equal(text(ok.outcomes[0]), 'helloworld');
    const over = start(null);
    over.res.send('hello', false);
    over.res.send('world!', false);
    over.res.send('more', true);
    assert.deepEqual(over.outcomes.map((o) => !o.ok && o.code), ['body_too_large'], 'answered once');
  });

  it('a body not complete within the deadline: 408 body_timeout', async () => {
    const { res, outcomes } = start(4, { maxBodyBytes: 10, bodyReadTimeoutMs: 20 });
    res.send('ab', false);
    await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(outcomes.map((o) => !o.ok && o.code), ['body_timeout']);
    res.send('cd', true);
    assert.equal(outcomes.length, 1, 'late bytes change nothing');
  });

  it('a client that goes away: client_aborted', () => {
    const { res, outcomes } = start(4);
    res.abort();
    assert.deepEqual(outcomes.map((o) => !o.ok && o.code), ['client_aborted']);
  });

  describe('with a body arena', () => {
    const limits = { maxBodyBytes: 1000, bodyReadTimeoutMs: 1_000 };

    it('a declared body is read into the arena, leased until released', () => {
      const arena = new BodyArena(1024);
      const { res, outcomes } = start(5, limits, arena);
      res.send('ab', false);
      res.send('cde', true);
      assert.equal(text(outcomes[0]), 'abcde');
      const body = (outcomes[0] as Extract<BodyOutcome, { ok: true }>).body;
      assert.equal(body.bytes.buffer, arena.buffer);
      assert.equal(arena.leasedBytes, 64);
      body.lease!.release();
      assert.equal(arena.leasedBytes, 0);
    });

    it('a body the arena has no room for gets a buffer of its own, and is counted', () => {
      const arena = new BodyArena(256);
      const held = arena.lease(200)!;
      const declared = start(100, limits, arena);
      declared.res.send('x'.repeat(100), true);
      assert.equal(text(declared.outcomes[0]), 'x'.repeat(100));
      assert.equal((declared.outcomes[0] as Extract<BodyOutcome, { ok: true }>).body.lease, null);
      const chunked = start(null, limits, arena);
      chunked.res.send('y'.repeat(60), false);
      chunked.res.send('y'.repeat(60), true);
      assert.equal((chunked.outcomes[0] as Extract<BodyOutcome, { ok: true }>).body.lease, null);
      assert.equal(arena.misses, 2);
      held.release();
      assert.equal(arena.leasedBytes, 0);
    });

    it('a chunked body goes to the arena once complete', () => {
      const arena = new BodyArena(256);
      const { res, outcomes } = start(null, limits, arena);
      res.send('hello', false);
      res.send('world', true);
      assert.equal(text(outcomes[0]), 'helloworld');
      const body = (outcomes[0] as Extract<BodyOutcome, { ok: true }>).body;
      assert.equal(body.bytes.buffer, arena.buffer);
      body.lease!.release();
      assert.equal(arena.leasedBytes, 0);
    });

    it('a refused body (too long, too slow, client gone) gives its lease back', async () => {
      const arena = new BodyArena(1024);
      const long = start(2, limits, arena);
      long.res.send('abc', true);
      const slow = start(4, { maxBodyBytes: 1000, bodyReadTimeoutMs: 20 }, arena);
      slow.res.send('ab', false);
      const gone = start(4, limits, arena);
      gone.res.abort();
      await new Promise((r) => setTimeout(r, 50));
      assert.deepEqual([long, slow, gone].map(({ outcomes }) => outcomes.map((o) => !o.ok && o.code)),
        [['body_too_large'], ['body_timeout'], ['client_aborted']]);
      assert.equal(arena.leasedBytes, 0);
    });
  });
});
