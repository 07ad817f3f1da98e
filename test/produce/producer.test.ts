// KafkaProducer.send() against librdkafka's mock cluster, both ways a message
// can go: through metricstream's patched node-rdkafka (produceWithId, and
// successful deliveries taken by id) and through node-rdkafka's own produce()
// and delivery reports (what bench/delivery-reports.ts compares with; the
// spool replay's produce() is the same call). Each message must arrive once
// with its key, partition and metricstream-id header, and each ticket must
// come back once: delivered, or failed with the error when no broker takes it.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { KafkaProducer, type LibrdKafkaError } from '../../src/produce/producer';
import { TopicReader } from '../support/consumer';
import { MockKafka } from '../support/mock-kafka';
import { recordBytes } from '../support/record-bytes';

const PARTITIONS = 4;
const BROKERS = [1, 2, 3];

interface Report { error: LibrdKafkaError | null; ticket: unknown }

function start(bootstrap: string, useDeliveredIds: boolean, messageTimeoutMs = 10_000): { producer: KafkaProducer; reports: Report[] } {
  const reports: Report[] = [];
  const producer = new KafkaProducer({
    'bootstrap.servers': bootstrap, acks: 'all', 'enable.idempotence': true, 'linger.ms': 1,
    'message.timeout.ms': messageTimeoutMs, 'partitioner': 'murmur2_random',
  }, (error, ticket) => reports.push({ error, ticket }), useDeliveredIds);
  return { producer, reports };
}

async function until(check: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

for (const useDeliveredIds of [true, false]) {
  const way = useDeliveredIds ? 'patched node-rdkafka (delivered ids)' : 'stock node-rdkafka produce() and delivery reports';
  describe(`produce: KafkaProducer.send through ${way}`, () => {
    let kafka: MockKafka;
    before(async () => {
      kafka = await MockKafka.start({ topics: { sent: PARTITIONS, lost: PARTITIONS, headers: PARTITIONS } });
    });
    after(() => kafka.stop());

    it('sends a record\'s extra headers after metricstream-id, and none when the record has none', async () => {
      const { producer, reports } = start(kafka.bootstrap, useDeliveredIds);
      await producer.connect(10_000);
      producer.startPolling(1);
      const reader = await TopicReader.open(kafka.bootstrap, 'headers');
      try {
        producer.send('headers', null, recordBytes('{"with":1}', 'k', [['tenant', 'acme'], ['zone', 'zürich']]), 'req-h/0', 1, 1);
        producer.send('headers', 0, recordBytes('{"with":0}', null), 'req-h/1', 1, 2);
        await until(() => reports.length >= 2, '2 delivery reports');
        assert.deepEqual(reports.filter((r) => r.error !== null), []);
        const records = await reader.waitFor(2);
        const byValue = new Map(records.map((r) => [r.value, r]));
        const withHeaders = byValue.get('{"with":1}')!;
        assert.deepEqual(withHeaders.headers, { 'metricstream-id': 'req-h/0', tenant: 'acme', zone: 'zürich' });
        assert.deepEqual(Object.keys(withHeaders.headers), ['metricstream-id', 'tenant', 'zone'], 'metricstream-id first');
        assert.equal(withHeaders.key, 'k');
        assert.deepEqual(byValue.get('{"with":0}')!.headers, { 'metricstream-id': 'req-h/1' });
      } finally {
        await reader.close();
        await producer.disconnect(2_000);
      }
    });

    it('delivers every message once, with its key, partition and header, and hands back each ticket once', async () => {
      const { producer, reports } = start(kafka.bootstrap, useDeliveredIds);
      await producer.connect(10_000);
      producer.startPolling(1);
      const reader = await TopicReader.open(kafka.bootstrap, 'sent');
      const n = 3_000;
      const tickets: number[] = [];
      try {
        for (let i = 0; i < n; i++) {
          // Tickets as the ledger makes them: records × 2^31 + seq, up to 2^52.
          const ticket = (i % 3 === 0 ? 2_097_151 : 1) * 2 ** 31 + i + 1;
          tickets.push(ticket);
          const explicit = i % 5 === 0;
          producer.send('sent', explicit ? i % PARTITIONS : null, recordBytes(`{"i":${i}}`, explicit ? null : `series-${i % 17}`),
            `req-${i >> 4}/${i & 15}`, 1, ticket);
        }
        await until(() => reports.length >= n, `${n} delivery reports`);
        assert.deepEqual(reports.filter((r) => r.error !== null), []);
        assert.deepEqual(reports.map((r) => r.ticket).sort((a, b) => Number(a) - Number(b)), [...tickets].sort((a, b) => a - b));
        const records = await reader.waitFor(n);
        assert.equal(records.length, n);
        const byValue = new Map(records.map((r) => [r.value, r]));
        for (let i = 0; i < n; i++) {
          const record = byValue.get(`{"i":${i}}`);
          assert.ok(record, `message ${i} arrived`);
          assert.deepEqual(record.headers, { 'metricstream-id': `req-${i >> 4}/${i & 15}` });
          if (i % 5 === 0) {
            assert.equal(record.partition, i % PARTITIONS);
            assert.equal(record.key, null);
          } else {
            assert.equal(record.key, `series-${i % 17}`);
          }
        }
        // The same key always lands on the same partition.
        const partitionOfKey = new Map<string, number>();
        for (const r of records.filter((x) => x.key !== null)) {
          assert.equal(partitionOfKey.get(r.key!) ?? r.partition, r.partition, `key ${r.key}`);
          partitionOfKey.set(r.key!, r.partition);
        }
      } finally {
        await reader.close();
        await producer.disconnect(5_000);
      }
    });

    it('a message no broker takes comes back failed, with its ticket', async () => {
      const { producer, reports } = start(kafka.bootstrap, useDeliveredIds, 1_500);
      await producer.connect(10_000);
      producer.startPolling(1);
      try {
        for (const id of BROKERS) await kafka.command(`down ${id}`);
        for (let i = 0; i < 50; i++) producer.send('lost', null, recordBytes('{}', `k${i}`), `lost/${i}`, 1, 7_000 + i);
        await until(() => reports.length >= 50, '50 failed delivery reports');
        assert.equal(reports.length, 50);
        assert.ok(reports.every((r) => r.error !== null), 'every report is a failure');
        assert.deepEqual(reports.map((r) => r.ticket).sort(), Array.from({ length: 50 }, (_, i) => 7_000 + i).sort());
      } finally {
        for (const id of BROKERS) await kafka.command(`up ${id}`);
        await producer.disconnect(5_000);
      }
    });
  });
}
