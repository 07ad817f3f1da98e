// The ring pump (src/produce/ring-pump.ts) with a fake producer: woken by the
// ledger when a worker's result is in, it produces each record of an admitted
// request with its metricstream-id header and ticket, waits for a request
// still being decoded, skips the records of an answered one, and turns a
// send() exception into the request's answer through the classifier.
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { setImmediate as turn } from 'node:timers/promises';
import { CODES } from 'node-rdkafka';
import type { MessageProducer } from '../../src/produce/sender';
import { RingPump } from '../../src/produce/ring-pump';
import { TopicTable } from '../../src/config/topics';
import { Signal } from '../../src/signals';
import { createRingSet } from '../../src/ring/layout';
import type { RecordBytes } from '../../src/ring/reader';
import { RingWriter } from '../../src/ring/writer';
import { Ledger, settleDelivery, ticketOf, type Answer } from '../../src/settle/ledger';
import { captureLog } from '../support/log-capture';

interface Produced { topic: string; partition: number | null; value: string; key: string | null; id: string; records: number; ticket: number }

class FakeProducer implements MessageProducer {
  readonly produced: Produced[] = [];
  failWith: number | undefined;
  send(topic: string, partition: number | null, record: RecordBytes, id: string, records: number, ticket: number): void {
    if (this.failWith !== undefined) throw Object.assign(new Error('Local: Queue full'), { code: this.failWith });
    // Copies, as librdkafka and the spool journal do: the bytes are the ring's.
    const { data, valueAt, valueBytes, keyAt, keyBytes } = record;
    const key = keyBytes < 0 ? null : data.toString('utf8', keyAt, keyAt + keyBytes);
    this.produced.push({ topic, partition, value: data.toString('utf8', valueAt, valueAt + valueBytes), key, id, records, ticket });
  }
}

const TOPICS = new TopicTable({ metrics: 'm-topic', logs: 'l-topic', traces: 't-topic' }, {});
const ledgers: Ledger[] = [];
afterEach(() => {
  for (const l of ledgers.splice(0)) l.failAll('draining', 'test over');
});

function setup(): { ledger: Ledger; producer: FakeProducer; pump: RingPump; ring: SharedArrayBuffer } {
  const ringSet = createRingSet(2, 64 * 1024);
  const ledger = new Ledger({ maxInFlightMessages: 100, requestTimeoutMs: 60_000 });
  ledgers.push(ledger);
  const producer = new FakeProducer();
  const pump = new RingPump(ringSet, ledger, producer, TOPICS, captureLog().log);
  return { ledger, producer, pump, ring: ringSet.rings[0]! };
}

function write(ring: SharedArrayBuffer, seq: number, records: Array<[Signal, string | null, string]>, partition?: number, count?: number): void {
  const writer = new RingWriter(ring, seq);
  records.forEach(([signal, key, value], i) => assert.ok(writer.append(signal, i, key, value, partition, count)));
  writer.commit();
}

describe('produce: ring pump', () => {
  it('produces an admitted request\'s records once the ledger has its result, then the deliveries answer 200', async () => {
    const { ledger, producer, ring } = setup();
    const answers: Answer[] = [];
    const entry = ledger.open('req-1', (a) => answers.push(a));
    write(ring, entry.seq, [[Signal.Metrics, 'cpu{}', '{"v":1}'], [Signal.Logs, null, '{"msg":"x"}']]);
    await turn();
    assert.equal(producer.produced.length, 0, 'not woken before the result is in');
    ledger.decoded(entry, { messages: 2, records: 2 });
    await turn();
    assert.deepEqual(producer.produced.map((p) => [p.topic, p.partition, p.key, p.value, p.id, p.records, p.ticket]), [
      ['m-topic', null, 'cpu{}', '{"v":1}', 'req-1/0', 1, ticketOf(entry, 1)],
      ['l-topic', null, null, '{"msg":"x"}', 'req-1/1', 1, ticketOf(entry, 1)],
    ]);
    settleDelivery(ledger, producer.produced[0]!.ticket, null);
    assert.deepEqual(answers, [], 'one of two messages delivered');
    settleDelivery(ledger, producer.produced[1]!.ticket, null);
    assert.deepEqual(answers, [{ ok: true, accepted: 2 }]);
  });

  it('tells its onProduced listeners after a slice that produced records, and not after one that produced none', async () => {
    const { ledger, pump, ring } = setup();
    let calls = 0;
    pump.onProduced(() => calls++);
    const entry = ledger.open('told', () => undefined);
    write(ring, entry.seq, [[Signal.Metrics, 'k', '{}']]);
    pump.schedule();
    await turn();
    assert.equal(calls, 0, 'the request is still being decoded: nothing produced');
    ledger.decoded(entry, { messages: 1, records: 1 });
    await turn();
    assert.equal(calls, 1);
  });

  it('a batch message carries its partition, its record count in its ticket and "<id>/<first>+<count>"', async () => {
    const { ledger, producer, ring } = setup();
    const answers: Answer[] = [];
    const entry = ledger.open('b', (a) => answers.push(a));
    write(ring, entry.seq, [[Signal.Metrics, null, '{"a":1}\n{"a":2}\n{"a":3}\n']], 5, 3);
    ledger.decoded(entry, { messages: 1, records: 3 });
    await turn();
    const [p] = producer.produced;
    assert.equal(p?.partition, 5);
    assert.equal(p?.id, 'b/0+3');
    assert.equal(p.records, 3);
    assert.equal(p.ticket, ticketOf(entry, 3));
    assert.equal(settleDelivery(ledger, p.ticket, null), true);
    assert.deepEqual(answers, [{ ok: true, accepted: 3 }]);
  });

  it('skips the records of a request answered before they were produced, settling them', async () => {
    const { ledger, producer, pump, ring } = setup();
    const answers: Answer[] = [];
    const entry = ledger.open('late', (a) => answers.push(a));
    write(ring, entry.seq, [[Signal.Metrics, 'k', '{}']]);
    ledger.reject(entry, { code: 'invalid_record', message: 'record 0: bad', record: 0 });
    await turn();
    assert.equal(producer.produced.length, 0);
    assert.equal(pump.skippedRecords, 1);
    assert.equal(ledger.openRequests, 0);
    assert.equal(answers.length, 1);
  });

  it('a produce() exception answers the request with the classified code; its records are settled as skipped', async () => {
    const { ledger, producer, ring } = setup();
    producer.failWith = (CODES.ERRORS as Record<string, number>)['ERR__QUEUE_FULL'];
    const answers: Answer[] = [];
    const entry = ledger.open('full', (a) => answers.push(a));
    write(ring, entry.seq, [[Signal.Metrics, 'k', '{}'], [Signal.Metrics, 'k', '{}']]);
    ledger.decoded(entry, { messages: 2, records: 2 });
    await turn();
    assert.equal(answers.length, 1);
    assert.equal((answers[0] as { code: string }).code, 'producer_queue_full');
    assert.equal(ledger.inFlightMessages, 0, 'both messages settled');
  });
});
