// The OpenTelemetry JS SDK itself exports metrics, logs and traces over
// OTLP/HTTP, with its protobuf and its JSON exporters, to the running daemon;
// what lands in Kafka is compared with what the SDK recorded: one record per
// data point / log record / span by default, and with the otlp_proto /
// otlp_json encodings the export request itself, one message per request.
import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import { isDeepStrictEqual } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { DiagLogLevel, ROOT_CONTEXT, SpanKind, SpanStatusCode, diag, trace, type Attributes, type HrTime } from '@opentelemetry/api';
import { SeverityNumber } from '@opentelemetry/api-logs';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { OTLPLogExporter as JsonLogExporter } from '@opentelemetry/exporter-logs-otlp-http';
import { OTLPLogExporter as ProtoLogExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import { OTLPMetricExporter as JsonMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPMetricExporter as ProtoMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { OTLPTraceExporter as JsonTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtoTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { CompressionAlgorithm, type OTLPExporterNodeConfigBase } from '@opentelemetry/otlp-exporter-base';
import {
  JsonLogsSerializer, JsonMetricsSerializer, JsonTraceSerializer, ProtobufLogsSerializer, ProtobufMetricsSerializer,
  ProtobufTraceSerializer, type ISerializer,
} from '@opentelemetry/otlp-transformer';
import { defaultResource, resourceFromAttributes, type Resource } from '@opentelemetry/resources';
import { BatchLogRecordProcessor, LoggerProvider, type ReadableLogRecord } from '@opentelemetry/sdk-logs';
import {
  MeterProvider, PeriodicExportingMetricReader, type AggregationOption, type AggregationTemporality, type DataPoint,
  type InstrumentType, type PushMetricExporter, type ResourceMetrics,
} from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { EXPORT_REQUEST } from '../../src/protocols/otlp/proto';
import { SIGNAL_NAMES, Signal } from '../../src/signals';
import { TopicReader, type ConsumedRecord } from '../support/consumer';
import { Daemon } from '../support/daemon';
import { MockKafka } from '../support/mock-kafka';

type Wire = 'protobuf' | 'json';
type Encoding = 'records' | 'otlp_proto' | 'otlp_json';
const WIRES: readonly Wire[] = ['protobuf', 'json'];
const SIGNALS = [Signal.Metrics, Signal.Logs, Signal.Traces] as const;

// The SDK reports a partial success only through its diagnostic logger.
const diagnostics: string[] = [];
const keep = (message: string, ...args: unknown[]): void => void diagnostics.push([message, ...args.map(String)].join(' '));
diag.setLogger({ error: keep, warn: keep, info: () => undefined, debug: () => undefined, verbose: () => undefined }, DiagLogLevel.WARN);

// ---- the SDK side -----------------------------------------------------------

interface Exporter<T> {
  export(items: T, done: (result: ExportResult) => void): void;
  forceFlush(): Promise<void>;
  shutdown(): Promise<void>;
}

/** Wraps an OTLP exporter, keeping what the SDK handed it and how each export ended. */
class Recorder<T> implements Exporter<T> {
  readonly sent: T[] = [];
  readonly results: ExportResult[] = [];
  readonly #diagnosticsFrom = diagnostics.length;
  constructor(private readonly inner: Exporter<T>) {}

  export(items: T, done: (result: ExportResult) => void): void {
    this.sent.push(items);
    this.inner.export(items, (result) => {
      this.results.push(result);
      done(result);
    });
  }

  forceFlush(): Promise<void> {
    return this.inner.forceFlush();
  }

  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }

  /** The SDK only logs a failed export and carries on: here it fails the test. */
  assertSucceeded(): T[] {
    assert.ok(this.sent.length > 0, 'the SDK exported nothing');
    assert.equal(this.results.length, this.sent.length, 'an export never finished');
    for (const result of this.results) {
      assert.equal(result.code, ExportResultCode.SUCCESS, `export failed: ${String(result.error)}; diagnostics: ${diagnostics.join(' | ')}`);
    }
    assert.deepEqual(diagnostics.slice(this.#diagnosticsFrom).filter((d) => /partial success/i.test(d)), []);
    return this.sent;
  }
}

class MetricRecorder extends Recorder<ResourceMetrics> implements PushMetricExporter {
  constructor(private readonly exporter: JsonMetricExporter | ProtoMetricExporter) {
    super(exporter);
  }

  selectAggregationTemporality(type: InstrumentType): AggregationTemporality {
    return this.exporter.selectAggregationTemporality(type);
  }

  selectAggregation(type: InstrumentType): AggregationOption {
    return this.exporter.selectAggregation(type);
  }
}

function exporterConfig(baseUrl: string, signal: Signal, wire: Wire): OTLPExporterNodeConfigBase {
  // gzip on the protobuf side, so Content-Encoding is exercised too.
  return { url: `${baseUrl}/v1/${SIGNAL_NAMES[signal]}`, compression: wire === 'protobuf' ? CompressionAlgorithm.GZIP : CompressionAlgorithm.NONE };
}

/** `run` tells this test's items apart in Kafka; the region is the non-ASCII attribute. */
function resourceFor(run: string): Resource {
  return defaultResource().merge(resourceFromAttributes({
    'service.name': 'otlp-e2e', 'deployment.region': 'zürich-süd ✓', tenant: 'shared-ü', 'test.run': run,
  }));
}

const COUNTER_A = { 'http.route': '/api/é', 'http.status_code': 200, 'cache.hit': true, 'sample.ratio': 0.25, tags: ['blue', 'grün'] };
const COUNTER_B = { 'http.route': '/b' };
const QUEUE = { queue: 'inbound' };
const ROOM = { room: 'küche' };
const LATENCY = { endpoint: 'checkout' };

/** Records one of each instrument kind and shuts the provider down, which collects and exports once. */
async function exportMetrics(baseUrl: string, wire: Wire, run: string): Promise<ResourceMetrics[]> {
  const config = exporterConfig(baseUrl, Signal.Metrics, wire);
  const recorder = new MetricRecorder(wire === 'protobuf' ? new ProtoMetricExporter(config) : new JsonMetricExporter(config));
  const provider = new MeterProvider({
    resource: resourceFor(run),
    readers: [new PeriodicExportingMetricReader({ exporter: recorder, exportIntervalMillis: 600_000 })],
  });
  const meter = provider.getMeter('e2e-meter', '1.2.3');
  const requests = meter.createCounter('e2e_requests_total');
  requests.add(5, COUNTER_A);
  requests.add(2, COUNTER_A);
  requests.add(1, COUNTER_B);
  const depth = meter.createUpDownCounter('e2e.queue.depth');
  depth.add(10, QUEUE);
  depth.add(-4, QUEUE);
  meter.createGauge('e2e_temperature_celsius').record(21.5, ROOM);
  const latency = meter.createHistogram('e2e_latency_ms', { advice: { explicitBucketBoundaries: [1, 5, 10] } });
  for (const v of [0.5, 3, 7, 12]) latency.record(v, LATENCY);
  await provider.shutdown();
  return recorder.assertSucceeded();
}

/** Two log records, the first inside a span, through a batch processor. */
async function exportLogs(baseUrl: string, wire: Wire, run: string): Promise<ReadableLogRecord[][]> {
  const config = exporterConfig(baseUrl, Signal.Logs, wire);
  const recorder = new Recorder<ReadableLogRecord[]>(wire === 'protobuf' ? new ProtoLogExporter(config) : new JsonLogExporter(config));
  const provider = new LoggerProvider({ resource: resourceFor(run), processors: [new BatchLogRecordProcessor({ exporter: recorder })] });
  const logger = provider.getLogger('e2e-logger', '2.0.0', { attributes: { 'scope.team': 'observability' } });
  const span = new BasicTracerProvider().getTracer('e2e-logs').startSpan('checkout');
  logger.emit({
    // Sub-millisecond nanoseconds: the record's ms timestamp must be floored.
    timestamp: [1_762_045_907, 123_456_789],
    severityNumber: SeverityNumber.WARN,
    severityText: 'WARN',
    body: 'payment retry for order #42 – café',
    attributes: { tenant: 'acme', 'order.id': 42, 'retry.delay_s': 1.5, 'payment.ok': false, steps: ['auth', 'capture'] },
    context: trace.setSpan(ROOT_CONTEXT, span),
  });
  logger.emit({
    severityNumber: SeverityNumber.ERROR,
    severityText: 'ERROR',
    eventName: 'payment.failed',
    body: { message: 'card declined', code: 402, retryable: false, steps: ['auth', 1], detail: { gateway: 'stripe-ü' } },
    attributes: { 'order.id': 43 },
  });
  span.end();
  await provider.forceFlush();
  const sent = recorder.assertSucceeded();
  await provider.shutdown();
  return sent;
}

/** Three spans: a server span with an erroring client child that has an event and a link to another trace's span. */
async function exportTraces(baseUrl: string, wire: Wire, run: string): Promise<ReadableSpan[][]> {
  const config = exporterConfig(baseUrl, Signal.Traces, wire);
  const recorder = new Recorder<ReadableSpan[]>(wire === 'protobuf' ? new ProtoTraceExporter(config) : new JsonTraceExporter(config));
  const provider = new BasicTracerProvider({ resource: resourceFor(run), spanProcessors: [new SimpleSpanProcessor(recorder)] });
  const tracer = provider.getTracer('e2e-tracer', '3.1.4');
  const warmup = tracer.startSpan('warm cache', {}, ROOT_CONTEXT);
  warmup.end();
  const root = tracer.startSpan('GET /checkout', {
    kind: SpanKind.SERVER, attributes: { 'http.request.method': 'GET', 'http.route': '/checkout/ü', 'http.response.status_code': 502 },
  }, ROOT_CONTEXT);
  const child = tracer.startSpan('charge card', {
    kind: SpanKind.CLIENT,
    attributes: { 'retry.count': 2, amount: 12.5, 'card.present': false, 'card.brands': ['visa', 'jcb'] },
    links: [{ context: warmup.spanContext(), attributes: { 'link.reason': 'warmed by' } }],
  }, trace.setSpan(ROOT_CONTEXT, root));
  child.addEvent('card.declined', { 'decline.code': 'insufficient_funds', attempt: 2 });
  child.setStatus({ code: SpanStatusCode.ERROR, message: 'declined – 402' });
  child.end();
  root.setStatus({ code: SpanStatusCode.OK });
  root.end();
  await provider.forceFlush();
  const sent = recorder.assertSucceeded();
  await provider.shutdown();
  return sent;
}

// ---- expected Kafka records (the contract's mapping of what the SDK recorded) ----

const nanos = (t: HrTime): bigint => BigInt(Math.trunc(t[0])) * 1_000_000_000n + BigInt(Math.trunc(t[1]));
const ms = (t: HrTime): number => Number(nanos(t) / 1_000_000n);

/** Metric labels: attribute values as strings, arrays as JSON text. */
function labelsOf(attributes: Attributes): Record<string, string> {
  return Object.fromEntries(Object.entries(attributes).map(([k, v]) => [k, Array.isArray(v) ? JSON.stringify(v) : String(v)]));
}

/** `name{a="x",b="y"}`, labels sorted by name. */
function seriesKey(name: string, labels: Record<string, string>): string {
  const pairs = Object.keys(labels).sort().map((k) => `${k}=${JSON.stringify(labels[k])}`);
  return pairs.length === 0 ? name : `${name}{${pairs.join(',')}}`;
}

interface MetricRecord { name: string; value: number; type: string; timestamp: number; labels: Record<string, string> }

function expectedMetrics(rm: ResourceMetrics): MetricRecord[] {
  assert.equal(rm.scopeMetrics.length, 1);
  const { scope, metrics } = rm.scopeMetrics[0]!;
  const base = { ...labelsOf(rm.resource.attributes), otel_scope_name: scope.name, otel_scope_version: scope.version ?? '' };
  const timeOf = (name: string, attributes: Attributes): number => {
    const points: Array<DataPoint<unknown>> = metrics.find((m) => m.descriptor.name === name)?.dataPoints ?? [];
    const point = points.find((p) => isDeepStrictEqual(p.attributes, attributes));
    assert.ok(point, `the SDK exported no ${name} point for ${JSON.stringify(attributes)}`);
    return ms(point.endTime);
  };
  const record = (name: string, type: string, value: number, attributes: Attributes, extra: Record<string, string> = {}, of = name): MetricRecord =>
    ({ name, value, type, timestamp: timeOf(of, attributes), labels: { ...base, ...labelsOf(attributes), ...extra } });
  const histogram = 'e2e_latency_ms';
  return [
    record('e2e_requests_total', 'counter', 7, COUNTER_A),
    record('e2e_requests_total', 'counter', 1, COUNTER_B),
    record('e2e.queue.depth', 'gauge', 6, QUEUE),
    record('e2e_temperature_celsius', 'gauge', 21.5, ROOM),
    ...([['1', 1], ['5', 2], ['10', 3], ['+Inf', 4]] as const).map(([le, count]) =>
      record(`${histogram}_bucket`, 'histogram', count, LATENCY, { le }, histogram)),
    record(`${histogram}_sum`, 'histogram', 22.5, LATENCY, {}, histogram),
    record(`${histogram}_count`, 'histogram', 4, LATENCY, {}, histogram),
  ];
}

function expectedLog(log: ReadableLogRecord): Record<string, unknown> {
  const scope = log.instrumentationScope;
  return {
    timestamp: ms(log.hrTime),
    observed_timestamp: ms(log.hrTimeObserved),
    time_unix_nano: String(nanos(log.hrTime)),
    observed_time_unix_nano: String(nanos(log.hrTimeObserved)),
    severity_number: log.severityNumber ?? 0,
    severity_text: log.severityText ?? '',
    body: log.body,
    attributes: log.attributes,
    resource: log.resource.attributes,
    scope: { name: scope.name, version: scope.version ?? '', attributes: scope.attributes ?? {} },
    trace_id: log.spanContext?.traceId ?? '',
    span_id: log.spanContext?.spanId ?? '',
    flags: log.spanContext?.traceFlags ?? 0,
    dropped_attributes_count: log.droppedAttributesCount,
    ...(log.eventName === undefined ? {} : { event_name: log.eventName }),
  };
}

const KINDS: Record<SpanKind, string> = {
  [SpanKind.INTERNAL]: 'internal', [SpanKind.SERVER]: 'server', [SpanKind.CLIENT]: 'client',
  [SpanKind.PRODUCER]: 'producer', [SpanKind.CONSUMER]: 'consumer',
};
const STATUSES: Record<SpanStatusCode, string> = { [SpanStatusCode.UNSET]: 'unset', [SpanStatusCode.OK]: 'ok', [SpanStatusCode.ERROR]: 'error' };

function expectedSpan(span: ReadableSpan): Record<string, unknown> {
  const context = span.spanContext();
  const [start, end] = [nanos(span.startTime), nanos(span.endTime)];
  return {
    trace_id: context.traceId,
    span_id: context.spanId,
    parent_span_id: span.parentSpanContext?.spanId ?? '',
    trace_state: context.traceState?.serialize() ?? '',
    name: span.name,
    kind: KINDS[span.kind],
    timestamp: ms(span.startTime),
    start_time_unix_nano: String(start),
    end_time_unix_nano: String(end),
    duration_ns: Number(end - start),
    status: { code: STATUSES[span.status.code], message: span.status.message ?? '' },
    attributes: span.attributes,
    resource: span.resource.attributes,
    scope: { name: span.instrumentationScope.name, version: span.instrumentationScope.version ?? '', attributes: {} },
    events: span.events.map((e) => ({ name: e.name, timestamp: ms(e.time), time_unix_nano: String(nanos(e.time)), attributes: e.attributes ?? {} })),
    links: span.links.map((l) => ({
      trace_id: l.context.traceId, span_id: l.context.spanId, trace_state: l.context.traceState?.serialize() ?? '', attributes: l.attributes ?? {},
    })),
    // OTLP Span.flags as the exporter sends them: W3C trace flags | 0x100 "is_remote known" | 0x200 "parent is remote".
    flags: context.traceFlags | 0x100 | (span.parentSpanContext?.isRemote === true ? 0x200 : 0),
    dropped_attributes_count: span.droppedAttributesCount,
    dropped_events_count: span.droppedEventsCount,
    dropped_links_count: span.droppedLinksCount,
  };
}

// ---- the Kafka side -------------------------------------------------------------

/**
 * Reads a topic until `count` of its records are `mine` (bounded), then for a
 * quiet spell to catch duplicates. A reader is open only while it is needed:
 * each parks a libuv thread in consume(), and the exporters' gzip needs one.
 */
async function arrived(bootstrap: string, topic: string, mine: (r: ConsumedRecord) => boolean, count: number): Promise<{ mine: ConsumedRecord[]; all: ConsumedRecord[] }> {
  const reader = await TopicReader.open(bootstrap, topic, { bytes: true });
  try {
    const deadline = Date.now() + 30_000;
    while (reader.records.filter(mine).length < count && Date.now() < deadline) await delay(50);
    await reader.settle(500, 10_000);
    return { mine: reader.records.filter(mine), all: [...reader.records] };
  } finally {
    await reader.close();
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** The test.run of a record (in metric labels, or in a log's or span's resource). */
function runOfRecord(r: ConsumedRecord): string | undefined {
  const value = parseJson(r.value) as { labels?: Record<string, unknown>; resource?: Record<string, unknown> } | undefined;
  const run = value?.labels?.['test.run'] ?? value?.resource?.['test.run'];
  return typeof run === 'string' ? run : undefined;
}

function sortBy<T>(items: T[], by: (item: T) => string): T[] {
  return [...items].sort((a, b) => (by(a) < by(b) ? -1 : by(a) > by(b) ? 1 : 0));
}

/** An OTLP export request as protobufjs or JSON.parse gives it. */
function decodeRequest(signal: Signal, encoding: Encoding, bytes: Uint8Array): unknown {
  if (encoding === 'otlp_json') return parseJson(Buffer.from(bytes).toString());
  try {
    const type = EXPORT_REQUEST[signal];
    return type.toObject(type.decode(bytes), { longs: String, bytes: String, enums: Number });
  } catch {
    return undefined;
  }
}

/**
 * The content of an OTLP request with the encoders' freedoms evened out:
 * numbers as strings (int64 may be a JSON string or number), proto3 defaults
 * (0, "", false, empty) left out, as encoders may write or omit them, and
 * object keys sorted, as field order is free.
 */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (typeof value === 'number') return String(value);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value).sort(([a], [b]) => (a < b ? -1 : 1))) {
    const c = canonical(v);
    const empty = c === undefined || c === null || c === false || c === '' || c === '0'
      || (typeof c === 'object' && c !== null && Object.keys(c).length === 0);
    if (!empty) out[k] = c;
  }
  return out;
}

/** Reads a decoded request's lists, by their JSON field names. */
function items(value: unknown, ...path: string[]): unknown[] {
  return path.reduce<unknown[]>((level, field) => level.flatMap((v) => {
    const next = v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[field] : undefined;
    return Array.isArray(next) ? next : next === undefined ? [] : [next];
  }), [value]);
}

const RESOURCE_FIELD: Readonly<Record<Signal, string>> = { [Signal.Metrics]: 'resourceMetrics', [Signal.Logs]: 'resourceLogs', [Signal.Traces]: 'resourceSpans' };

/** The test.run resource attribute of a decoded export request. */
function runOfRequest(signal: Signal, request: unknown): string | undefined {
  const attributes = items(request, RESOURCE_FIELD[signal], 'resource', 'attributes') as Array<{ key?: string; value?: { stringValue?: string } }>;
  return attributes.find((a) => a.key === 'test.run')?.value?.stringValue;
}

type Serializers<T> = Readonly<Record<Wire, ISerializer<T, unknown>>>;
const METRIC_SERIALIZERS: Serializers<ResourceMetrics> = { protobuf: ProtobufMetricsSerializer, json: JsonMetricsSerializer };
const LOG_SERIALIZERS: Serializers<ReadableLogRecord[]> = { protobuf: ProtobufLogsSerializer, json: JsonLogsSerializer };
const TRACE_SERIALIZERS: Serializers<ReadableSpan[]> = { protobuf: ProtobufTraceSerializer, json: JsonTraceSerializer };

// ---- the tests --------------------------------------------------------------------

describe('OpenTelemetry SDK exporters over OTLP/HTTP', () => {
  let kafka: MockKafka;
  const daemons = new Map<Encoding, Daemon>();
  const topic = (encoding: Encoding, signal: Signal): string => `${encoding}_${SIGNAL_NAMES[signal]}`;
  const read = async (encoding: Encoding, signal: Signal, mine: (r: ConsumedRecord) => boolean, count: number): Promise<ConsumedRecord[]> =>
    (await arrived(kafka.bootstrap, topic(encoding, signal), mine, count)).mine;
  const url = (encoding: Encoding): string => daemons.get(encoding)!.ingestUrl;
  const ENCODINGS: readonly Encoding[] = ['records', 'otlp_proto', 'otlp_json'];

  before(async () => {
    const topics = ENCODINGS.flatMap((e) => SIGNALS.map((s) => topic(e, s)));
    kafka = await MockKafka.start({ topics: Object.fromEntries(topics.map((t) => [t, 2])) });
    // One daemon per encoding; the records one keys logs by "tenant" (attributes, then resource).
    await Promise.all(ENCODINGS.map(async (encoding) => {
      daemons.set(encoding, await Daemon.start({
        METRICSTREAM_BROKERS: kafka.bootstrap,
        ...Object.fromEntries(SIGNALS.flatMap((s) => [
          [`METRICSTREAM_KAFKA_TOPICS_${SIGNAL_NAMES[s].toUpperCase()}`, topic(encoding, s)],
          [`METRICSTREAM_OTLP_ENCODING_${SIGNAL_NAMES[s].toUpperCase()}`, encoding],
        ])),
        METRICSTREAM_KAFKA_LOG_KEY_FIELD: 'tenant',
      }));
    }));
  });

  after(async () => {
    for (const d of daemons.values()) assert.equal((await d.stop()).code, 0);
    await kafka?.stop();
  });

  for (const wire of WIRES) {
    it(`metrics, ${wire} exporter: a record per data point (histogram buckets as _bucket/_sum/_count), keyed by series`, async () => {
      const run = `records-${wire}`;
      const collected = await exportMetrics(url('records'), wire, run);
      const expected = collected.flatMap(expectedMetrics);
      const got = await read('records', Signal.Metrics, (r) => runOfRecord(r) === run, expected.length);
      const byKey = (r: { key: string | null; value: unknown }): string => `${r.key} ${JSON.stringify(r.value)}`;
      assert.deepEqual(
        sortBy(got.map((r) => ({ key: r.key, value: parseJson(r.value) })), byKey),
        sortBy(expected.map((m) => ({ key: seriesKey(m.name, m.labels), value: m })), byKey),
      );
      assert.ok(got.every((r) => /^.+\/\d+$/.test(r.headers['metricstream-id'] ?? '')), 'metricstream-id header on every record');
    });

    it(`logs, ${wire} exporter: a record per log record with times, severity, body, attributes and trace context`, async () => {
      const run = `records-${wire}`;
      const logs = (await exportLogs(url('records'), wire, run)).flat();
      assert.equal(logs.length, 2);
      const got = await read('records', Signal.Logs, (r) => runOfRecord(r) === run, logs.length);
      const keyOf = (log: ReadableLogRecord): string => String(log.attributes['tenant'] ?? log.resource.attributes['tenant']);
      const byBody = (r: { value: unknown }): string => JSON.stringify((r.value as { body?: unknown }).body);
      assert.deepEqual(
        sortBy(got.map((r) => ({ key: r.key, value: parseJson(r.value) })), byBody),
        sortBy(logs.map((log) => ({ key: keyOf(log), value: expectedLog(log) })), byBody),
      );
      // The first log was emitted inside a span and carries its ids.
      const inSpan = logs.find((l) => l.spanContext !== undefined);
      assert.match(inSpan?.spanContext?.traceId ?? '', /^[0-9a-f]{32}$/);
    });

    it(`traces, ${wire} exporter: a record per span with ids, kind, status, event and link, keyed by trace id`, async () => {
      const run = `records-${wire}`;
      const spans = (await exportTraces(url('records'), wire, run)).flat();
      assert.equal(spans.length, 3);
      const got = await read('records', Signal.Traces, (r) => runOfRecord(r) === run, spans.length);
      const bySpanId = (r: { value: unknown }): string => String((r.value as { span_id?: unknown }).span_id);
      assert.deepEqual(
        sortBy(got.map((r) => ({ key: r.key, value: parseJson(r.value) })), bySpanId),
        sortBy(spans.map((s) => ({ key: s.spanContext().traceId, value: expectedSpan(s) })), bySpanId),
      );
      const checkout = got.filter((r) => r.key === spans.find((s) => s.name === 'GET /checkout')?.spanContext().traceId);
      assert.equal(checkout.length, 2);
      assert.equal(new Set(checkout.map((r) => r.partition)).size, 1, 'a trace stays in one partition');
    });
  }

  /**
   * Each export request the SDK made is one unkeyed Kafka message in the
   * daemon's encoding: the request's own bytes when the exporter used that
   * encoding, else the same request converted.
   */
  async function assertPassthrough<T>(signal: Signal, encoding: Encoding, run: string, wire: Wire, sent: T[], serializers: Serializers<T>): Promise<unknown[]> {
    const decode = (r: ConsumedRecord): unknown => decodeRequest(signal, encoding, r.bytes!);
    const { mine: got, all } = await arrived(kafka.bootstrap, topic(encoding, signal), (r) => runOfRequest(signal, decode(r)) === run, sent.length);
    const undecodable = all.filter((r) => decode(r) === undefined).map((r) => r.bytes!.subarray(0, 64).toString('hex'));
    assert.deepEqual(undecodable, [], `messages that do not decode as ${encoding}`);
    assert.ok(got.every((r) => r.key === null), 'no key');
    const as = encoding === 'otlp_proto' ? 'protobuf' : 'json';
    const requests = sent.map((batch) => serializers[as].serializeRequest(batch)!);
    const text = (v: unknown): string => JSON.stringify(canonical(v));
    assert.deepEqual(
      got.map((r) => text(decode(r))).sort(),
      requests.map((bytes) => text(decodeRequest(signal, encoding, bytes))).sort(),
    );
    if (as === wire) {
      const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
      assert.deepEqual(got.map((r) => hex(r.bytes!)).sort(), requests.map(hex).sort(), 'the request\'s own bytes');
    }
    return got.map(decode);
  }

  /** Span/trace ids are hex in OTLP/JSON, bytes (here base64) in protobuf. */
  const hexId = (encoding: Encoding, id: unknown): string => (encoding === 'otlp_proto' ? Buffer.from(String(id), 'base64').toString('hex') : String(id));

  for (const encoding of ['otlp_proto', 'otlp_json'] as const) {
    it(`metrics passthrough (${encoding}): each export request from either exporter is one Kafka message holding it`, async () => {
      for (const wire of WIRES) {
        const run = `${encoding}-${wire}`;
        const sent = await exportMetrics(url(encoding), wire, run);
        const requests = await assertPassthrough(Signal.Metrics, encoding, run, wire, sent, METRIC_SERIALIZERS);
        const names = requests.flatMap((r) => items(r, 'resourceMetrics', 'scopeMetrics', 'metrics')).map((m) => (m as { name: string }).name);
        assert.deepEqual(names.sort(), ['e2e.queue.depth', 'e2e_latency_ms', 'e2e_requests_total', 'e2e_temperature_celsius']);
      }
    });

    it(`logs passthrough (${encoding}): each export request from either exporter is one Kafka message holding it`, async () => {
      for (const wire of WIRES) {
        const run = `${encoding}-${wire}`;
        const sent = await exportLogs(url(encoding), wire, run);
        const requests = await assertPassthrough(Signal.Logs, encoding, run, wire, sent, LOG_SERIALIZERS);
        const records = requests.flatMap((r) => items(r, 'resourceLogs', 'scopeLogs', 'logRecords')) as Array<{ severityText: string; traceId?: string }>;
        const logs = sent.flat();
        assert.deepEqual(records.map((l) => l.severityText).sort(), logs.map((l) => l.severityText).sort());
        const traced = records.filter((l) => l.traceId !== undefined && l.traceId !== '').map((l) => hexId(encoding, l.traceId));
        assert.deepEqual(traced, logs.flatMap((l) => (l.spanContext ? [l.spanContext.traceId] : [])));
      }
    });

    it(`traces passthrough (${encoding}): each export request from either exporter is one Kafka message holding it`, async () => {
      for (const wire of WIRES) {
        const run = `${encoding}-${wire}`;
        const sent = await exportTraces(url(encoding), wire, run);
        const requests = await assertPassthrough(Signal.Traces, encoding, run, wire, sent, TRACE_SERIALIZERS);
        const spans = requests.flatMap((r) => items(r, 'resourceSpans', 'scopeSpans', 'spans')) as Array<{ name: string; traceId: string; spanId: string }>;
        const view = (name: string, traceId: string, spanId: string): string => `${name} ${traceId} ${spanId}`;
        assert.deepEqual(
          spans.map((s) => view(s.name, hexId(encoding, s.traceId), hexId(encoding, s.spanId))).sort(),
          sent.flat().map((s) => view(s.name, s.spanContext().traceId, s.spanContext().spanId)).sort(),
        );
      }
    });
  }
});
