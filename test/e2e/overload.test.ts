// Overload with bounded memory: far more load than a slow broker can take.
// Memory stays under the ceiling the configuration implies (logged at start),
// excess requests get 503 + Retry-After, and service is normal afterwards.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { TopicReader } from '../support/consumer';
import { Daemon } from '../support/daemon';
import { auditWhenRead, runLoad } from '../support/load';
import { MockKafka } from '../support/mock-kafka';

function rssBytes(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const match = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(match?.[1] ?? 0) * 1024;
}

describe('overload', () => {
  let kafka: MockKafka;
  let daemon: Daemon;

  before(async () => {
    kafka = await MockKafka.start({ topics: { overload: 16 } });
    daemon = await Daemon.start({
      METRICSTREAM_BROKERS: kafka.bootstrap,
      METRICSTREAM_KAFKA_TOPICS_METRICS: 'overload',
      METRICSTREAM_WORKERS: '2',
      METRICSTREAM_INGEST_MAX_BUFFERED_BODY_BYTES: String(16 * 1024 * 1024),
      METRICSTREAM_POOL_RING_BYTES: String(4 * 1024 * 1024),
      METRICSTREAM_POOL_MAX_QUEUE: '8',
      METRICSTREAM_POOL_WORKER_MAX_HEAP_MB: '64',
      METRICSTREAM_KAFKA_MAX_IN_FLIGHT_MESSAGES: '20000',
      METRICSTREAM_KAFKA_PRODUCER__queue_buffering_max_kbytes: '16384',
    });
  });

  after(async () => {
    assert.equal((await daemon.stop()).code, 0);
    await kafka.stop();
  });

  it('keeps memory under the configured ceiling, sheds load with 503 + Retry-After, recovers', async () => {
    const ceiling = Number(daemon.ready['memoryCeilingMiB']) * 2 ** 20;
    assert.ok(ceiling > 0);
    const reader = await TopicReader.open(kafka.bootstrap, 'overload');
    try {
      // Every broker answers 400 ms late: a fraction of what 48 clients send fits.
      for (const id of [1, 2, 3]) await kafka.command(`rtt ${id} 400`);
      let stop = false;
      let peak = 0;
      const sampler = setInterval(() => {
        peak = Math.max(peak, rssBytes(daemon.child.pid!, 'VmRSS'));
      }, 50);
      const retryAfter = new Set<string | null>();
      const overloadLoad = runLoad({
        url: `${daemon.ingestUrl}/metrics`, clients: 48, metricsPerRequest: 1000, maxRequestsPerClient: 1_000_000,
        stop: () => stop, onReply: (status, headers) => {
          if (status === 503) retryAfter.add(headers.get('retry-after'));
        },
      });
      await new Promise((r) => setTimeout(r, 8_000));
      stop = true;
      const overload = await overloadLoad;
      clearInterval(sampler);
      // The kernel syncs VmHWM lazily, so a sampled VmRSS can briefly exceed it:
      // the peak is the larger of the two.
      const hwm = Math.max(peak, rssBytes(daemon.child.pid!, 'VmHWM'));
      for (const id of [1, 2, 3]) await kafka.command(`rtt ${id} 0`);

      const statuses = Object.fromEntries(overload.statuses);
      process.stdout.write(`# overload: ${JSON.stringify({ statuses, peakRssMiB: Math.round(hwm / 2 ** 20), ceilingMiB: Math.round(ceiling / 2 ** 20) })}\n`);
      assert.equal(statuses['500'], undefined, JSON.stringify(daemon.logs.filter((l) => l.level >= 50).slice(0, 3)));
      assert.ok((statuses['503'] ?? 0) > 0, 'excess requests were refused');
      assert.deepEqual([...retryAfter], ['1']);
      assert.equal(statuses['connection_error'], undefined);
      assert.ok(hwm < ceiling, `peak RSS ${hwm} over ceiling ${ceiling}`);

      // Once the load drops, requests succeed again.
      const calm = await runLoad({ url: `${daemon.ingestUrl}/metrics`, clients: 4, metricsPerRequest: 100, maxRequestsPerClient: 5 });
      assert.deepEqual(Object.fromEntries(calm.statuses), { 200: 20 });

      const acknowledged = new Map([...overload.acknowledged, ...calm.acknowledged]);
      const needed = [...acknowledged.values()].reduce((a, b) => a + b, 0);
      const { missing, duplicates } = await auditWhenRead(reader, acknowledged, 60_000);
      process.stdout.write(`# overload audit: ${JSON.stringify({ acknowledgedRecords: needed, missing, duplicates })}\n`);
      assert.equal(missing, 0);
    } finally {
      await reader.close();
    }
  });
});
