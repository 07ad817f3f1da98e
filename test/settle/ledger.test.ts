// The request ledger (src/settle/ledger.ts): each request is answered exactly
// once, 200 only when every admitted message was delivered, and every
// admitted message stays counted in flight until it settles.
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { BatchMessage, Ledger, settleDelivery, type Answer, type RequestEntry } from '../../src/settle/ledger';

const ledgers: Ledger[] = [];

function ledger(maxInFlightRecords = 100, requestTimeoutMs = 60_000, observeDelivery?: (seconds: number) => void): Ledger {
  const l = new Ledger(observeDelivery === undefined ? { maxInFlightRecords, requestTimeoutMs } : { maxInFlightRecords, requestTimeoutMs, observeDelivery });
  ledgers.push(l);
  return l;
}

/** Opens an entry whose answers are collected. */
function open(l: Ledger, requestId = 'req'): { entry: RequestEntry; answers: Answer[] } {
  const answers: Answer[] = [];
  const entry = l.open(requestId, (a) => answers.push(a));
  return { entry, answers };
}

// Every test must leave its ledgers empty: an open entry is a pending timer
// (it would keep the process alive) and a sign that something was never settled.
afterEach(() => {
  for (const l of ledgers.splice(0)) {
    assert.equal(l.openRequests, 0, 'an entry was left open');
    assert.equal(l.inFlightRecords, 0, 'records were left in flight');
  }
});

describe('ledger: success', () => {
  it('open → decoded → all delivered answers one 200 with accepted N', () => {
    const l = ledger();
    const { entry, answers } = open(l);
    assert.equal(l.openRequests, 1);
    assert.equal(l.decoded(entry, 3, 3), true);
    assert.equal(l.inFlightRecords, 3);
    l.delivered(entry, null, 1);
    l.delivered(entry, null, 1);
    assert.deepEqual(answers, [], 'no answer before the last delivery');
    assert.equal(l.inFlightRecords, 1);
    l.delivered(entry, null, 1);
    assert.deepEqual(answers, [{ status: 200, accepted: 3 }]);
    assert.equal(l.inFlightRecords, 0);
    assert.equal(l.openRequests, 0);
    assert.deepEqual(l.counters, { accepted: 3, delivered: 3, failed: 0 });
  });

  it('0 records is an immediate 200 with accepted 0', () => {
    const l = ledger();
    const { entry, answers } = open(l);
    assert.equal(l.decoded(entry, 0, 0), false, 'nothing to produce');
    assert.deepEqual(answers, [{ status: 200, accepted: 0 }]);
    assert.equal(l.openRequests, 0);
    assert.equal(l.inFlightRecords, 0);
  });

  it('batch messages: in flight counts messages, accepted counts records', () => {
    const l = ledger(10);
    const { entry, answers } = open(l);
    assert.equal(l.decoded(entry, 2, 150), true);
    assert.equal(l.inFlightRecords, 2);
    settleDelivery(l, new BatchMessage(entry, 100), null);
    assert.deepEqual(answers, []);
    settleDelivery(l, new BatchMessage(entry, 50), null);
    assert.deepEqual(answers, [{ status: 200, accepted: 150 }]);
    assert.deepEqual(l.counters, { accepted: 150, delivered: 150, failed: 0 });
  });

  it('settleDelivery routes a per-record opaque (the entry itself)', () => {
    const l = ledger();
    const { entry, answers } = open(l);
    l.decoded(entry, 2, 2);
    settleDelivery(l, entry, null);
    settleDelivery(l, entry, null);
    assert.deepEqual(answers, [{ status: 200, accepted: 2 }]);
  });

  it('reports the delivery latency of a delivered request once', () => {
    const seen: number[] = [];
    const l = ledger(100, 60_000, (s) => seen.push(s));
    const { entry } = open(l);
    l.decoded(entry, 2, 2);
    l.delivered(entry, null, 1);
    assert.equal(seen.length, 0);
    l.delivered(entry, null, 1);
    assert.equal(seen.length, 1);
    assert.ok(seen[0]! >= 0 && seen[0]! < 10);
  });

  it('keeps concurrent requests apart, with distinct seqs', () => {
    const l = ledger();
    const a = open(l, 'a');
    const b = open(l, 'b');
    assert.notEqual(a.entry.seq, b.entry.seq);
    assert.equal(l.get(a.entry.seq), a.entry);
    assert.equal(l.get(b.entry.seq), b.entry);
    assert.equal(a.entry.idPrefix, 'a/');
    l.decoded(a.entry, 2, 2);
    l.decoded(b.entry, 1, 1);
    l.delivered(a.entry, null, 1);
    l.delivered(b.entry, null, 1);
    assert.deepEqual(b.answers, [{ status: 200, accepted: 1 }]);
    assert.deepEqual(a.answers, []);
    l.delivered(a.entry, null, 1);
    assert.deepEqual(a.answers, [{ status: 200, accepted: 2 }]);
    assert.equal(l.get(a.entry.seq), undefined);
  });
});

describe('ledger: failures', () => {
  it('a failed delivery answers one 503 delivery_failed once every message settled', () => {
    const l = ledger();
    const { entry, answers } = open(l);
    l.decoded(entry, 3, 3);
    l.delivered(entry, { message: 'Local: Message timed out' }, 1);
    assert.deepEqual(answers, [], 'waits for the other messages');
    l.delivered(entry, null, 1);
    l.delivered(entry, { message: 'Broker: Not enough in-sync replicas' }, 1);
    assert.equal(answers.length, 1);
    const answer = answers[0] as { status: number; code: string; message: string; retriable: boolean };
    assert.equal(answer.status, 503);
    assert.equal(answer.code, 'delivery_failed');
    assert.equal(answer.retriable, true);
    assert.match(answer.message, /2 of 3/);
    assert.match(answer.message, /Message timed out/, 'names the first failure');
    assert.deepEqual(l.counters, { accepted: 3, delivered: 1, failed: 2 });
  });

  it('refuses messages over maxInFlightRecords with 503 overloaded, admitting nothing', () => {
    const l = ledger(10);
    const a = open(l, 'a');
    assert.equal(l.decoded(a.entry, 8, 8), true);
    const b = open(l, 'b');
    assert.equal(l.decoded(b.entry, 3, 3), false);
    assert.equal(b.answers.length, 1);
    const answer = b.answers[0] as { status: number; code: string; retriable: boolean };
    assert.equal(answer.status, 503);
    assert.equal(answer.code, 'overloaded');
    assert.equal(answer.retriable, true);
    assert.equal(l.inFlightRecords, 8, 'the refused request adds nothing');
    assert.equal(l.openRequests, 1, 'the refused entry is forgotten');
    assert.equal(l.counters.accepted, 8);
    // Exactly at the limit is admitted.
    const c = open(l, 'c');
    assert.equal(l.decoded(c.entry, 2, 2), true);
    assert.equal(l.inFlightRecords, 10);
    for (let i = 0; i < 8; i++) l.delivered(a.entry, null, 1);
    for (let i = 0; i < 2; i++) l.delivered(c.entry, null, 1);
    assert.deepEqual(a.answers, [{ status: 200, accepted: 8 }]);
    assert.deepEqual(c.answers, [{ status: 200, accepted: 2 }]);
  });

  it('a single request larger than maxInFlightRecords is refused even when nothing is in flight', () => {
    const l = ledger(5);
    const { entry, answers } = open(l);
    assert.equal(l.decoded(entry, 6, 6), false);
    assert.equal((answers[0] as { code: string }).code, 'overloaded');
  });

  it('an entry answered early (fail) stays counted in flight until every message is settled', () => {
    const l = ledger();
    const { entry, answers } = open(l);
    l.decoded(entry, 3, 3);
    l.fail(entry, { status: 503, code: 'producer_queue_full', retriable: true }, 'queue full');
    assert.equal(answers.length, 1);
    assert.deepEqual(answers[0], { status: 503, code: 'producer_queue_full', message: 'queue full', retriable: true });
    assert.equal(l.inFlightRecords, 3, 'librdkafka may still hold the messages');
    assert.equal(l.openRequests, 1);
    l.delivered(entry, null, 1);
    assert.equal(l.inFlightRecords, 2);
    l.skipped(entry);
    assert.equal(l.inFlightRecords, 1);
    assert.equal(l.openRequests, 1);
    l.skipped(entry);
    assert.equal(l.inFlightRecords, 0);
    assert.equal(l.openRequests, 0);
    assert.equal(answers.length, 1, 'settling after the answer answers nothing more');
  });

  it('an entry failed early whose deliveries then fail is still answered once', () => {
    const l = ledger();
    const { entry, answers } = open(l);
    l.decoded(entry, 2, 2);
    l.fail(entry, { status: 500, code: 'produce_failed', retriable: false }, 'boom');
    l.delivered(entry, { message: 'x' }, 1);
    l.delivered(entry, { message: 'y' }, 1);
    assert.equal(answers.length, 1);
    assert.equal(answers[0]!.status, 500);
  });

  it('the responder is called exactly once, whatever happens after the answer', () => {
    const l = ledger();
    const { entry, answers } = open(l);
    l.decoded(entry, 2, 2);
    l.fail(entry, { status: 503, code: 'first', retriable: true }, 'first');
    l.fail(entry, { status: 500, code: 'second', retriable: false }, 'second');
    l.reject(entry, { status: 400, code: 'third', message: 'third', retriable: false });
    assert.equal(l.failAll({ status: 503, code: 'draining', retriable: true }, 'drain'), 0, 'already answered');
    l.delivered(entry, null, 1);
    l.delivered(entry, null, 1);
    assert.equal(answers.length, 1);
    assert.equal((answers[0] as { code: string }).code, 'first');
  });

  it('reject() before decoding answers once and forgets the entry', () => {
    const l = ledger();
    const { entry, answers } = open(l);
    l.reject(entry, { status: 400, code: 'invalid_record', message: 'record 3: bad', retriable: false, record: 3 });
    assert.deepEqual(answers, [{ status: 400, code: 'invalid_record', message: 'record 3: bad', retriable: false, record: 3 }]);
    assert.equal(l.openRequests, 0);
    assert.equal(l.decoded(entry, 1, 1), false, 'a late decode result is not admitted');
    assert.equal(l.inFlightRecords, 0);
    assert.equal(answers.length, 1);
  });

  it('failAll answers every open request once and keeps admitted messages counted', () => {
    const l = ledger();
    const decoding = open(l, 'decoding');
    const producing = open(l, 'producing');
    l.decoded(producing.entry, 2, 2);
    assert.equal(l.failAll({ status: 503, code: 'drain_timeout', retriable: true }, 'draining'), 2);
    assert.equal((decoding.answers[0] as { code: string }).code, 'drain_timeout');
    assert.equal((producing.answers[0] as { code: string }).code, 'drain_timeout');
    assert.equal(l.openRequests, 1, 'the producing entry waits for its messages');
    assert.equal(l.inFlightRecords, 2);
    l.skipped(producing.entry);
    l.skipped(producing.entry);
    assert.equal(decoding.answers.length + producing.answers.length, 2);
  });
});

describe('ledger: request deadline', () => {
  it('answers 504 request_timeout when a producing request is not settled in time', async () => {
    const l = ledger(100, 20);
    const { entry, answers } = open(l);
    l.decoded(entry, 2, 2);
    l.delivered(entry, null, 1);
    await delay(80);
    assert.equal(answers.length, 1);
    const answer = answers[0] as { status: number; code: string; retriable: boolean; message: string };
    assert.equal(answer.status, 504);
    assert.equal(answer.code, 'request_timeout');
    assert.equal(answer.retriable, true);
    assert.match(answer.message, /20 ms/);
    assert.equal(l.inFlightRecords, 1, 'the unsettled message stays counted');
    l.delivered(entry, null, 1);
    assert.equal(answers.length, 1, 'a late delivery answers nothing more');
    assert.equal(l.openRequests, 0);
  });

  it('answers 504 when decoding takes too long; the late decode result is not admitted', async () => {
    const l = ledger(100, 20);
    const { entry, answers } = open(l);
    await delay(80);
    assert.deepEqual(answers.map((a) => a.status), [504]);
    assert.equal(l.openRequests, 0);
    assert.equal(l.decoded(entry, 5, 5), false);
    assert.equal(l.inFlightRecords, 0);
    assert.equal(l.counters.accepted, 0);
    assert.equal(answers.length, 1);
  });

  it('a request answered before its deadline gets no 504 later', async () => {
    const l = ledger(100, 20);
    const { entry, answers } = open(l);
    l.decoded(entry, 1, 1);
    l.delivered(entry, null, 1);
    await delay(80);
    assert.deepEqual(answers, [{ status: 200, accepted: 1 }]);
  });
});
