// CPU per record of the decoders a pool worker runs (src/pool/decoder.ts:
// route decoder, batching sink, ring writes), in-process, one thread, so
// that a noisy machine's other processes do not count: OTLP metrics per data
// point (protobuf and JSON bodies; protobuf histograms, exponential histograms and summaries), the OTLP passthrough encodings per
// request, and the log routes at the log shippers' batches, beside the native JSON route at the same batch size.
//   node dist/bench/otlp-cpu.js [iterations per round, default 2000] [rounds, default 7] [case name filter]
// Rounds alternate the cases; each figure is the median over rounds of the
// CPU (process.cpuUsage, user + system) per decoded request.
import { Buffer } from 'node:buffer';
import { configSchema, type Config } from '../src/config/schema';
import { createDecoder } from '../src/pool/decoder';
import type { DecodeResult, DecodeTask, WorkerData } from '../src/pool/task';
import { PartitionTable } from '../src/produce/partition-table';
import { FamilyTypeTable } from '../src/protocols/remote-write/family-types';
import { Route } from '../src/protocols/routes';
import { createRingSet } from '../src/ring/layout';
import { RingReader } from '../src/ring/reader';
import { logBody } from './log-bodies';
import { otlpExponentialDocument, otlpHistogramsDocument, otlpMetricsBody, otlpMetricsJsonBody, otlpSummariesDocument } from './otlp-bodies';

const POINTS = 100;
const [iterationsArg = '2000', roundsArg = '7', only = ''] = process.argv.slice(2);
const ITERATIONS = Number(iterationsArg);
const ROUNDS = Number(roundsArg);
const NOW_MS = 1_762_045_907_341;

/** The bench's native body (bench/run.ts): 100 metrics, 2 labels each. */
function nativeBody(batch: number): Buffer {
  const metrics = Array.from({ length: batch }, (_, i) => ({
    name: 'http_requests_total', value: i, type: 'counter', labels: { host: `web-${i % 50}`, code: '200' },
  }));
  return Buffer.from(JSON.stringify({ batch_timestamp: NOW_MS, metrics }));
}

/** The native body with the records the OTLP body becomes (same names, 9 labels). */
function nativeEquivalentBody(batch: number): Buffer {
  const metrics = Array.from({ length: batch }, (_, i) => ({
    name: `app_gauge_${(i % 10)}`, value: i * 1.5, type: 'gauge', timestamp: NOW_MS,
    labels: {
      'service.name': 'checkout', 'service.instance.id': 'checkout-7d9f-1', 'host.name': 'web-1', 'deployment.environment': 'prod',
      otel_scope_name: 'bench', otel_scope_version: '1.0.0',
      'http.route': `/api/v1/items/${Math.floor(i / 10)}`, 'http.request.method': 'GET', 'http.response.status_code': '200',
    },
  }));
  return Buffer.from(JSON.stringify(metrics));
}

interface Case {
  readonly name: string;
  readonly route: Route;
  readonly body: Buffer;
  readonly contentType: string;
  readonly otlpMetrics: Config['otlp']['encoding']['metrics'];
}

const proto = otlpMetricsBody(POINTS, NOW_MS);
const json = otlpMetricsJsonBody(POINTS, NOW_MS);
const histograms = otlpMetricsBody(POINTS, NOW_MS, otlpHistogramsDocument(POINTS, NOW_MS));
const summaries = otlpMetricsBody(POINTS, NOW_MS, otlpSummariesDocument(POINTS, NOW_MS));
const exponential = otlpMetricsBody(POINTS, NOW_MS, otlpExponentialDocument(POINTS, NOW_MS));
const ALL_CASES: readonly Case[] = [
  { name: 'native JSON, bench body (2 labels)', route: Route.Metrics, body: nativeBody(POINTS), contentType: 'application/json', otlpMetrics: 'records' },
  { name: 'native JSON, OTLP-equivalent records (9 labels)', route: Route.Metrics, body: nativeEquivalentBody(POINTS), contentType: 'application/json', otlpMetrics: 'records' },
  { name: 'OTLP/protobuf per point', route: Route.OtlpMetrics, body: proto, contentType: 'application/x-protobuf', otlpMetrics: 'records' },
  { name: 'OTLP/JSON per point', route: Route.OtlpMetrics, body: json, contentType: 'application/json', otlpMetrics: 'records' },
  { name: 'OTLP/protobuf per point, histograms of 10 bounds', route: Route.OtlpMetrics, body: histograms, contentType: 'application/x-protobuf', otlpMetrics: 'records' },
  { name: 'OTLP/protobuf per point, exponential histograms of 9 buckets', route: Route.OtlpMetrics, body: exponential, contentType: 'application/x-protobuf', otlpMetrics: 'records' },
  { name: 'OTLP/protobuf per point, summaries of 5 quantiles', route: Route.OtlpMetrics, body: summaries, contentType: 'application/x-protobuf', otlpMetrics: 'records' },
  { name: 'otlp_proto passthrough, protobuf body', route: Route.OtlpMetrics, body: proto, contentType: 'application/x-protobuf', otlpMetrics: 'otlp_proto' },
  { name: 'otlp_json passthrough, JSON body', route: Route.OtlpMetrics, body: json, contentType: 'application/json', otlpMetrics: 'otlp_json' },
  { name: 'otlp_json passthrough, protobuf body', route: Route.OtlpMetrics, body: proto, contentType: 'application/x-protobuf', otlpMetrics: 'otlp_json' },
  { name: 'otlp_proto passthrough, JSON body', route: Route.OtlpMetrics, body: json, contentType: 'application/json', otlpMetrics: 'otlp_proto' },
  { name: '/logs NDJSON, 1000 lines', route: Route.Logs, body: logBody('logs', 1000, NOW_MS), contentType: 'application/x-ndjson', otlpMetrics: 'records' },
  { name: 'Loki push, 1000 lines', route: Route.LokiPush, body: logBody('loki', 1000, NOW_MS), contentType: 'application/x-protobuf', otlpMetrics: 'records' },
  { name: '_bulk, 1600 documents', route: Route.ElasticsearchBulk, body: logBody('elasticsearch', 1600, NOW_MS), contentType: 'application/x-ndjson', otlpMetrics: 'records' },
  { name: 'Splunk HEC events, 1000', route: Route.SplunkHecEvent, body: logBody('splunk_hec', 1000, NOW_MS), contentType: 'application/json', otlpMetrics: 'records' },
];

/** The first (native, the ratios' base) and those whose name holds the filter. */
const CASES = ALL_CASES.filter((c, i) => i === 0 || c.name.toLowerCase().includes(only.toLowerCase()));

const config = configSchema.parse({});
const ringSet = createRingSet(1, 4 << 20);

function decoderFor(c: Case): (task: DecodeTask) => DecodeResult {
  const data: WorkerData = {
    ringSet, bodyArena: new SharedArrayBuffer(0), ringSoftEnd: Infinity, partitionCounts: new PartitionTable().shared, messageMode: 'per-record', deferUnknownPartitions: false, limits: config.limits,
    maxDecompressedBytes: config.ingest.maxDecompressedBytes, logKeyField: config.kafka.logKeyField,
    otlpEncoding: { ...config.otlp.encoding, metrics: c.otlpMetrics },
    maxDecodedBytes: config.pool.workerMaxHeapMb * 1024 * 1024 / 4, familyTypes: new FamilyTypeTable().shared,
  };
  return createDecoder(data);
}

const PATHS: Partial<Record<Route, string>> = {
  [Route.Metrics]: '/metrics', [Route.Logs]: '/logs', [Route.LokiPush]: '/loki/api/v1/push', [Route.ElasticsearchBulk]: '/_bulk', [Route.SplunkHecEvent]: '/services/collector',
};

/** Routes whose figures are per record (their batches are not POINTS long). */
const LOG_ROUTES: ReadonlySet<Route> = new Set([Route.Logs, Route.LokiPush, Route.ElasticsearchBulk, Route.SplunkHecEvent]);

function taskOf(c: Case, seq: number): DecodeTask {
  // Each task transfers its own copy of the body, as the main thread does.
  const body = c.body.buffer.slice(c.body.byteOffset, c.body.byteOffset + c.body.length) as ArrayBuffer;
  return {
    seq, route: c.route, body, contentType: c.contentType, contentEncoding: '', receivedAtMs: NOW_MS, client: '127.0.0.1',
    path: PATHS[c.route] ?? '/v1/metrics', query: '', headers: {}, preferredRing: 0,
  };
}

/** Empties the ring as the pump would (outside the measured time). */
function drain(): void {
  const reader = new RingReader(ringSet.rings[0]!);
  while (reader.next()) reader.consume();
  reader.release();
}

/** CPU µs per request over `iterations` requests, and the records each gave. */
function round(c: Case, decode: (task: DecodeTask) => DecodeResult, iterations: number): { usPerRequest: number; records: number } {
  let cpuUs = 0;
  let records = 0;
  for (let i = 0; i < iterations; i++) {
    const task = taskOf(c, i + 1);
    const before = process.cpuUsage();
    const result = decode(task);
    const spent = process.cpuUsage(before);
    cpuUs += spent.user + spent.system;
    if (!result.ok) throw new Error(`${c.name}: refused: ${result.code} ${result.message}`);
    records = result.records;
    drain();
  }
  return { usPerRequest: cpuUs / iterations, records };
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
};

function main(): void {
  const decoders = CASES.map(decoderFor);
  CASES.forEach((c, i) => round(c, decoders[i]!, Math.max(200, ITERATIONS / 4))); // warm-up: JIT, ring pages
  const samples = CASES.map(() => [] as number[]);
  const records = CASES.map(() => 0);
  for (let r = 0; r < ROUNDS; r++) {
    CASES.forEach((c, i) => {
      const result = round(c, decoders[i]!, ITERATIONS);
      samples[i]!.push(result.usPerRequest);
      records[i] = result.records;
    });
  }
  const nativeUsPerRecord = median(samples[0]!) / records[0]!;
  process.stdout.write(`Node ${process.version}; ${ITERATIONS} requests × ${ROUNDS} rounds per case; medians of CPU per request.\n`);
  process.stdout.write(`| case | body bytes | records/request | CPU µs/request | CPU µs/record (point) | × native bench body µs/record |\n|---|---|---|---|---|---|\n`);
  CASES.forEach((c, i) => {
    const us = median(samples[i]!);
    // Passthrough: one message per request, counted per data point for comparison.
    const perRecord = us / (LOG_ROUTES.has(c.route) ? records[i]! : POINTS);
    process.stdout.write(`| ${c.name} | ${c.body.length} | ${records[i]} | ${us.toFixed(1)} | ${perRecord.toFixed(2)} | ${(perRecord / nativeUsPerRecord).toFixed(2)}× |\n`);
  });
}

main();
