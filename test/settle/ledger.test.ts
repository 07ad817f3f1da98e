// The request ledger answers each request exactly once and counts every
// admitted message until it settles.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BatchMessage, Ledger, settleDelivery, type Answer } from '../../src/settle/ledger';

function ledger(maxInFlightRecords = 100, requestTimeoutMs = 60_000): Ledger {
  return new Ledger({ maxInFlightRecords, requestTimeoutMs });
}

describe('ledger', () => {
  it('answers 200 once every message is delivered', () => {
    const l = ledger();
    const answers: Answer[] = [];
    const entry = l.open('r1', (a) => answers.push(a));
    assert.equal(l.decoded(entry, 3, 3), true);
    assert.equal(l.inFlightRecords, 3);
    l.delivered(entry, null, 1);
    l.delivered(entry, null, 1);
    assert.deepEqual(answers, []);
    l.delivered(entry, null, 1);
    assert.deepEqual(answers, [{ status: 200, accepted: 3 }]);
    assert.equal(l.inFlightRecords, 0);
    assert.equal(l.openRequests, 0);
    assert.deepEqual(l.counters, { accepted: 3, delivered: 3, failed: 0 });
  });

  it('a failed delivery answers 503 delivery_failed after all settle', () => {
    const l = ledger();
    const answers: Answer[] = [];
    const entry = l.open('r1', (a) => answers.push(a));
    l.decoded(entry, 2, 2);
    l.delivered(entry, { message: 'Local: Message timed out' }, 1);
    l.delivered(entry, null, 1);
    assert.equal(answers.length, 1);
    assert.equal(answers[0]!.status, 503);
    assert.match(JSON.stringify(answers[0]), /delivery_failed.*timed out/);
  });

  it('refuses messages over the in-flight cap with 503 overloaded, and admits again when there is room', () => {
    const l = ledger(10);
    const a = l.open('a', () => undefined);
    assert.equal(l.decoded(a, 8, 8), true);
    const answers: Answer[] = [];
    const b = l.open('b', (x) => answers.push(x));
    assert.equal(l.decoded(b, 3, 3), false);
    assert.equal((answers[0] as { code: string }).code, 'overloaded');
    assert.equal(l.inFlightRecords, 8);
    for (let i = 0; i < 8; i++) l.delivered(a, null, 1);
    const c = l.open('c', () => undefined);
    assert.equal(l.decoded(c, 10, 10), true);
    for (let i = 0; i < 10; i++) l.delivered(c, null, 1);
  });

  it('zero records is an immediate 200 with accepted 0', () => {
    const l = ledger();
    const answers: Answer[] = [];
    l.decoded(l.open('z', (a) => answers.push(a)), 0, 0);
    assert.deepEqual(answers, [{ status: 200, accepted: 0 }]);
    assert.equal(l.openRequests, 0);
  });

  it('an entry answered early stays counted until each message settles', () => {
    const l = ledger();
    const answers: Answer[] = [];
    const entry = l.open('r', (a) => answers.push(a));
    l.decoded(entry, 3, 3);
    l.fail(entry, { status: 503, code: 'producer_queue_full', retriable: true }, 'full');
    l.fail(entry, { status: 500, code: 'other', retriable: false }, 'ignored: already answered');
    assert.equal(answers.length, 1);
    assert.equal(l.inFlightRecords, 3);
    l.delivered(entry, null, 1);
    l.skipped(entry);
    assert.equal(l.openRequests, 1);
    l.skipped(entry);
    assert.equal(l.inFlightRecords, 0);
    assert.equal(l.openRequests, 0);
    assert.equal(answers.length, 1);
  });

  it('batch messages count their records', () => {
    const l = ledger();
    const answers: Answer[] = [];
    const entry = l.open('b', (a) => answers.push(a));
    l.decoded(entry, 2, 150);
    settleDelivery(l, new BatchMessage(entry, 100), null);
    settleDelivery(l, new BatchMessage(entry, 50), null);
    assert.deepEqual(answers, [{ status: 200, accepted: 150 }]);
    assert.equal(l.counters.delivered, 150);
  });

  it('answers 504 at the request deadline', async () => {
    const l = ledger(100, 20);
    const answers: Answer[] = [];
    const entry = l.open('slow', (a) => answers.push(a));
    l.decoded(entry, 1, 1);
    await new Promise((r) => setTimeout(r, 60));
    assert.equal(answers[0]?.status, 504);
    l.delivered(entry, null, 1);
    assert.equal(answers.length, 1);
    assert.equal(l.openRequests, 0);
  });
});
