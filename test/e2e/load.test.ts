// The seed's load test: 20 concurrent clients × 50 requests × 100 metrics.
// The seed's server acknowledged 97.9 %; every request here must get 200 and
// every record must be in Kafka exactly once with its labels intact.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { TopicReader } from '../support/consumer';
import { Daemon, metricBatch } from '../support/daemon';
import { MockKafka } from '../support/mock-kafka';

const CLIENTS = 20;
const REQUESTS = 50;
const METRICS = 100;

describe('load: 20 clients × 50 requests × 100 metrics', () => {
  let kafka: MockKafka;
  let daemon: Daemon;

  before(async () => {
    // 16 partitions keep each under the mock cluster's ~5 MB retention; the
    // reader also consumes while the load runs.
    kafka = await MockKafka.start({ topics: { load: 16 } });
    daemon = await Daemon.start({ METRICSTREAM_BROKERS: kafka.bootstrap, METRICSTREAM_KAFKA_TOPICS_METRICS: 'load' });
  });

  after(async () => {
    assert.equal((await daemon.stop()).code, 0);
    await kafka.stop();
  });

  it('acknowledges every request and writes every record exactly once', async () => {
    const reader = await TopicReader.open(kafka.bootstrap, 'load');
    const statuses = new Map<number, number>();
    const latenciesMs: number[] = [];
    const started = performance.now();
    try {
      await Promise.all(Array.from({ length: CLIENTS }, async (_, client) => {
        for (let r = 0; r < REQUESTS; r++) {
          const { body } = metricBatch(METRICS, `c${client}r${r}`);
          const t0 = performance.now();
          const res = await fetch(`${daemon.ingestUrl}/metrics`, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
          const reply = (await res.json()) as { accepted?: number };
          latenciesMs.push(performance.now() - t0);
          statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
          if (res.status === 200) assert.equal(reply.accepted, METRICS);
        }
      }));
      const seconds = (performance.now() - started) / 1000;
      assert.deepEqual([...statuses], [[200, CLIENTS * REQUESTS]]);

      const expected = CLIENTS * REQUESTS * METRICS;
      const records = await reader.waitFor(expected, 60_000);
      await reader.settle(1_000);
      const seen = new Map<string, number>();
      for (const record of reader.records) {
        const value = JSON.parse(record.value) as { name: string; labels: Record<string, string> };
        const id = `${value.labels['batch']}/${value.labels['host']}`;
        seen.set(id, (seen.get(id) ?? 0) + 1);
        assert.equal(value.labels['zone'], 'z-é');
        assert.match(value.name, new RegExp(`^m_${value.labels['batch']}_\\d$`));
      }
      const duplicates = [...seen.values()].filter((n) => n > 1).length;
      assert.equal(records.length, expected, `records in Kafka: ${records.length} of ${expected}`);
      assert.equal(seen.size, expected, 'missing records');
      assert.equal(duplicates, 0, 'duplicated records');

      latenciesMs.sort((a, b) => a - b);
      const pct = (p: number): string => latenciesMs[Math.min(latenciesMs.length - 1, Math.floor(p * latenciesMs.length))]!.toFixed(1);
      process.stdout.write(`# load: ${CLIENTS * REQUESTS} requests in ${seconds.toFixed(2)} s = ${(CLIENTS * REQUESTS / seconds).toFixed(0)} req/s, ` +
        `${(expected / seconds).toFixed(0)} records/s; latency p50 ${pct(0.5)} ms, p99 ${pct(0.99)} ms\n`);
    } finally {
      await reader.close();
    }
  });
});
