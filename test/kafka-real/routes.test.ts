// Every ingest route end to end against a real Apache Kafka broker (KRaft, one
// node, auto-creation off), in both message modes: the records read back with
// a real consumer have the keys, partitions and headers docs/kafka.md documents.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { compressSync } from 'snappy';
import { WriteRequest } from '../../src/protocols/remote-write/decode';
import { partitionOf } from '../../src/decode/murmur2';
import { seriesKey } from '../../src/decode/series-key';
import { TopicReader, type ConsumedRecord } from '../support/consumer';
import { Daemon, metricBatch, post } from '../support/daemon';
import { KafkaCluster } from '../support/kafka/cluster';

const PARTITIONS = 4;
const MODES = ['per-record', 'ndjson-batch'] as const;
type Mode = (typeof MODES)[number];

const attr = (key: string, value: string): { key: string; value: { stringValue: string } } => ({ key, value: { stringValue: value } });
const NOW_NS = '1762045907000000000';

const OTLP = {
  metrics: {
    resourceMetrics: [{
      resource: { attributes: [attr('service.name', 'checkout')] },
      scopeMetrics: [{ scope: { name: 'meter', version: '1' }, metrics: [
        { name: 'otel_queue_depth', gauge: { dataPoints: [
          { timeUnixNano: NOW_NS, asDouble: 1.5, attributes: [attr('queue', 'a')] },
          { timeUnixNano: NOW_NS, asInt: '7', attributes: [attr('queue', 'b')] },
          { timeUnixNano: NOW_NS, asDouble: 2.5, attributes: [attr('queue', 'c')] },
        ] } },
      ] }],
    }],
  },
  logs: {
    resourceLogs: [{
      resource: { attributes: [attr('service.name', 'checkout')] },
      scopeLogs: [{ scope: { name: 'logger' }, logRecords: [
        { timeUnixNano: NOW_NS, severityText: 'INFO', body: { stringValue: 'paid' }, attributes: [attr('host', 'otel-h1')] },
        { timeUnixNano: NOW_NS, severityText: 'WARN', body: { stringValue: 'slow' }, attributes: [attr('host', 'otel-h2')] },
      ] }],
    }],
  },
  traces: {
    resourceSpans: [{
      resource: { attributes: [attr('service.name', 'checkout')] },
      scopeSpans: [{ scope: { name: 'tracer' }, spans: [
        { traceId: '0102030405060708090a0b0c0d0e0f10', spanId: '0102030405060708', name: 'pay', kind: 2, startTimeUnixNano: NOW_NS, endTimeUnixNano: '1762045907005000000' },
        { traceId: 'f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff', spanId: '1112131415161718', name: 'ship', kind: 3, startTimeUnixNano: NOW_NS, endTimeUnixNano: '1762045907009000000' },
      ] }],
    }],
  },
};

function remoteWriteBody(): Buffer {
  const timeseries = Array.from({ length: 5 }, (_, i) => ({
    labels: [{ name: '__name__', value: 'http_requests_total' }, { name: 'instance', value: `web-${i}:9100` }, { name: 'job', value: 'web' }],
    samples: [{ value: i, timestamp: 1_762_045_907_000 }],
  }));
  return compressSync(Buffer.from(WriteRequest.encode(WriteRequest.fromObject({ timeseries })).finish()));
}

const LOGS_NDJSON = ['{"msg":"disk full","host":"h1"}', '{"msg":"recovered","host":"h2"}', '{"msg":"again","host":"h1"}'].join('\n') + '\n';

/** The key per record (docs/kafka.md): series for metrics, kafka.logKeyField (host) for logs, trace id for spans. */
function expectedKey(topic: 'metrics' | 'logs' | 'traces', value: Record<string, unknown>): string {
  if (topic === 'metrics') return seriesKey(value['name'] as string, value['labels'] as Record<string, string>);
  if (topic === 'traces') return value['trace_id'] as string;
  return (value['host'] as string | undefined) ?? ((value['attributes'] as Record<string, string>)['host']!);
}

/** One row per record (ndjson-batch messages split into their lines), with the id the headers give it:
 * <request id>/<index>, or in ndjson-batch mode <request id>/<first index>+<count> per message (a
 * partition's records are not consecutive in the request), so lines get <request id>/<first>+<line>. */
function rows(records: readonly ConsumedRecord[], mode: Mode): Array<{ id: string; partition: number; key: string | null; value: Record<string, unknown> }> {
  return records.flatMap((r) => {
    const header = r.headers['metricstream-id']!;
    const slash = header.lastIndexOf('/');
    const requestId = header.slice(0, slash);
    if (mode === 'per-record') return [{ id: header, partition: r.partition, key: r.key, value: JSON.parse(r.value) as Record<string, unknown> }];
    assert.equal(r.key, null, 'ndjson-batch messages have no key');
    const [first, count] = header.slice(slash + 1).split('+').map(Number) as [number, number];
    const lines = r.value.trimEnd().split('\n');
    assert.equal(lines.length, count, `header ${header} counts the message's lines`);
    return lines.map((line, i) => ({ id: `${requestId}/${first}+${i}`, partition: r.partition, key: null, value: JSON.parse(line) as Record<string, unknown> }));
  });
}

describe('real Kafka: every route, both message modes', () => {
  let kafka: KafkaCluster;
  const daemons = new Map<Mode, Daemon>();

  before(async () => {
    kafka = await KafkaCluster.start({ nodes: 1 });
    for (const mode of MODES) {
      for (const signal of ['metrics', 'logs', 'traces']) await kafka.createTopic(`${mode}-${signal}`, PARTITIONS, 1);
      daemons.set(mode, await Daemon.start({
        METRICSTREAM_BROKERS: kafka.bootstrap,
        METRICSTREAM_KAFKA_MESSAGE_MODE: mode,
        METRICSTREAM_KAFKA_TOPICS_METRICS: `${mode}-metrics`,
        METRICSTREAM_KAFKA_TOPICS_LOGS: `${mode}-logs`,
        METRICSTREAM_KAFKA_TOPICS_TRACES: `${mode}-traces`,
        METRICSTREAM_KAFKA_LOG_KEY_FIELD: 'host',
        METRICSTREAM_WORKERS: '1',
      }));
    }
  });

  after(async () => {
    for (const daemon of daemons.values()) assert.equal((await daemon.stop()).code, 0);
    await kafka?.stop();
  });

  for (const mode of MODES) {
    it(`${mode}: native metrics, NDJSON logs, OTLP metrics/logs/traces and remote_write arrive keyed, partitioned and identified as documented`, async () => {
      const daemon = daemons.get(mode)!;
      const json = { 'content-type': 'application/json' };
      const sent: Array<{ route: string; status: number; requestId: string; records: number; topic: 'metrics' | 'logs' | 'traces' }> = [];
      const send = async (route: string, body: string | Uint8Array, headers: Record<string, string>, records: number, topic: 'metrics' | 'logs' | 'traces'): Promise<void> => {
        const reply = await post(`${daemon.ingestUrl}${route}`, body, headers);
        sent.push({ route, status: reply.status, requestId: reply.headers.get('x-request-id')!, records, topic });
      };
      await send('/metrics', metricBatch(20, mode).body, json, 20, 'metrics');
      await send('/logs', LOGS_NDJSON, { 'content-type': 'application/x-ndjson' }, 3, 'logs');
      await send('/v1/metrics', JSON.stringify(OTLP.metrics), json, 3, 'metrics');
      await send('/v1/logs', JSON.stringify(OTLP.logs), json, 2, 'logs');
      await send('/v1/traces', JSON.stringify(OTLP.traces), json, 2, 'traces');
      await send('/api/v1/write', remoteWriteBody(), { 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy' }, 5, 'metrics');
      assert.deepEqual(sent.map((s) => [s.route, s.status]), [
        ['/metrics', 200], ['/logs', 200], ['/v1/metrics', 200], ['/v1/logs', 200], ['/v1/traces', 200], ['/api/v1/write', 204],
      ]);

      for (const topic of ['metrics', 'logs', 'traces'] as const) {
        const expected = sent.filter((s) => s.topic === topic);
        const total = expected.reduce((n, s) => n + s.records, 0);
        const reader = await TopicReader.open(kafka.bootstrap, `${mode}-${topic}`);
        try {
          let read = rows(await reader.waitFor(1), mode);
          const deadline = Date.now() + 20_000;
          while (read.length < total && Date.now() < deadline) {
            await new Promise((r) => setTimeout(r, 100));
            read = rows(reader.records, mode);
          }
          read = rows(await reader.settle(500), mode);
          const perRequest = (id: string): string => id.slice(0, id.lastIndexOf('/'));
          assert.equal(new Set(read.map((r) => r.id)).size, read.length, `${topic}: no record twice`);
          assert.deepEqual(expected.map((s) => read.filter((r) => perRequest(r.id) === s.requestId).length), expected.map((s) => s.records),
            `${topic}: every request's records, each identified by its request`);
          if (mode === 'per-record') {
            const wanted = expected.flatMap((s) => Array.from({ length: s.records }, (_, i) => `${s.requestId}/${i}`)).sort();
            assert.deepEqual(read.map((r) => r.id).sort(), wanted, `${topic}: identified <request id>/<index>`);
          }
          for (const row of read) {
            const key = expectedKey(topic, row.value);
            if (mode === 'per-record') assert.equal(row.key, key, `${topic} record ${row.id} key`);
            // Both modes: the partition murmur2_random gives the key (Java client's partitioner).
            assert.equal(row.partition, partitionOf(Buffer.from(key), PARTITIONS), `${topic} record ${row.id} (key ${key}) partition`);
          }
          if (topic === 'metrics') {
            const native = read.find((r) => perRequest(r.id) === expected[0]!.requestId && (r.value['labels'] as Record<string, string>)['host'] === 'h3')!.value;
            assert.deepEqual(native, { name: `m_${mode}_3`, value: 3.5, type: 'gauge', timestamp: 1_762_045_907_003, labels: { host: 'h3', batch: mode, zone: 'z-é' } });
          }
        } finally {
          await reader.close();
        }
      }
    });
  }
});
