// Prometheus remote_write 2.0 end to end: a real Prometheus 3.16 (built from
// the Go module by scripts/clients/build-prometheus.sh, cached) scrapes itself
// and remote-writes io.prometheus.write.v2.Request to the daemon; the samples
// are read back from Kafka, typed from the series metadata, and Prometheus'
// own counters say nothing failed (it checks the written-counts headers).
// Then the captured 2.0 requests are replayed, a partial write is answered
// 400 after the rest is in Kafka, 1.0 metadata sent alone types later samples,
// and trouble gets the statuses Prometheus retries (5xx) or drops (4xx).
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { compressSync, uncompressSync } from 'snappy';
import { TopicReader, type ConsumedRecord } from '../support/consumer';
import { ClientProcess, clientBinary, until } from '../support/client-process';
import { capturedRequests } from '../support/client-captures';
import { Daemon, post } from '../support/daemon';
import { freePort } from '../support/kafka/cluster';
import { MockKafka } from '../support/mock-kafka';
import { WriteRequest } from '../../src/protocols/remote-write/decode';
import { RequestV2, decodeRemoteWriteV2 } from '../../src/protocols/remote-write/v2';

const V2 = { 'content-type': 'application/x-protobuf;proto=io.prometheus.write.v2.Request', 'content-encoding': 'snappy', 'x-prometheus-remote-write-version': '2.0.0' };
const V1 = { 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy', 'x-prometheus-remote-write-version': '0.1.0' };
const SAMPLES_WRITTEN = 'x-prometheus-remote-write-samples-written';
const LIMITS = { maxNameLength: 256, maxLabelsPerRecord: 64, maxLabelNameLength: 128, maxLabelValueLength: 2048, maxRecordsPerRequest: 100_000 };

interface MetricValue { name: string; value: number | string; type: string; timestamp: number; start_timestamp?: number; labels: Record<string, string> }

const valueOf = (record: ConsumedRecord): MetricValue => JSON.parse(record.value) as MetricValue;

function v2Body(request: object): Buffer {
  return compressSync(Buffer.from(RequestV2.encode(RequestV2.fromObject(request)).finish()));
}

function v1Body(request: object): Buffer {
  return compressSync(Buffer.from(WriteRequest.encode(WriteRequest.fromObject(request)).finish()));
}

/** POST on a connection of its own (no keep-alive): another connection than the request before. */
function postOnNewConnection(url: string, body: Buffer, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = http.request(url, { method: 'POST', agent: false, headers: { ...headers, 'content-length': String(body.length), connection: 'close' } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode!));
    });
    request.on('error', reject);
    request.end(body);
  });
}

/** A counter of Prometheus' own /metrics, summed over its series. */
function sumOf(metrics: string, name: string): number {
  let sum = 0;
  for (const line of metrics.split('\n')) if (line.startsWith(`${name}{`) || line.startsWith(`${name} `)) sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  return sum;
}

describe('Prometheus remote_write 2.0', () => {
  let kafka: MockKafka;
  let daemon: Daemon;
  let reader: TopicReader;

  before(async () => {
    kafka = await MockKafka.start({ topics: { rw2: 4 } });
    daemon = await Daemon.start({ METRICSTREAM_BROKERS: kafka.bootstrap, METRICSTREAM_KAFKA_TOPICS_METRICS: 'rw2', METRICSTREAM_WORKERS: '2' });
    reader = await TopicReader.open(kafka.bootstrap, 'rw2');
  });

  after(async () => {
    await reader.close();
    assert.equal((await daemon.stop()).code, 0);
    await kafka.stop();
  });

  it('replays what Prometheus 3.16 sent: 204, every sample written and counted in the headers, start timestamps kept', async () => {
    const before = reader.records.length;
    let expected = 0;
    let withStart = 0;
    for (const request of capturedRequests('prometheus-3.16.0')) {
      const decoded = decodeRemoteWriteV2(uncompressSync(request.raw) as Buffer, LIMITS);
      const reply = await post(`${daemon.ingestUrl}/api/v1/write`, request.raw, V2);
      assert.equal(reply.status, 204, `${request.file}: ${JSON.stringify(reply.body)}`);
      assert.equal(reply.headers.get(SAMPLES_WRITTEN), String(decoded.points.length), request.file);
      assert.equal(reply.headers.get('x-prometheus-remote-write-histograms-written'), '0');
      expected += decoded.points.length;
      withStart += decoded.points.filter((p) => p.startTimestamp !== undefined).length;
    }
    const records = (await reader.waitFor(before + expected)).slice(before).map(valueOf);
    assert.equal(records.length, expected);
    assert.ok(withStart > 50);
    const started = records.filter((r) => r.start_timestamp !== undefined);
    assert.equal(started.length, withStart);
    assert.ok(started.every((r) => r.start_timestamp! <= r.timestamp && r.type !== 'gauge'));
    assert.ok(records.some((r) => r.name === 'prometheus_http_requests_total' && r.type === 'counter'));
  });

  it('a series refused alone: the rest is written, then 400 series_refused with what was written in the headers', async () => {
    const before = reader.records.length;
    const body = v2Body({
      symbols: ['', '__name__', 'partial_good_total', 'job', 'x', 'partial_histogram', 'trace_id', 'abc'],
      timeseries: [
        { labelsRefs: [1, 2, 3, 4], samples: [{ value: 7, timestamp: 1000, startTimestamp: 500 }], metadata: { type: 1 },
          exemplars: [{ labelsRefs: [6, 7], value: 7, timestamp: 1000 }] },
        { labelsRefs: [1, 99], samples: [{ value: 1, timestamp: 1000 }, { value: 2, timestamp: 2000 }] },
        { labelsRefs: [1, 5], histograms: [{ countInt: 1, sum: 1, schema: 0, timestamp: 1000 }], metadata: { type: 3 } },
      ],
    });
    const reply = await post(`${daemon.ingestUrl}/api/v1/write`, body, V2);
    assert.equal(reply.status, 400);
    assert.equal(reply.body['error'], 'series_refused');
    assert.match(String(reply.body['message']), /not written: 2 samples, 1 histogram, 1 exemplar; first: series 1: series labels_refs \[1, 99\] outside the 8 symbols/);
    assert.equal(reply.headers.get(SAMPLES_WRITTEN), '1');
    assert.equal(reply.headers.get('x-prometheus-remote-write-histograms-written'), '0');
    assert.equal(reply.headers.get('x-prometheus-remote-write-exemplars-written'), '0');
    const [record] = (await reader.waitFor(before + 1)).slice(before).map(valueOf);
    assert.deepEqual(record, { name: 'partial_good_total', value: 7, type: 'counter', timestamp: 1000, start_timestamp: 500, labels: { job: 'x' } });
  });

  it('an unknown proto= is 415 before the body is read; 1.0 answers 204 with the written counts', async () => {
    const unknown = await post(`${daemon.ingestUrl}/api/v1/write`, v2Body({ symbols: [''] }), { ...V2, 'content-type': 'application/x-protobuf;proto=io.prometheus.write.v3.Request' });
    assert.equal(unknown.status, 415);
    assert.equal(unknown.body['error'], 'unsupported_content_type');
    const v1 = await post(`${daemon.ingestUrl}/api/v1/write`, v1Body({ timeseries: [{ labels: [{ name: '__name__', value: 'v1_sample' }], samples: [{ value: 1, timestamp: 1 }] }] }), V1);
    assert.equal(v1.status, 204);
    assert.equal(v1.headers.get(SAMPLES_WRITTEN), '1');
  });

  it('remote_write 1.0: metadata sent alone types the samples that come later on another connection', async () => {
    const url = `${daemon.ingestUrl}/api/v1/write`;
    const metadata = v1Body({ metadata: [{ type: 1, metricFamilyName: 'system_cpu_time_seconds', help: 'cpu' }, { type: 3, metricFamilyName: 'rpc_latency_seconds' }] });
    assert.equal(await postOnNewConnection(url, metadata, V1), 204);
    const before = reader.records.length;
    const series = (name: string, value: number) => ({ labels: [{ name: '__name__', value: name }, { name: 'cpu', value: '0' }], samples: [{ value, timestamp: 2000 }] });
    // Several requests, so that both pool workers decode some.
    const samples = v1Body({ timeseries: [series('system_cpu_time_seconds_total', 12.5), series('rpc_latency_seconds_bucket', 3), series('untyped_thing', 1)] });
    const statuses = await Promise.all(Array.from({ length: 4 }, () => postOnNewConnection(url, samples, V1)));
    assert.deepEqual(statuses, [204, 204, 204, 204]);
    const names = new Set(['system_cpu_time_seconds_total', 'rpc_latency_seconds_bucket', 'untyped_thing']);
    const ours = (): MetricValue[] => reader.records.slice(before).map(valueOf).filter((r) => names.has(r.name));
    await until('the 12 samples in Kafka', () => ours().length >= 12, 30_000);
    const records = ours();
    assert.equal(records.length, 12);
    for (const record of records) {
      const expected = { system_cpu_time_seconds_total: 'counter', rpc_latency_seconds_bucket: 'histogram', untyped_thing: 'gauge' }[record.name];
      assert.equal(record.type, expected, record.name);
    }
  });

  it('too large: 413 (Prometheus drops it, retrying cannot help); fuzzed 2.0 bodies never get a 5xx', async () => {
    const url = `${daemon.ingestUrl}/api/v1/write`;
    const bomb = await post(url, compressSync(Buffer.alloc(20 * 1024 * 1024)), V2);
    assert.equal(bomb.status, 413);
    assert.equal(bomb.body['error'], 'decompressed_too_large');
    const proto = Buffer.from(RequestV2.encode(RequestV2.fromObject({
      symbols: ['', '__name__', 'fuzzed', 'k', 'v'],
      timeseries: [{ labelsRefs: [1, 2, 3, 4], samples: [{ value: 1.5, timestamp: 1000, startTimestamp: 10 }], metadata: { type: 1, helpRef: 4 } }],
    })).finish());
    const statuses = new Map<number, number>();
    await fc.assert(fc.asyncProperty(
      fc.record({ at: fc.array(fc.nat(), { minLength: 1, maxLength: 6 }), byte: fc.integer({ min: 0, max: 255 }) }),
      async ({ at, byte }) => {
        const copy = Buffer.from(proto);
        for (const i of at) copy[i % copy.length] = byte;
        const reply = await post(url, compressSync(copy), V2);
        statuses.set(reply.status, (statuses.get(reply.status) ?? 0) + 1);
        assert.ok(reply.status < 500, `${reply.status} ${JSON.stringify(reply.body)}`);
      }), { numRuns: 200, seed: 20261206 });
    process.stdout.write(`# remote_write 2.0 fuzz statuses: ${JSON.stringify(Object.fromEntries(statuses))}\n`);
    assert.equal((await fetch(`${daemon.adminUrl}/healthz`)).status, 200);
  });

  it('a real Prometheus 3.16 scraping itself: samples typed from metadata, nothing failed on its side', { timeout: 40 * 60_000 }, async () => {
    const prometheusBinary = clientBinary('build-prometheus.sh', 35 * 60_000);
    const dir = mkdtempSync(path.join(os.tmpdir(), 'ms-prom3-'));
    const webPort = await freePort();
    writeFileSync(path.join(dir, 'prometheus.yml'), [
      'global: { scrape_interval: 1s }',
      'scrape_configs:',
      '  - job_name: prometheus',
      `    static_configs: [{ targets: ['127.0.0.1:${webPort}'] }]`,
      'remote_write:',
      `  - url: ${daemon.ingestUrl}/api/v1/write`,
      '    protobuf_message: io.prometheus.write.v2.Request',
      '    queue_config: { batch_send_deadline: 1s }',
    ].join('\n'));
    const before = reader.records.length;
    const prometheus = await ClientProcess.start(prometheusBinary, [
      `--config.file=${path.join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${path.join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${webPort}`, '--enable-feature=metadata-wal-records',
    ]);
    try {
      const arrived = (): MetricValue[] => reader.records.slice(before).map(valueOf);
      const wanted: Record<string, string> = {
        prometheus_http_requests_total: 'counter', go_goroutines: 'gauge',
        prometheus_http_request_duration_seconds_bucket: 'histogram', go_gc_duration_seconds: 'summary',
      };
      await until('every wanted series in Kafka', () => Object.keys(wanted).every((name) => arrived().some((r) => r.name === name)), 120_000, () => prometheus.output());
      const records = arrived();
      for (const [name, type] of Object.entries(wanted)) {
        const types = new Set(records.filter((r) => r.name === name).map((r) => r.type));
        assert.deepEqual([...types], [type], name);
      }
      const up = records.find((r) => r.name === 'up')!;
      assert.deepEqual([up.value, up.labels], [1, { instance: `127.0.0.1:${webPort}`, job: 'prometheus' }]);

      // Prometheus compares our written-counts headers with what it sent.
      let own = '';
      await until('Prometheus to count samples sent', async () => {
        own = await fetch(`http://127.0.0.1:${webPort}/metrics`).then((r) => r.text());
        return sumOf(own, 'prometheus_remote_storage_samples_total') > 0;
      }, 30_000);
      assert.equal(sumOf(own, 'prometheus_remote_storage_samples_failed_total'), 0, prometheus.output());
      assert.equal(sumOf(own, 'prometheus_remote_storage_histograms_failed_total'), 0);
      assert.equal(sumOf(own, 'prometheus_remote_storage_exemplars_failed_total'), 0);
      assert.doesNotMatch(prometheus.fullOutput, /non-recoverable error|statistics indicate/);
      const metrics = await fetch(`${daemon.adminUrl}/metrics`).then((r) => r.text());
      assert.match(metrics, /metricstream_http_requests_total\{route="remote_write",status="204"\} [1-9]/);
    } finally {
      await prometheus.stop();
    }
  });
});

describe('Prometheus remote_write 2.0 under trouble', () => {
  it('Kafka down: 503 with Retry-After (Prometheus retries); overloaded: 503; nothing is answered 2xx', async () => {
    const kafka = await MockKafka.start({ topics: { rw2trouble: 2 } });
    const daemon = await Daemon.start({
      METRICSTREAM_BROKERS: kafka.bootstrap, METRICSTREAM_KAFKA_TOPICS_METRICS: 'rw2trouble',
      METRICSTREAM_KAFKA_DELIVERY_TIMEOUT_MS: '3000', METRICSTREAM_INGEST_REQUEST_TIMEOUT_MS: '5000', METRICSTREAM_KAFKA_MAX_IN_FLIGHT_MESSAGES: '2',
    });
    try {
      const url = `${daemon.ingestUrl}/api/v1/write`;
      const request = (n: number) => v2Body({
        symbols: ['', '__name__', 'trouble'],
        timeseries: [{ labelsRefs: [1, 2], samples: Array.from({ length: n }, (_, i) => ({ value: i, timestamp: 1000 + i })) }],
      });
      const ok = await post(url, request(1), V2);
      assert.equal(ok.status, 204);
      const overloaded = await post(url, request(3), V2);
      assert.equal(overloaded.status, 503);
      assert.equal(overloaded.body['error'], 'overloaded');
      assert.ok(overloaded.headers.get('retry-after'));
      for (const id of [1, 2, 3]) await kafka.command(`down ${id}`);
      const down = await post(url, request(1), V2);
      assert.ok([503, 504].includes(down.status), `status ${down.status}`);
      assert.ok(down.headers.get('retry-after'));
      assert.equal(down.headers.get(SAMPLES_WRITTEN), null);
    } finally {
      await daemon.stop();
      await kafka.stop();
    }
  });
});
