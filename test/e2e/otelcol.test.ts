// The OpenTelemetry Collector's prometheusremotewrite exporter (remote_write
// 1.0) with send_metadata: true, end to end: a collector built from the Go
// module proxy by scripts/clients/build-otelcol.sh (cached) takes OTLP from the
// OpenTelemetry JS SDK — this machine's CPU times as the cumulative monotonic
// Sum `system.cpu.time` (unit s), as the hostmetrics receiver would send them
// (hostmetrics itself cannot be built here at the collector's release), and two
// gauges — and remote-writes them to the daemon through a recording proxy.
// The exporter sends the metadata in requests of their own, after the samples
// of the same export; once the daemon has answered one, every later sample of
// `system_cpu_time_seconds_total` arrives in Kafka typed `counter`, the gauges
// stay `gauge`, and the collector logs no export error.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { TopicReader, recordId } from '../support/consumer';
import { ClientProcess, clientBinary, until } from '../support/client-process';
import { Daemon } from '../support/daemon';
import { freePort } from '../support/kafka/cluster';
import { MockKafka } from '../support/mock-kafka';
import { RecordingProxy, type ForwardedRequest } from '../support/recording-proxy';

const COUNTER = 'system_cpu_time_seconds_total';
const GAUGES = ['system_cpu_utilization_ratio', 'system_memory_usage_bytes'];
/** prompb MetricMetadata.MetricType */
const PROTO_COUNTER = 1;
const PROTO_GAUGE = 2;

interface MetricValue { name: string; value: number; type: string; timestamp: number; labels: Record<string, string> }

function collectorConfig(otlpPort: number, endpoint: string): string {
  return [
    'receivers:',
    '  otlp:',
    `    protocols: { http: { endpoint: '127.0.0.1:${otlpPort}' } }`,
    'exporters:',
    '  prometheus_remote_write:',
    `    endpoint: ${endpoint}/api/v1/write`,
    '    send_metadata: true',
    '    target_info: { enabled: false }',
    '    retry_on_failure: { max_elapsed_time: 30s }',
    'service:',
    '  telemetry:',
    '    metrics: { level: none }', // else it listens on :8888
    '  pipelines:',
    '    metrics: { receivers: [otlp], exporters: [prometheus_remote_write] }',
    '',
  ].join('\n');
}

/**
 * An SDK meter provider with what the hostmetrics receiver would send: each CPU's
 * times by state in seconds (cumulative monotonic), a utilization gauge, the
 * memory in use (an up-down counter: a non-monotonic Sum, which Prometheus calls a gauge).
 */
function hostMetrics(url: string): MeterProvider {
  const provider = new MeterProvider({
    resource: resourceFromAttributes({ 'service.name': 'otelcol-e2e', 'host.name': os.hostname() }),
    readers: [new PeriodicExportingMetricReader({ exporter: new OTLPMetricExporter({ url }), exportIntervalMillis: 600_000 })],
  });
  const meter = provider.getMeter('metricstream-e2e');
  meter.createObservableCounter('system.cpu.time', { unit: 's' }).addCallback((result) => {
    os.cpus().forEach((cpu, i) => {
      for (const [state, ms] of Object.entries(cpu.times)) result.observe(ms / 1000, { cpu: `cpu${i}`, state });
    });
  });
  meter.createObservableGauge('system.cpu.utilization', { unit: '1' }).addCallback((result) => result.observe(os.loadavg()[0]! / os.cpus().length));
  meter.createObservableUpDownCounter('system.memory.usage', { unit: 'By' }).addCallback((result) => result.observe(os.totalmem() - os.freemem(), { state: 'used' }));
  return provider;
}

describe('OpenTelemetry Collector prometheusremotewrite (remote_write 1.0, send_metadata: true)', () => {
  let kafka: MockKafka;
  let daemon: Daemon;
  let reader: TopicReader;
  let proxy: RecordingProxy;

  before(async () => {
    kafka = await MockKafka.start({ topics: { otelcol: 4 } });
    daemon = await Daemon.start({ METRICSTREAM_BROKERS: kafka.bootstrap, METRICSTREAM_KAFKA_TOPICS_METRICS: 'otelcol', METRICSTREAM_WORKERS: '2' });
    reader = await TopicReader.open(kafka.bootstrap, 'otelcol');
    proxy = await RecordingProxy.start(daemon.ingestUrl);
  });

  after(async () => {
    await proxy.stop();
    await reader.close();
    assert.equal((await daemon.stop()).code, 0);
    await kafka.stop();
  });

  it('CPU time through the exporter: metadata sent alone types the later samples counter; gauges stay gauge; no export error', { timeout: 40 * 60_000 }, async () => {
    const otelcol = clientBinary('build-otelcol.sh', 35 * 60_000);
    const dir = mkdtempSync(path.join(os.tmpdir(), 'ms-otelcol-'));
    const otlpPort = await freePort();
    writeFileSync(path.join(dir, 'otelcol.yaml'), collectorConfig(otlpPort, proxy.url));
    const collector = await ClientProcess.start(otelcol, [`--config=${path.join(dir, 'otelcol.yaml')}`]);
    const host = hostMetrics(`http://127.0.0.1:${otlpPort}/v1/metrics`);

    const typedLater = (): ForwardedRequest[] =>
      proxy.requests.filter((r) => r.status === 204 && r.names.has(COUNTER) && r.familiesKnownBefore.has(COUNTER));
    const records = (): Array<MetricValue & { requestId: string }> =>
      reader.records.map((r) => ({ ...(JSON.parse(r.value) as MetricValue), requestId: recordId(r).requestId }));
    const arrivedFrom = (requests: readonly ForwardedRequest[]): Set<string> => {
      const ids = new Set(requests.map((r) => r.requestId));
      return new Set(records().filter((r) => ids.has(r.requestId)).map((r) => r.requestId));
    };
    try {
      await until('the collector ready', () => /Everything is ready/.test(collector.fullOutput), 60_000, () => collector.output());
      let exports = 0;
      await until('three sample requests answered after the metadata', async () => {
        if (typedLater().length >= 3) return true;
        await host.forceFlush(); // one OTLP export, one remote-write export
        exports++;
        await delay(300);
        return false;
      }, 120_000, () => `${exports} exports, ${proxy.requests.length} requests; ${collector.output()}`);
      await until('their records in Kafka', () => arrivedFrom(typedLater()).size >= 3, 120_000);
    } finally {
      await host.shutdown();
      await collector.stop();
    }

    // What the exporter sent: 1.0 only, snappy, and metadata in requests with no series.
    assert.ok(proxy.requests.length > 0);
    for (const request of proxy.requests) {
      assert.deepEqual([request.method, request.path, request.headers['content-type'], request.headers['content-encoding'], request.headers['x-prometheus-remote-write-version']],
        ['POST', '/api/v1/write', 'application/x-protobuf', 'snappy', '0.1.0']);
      assert.equal(request.status, 204, `request ${request.requestId}`);
    }
    const metadataOnly = proxy.requests.filter((r) => r.series === 0 && r.metadata.length > 0);
    assert.ok(metadataOnly.length > 0, 'no metadata-only request');
    assert.ok(proxy.requests.every((r) => r.series === 0 || r.metadata.length === 0), 'metadata and series in one request');
    const sentTypes = new Map(metadataOnly.flatMap((r) => r.metadata.map((m) => [m.metricFamilyName, m.type] as const)));
    assert.equal(sentTypes.get(COUNTER), PROTO_COUNTER);
    for (const gauge of GAUGES) assert.equal(sentTypes.get(gauge), PROTO_GAUGE, gauge);

    // What arrived: every CPU-time sample sent after its metadata was answered is a counter.
    const later = arrivedFrom(typedLater());
    const all = records();
    const counters = all.filter((r) => r.name === COUNTER && later.has(r.requestId));
    assert.ok(counters.length >= 3);
    assert.deepEqual([...new Set(counters.map((r) => r.type))], ['counter']);
    assert.ok(counters.every((r) => r.labels['cpu'] !== undefined && r.labels['state'] !== undefined), JSON.stringify(counters[0]));
    for (const gauge of GAUGES) {
      const types = new Set(all.filter((r) => r.name === gauge).map((r) => r.type));
      assert.deepEqual([...types], ['gauge'], gauge);
    }
    const beforeMetadata = all.filter((r) => r.name === COUNTER && !later.has(r.requestId));
    process.stdout.write(`# otelcol: ${proxy.requests.length} requests (${metadataOnly.length} metadata-only); ${counters.length} ${COUNTER} samples typed counter after the metadata, ${beforeMetadata.length} sent before it typed ${JSON.stringify([...new Set(beforeMetadata.map((r) => r.type))])}\n`);

    // The collector logged no export failure (it logs an error per refused request and per dropped batch).
    assert.doesNotMatch(collector.fullOutput, /\terror\t|failed to send WriteRequest|Exporting failed/i, collector.output());
  });
});
