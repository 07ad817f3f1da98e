// Body reading (src/ingest/read-body.ts): one ArrayBuffer under a byte cap and
// a deadline, declared or chunked.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Exchange } from '../../src/ingest/exchange';
import { readBody, type BodyOutcome } from '../../src/ingest/read-body';
import { FakeResponse } from '../support/fake-uws';

function start(declared: number | null, limits = { maxBodyBytes: 10, bodyReadTimeoutMs: 1_000 }): { res: FakeResponse; outcomes: BodyOutcome[] } {
  const res = new FakeResponse();
  const outcomes: BodyOutcome[] = [];
  readBody(new Exchange(res.asUws), declared, limits, (o) => outcomes.push(o));
  return { res, outcomes };
}

const text = (o: BodyOutcome | undefined): string => {
  assert.ok(o?.ok, JSON.stringify(o));
  return Buffer.from(o.body).toString();
};

describe('ingest: read-body', () => {
  it('a declared body in chunks becomes one buffer of exactly that size', () => {
    const { res, outcomes } = start(5);
    res.send('ab', false);
    res.send('cde', true);
    assert.equal(outcomes.length, 1);
    assert.equal(text(outcomes[0]), 'abcde');
    assert.equal((outcomes[0] as { body: ArrayBuffer }).body.byteLength, 5);
  });

  it('more bytes than Content-Length: 413 body_too_large', () => {
    const { res, outcomes } = start(2);
    res.send('abc', true);
    assert.deepEqual(outcomes, [{ ok: false, code: 'body_too_large', message: 'body longer than its Content-Length' }]);
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
});
