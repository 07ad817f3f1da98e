// kafka.messageMode = ndjson-batch: one NDJSON message per request and target
// partition, each series in the very partition per-record mode (librdkafka's
// murmur2_random partitioner) puts it, in order.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { TopicReader, recordId } from '../support/consumer';
import { Daemon, post } from '../support/daemon';
import { MockKafka } from '../support/mock-kafka';

interface Point { name: string; value: number; timestamp: number; labels: Record<string, string> }

function seriesKey(p: Point): string {
  return `${p.name}{${Object.keys(p.labels).sort().map((k) => `${k}=${JSON.stringify(p.labels[k])}`).join(',')}}`;
}

describe('ndjson-batch message mode', () => {
  let kafka: MockKafka;
  let batched: Daemon;
  let perRecord: Daemon;

  before(async () => {
    kafka = await MockKafka.start({ topics: { batched: 8, perrecord: 8 } });
    batched = await Daemon.start({ METRICSTREAM_BROKERS: kafka.bootstrap, METRICSTREAM_KAFKA_TOPICS_METRICS: 'batched', METRICSTREAM_KAFKA_MESSAGE_MODE: 'ndjson-batch' });
    perRecord = await Daemon.start({ METRICSTREAM_BROKERS: kafka.bootstrap, METRICSTREAM_KAFKA_TOPICS_METRICS: 'perrecord' });
  });

  after(async () => {
    assert.equal((await batched.stop()).code, 0);
    assert.equal((await perRecord.stop()).code, 0);
    await kafka.stop();
  });

  it('groups by the per-record partition and keeps each series in order', async () => {
    // 50 series × 4 points, interleaved.
    const points: Point[] = [];
    for (let t = 0; t < 4; t++) {
      for (let s = 0; s < 50; s++) points.push({ name: `series_${s % 7}`, value: t, timestamp: 1000 + t, labels: { host: `h${s}`, dc: 'eu' } });
    }
    const body = JSON.stringify({ metrics: points });
    const a = await post(`${batched.ingestUrl}/metrics`, body);
    const b = await post(`${perRecord.ingestUrl}/metrics`, body);
    assert.deepEqual(a.body, { accepted: 200 });
    assert.deepEqual(b.body, { accepted: 200 });

    const perRecordReader = await TopicReader.open(kafka.bootstrap, 'perrecord');
    const batchedReader = await TopicReader.open(kafka.bootstrap, 'batched');
    try {
      const singles = await perRecordReader.waitFor(200);
      const partitionOfSeries = new Map(singles.map((r) => [r.key!, r.partition]));
      assert.equal(partitionOfSeries.size, 50);

      const messages = await batchedReader.waitFor(new Set(partitionOfSeries.values()).size);
      const lines: Array<{ point: Point; partition: number }> = [];
      for (const m of messages) {
        assert.equal(m.key, null);
        assert.equal(recordId(m).requestId, a.headers.get('x-request-id')!.toString());
        assert.ok(m.value.endsWith('\n'));
        for (const line of m.value.trimEnd().split('\n')) lines.push({ point: JSON.parse(line) as Point, partition: m.partition });
      }
      assert.equal(messages.length, new Set(partitionOfSeries.values()).size, 'one message per partition');
      assert.equal(lines.length, 200);
      const lastTimestamp = new Map<string, number>();
      for (const { point, partition } of lines) {
        const key = seriesKey(point);
        assert.equal(partition, partitionOfSeries.get(key), `series ${key}`);
        assert.ok(point.timestamp > (lastTimestamp.get(key) ?? 0), `series ${key} out of order`);
        lastTimestamp.set(key, point.timestamp);
      }
    } finally {
      await perRecordReader.close();
      await batchedReader.close();
    }
  });
});
