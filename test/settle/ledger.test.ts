// The request ledger (src/settle/ledger.ts): each request is answered exactly
// once, 200 only when every admitted message was delivered, and every
// admitted message stays counted in flight until it settles.
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { ERRORS, statusOf } from '../../src/errors';
import { Ledger, settleDelivery, ticketOf, type Answer, type RequestEntry } from '../../src/settle/ledger';

const ledgers: Ledger[] = [];

function ledger(maxInFlightMessages = 100, requestTimeoutMs = 60_000, observeDelivery?: (seconds: number) => void): Ledger {
  const l = new Ledger(observeDelivery === undefined ? { maxInFlightMessages, requestTimeoutMs } : { maxInFlightMessages, requestTimeoutMs, observeDelivery });
  ledgers.push(l);
  return l;
}

/** The HTTP status an answer gets (src/errors.ts for refusals). */
function statusOfAnswer(a: Answer): number {
  return a.ok ? 200 : statusOf(a.code);
}

/** An error answer's code, status and retriability, as the client sees them. */
function refusalOf(a: Answer | undefined): { status: number; code: string; message: string; retriable: boolean } {
  assert.ok(a !== undefined && !a.ok, `expected a refusal, got ${JSON.stringify(a)}`);
  return { status: statusOf(a.code), code: a.code, message: a.message, retriable: ERRORS[a.code].retriable };
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
    assert.equal(l.inFlightMessages, 0, 'messages were left in flight');
  }
});

describe('ledger: success', () => {
  it('open → decoded → all delivered answers one 200 with accepted N', () => {
    const l = ledger();
    const { entry, answers } = open(l);
    assert.equal(l.openRequests, 1);
    assert.equal(l.decoded(entry, { messages: 3, records: 3 }), true);
    assert.equal(l.inFlightMessages, 3);
    l.delivered(entry, null, 1);
    l.delivered(entry, null, 1);
    assert.deepEqual(answers, [], 'no answer before the last delivery');
    assert.equal(l.inFlightMessages, 1);
    l.delivered(entry, null, 1);
    assert.deepEqual(answers, [{ ok: true, accepted: 3 }]);
    assert.equal(l.inFlightMessages, 0);
    assert.equal(l.openRequests, 0);
    assert.deepEqual(l.counters, { accepted: 3, delivered: 3, failed: 0 });
  });

  it('0 records is an immediate 200 with accepted 0', () => {
    const l = ledger();
    const { entry, answers } = open(l);
    assert.equal(l.decoded(entry, { messages: 0, records: 0 }), false, 'nothing to produce');
    assert.deepEqual(answers, [{ ok: true, accepted: 0 }]);
    assert.equal(l.openRequests, 0);
    assert.equal(l.inFlightMessages, 0);
  });

  it('batch messages: in flight counts messages, accepted counts records', () => {
    const l = ledger(10);
    const { entry, answers } = open(l);
    assert.equal(l.decoded(entry, { messages: 2, records: 150 }), true);
    assert.equal(l.inFlightMessages, 2);
    assert.equal(settleDelivery(l, ticketOf(entry, 100), null), true);
    assert.deepEqual(answers, []);
    assert.equal(settleDelivery(l, ticketOf(entry, 50), null), true);
    assert.deepEqual(answers, [{ ok: true, accepted: 150 }]);
    assert.deepEqual(l.counters, { accepted: 150, delivered: 150, failed: 0 });
  });

  it('settleDelivery routes a per-record ticket to its request, and refuses a ticket of no open request', () => {
    const l = ledger();
    const { entry, answers } = open(l);
    l.decoded(entry, { messages: 2, records: 2 });
    assert.equal(settleDelivery(l, ticketOf(entry, 1), null), true);
    assert.equal(settleDelivery(l, ticketOf(entry, 1), null), true);
    assert.deepEqual(answers, [{ ok: true, accepted: 2 }]);
    assert.equal(settleDelivery(l, ticketOf(entry, 1), null), false, 'the request was answered and forgotten');
    assert.deepEqual(l.counters, { accepted: 2, delivered: 2, failed: 0 });
  });

  it('a ticket carries up to 2,097,151 records (the most limits.maxRecordsPerRequest allows)', () => {
    const l = ledger(10_000_000);
    const { entry, answers } = open(l);
    l.decoded(entry, { messages: 1, records: 2_097_151 });
    const ticket = ticketOf(entry, 2_097_151);
    assert.ok(ticket < 2 ** 52, 'fits librdkafka\'s opaque, shifted one bit');
    assert.equal(settleDelivery(l, ticket, null), true);
    assert.deepEqual(answers, [{ ok: true, accepted: 2_097_151 }]);
  });

  it('reports the delivery latency of a delivered request once', () => {
    const seen: number[] = [];
    const l = ledger(100, 60_000, (s) => seen.push(s));
    const { entry } = open(l);
    l.decoded(entry, { messages: 2, records: 2 });
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
    l.decoded(a.entry, { messages: 2, records: 2 });
    l.decoded(b.entry, { messages: 1, records: 1 });
    l.delivered(a.entry, null, 1);
    l.delivered(b.entry, null, 1);
    assert.deepEqual(b.answers, [{ ok: true, accepted: 1 }]);
    assert.deepEqual(a.answers, []);
    l.delivered(a.entry, null, 1);
    assert.deepEqual(a.answers, [{ ok: true, accepted: 2 }]);
    assert.equal(l.get(a.entry.seq), undefined);
  });
});

describe('ledger: failures', () => {
  it('a failed delivery answers one 503 delivery_failed once every message settled', () => {
    const l = ledger();
    const { entry, answers } = open(l);
    l.decoded(entry, { messages: 3, records: 3 });
    l.delivered(entry, { code: 'delivery_failed', message: 'Local: Message timed out' }, 1);
    assert.deepEqual(answers, [], 'waits for the other messages');
    l.delivered(entry, null, 1);
    l.delivered(entry, { code: 'delivery_failed', message: 'Broker: Not enough in-sync replicas' }, 1);
    assert.equal(answers.length, 1);
    const answer = refusalOf(answers[0]);
    assert.equal(answer.status, 503);
    assert.equal(answer.code, 'delivery_failed');
    assert.equal(answer.retriable, true);
    assert.match(answer.message, /2 of 3/);
    assert.match(answer.message, /Message timed out/, 'names the first failure');
    assert.deepEqual(l.counters, { accepted: 3, delivered: 1, failed: 2 });
  });

  it('refuses messages over maxInFlightMessages with 503 overloaded, admitting nothing', () => {
    const l = ledger(10);
    const a = open(l, 'a');
    assert.equal(l.decoded(a.entry, { messages: 8, records: 8 }), true);
    const b = open(l, 'b');
    assert.equal(l.decoded(b.entry, { messages: 3, records: 3 }), false);
    assert.equal(b.answers.length, 1);
    const answer = refusalOf(b.answers[0]);
    assert.equal(answer.status, 503);
    assert.equal(answer.code, 'overloaded');
    assert.equal(answer.retriable, true);
    assert.equal(l.inFlightMessages, 8, 'the refused request adds nothing');
    assert.equal(l.openRequests, 1, 'the refused entry is forgotten');
    assert.equal(l.counters.accepted, 8);
    // Exactly at the limit is admitted.
    const c = open(l, 'c');
    assert.equal(l.decoded(c.entry, { messages: 2, records: 2 }), true);
    assert.equal(l.inFlightMessages, 10);
    for (let i = 0; i < 8; i++) l.delivered(a.entry, null, 1);
    for (let i = 0; i < 2; i++) l.delivered(c.entry, null, 1);
    assert.deepEqual(a.answers, [{ ok: true, accepted: 8 }]);
    assert.deepEqual(c.answers, [{ ok: true, accepted: 2 }]);
  });

  it('a single request larger than maxInFlightMessages is refused even when nothing is in flight', () => {
    const l = ledger(5);
    const { entry, answers } = open(l);
    assert.equal(l.decoded(entry, { messages: 6, records: 6 }), false);
    assert.equal((answers[0] as { code: string }).code, 'overloaded');
  });

  it('an entry answered early (fail) stays counted in flight until every message is settled', () => {
    const l = ledger();
    const { entry, answers } = open(l);
    l.decoded(entry, { messages: 3, records: 3 });
    l.fail(entry, 'producer_queue_full', 'queue full');
    assert.equal(answers.length, 1);
    assert.deepEqual(answers[0], { ok: false, code: 'producer_queue_full', message: 'queue full' });
    assert.equal(l.inFlightMessages, 3, 'librdkafka may still hold the messages');
    assert.equal(l.openRequests, 1);
    l.delivered(entry, null, 1);
    assert.equal(l.inFlightMessages, 2);
    l.skipped(entry);
    assert.equal(l.inFlightMessages, 1);
    assert.equal(l.openRequests, 1);
    l.skipped(entry);
    assert.equal(l.inFlightMessages, 0);
    assert.equal(l.openRequests, 0);
    assert.equal(answers.length, 1, 'settling after the answer answers nothing more');
  });

  it('an entry failed early whose deliveries then fail is still answered once', () => {
    const l = ledger();
    const { entry, answers } = open(l);
    l.decoded(entry, { messages: 2, records: 2 });
    l.fail(entry, 'produce_failed', 'boom');
    l.delivered(entry, { code: 'delivery_failed', message: 'x' }, 1);
    l.delivered(entry, { code: 'delivery_failed', message: 'y' }, 1);
    assert.equal(answers.length, 1);
    assert.equal(statusOfAnswer(answers[0]!), 500);
  });

  it('the responder is called exactly once, whatever happens after the answer', () => {
    const l = ledger();
    const { entry, answers } = open(l);
    l.decoded(entry, { messages: 2, records: 2 });
    l.fail(entry, 'producer_queue_full', 'first');
    l.fail(entry, 'produce_failed', 'second');
    l.reject(entry, { code: 'invalid_record', message: 'third' });
    assert.equal(l.failAll('draining', 'drain'), 0, 'already answered');
    l.delivered(entry, null, 1);
    l.delivered(entry, null, 1);
    assert.equal(answers.length, 1);
    assert.equal((answers[0] as { code: string }).code, 'producer_queue_full');
  });

  it('reject() before decoding answers once and forgets the entry', () => {
    const l = ledger();
    const { entry, answers } = open(l);
    l.reject(entry, { code: 'invalid_record', message: 'record 3: bad', record: 3 });
    assert.deepEqual(answers, [{ ok: false, code: 'invalid_record', message: 'record 3: bad', record: 3 }]);
    assert.equal(l.openRequests, 0);
    assert.equal(l.decoded(entry, { messages: 1, records: 1 }), false, 'a late decode result is not admitted');
    assert.equal(l.inFlightMessages, 0);
    assert.equal(answers.length, 1);
  });

  it('failAll answers every open request once and keeps admitted messages counted', () => {
    const l = ledger();
    const decoding = open(l, 'decoding');
    const producing = open(l, 'producing');
    l.decoded(producing.entry, { messages: 2, records: 2 });
    assert.equal(l.failAll('draining', 'draining'), 2);
    assert.equal((decoding.answers[0] as { code: string }).code, 'draining');
    assert.equal((producing.answers[0] as { code: string }).code, 'draining');
    assert.equal(l.openRequests, 1, 'the producing entry waits for its messages');
    assert.equal(l.inFlightMessages, 2);
    l.skipped(producing.entry);
    l.skipped(producing.entry);
    assert.equal(decoding.answers.length + producing.answers.length, 2);
  });
});

describe('ledger: request deadline', () => {
  it('answers 504 request_timeout when a producing request is not settled in time', async () => {
    const l = ledger(100, 20);
    const { entry, answers } = open(l);
    l.decoded(entry, { messages: 2, records: 2 });
    l.delivered(entry, null, 1);
    await delay(80);
    assert.equal(answers.length, 1);
    const answer = refusalOf(answers[0]);
    assert.equal(answer.status, 504);
    assert.equal(answer.code, 'request_timeout');
    assert.equal(answer.retriable, true);
    assert.match(answer.message, /20 ms/);
    assert.equal(l.inFlightMessages, 1, 'the unsettled message stays counted');
    l.delivered(entry, null, 1);
    assert.equal(answers.length, 1, 'a late delivery answers nothing more');
    assert.equal(l.openRequests, 0);
  });

  it('answers 504 when decoding takes too long; the late decode result is not admitted', async () => {
    const l = ledger(100, 20);
    const { entry, answers } = open(l);
    await delay(80);
    assert.deepEqual(answers.map(statusOfAnswer), [504]);
    assert.equal(l.openRequests, 0);
    assert.equal(l.decoded(entry, { messages: 5, records: 5 }), false);
    assert.equal(l.inFlightMessages, 0);
    assert.equal(l.counters.accepted, 0);
    assert.equal(answers.length, 1);
  });

  it('a request answered before its deadline gets no 504 later', async () => {
    const l = ledger(100, 20);
    const { entry, answers } = open(l);
    l.decoded(entry, { messages: 1, records: 1 });
    l.delivered(entry, null, 1);
    await delay(80);
    assert.deepEqual(answers, [{ ok: true, accepted: 1 }]);
  });
});

describe('ledger: hooks and partial success', () => {
  it('onDecodeEnded runs for every worker result, admitted, refused or late, and not for other failures', () => {
    const l = ledger();
    let wakes = 0;
    l.onDecodeEnded(() => wakes++);
    const a = open(l, 'a');
    l.decoded(a.entry, { messages: 1, records: 1 });
    assert.equal(wakes, 1);
    const b = open(l, 'b');
    l.reject(b.entry, { code: 'invalid_json', message: 'x' });
    assert.equal(wakes, 2);
    const c = open(l, 'c');
    l.fail(c.entry, 'request_timeout', 'slow');
    assert.equal(wakes, 2, 'a timeout is not a worker result');
    l.decoded(c.entry, { messages: 1, records: 1 });
    assert.equal(wakes, 3, 'the late result still wakes the pump: its records are in the ring, to be skipped');
    l.delivered(a.entry, null, 1);
  });

  it('carries OTLP partial success from the worker\'s result to the 200 answer', () => {
    const l = ledger();
    const { entry, answers } = open(l);
    l.decoded(entry, { messages: 1, records: 4, partial: { rejected: 1, message: 'bad span id' } });
    l.delivered(entry, null, 1);
    assert.deepEqual(answers, [{ ok: true, accepted: 4, partial: { rejected: 1, message: 'bad span id' } }]);
  });

  it('a delivery failure answers with the classifier\'s code for the first failure', () => {
    const l = ledger();
    const { entry, answers } = open(l);
    l.decoded(entry, { messages: 2, records: 2 });
    l.delivered(entry, { code: 'record_too_large', message: 'Broker: Message size too large' }, 1);
    l.delivered(entry, { code: 'delivery_failed', message: 'Local: Message timed out' }, 1);
    assert.equal(refusalOf(answers[0]).code, 'record_too_large');
    assert.match(refusalOf(answers[0]).message, /Message size too large/);
  });
});
