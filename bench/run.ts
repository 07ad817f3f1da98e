// npm run bench: the daemon and the baseline bridge (bench/baseline/) under the
// same wrk load against the same mock Kafka cluster (3 brokers), one scenario
// at a time, each target started fresh so its peak RSS is its own. Records are
// counted in Kafka (high watermarks), not from 2xx answers. Per scenario it
// reports main-thread and all-thread CPU µs per record (per request at
// 1-record batches; /proc/<pid>/task/<pid>/stat and /proc/<pid>/stat) and the
// projected one-process ceiling, 1e6 / main-thread µs per record.
//
// Environment: BENCH_DURATION_S (default 10), BENCH_BATCHES (default "1,100,1000";
// "" skips the native scenarios), BENCH_CONNECTIONS (default "16,64,256"),
// BENCH_REMOTE_WRITE (samples per remote_write request, default 500, run at
// every BENCH_CONNECTIONS for metricstream and metricstream-batch, in
// remote_write 1.0 and then 2.0 — io.prometheus.write.v2.Request, the same
// series with their metadata, as Prometheus 3 sends them; "" or 0 skips both), BENCH_OTLP (data points per OTLP/HTTP protobuf request to
// /v1/metrics, default 100; "" or 0 skips it), BENCH_INFLUX (InfluxDB line
// protocol lines per gzip'd POST /write, default 1000 as Telegraf batches, run
// at every BENCH_CONNECTIONS for metricstream; "" or 0 skips it), BENCH_TARGETS (default
// "metricstream,metricstream-batch,metricstream-spool,baseline"; metricstream-x2, not
// run by default, is two per-record daemons sharing the ingest port with
// ingest.reusePort, one worker each: its CPU and RSS are the pair's sums, its
// main-thread µs per record is both main threads' CPU over the records).
// metricstream-batch runs
// kafka.messageMode=ndjson-batch; its Kafka messages hold many records, so its
// records are the daemon's metricstream_records_delivered_total (records in
// messages Kafka acknowledged), with the message count from the watermarks.
// BENCH_KAFKA=real runs against a real Apache Kafka broker instead of the mock
// cluster (one KRaft node from test/support/kafka/, replication factor 1) and
// adds the CPU the broker's JVM took during the measured run.
// metricstream targets run with the V8 options every launcher gives the daemon
// (src/lifecycle/node-options.ts), the baseline bridge with node's defaults;
// BENCH_NODE_ARGS="--max-semi-space-size=16" gives the daemon V8's default
// back (the later option wins).
// BENCH_NODE_ARGS: extra node options for every target, split at spaces (e.g.
// "--cpu-prof --cpu-prof-dir=/tmp/prof" to profile them; node refuses
// --cpu-prof in NODE_OPTIONS).
// BENCH_RSS_BREAKDOWN=1: during each measured run, bench/rss-breakdown.ts
// samples the daemon's mappings and prints where its peak resident memory is
// (node's binary, malloc arenas, V8 pages of the main isolate and of the
// workers, stacks), in the output and in bench/RESULTS.md.
// BENCH_LOGS (default "logs,loki,elasticsearch,splunk_hec"; "" skips them): the
// log routes at 64 connections for metricstream, each at its shippers' default
// batch (LOG_BATCH below): /logs NDJSON, Loki push (protobuf + snappy),
// Elasticsearch _bulk, Splunk HEC events.
// BENCH_OTELCOL (default "otlp_proto,otlp_json" with BENCH_KAFKA=real, else
// ""): the OpenTelemetry Collector (scripts/clients/build-otelcol.sh, otlp
// receiver → kafka exporter, sending queue off, no batch processor, acks=all:
// it answers after Kafka, one message per request) beside metricstream's
// passthrough of the same encoding (otlp.encoding.metrics) and its per-point
// records, BENCH_OTLP points per request at 64 connections, the body in the
// encoding named (protobuf for otlp_proto, OTLP/JSON for otlp_json). Only on a
// real broker: the collector's Kafka client (franz-go) makes no progress
// against librdkafka's mock cluster. BENCH_OTELCOL_ROUNDS (default 3) rounds,
// the three targets alternating within each, the load average printed before
// each round; the table gives medians and the ratios to the collector.
// metricstream-spool runs delivery.mode=spool (answers after fdatasync in a
// spool under the system's temporary directory, replayed to Kafka); besides
// the common figures it reports fsyncs/s and requests per fsync, and, at
// 100-record batches and 64 connections, a run with every broker down (the
// spool filling) followed by the replay once they are back.
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { Producer } from 'node-rdkafka';
import { gzipSync } from 'node:zlib';
import { compressSync } from 'snappy';
import { MockKafka } from '../test/support/mock-kafka';
import { KafkaCluster } from '../test/support/kafka/cluster';
import { logBody, type LogFormat } from './log-bodies';
import { otlpMetricsBody, otlpMetricsJsonBody, otlpRecordsAsNativeBody } from './otlp-bodies';
import { WriteRequest } from '../src/protocols/remote-write/decode';
import { RequestV2 } from '../src/protocols/remote-write/v2';
import { DAEMON_NODE_OPTIONS } from '../src/lifecycle/node-options';
import { breakdownTable, peakRssBytes, type Breakdown } from './rss-breakdown';

const ROOT = path.resolve(__dirname, '../..');
const DURATION_S = Number(process.env['BENCH_DURATION_S'] ?? 10);
const BATCHES = (process.env['BENCH_BATCHES'] ?? '1,100,1000').split(',').filter((b) => b.trim() !== '').map(Number);
const CONNECTIONS = (process.env['BENCH_CONNECTIONS'] ?? '16,64,256').split(',').map(Number);
const TARGETS = (process.env['BENCH_TARGETS'] ?? 'metricstream,metricstream-batch,metricstream-spool,baseline').split(',');
const PARTITIONS = 8;
const KAFKA = process.env['BENCH_KAFKA'] ?? 'mock';
type OtlpPassthrough = 'otlp_proto' | 'otlp_json';
const OTELCOL_ENCODINGS = (process.env['BENCH_OTELCOL'] ?? (KAFKA === 'real' ? 'otlp_proto,otlp_json' : '')).split(',')
  .map((e) => e.trim()).filter((e) => e !== '') as OtlpPassthrough[];
const OTELCOL_ROUNDS = Number(process.env['BENCH_OTELCOL_ROUNDS'] ?? 3);
const OTELCOL = path.join(process.env['METRICSTREAM_CI_CACHE'] ?? path.join(os.homedir(), '.cache/metricstream-ci'), 'otelcol-0.165.0/otelcol');

/** Where the records go: the mock cluster, or a real broker. */
interface BenchKafka {
  readonly bootstrap: string;
  readonly description: string;
  createTopic(topic: string): Promise<void>;
  /** The broker's process, for its CPU time (real Kafka only). */
  brokerPid(): number | undefined;
  /** Every broker gone (the spool outage run), and back. */
  brokersDown(): Promise<void>;
  brokersUp(): Promise<void>;
  stop(): Promise<void>;
}

async function startKafka(): Promise<BenchKafka> {
  if (KAFKA === 'real') {
    const kafka = await KafkaCluster.start({ nodes: 1 });
    return {
      bootstrap: kafka.bootstrap,
      description: `Real Apache Kafka 4.1.1: 1 KRaft node (JVM -Xmx256m), ${PARTITIONS} partitions, replication factor 1, acks=all`,
      createTopic: (topic) => kafka.createTopic(topic, PARTITIONS, 1),
      brokerPid: () => kafka.pid(1),
      brokersDown: () => kafka.kill(1),
      brokersUp: async () => {
        kafka.restart(1);
        await kafka.waitForBroker(1);
      },
      stop: () => kafka.stop(),
    };
  }
  if (KAFKA !== 'mock') throw new Error(`BENCH_KAFKA=${KAFKA}: use mock or real`);
  const kafka = await MockKafka.start({ brokers: 3, topics: {} });
  return {
    bootstrap: kafka.bootstrap,
    description: `Mock Kafka: 3 brokers, ${PARTITIONS} partitions, acks=all`,
    createTopic: async (topic) => void (await kafka.command(`topic ${topic} ${PARTITIONS}`)),
    brokerPid: () => undefined,
    brokersDown: async () => {
      for (const id of [1, 2, 3]) await kafka.command(`down ${id}`);
    },
    brokersUp: async () => {
      for (const id of [1, 2, 3]) await kafka.command(`up ${id}`);
    },
    stop: () => kafka.stop(),
  };
}
const CLK_TCK = 100;

/** format remote_write: Prometheus remote_write bodies of `batch` samples to /api/v1/write;
 * otlp: OTLP/HTTP protobuf ExportMetricsServiceRequests of `batch` data points to /v1/metrics;
 * native_otlp_records: /metrics JSON arrays of the records those OTLP requests become;
 * influx: gzip'd line protocol of `batch` lines (one field each) to /write. */
interface Scenario { batch: number; connections: number; format?: 'native' | 'native_otlp_records' | 'remote_write' | 'remote_write_v2' | 'otlp' | 'otlp_json' | 'influx' | LogFormat }

const LOG_FORMATS = (process.env['BENCH_LOGS'] ?? 'logs,loki,elasticsearch,splunk_hec').split(',').filter((f) => f.trim() !== '') as LogFormat[];
/** Records per request at the shippers' defaults: Filebeat's bulk_max_size
 * (1600); about Promtail's and Alloy's 1 MiB batch of ~1 KiB lines for Loki
 * (1000, 10 streams); the OpenTelemetry Collector's and Vector's HEC batches
 * of ~1 MiB (1000 events); /logs at the same 1000 for comparison. */
const LOG_BATCH: Readonly<Record<LogFormat, number>> = { logs: 1000, loki: 1000, elasticsearch: 1600, splunk_hec: 1000 };

interface Payload { body: string | Buffer; contentType: string; encoding?: string; path: string }

/** A count from the environment; "" or 0 means the scenario is skipped (0 returned). */
function scenarioSize(name: string, fallback: number): number {
  const value = process.env[name] ?? String(fallback);
  return value.trim() === '' ? 0 : Number(value);
}

/** Prometheus' default batch (queue_config.max_samples_per_send). */
const REMOTE_WRITE_SAMPLES = scenarioSize('BENCH_REMOTE_WRITE', 500);
/** Data points per OTLP request (the issue asks for 100). */
const OTLP_POINTS = scenarioSize('BENCH_OTLP', 100);
/** Lines per InfluxDB write (Telegraf's default metric_batch_size). */
const INFLUX_LINES = scenarioSize('BENCH_INFLUX', 1000);

/** What Telegraf's outputs.influxdb sends: gzip'd line protocol, ns timestamps,
 * here one field per line so lines = records (as the native scenario's metrics). */
function influxBody(lines: number): Buffer {
  const ns = `${Date.now()}000000`;
  const text = Array.from({ length: lines }, (_, i) => `http_requests,host=web-${i % 50},code=200 total=${i}i ${ns}`).join('\n');
  return gzipSync(text + '\n');
}

function remoteWriteBody(samples: number): Buffer {
  const now = Date.now();
  const timeseries = Array.from({ length: samples }, (_, i) => ({
    labels: [{ name: '__name__', value: 'http_requests_total' }, { name: 'code', value: '200' }, { name: 'instance', value: `web-${i % 50}:9100` }, { name: 'job', value: 'web' }, { name: 'path', value: `/api/${i}` }],
    samples: [{ value: i, timestamp: now }],
  }));
  return compressSync(Buffer.from(WriteRequest.encode(WriteRequest.fromObject({ timeseries })).finish()));
}

/** The same series as remoteWriteBody, as remote_write 2.0: one symbols table, labels_refs, counter metadata. */
function remoteWriteV2Body(samples: number): Buffer {
  const now = Date.now();
  const symbols = ['', '__name__', 'http_requests_total', 'code', '200', 'instance', 'job', 'web', 'path'];
  const ref = (text: string): number => {
    const at = symbols.indexOf(text);
    return at >= 0 ? at : symbols.push(text) - 1;
  };
  const timeseries = Array.from({ length: samples }, (_, i) => ({
    labelsRefs: [1, 2, 3, 4, 5, ref(`web-${i % 50}:9100`), 6, 7, 8, ref(`/api/${i}`)],
    samples: [{ value: i, timestamp: now }],
    metadata: { type: 1 },
  }));
  return compressSync(Buffer.from(RequestV2.encode(RequestV2.fromObject({ symbols, timeseries })).finish()));
}

/** A Lua string literal of any bytes (decimal escapes). */
function luaString(body: string | Buffer): string {
  if (typeof body === 'string') return JSON.stringify(body);
  return '"' + Array.from(body, (b) => '\\' + String(b).padStart(3, '0')).join('') + '"';
}
interface Result {
  target: string; batch: number; connections: number;
  requestsPerS: number; non2xx: number; socketErrors: number;
  recordsPerS: number; mbPerS: number; p50Ms: number; p99Ms: number; p999Ms: number;
  cpuCores: number; peakRssMb: number;
  /** CPU µs per record delivered (per request at 1-record batches): the main
   * thread's (/proc/<pid>/task/<pid>/stat) and all threads' (/proc/<pid>/stat),
   * from the start of the measured run until its deliveries have settled. */
  mainUsPerRecord: number; allUsPerRecord: number;
  /** Processes of the target (metricstream-x2: 2); the ceiling scales with them. */
  processes: number;
  /** CPU cores the real broker took during the measured run. */
  brokerCpuCores?: number;
  /** A second run paced to half the first run's request rate. */
  half?: { requestsPerS: number; p50Ms: number; p99Ms: number };
  /** BENCH_RSS_BREAKDOWN=1: the daemon's resident memory by part, at its peak sample. */
  rss?: Breakdown;
  /** metricstream-spool: group commit during the measured run. */
  spool?: { fsyncsPerS: number; requestsPerFsync: number; meanSyncMs: number };
}

interface WrkSummary { requests: number; duration_us: number; non2xx: number; socket_errors: number; p50: number; p99: number; p999: number }

function runWrk(script: string, connections: number, seconds: number, port: number): WrkSummary {
  const wrk = spawnSync('wrk', ['-t1', `-c${connections}`, `-d${seconds}s`, '--timeout', '30s', '-s', script, `http://127.0.0.1:${port}/`], { encoding: 'utf8' });
  const line = /WRKJSON (.*)/.exec(wrk.stdout)?.[1];
  if (!line) throw new Error(`wrk said: ${wrk.stdout} ${wrk.stderr}`);
  return JSON.parse(line) as WrkSummary;
}

function ensureWrk(): void {
  if (spawnSync('wrk', ['--version']).error === undefined) return;
  process.stderr.write('wrk not found: installing Debian package wrk\n');
  execFileSync('apt-get', ['update'], { stdio: 'inherit' });
  execFileSync('apt-get', ['install', '-y', 'wrk'], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
}

/** ~110-byte metrics, as in the issue's scenarios. */
function body(batch: number): string {
  const metrics = Array.from({ length: batch }, (_, i) => ({
    name: 'http_requests_total', value: i, type: 'counter', labels: { host: `web-${i % 50}`, code: '200' },
  }));
  return JSON.stringify({ batch_timestamp: 1_762_045_907_341, metrics });
}

/** delayMs > 0 paces each connection: wrk waits a random 0..2×delayMs before
 * each request (random, so connections do not fall into step and arrive in
 * bursts; a closed-loop approximation of a fixed rate, the achieved rate is
 * measured). */
function wrkScript(dir: string, payload: Payload, delayMs = 0): string {
  const file = path.join(dir, `post-${payload.path.replace(/\W/g, '')}-${payload.body.length}-${delayMs}.lua`);
  writeFileSync(file, `wrk.method = "POST"
wrk.path = "${payload.path}"
${delayMs > 0 ? `delay = function() return math.random(0, ${2 * delayMs}) end
` : ''}wrk.body = ${luaString(payload.body)}
wrk.headers["Content-Type"] = "${payload.contentType}"
${payload.encoding ? `wrk.headers["Content-Encoding"] = "${payload.encoding}"\n` : ''}done = function(summary, latency, requests)
  io.write(string.format('WRKJSON {"requests":%d,"duration_us":%d,"non2xx":%d,"socket_errors":%d,"p50":%d,"p99":%d,"p999":%d}\\n',
    summary.requests, summary.duration, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency:percentile(50), latency:percentile(99), latency:percentile(99.9)))
end
`);
  return file;
}

/** `others`: further processes sharing the ingest port (metricstream-x2). */
interface Target { child: ChildProcess; port: number; adminPort: number; others?: ChildProcess[] }

const NODE_ARGS = (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter((a) => a !== '');

function startProcess(args: string[], env: Record<string, string>, readyPattern: RegExp): Promise<Target> {
  const daemon = args[0]!.endsWith('dist/main.js') ? DAEMON_NODE_OPTIONS : [];
  const child = spawn(process.execPath, [...daemon, ...NODE_ARGS, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${args[0]} not ready in 30 s`)), 30_000);
    child.once('exit', (code) => reject(new Error(`${args[0]} exited ${code}`)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const match = readyPattern.exec(line);
      if (match) {
        clearTimeout(timer);
        resolve({ child, port: Number(match[1]), adminPort: Number(match[2] ?? 0) });
      }
    });
  });
}

/** A port free when asked (the kernel's pick, released at once). */
function freePort(): Promise<number> {
  const server = createServer();
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => {
    const { port } = server.address() as AddressInfo;
    server.close(() => resolve(port));
  }));
}

/** metricstream-x2: two per-record daemons sharing one ingest port
 * (ingest.reusePort), one worker each (docs/operations.md: P × (W + 1) ≈ cores). */
async function startPair(bootstrap: string, topic: string): Promise<Target> {
  const port = String(await freePort());
  const env = {
    METRICSTREAM_BROKERS: bootstrap, METRICSTREAM_KAFKA_TOPICS_METRICS: topic, METRICSTREAM_PORT: port, METRICSTREAM_ADMIN_PORT: '0',
    METRICSTREAM_INGEST_HOST: '127.0.0.1', METRICSTREAM_INGEST_REUSE_PORT: 'true', METRICSTREAM_WORKERS: '1',
  };
  const ready = /"ingest":"[^"]*:(\d+)","admin":"[^"]*:(\d+)"/;
  const first = await startProcess([path.join(ROOT, 'dist/main.js')], env, ready);
  const second = await startProcess([path.join(ROOT, 'dist/main.js')], env, ready);
  return { ...first, others: [second.child] };
}

/** The OpenTelemetry Collector as the issue's comparison has it: otlp receiver
 * (HTTP) → kafka exporter, no batch processor, sending queue and retries off
 * (the request is answered when Kafka has the message), acks=all. */
async function startOtelcol(bootstrap: string, topic: string, dir: string, encoding: OtlpPassthrough): Promise<Target> {
  const port = await freePort();
  const config = path.join(dir, `otelcol-${topic}.yaml`);
  writeFileSync(config, `receivers:
  otlp:
    protocols:
      http:
        endpoint: 127.0.0.1:${port}
exporters:
  kafka:
    brokers: [${bootstrap}]
    metrics:
      topic: ${topic}
      encoding: ${encoding}
    producer:
      required_acks: -1
    sending_queue:
      enabled: false
    retry_on_failure:
      enabled: false
service:
  telemetry:
    metrics:
      level: none
  pipelines:
    metrics:
      receivers: [otlp]
      exporters: [kafka]
`);
  const child = spawn(OTELCOL, [`--config=${config}`], { stdio: ['ignore', 'ignore', 'pipe'] });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('otelcol not ready in 30 s')), 30_000);
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`otelcol exited ${code} (${OTELCOL}; build it with scripts/clients/build-otelcol.sh)`)));
    createInterface({ input: child.stderr! }).on('line', (line) => {
      if (!line.includes('Everything is ready')) return;
      clearTimeout(timer);
      resolve({ child, port, adminPort: 0 });
    });
  });
}

function startTarget(target: string, bootstrap: string, topic: string, dir: string): Promise<Target> {
  if (target === 'metricstream-x2') return startPair(bootstrap, topic);
  if (target.startsWith('otelcol:')) return startOtelcol(bootstrap, topic, dir, target.slice('otelcol:'.length) as OtlpPassthrough);
  if (target === 'baseline') {
    return startProcess([path.join(ROOT, 'dist/bench/baseline/bridge.js'), bootstrap, topic, '0'], {}, /"port":(\d+)/);
  }
  // metricstream-otlp:<encoding>: otlp.encoding.metrics as named (records: per data point).
  const otlpEncoding: Record<string, string> = target.startsWith('metricstream-otlp:') ? { METRICSTREAM_OTLP_ENCODING_METRICS: target.slice('metricstream-otlp:'.length) } : {};
  const spool: Record<string, string> = target === 'metricstream-spool'
    ? { METRICSTREAM_DELIVERY_MODE: 'spool', METRICSTREAM_SPOOL_DIR: path.join(dir, `spool-${topic}`) } : {};
  return startProcess([path.join(ROOT, 'dist/main.js')], {
    METRICSTREAM_BROKERS: bootstrap, METRICSTREAM_KAFKA_TOPICS_METRICS: topic, METRICSTREAM_KAFKA_TOPICS_LOGS: topic,
    METRICSTREAM_PORT: '0', METRICSTREAM_ADMIN_PORT: '0', METRICSTREAM_INGEST_HOST: '127.0.0.1',
    METRICSTREAM_KAFKA_MESSAGE_MODE: target === 'metricstream-batch' ? 'ndjson-batch' : 'per-record',
    ...spool, ...otlpEncoding,
  }, /"ingest":"[^"]*:(\d+)","admin":"[^"]*:(\d+)"/);
}

/** utime + stime (fields 14 and 15) of a process (all its threads), or with
 * `tid` of one thread; the main thread's tid is the pid. */
function cpuTicks(pid: number, tid?: number): number {
  const file = tid === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${tid}/stat`;
  const fields = readFileSync(file, 'utf8').split(') ')[1]!.split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

/** What the main threads bound a target to when cores are plentiful: one
 * main thread does 1e6 / µs records/s; `processes` of them, that many times. */
function ceiling(mainUsPerRecord: number, processes = 1): number {
  return mainUsPerRecord > 0 ? processes * 1e6 / mainUsPerRecord : NaN;
}

function peakRssMb(pid: number): number {
  return peakRssBytes(pid) / 2 ** 20;
}

function recordsInTopic(client: Producer, topic: string): Promise<number> {
  return Promise.all(Array.from({ length: PARTITIONS }, (_, p) => new Promise<number>((resolve, reject) =>
    client.queryWatermarkOffsets(topic, p, 5_000, (err, offsets) => (err ? reject(err) : resolve(offsets.highOffset))),
  ))).then((highs) => highs.reduce((a, b) => a + b, 0));
}

async function runScenario(kafka: BenchKafka, client: Producer, dir: string, target: string, s: Scenario, n: number): Promise<Result> {
  const topic = `bench-${n}-${target.replace(/[^a-zA-Z0-9._-]/g, '_')}-${s.batch}-${s.connections}`;
  await kafka.createTopic(topic);
  const started = await startTarget(target, kafka.bootstrap, topic, dir);
  try {
    return await measure(client, dir, target, s, topic, started, kafka.brokerPid());
  } finally {
    for (const child of [started.child, ...(started.others ?? [])]) {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        await new Promise((r) => child.once('exit', r));
      }
    }
  }
}

async function adminMetric(adminPort: number, name: string): Promise<number> {
  const text = await fetch(`http://127.0.0.1:${adminPort}/metrics`).then((r) => r.text());
  return Number(new RegExp(`^${name} (\\S+)`, 'm').exec(text)?.[1] ?? NaN);
}

function deliveredCounter(adminPort: number): Promise<number> {
  return adminMetric(adminPort, 'metricstream_records_delivered_total');
}

interface SyncCounters { syncs: number; syncSeconds: number }

async function syncCounters(adminPort: number): Promise<SyncCounters> {
  return { syncs: await adminMetric(adminPort, 'metricstream_spool_syncs_total'), syncSeconds: await adminMetric(adminPort, 'metricstream_spool_sync_seconds_sum') };
}

function groupCommit(before: SyncCounters, after: SyncCounters, requests: number, seconds: number): NonNullable<Result['spool']> {
  const syncs = after.syncs - before.syncs;
  return { fsyncsPerS: syncs / seconds, requestsPerFsync: requests / Math.max(syncs, 1), meanSyncMs: (after.syncSeconds - before.syncSeconds) * 1000 / Math.max(syncs, 1) };
}

function payloadOf(s: Scenario): Payload {
  switch (s.format) {
    case 'remote_write': return { body: remoteWriteBody(s.batch), contentType: 'application/x-protobuf', encoding: 'snappy', path: '/api/v1/write' };
    case 'remote_write_v2': return { body: remoteWriteV2Body(s.batch), contentType: 'application/x-protobuf;proto=io.prometheus.write.v2.Request', encoding: 'snappy', path: '/api/v1/write' };
    case 'otlp': return { body: otlpMetricsBody(s.batch), contentType: 'application/x-protobuf', path: '/v1/metrics' };
    case 'otlp_json': return { body: otlpMetricsJsonBody(s.batch), contentType: 'application/json', path: '/v1/metrics' };
    case 'native_otlp_records': return { body: otlpRecordsAsNativeBody(s.batch), contentType: 'application/json', path: '/metrics' };
    case 'influx': return { body: influxBody(s.batch), contentType: 'text/plain; charset=utf-8', encoding: 'gzip', path: '/write?db=telegraf' };
    case 'logs': return { body: logBody('logs', s.batch, Date.now()), contentType: 'application/x-ndjson', path: '/logs' };
    case 'loki': return { body: logBody('loki', s.batch, Date.now()), contentType: 'application/x-protobuf', path: '/loki/api/v1/push' };
    case 'elasticsearch': return { body: logBody('elasticsearch', s.batch, Date.now()), contentType: 'application/x-ndjson', path: '/_bulk' };
    case 'splunk_hec': return { body: logBody('splunk_hec', s.batch, Date.now()), contentType: 'application/json', path: '/services/collector/event' };
    default: return { body: body(s.batch), contentType: 'application/json', path: '/metrics' };
  }
}

async function measure(client: Producer, dir: string, target: string, s: Scenario, topic: string, { child, port, adminPort, others = [] }: Target, brokerPid: number | undefined): Promise<Result> {
  // Every process of the target: CPU and peak RSS are their sums.
  const pids = [child.pid!, ...others.map((o) => o.pid!)];
  const allTicks = (): number => pids.reduce((sum, pid) => sum + cpuTicks(pid), 0);
  const mainTicks = (): number => pids.reduce((sum, pid) => sum + cpuTicks(pid, pid), 0);
  const batchMode = target === 'metricstream-batch';
  const payload = payloadOf(s);
  const script = wrkScript(dir, payload);
  // Warm-up, then the measured run.
  spawnSync('wrk', ['-t1', `-c${Math.min(s.connections, 16)}`, '-d2s', '-s', script, `http://127.0.0.1:${port}/metrics`]);
  await new Promise((r) => setTimeout(r, 1_000));
  const before = batchMode ? await deliveredCounter(adminPort) : await recordsInTopic(client, topic);
  const spoolMode = target === 'metricstream-spool';
  const syncs0 = spoolMode ? await syncCounters(adminPort) : undefined;
  const ticks0 = allTicks();
  const mainTicks0 = mainTicks();
  const brokerTicks0 = brokerPid === undefined ? 0 : cpuTicks(brokerPid);
  const rssSampler = RSS_BREAKDOWN ? sampleRssBeside(child.pid!, DURATION_S, target.startsWith('metricstream') ? adminPort : undefined) : undefined;
  const t0 = Date.now();
  const w = runWrk(script, s.connections, DURATION_S, port);
  const seconds = (Date.now() - t0) / 1000;
  const cpu = (allTicks() - ticks0) / CLK_TCK / seconds;
  const brokerCpu = brokerPid === undefined ? undefined : (cpuTicks(brokerPid) - brokerTicks0) / CLK_TCK / seconds;
  const spool = syncs0 === undefined ? undefined : groupCommit(syncs0, await syncCounters(adminPort), w.requests - w.non2xx, w.duration_us / 1e6);
  await new Promise((r) => setTimeout(r, 2_000));
  const delivered = (batchMode ? await deliveredCounter(adminPort) : await recordsInTopic(client, topic)) - before;
  // Per record: until the run's deliveries have settled (the 2 s above), so
  // the last delivery reports are paid for too.
  const usPerRecord = (ticks: number): number => (ticks * 1e6) / CLK_TCK / Math.max(delivered, 1);
  const mainUsPerRecord = usPerRecord(mainTicks() - mainTicks0);
  const allUsPerRecord = usPerRecord(allTicks() - ticks0);
  const rss = pids.reduce((sum, pid) => sum + peakRssMb(pid), 0);
  const rssParts = rssSampler === undefined ? undefined : await rssSampler;
  const wrkSeconds = w.duration_us / 1e6;
  const requestsPerS = (w.requests - w.non2xx) / wrkSeconds;
  // Half load: each connection waits connections / (rate / 2) between requests.
  const delayMs = Math.max(1, Math.round((s.connections * 1000) / (requestsPerS / 2)));
  const h = runWrk(wrkScript(dir, payload, delayMs), s.connections, DURATION_S, port);
  const half = { requestsPerS: (h.requests - h.non2xx) / (h.duration_us / 1e6), p50Ms: h.p50 / 1000, p99Ms: h.p99 / 1000 };
  return {
    target, batch: s.batch, connections: s.connections, half, ...(spool === undefined ? {} : { spool }),
    requestsPerS, non2xx: w.non2xx, socketErrors: w.socket_errors,
    recordsPerS: delivered / wrkSeconds, mbPerS: (delivered * (payload.body.length / s.batch)) / wrkSeconds / 1e6,
    p50Ms: w.p50 / 1000, p99Ms: w.p99 / 1000, p999Ms: w.p999 / 1000, cpuCores: cpu, peakRssMb: rss,
    mainUsPerRecord, allUsPerRecord, processes: pids.length,
    ...(brokerCpu === undefined ? {} : { brokerCpuCores: brokerCpu }),
    ...(rssParts === undefined ? {} : { rss: rssParts }),
  };
}

const RSS_BREAKDOWN = process.env['BENCH_RSS_BREAKDOWN'] === '1';

/** bench/rss-breakdown.ts in a child process: wrk runs synchronously here. */
function sampleRssBeside(pid: number, seconds: number, adminPort: number | undefined): Promise<Breakdown> {
  const sampler = spawn(process.execPath, [path.join(__dirname, 'rss-breakdown.js'), String(pid), String(seconds), ...(adminPort === undefined ? [] : [String(adminPort)]), '--json'], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  sampler.stdout.setEncoding('utf8').on('data', (chunk: string) => { out += chunk; });
  return new Promise((resolve, reject) => sampler.once('exit', (code) =>
    (code === 0 ? resolve(JSON.parse(out) as Breakdown) : reject(new Error(`rss-breakdown exited ${code}`)))));
}

function rssTables(results: Result[]): string {
  const sampled = results.filter((r) => r.rss !== undefined);
  if (sampled.length === 0) return '';
  return ['### Peak resident memory by part (BENCH_RSS_BREAKDOWN=1, bench/rss-breakdown.ts)', '',
    ...sampled.flatMap((r) => [`${r.target}, ${r.batch} per request, ${r.connections} connections:`, '', breakdownTable(r.rss!), ''])].join('\n');
}

interface OutageResult {
  requestsPerS: number; non2xx: number; recordsPerS: number; p50Ms: number; p99Ms: number; spool: NonNullable<Result['spool']>;
  spooledMessages: number; spooledBytes: number; replaySeconds: number; replayRecordsPerS: number;
}

/** Every broker down while wrk runs against the spool; then the brokers come
 * back and the spool's replay is timed until it holds nothing undelivered. */
async function runSpoolOutage(kafka: BenchKafka, dir: string, s: Scenario, n: number): Promise<OutageResult> {
  const topic = `bench-${n}-spool-outage`;
  await kafka.createTopic(topic);
  const { child, port, adminPort } = await startTarget('metricstream-spool', kafka.bootstrap, topic, dir);
  let down = false;
  try {
    const script = wrkScript(dir, payloadOf(s));
    await kafka.brokersDown();
    down = true;
    const accepted0 = await adminMetric(adminPort, 'metricstream_records_accepted_total');
    const syncs0 = await syncCounters(adminPort);
    const w = runWrk(script, s.connections, DURATION_S, port);
    const wrkSeconds = w.duration_us / 1e6;
    const spool = groupCommit(syncs0, await syncCounters(adminPort), w.requests - w.non2xx, wrkSeconds);
    const accepted = await adminMetric(adminPort, 'metricstream_records_accepted_total') - accepted0;
    const spooledMessages = await adminMetric(adminPort, 'metricstream_spool_messages');
    const spooledBytes = await adminMetric(adminPort, 'metricstream_spool_bytes');
    const replayed0 = await adminMetric(adminPort, 'metricstream_spool_replayed_records_total');
    await kafka.brokersUp();
    down = false;
    const t0 = Date.now();
    while (await adminMetric(adminPort, 'metricstream_spool_messages') > 0 && Date.now() - t0 < 300_000) await new Promise((r) => setTimeout(r, 100));
    const replaySeconds = (Date.now() - t0) / 1000;
    const replayed = await adminMetric(adminPort, 'metricstream_spool_replayed_records_total') - replayed0;
    return {
      requestsPerS: (w.requests - w.non2xx) / wrkSeconds, non2xx: w.non2xx + w.socket_errors, recordsPerS: accepted / wrkSeconds,
      p50Ms: w.p50 / 1000, p99Ms: w.p99 / 1000, spool, spooledMessages, spooledBytes, replaySeconds, replayRecordsPerS: replayed / replaySeconds,
    };
  } finally {
    if (down) await kafka.brokersUp();
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  }
}

function spoolTable(results: Result[], outage: OutageResult | undefined): string {
  const rows = ['| spool mode | batch | conns | 2xx req/s | records/s | p50 ms | p99 ms | fsyncs/s | requests per fsync | mean write+fdatasync ms |', '|---|---|---|---|---|---|---|---|---|---|'];
  for (const r of results) {
    if (r.spool === undefined) continue;
    rows.push(`| Kafka up (records/s into Kafka) | ${r.batch} | ${r.connections} | ${fmt(r.requestsPerS)} | ${fmt(r.recordsPerS)} | ${fmt(r.p50Ms, 1)} | ${fmt(r.p99Ms, 1)} | ${fmt(r.spool.fsyncsPerS)} | ${fmt(r.spool.requestsPerFsync, 1)} | ${fmt(r.spool.meanSyncMs, 2)} |`);
  }
  if (outage !== undefined) {
    rows.push(`| every broker down (records/s into the spool; ${outage.non2xx} non-2xx) | 100 | 64 | ${fmt(outage.requestsPerS)} | ${fmt(outage.recordsPerS)} | ${fmt(outage.p50Ms, 1)} | ${fmt(outage.p99Ms, 1)} | ${fmt(outage.spool.fsyncsPerS)} | ${fmt(outage.spool.requestsPerFsync, 1)} | ${fmt(outage.spool.meanSyncMs, 2)} |`);
    rows.push('', `Replay after the brokers returned: ${fmt(outage.spooledMessages)} spooled messages (${fmt(outage.spooledBytes / 2 ** 20, 1)} MiB) delivered in ${fmt(outage.replaySeconds, 1)} s, ${fmt(outage.replayRecordsPerS)} records/s.`);
  }
  return rows.length > 2 ? rows.join('\n') : '';
}

interface OtelcolRow { encoding: OtlpPassthrough; target: string; runs: Result[] }

/** Rounds of the collector, metricstream's passthrough and its per-point
 * records, alternating, per encoding; the load average before each round. */
async function runOtelcolComparison(kafka: BenchKafka, client: Producer, dir: string, next: () => number): Promise<OtelcolRow[]> {
  const rows: OtelcolRow[] = [];
  for (const encoding of OTELCOL_ENCODINGS) {
    const targets = [`otelcol:${encoding}`, `metricstream-otlp:${encoding}`, 'metricstream-otlp:records'];
    const byTarget = targets.map((target): OtelcolRow => ({ encoding, target, runs: [] }));
    const scenario: Scenario = { batch: OTLP_POINTS, connections: 64, format: encoding === 'otlp_proto' ? 'otlp' : 'otlp_json' };
    for (let round = 1; round <= OTELCOL_ROUNDS; round++) {
      process.stdout.write(`otelcol comparison, ${encoding}, round ${round}/${OTELCOL_ROUNDS}: load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}\n`);
      for (const row of byTarget) {
        const r = await runScenario(kafka, client, dir, row.target, scenario, next());
        row.runs.push(r);
        process.stdout.write(`  ${row.target}: ${fmt(r.requestsPerS)} req/s, ${fmt(r.recordsPerS)} messages/s into Kafka, p99 ${fmt(r.p99Ms, 1)} ms, ${fmt(r.cpuCores, 2)} cores, ${fmt(r.peakRssMb)} MB, ${r.non2xx + r.socketErrors} errors\n`);
      }
    }
    rows.push(...byTarget);
  }
  return rows;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function otelcolTable(rows: OtelcolRow[]): string {
  if (rows.length === 0) return '';
  const lines = [
    `OpenTelemetry Collector 0.165 (otlp receiver → kafka exporter, sending queue off, no batch processor, acks=all) beside metricstream, ${OTLP_POINTS} data points per request, 64 connections; medians of ${OTELCOL_ROUNDS} alternating rounds (requests/s and p99: the runs' figures; ratios of medians).`,
    '',
    '| body → Kafka encoding | target | 2xx req/s | data points/s | p99 ms | peak RSS MB | CPU cores | CPU ms/request | × otelcol req/s | × otelcol p99 | × otelcol RSS | non-2xx (all rounds) |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const row of rows) {
    const collector = rows.find((r) => r.encoding === row.encoding && r.target.startsWith('otelcol:'))!;
    const m = (runs: Result[], f: (r: Result) => number): number => median(runs.map(f));
    const rps = m(row.runs, (r) => r.requestsPerS);
    const p99 = m(row.runs, (r) => r.p99Ms);
    const rss = m(row.runs, (r) => r.peakRssMb);
    const cores = m(row.runs, (r) => r.cpuCores);
    const errors = row.runs.reduce((n, r) => n + r.non2xx + r.socketErrors, 0);
    const ratio = (mine: number, theirs: number): string => (row === collector ? '' : `${fmt(mine / theirs, 2)}×`);
    lines.push(`| ${row.encoding === 'otlp_proto' ? 'protobuf → otlp_proto' : 'OTLP/JSON → otlp_json'} | ${row.target} | ${fmt(rps)} | ${fmt(rps * OTLP_POINTS)} | ${fmt(p99, 1)} | ${fmt(rss)} | ${fmt(cores, 2)} | ${fmt(rps > 0 ? (cores * 1000) / rps : NaN, 3)} | ${ratio(rps, m(collector.runs, (r) => r.requestsPerS))} | ${ratio(p99, m(collector.runs, (r) => r.p99Ms))} | ${ratio(rss, m(collector.runs, (r) => r.peakRssMb))} | ${errors} |`);
  }
  return lines.join('\n');
}

function fmt(n: number, digits = 0): string {
  return n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

function table(results: Result[]): string {
  const broker = results.some((r) => r.brokerCpuCores !== undefined);
  const rows = [`| target | batch | conns | 2xx req/s | non-2xx | records/s into Kafka | MB/s | p50 ms | p99 ms | p99.9 ms | CPU cores |${broker ? ' broker CPU cores |' : ''} main-thread CPU µs/record | all-thread CPU µs/record | main-thread ceiling records/s (processes × 1e6 / main µs) | peak RSS MB | × baseline records/s (req/s) | × baseline: main µs, all µs, ceiling | at ~½ load: req/s, p50, p99 ms |`,
    `|---|---|---|---|---|---|---|---|---|---|---|${broker ? '---|' : ''}---|---|---|---|---|---|---|`];
  for (const r of results) {
    const base = results.find((b) => b.target === 'baseline' && b.batch === r.batch && b.connections === r.connections);
    const ratio = base && r.target !== 'baseline' && base.recordsPerS > 0
      ? `${fmt(r.recordsPerS / base.recordsPerS, 2)}× (req/s ${fmt(r.requestsPerS / Math.max(base.requestsPerS, 1), 2)}×)` : '';
    const cpuRatio = base && r.target !== 'baseline'
      ? `${fmt(r.mainUsPerRecord / base.mainUsPerRecord, 2)}×, ${fmt(r.allUsPerRecord / base.allUsPerRecord, 2)}×, ${fmt(ceiling(r.mainUsPerRecord, r.processes) / ceiling(base.mainUsPerRecord), 2)}×` : '';
    rows.push(`| ${r.target} | ${r.batch} | ${r.connections} | ${fmt(r.requestsPerS)} | ${r.non2xx + r.socketErrors} | ${fmt(r.recordsPerS)} | ${fmt(r.mbPerS, 1)} | ${fmt(r.p50Ms, 1)} | ${fmt(r.p99Ms, 1)} | ${fmt(r.p999Ms, 1)} | ${fmt(r.cpuCores, 2)} |${broker ? ` ${fmt(r.brokerCpuCores ?? NaN, 2)} |` : ''} ${fmt(r.mainUsPerRecord, 1)} | ${fmt(r.allUsPerRecord, 1)} | ${fmt(ceiling(r.mainUsPerRecord, r.processes))} | ${fmt(r.peakRssMb)} | ${ratio} | ${cpuRatio} | ${r.half ? `${fmt(r.half.requestsPerS)}, ${fmt(r.half.p50Ms, 1)}, ${fmt(r.half.p99Ms, 1)}` : ''} |`);
  }
  return rows.join('\n');
}

async function main(): Promise<void> {
  ensureWrk();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'metricstream-bench-'));
  const kafka = await startKafka();
  const client = new Producer({ 'bootstrap.servers': kafka.bootstrap });
  await new Promise<void>((resolve, reject) => client.connect({}, (err) => (err ? reject(err) : resolve())));
  const results: Result[] = [];
  let otelcolRows: OtelcolRow[] = [];
  let outage: OutageResult | undefined;
  let n = 0;
  try {
    for (const batch of BATCHES) {
      for (const connections of CONNECTIONS) {
        for (const target of TARGETS) {
          const r = await runScenario(kafka, client, dir, target, { batch, connections }, n++);
          results.push(r);
          process.stdout.write(`${target} batch=${batch} c=${connections}: ${fmt(r.recordsPerS)} records/s, ${fmt(r.requestsPerS)} req/s, p99 ${fmt(r.p99Ms, 1)} ms, ${fmt(r.cpuCores, 2)} cores${r.brokerCpuCores === undefined ? '' : ` (broker ${fmt(r.brokerCpuCores, 2)})`}, main ${fmt(r.mainUsPerRecord, 1)} µs/record (ceiling ${fmt(ceiling(r.mainUsPerRecord, r.processes))}/s), all ${fmt(r.allUsPerRecord, 1)} µs/record, ${fmt(r.peakRssMb)} MB\n`);
        }
      }
    }
    // remote_write at every connection count, per-record and ndjson-batch (as
    // far as BENCH_TARGETS asks for them). The baseline speaks only the native
    // format: no ratio for these.
    for (const connections of REMOTE_WRITE_SAMPLES > 0 ? CONNECTIONS : []) {
      for (const target of TARGETS.filter((t) => t === 'metricstream' || t === 'metricstream-batch')) {
        for (const format of ['remote_write', 'remote_write_v2'] as const) {
          const r = await runScenario(kafka, client, dir, target, { batch: REMOTE_WRITE_SAMPLES, connections, format }, n++);
          results.push({ ...r, target: `${target} ${format}` });
          process.stdout.write(`${target} ${format} ${REMOTE_WRITE_SAMPLES} samples c=${connections}: ${fmt(r.recordsPerS)} records/s, ${fmt(r.requestsPerS)} req/s, p99 ${fmt(r.p99Ms, 1)} ms, ${fmt(r.cpuCores, 2)} cores, main ${fmt(r.mainUsPerRecord, 1)} µs/record, all ${fmt(r.allUsPerRecord, 1)} µs/record, ${fmt(r.peakRssMb)} MB\n`);
        }
      }
    }
    // InfluxDB line protocol as Telegraf sends it (no baseline: it speaks only the native format).
    for (const connections of INFLUX_LINES > 0 && TARGETS.includes('metricstream') ? CONNECTIONS : []) {
      const r = await runScenario(kafka, client, dir, 'metricstream', { batch: INFLUX_LINES, connections, format: 'influx' }, n++);
      results.push({ ...r, target: 'metricstream influx' });
      process.stdout.write(`influx ${INFLUX_LINES} lines c=${connections}: ${fmt(r.recordsPerS)} records/s, ${fmt(r.requestsPerS)} req/s, p99 ${fmt(r.p99Ms, 1)} ms, ${fmt(r.cpuCores, 2)} cores, main ${fmt(r.mainUsPerRecord, 1)} µs/record, all ${fmt(r.allUsPerRecord, 1)} µs/record, ${fmt(r.peakRssMb)} MB\n`);
    }
    if (TARGETS.includes('metricstream-spool')) {
      outage = await runSpoolOutage(kafka, dir, { batch: 100, connections: 64 }, n++);
      process.stdout.write(`spool, brokers down, batch=100 c=64: ${fmt(outage.recordsPerS)} records/s spooled, ${fmt(outage.requestsPerS)} req/s, p99 ${fmt(outage.p99Ms, 1)} ms; replay ${fmt(outage.replayRecordsPerS)} records/s\n`);
    }
    if (OTLP_POINTS > 0 && TARGETS.includes('metricstream')) {
      // OTLP/HTTP protobuf, one record per data point (otlp.encoding.metrics "records"); no baseline either.
      const r = await runScenario(kafka, client, dir, 'metricstream', { batch: OTLP_POINTS, connections: 64, format: 'otlp' }, n++);
      results.push({ ...r, target: 'metricstream otlp' });
      process.stdout.write(`otlp ${OTLP_POINTS} points c=64: ${fmt(r.recordsPerS)} records/s, ${fmt(r.requestsPerS)} req/s, p99 ${fmt(r.p99Ms, 1)} ms, ${fmt(r.cpuCores, 2)} cores, main ${fmt(r.mainUsPerRecord, 1)} µs/record, all ${fmt(r.allUsPerRecord, 1)} µs/record, ${fmt(r.peakRssMb)} MB\n`);
      // The same Kafka records posted as native JSON: what the OTLP route's records cost past decoding.
      const same = await runScenario(kafka, client, dir, 'metricstream', { batch: OTLP_POINTS, connections: 64, format: 'native_otlp_records' }, n++);
      results.push({ ...same, target: 'metricstream JSON of the OTLP records' });
      process.stdout.write(`JSON of the OTLP records, ${OTLP_POINTS} per request c=64: ${fmt(same.recordsPerS)} records/s, main ${fmt(same.mainUsPerRecord, 1)} µs/record, all ${fmt(same.allUsPerRecord, 1)} µs/record, ${fmt(same.peakRssMb)} MB\n`);
      const native = results.find((x) => x.target === 'metricstream' && x.batch === OTLP_POINTS && x.connections === 64);
      process.stdout.write(`OTLP points/s ÷ JSON records/s: ${native === undefined ? 'n/a (no native run at this batch and 64 connections)' : `${fmt(r.recordsPerS / native.recordsPerS, 2)}×`} (the bench body's records); ${fmt(r.recordsPerS / same.recordsPerS, 2)}× (the same records)\n`);
    }
    if (OTELCOL_ENCODINGS.length > 0 && OTLP_POINTS > 0) {
      if (KAFKA !== 'real') throw new Error('BENCH_OTELCOL needs BENCH_KAFKA=real: the collector\'s Kafka client makes no progress against the mock cluster');
      otelcolRows = await runOtelcolComparison(kafka, client, dir, () => n++);
    }
    for (const format of TARGETS.includes('metricstream') ? LOG_FORMATS : []) {
      // The log shippers' routes beside /logs NDJSON, in one run; no baseline (it speaks only /metrics).
      const r = await runScenario(kafka, client, dir, 'metricstream', { batch: LOG_BATCH[format], connections: 64, format }, n++);
      results.push({ ...r, target: `metricstream ${format}` });
      process.stdout.write(`${format} ${LOG_BATCH[format]} records c=64: ${fmt(r.recordsPerS)} records/s, ${fmt(r.requestsPerS)} req/s, p99 ${fmt(r.p99Ms, 1)} ms, ${fmt(r.cpuCores, 2)} cores, all ${fmt(r.allUsPerRecord, 1)} µs/record, ${fmt(r.peakRssMb)} MB\n`);
    }
  } finally {
    await new Promise<void>((resolve) => client.disconnect(() => resolve()));
    await kafka.stop();
  }
  const commit = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).stdout.trim() || 'unknown';
  const cpus = os.cpus();
  const section = [
    `## ${new Date().toISOString()} — commit ${commit}`,
    '',
    `Machine: ${cpus.length} × ${cpus[0]?.model ?? 'cpu'}, ${fmt(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}. ` +
      `${kafka.description}. wrk -t1, ${DURATION_S} s per scenario after a 2 s warm-up; load generator and targets share the machine.`,
    `Command: \`${['BENCH_KAFKA', 'BENCH_DURATION_S', 'BENCH_BATCHES', 'BENCH_CONNECTIONS', 'BENCH_REMOTE_WRITE', 'BENCH_OTLP', 'BENCH_INFLUX', 'BENCH_LOGS', 'BENCH_TARGETS', 'BENCH_OTELCOL', 'BENCH_OTELCOL_ROUNDS', 'BENCH_RSS_BREAKDOWN', 'BENCH_NODE_ARGS'].filter((k) => process.env[k] !== undefined).map((k) => `${k}=${/\s/.test(process.env[k]!) ? JSON.stringify(process.env[k]) : process.env[k]}`).join(' ')} npm run bench\``.replace('` ', '`'),
    '',
    results.length > 0 ? table(results) : '',
    '',
    spoolTable(results, outage),
    '',
    otelcolTable(otelcolRows),
    '',
    rssTables([...results, ...otelcolRows.flatMap((row) => row.runs.map((r) => ({ ...r, target: row.target })))]),
  ].join('\n');
  appendFileSync(path.join(ROOT, 'bench/RESULTS.md'), section + '\n');
  process.stdout.write('\n' + section + '\n');
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
