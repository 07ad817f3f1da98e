// CPU per record of a pool worker's /metrics task, in process and alone: the
// decoder a worker runs (src/pool/decoder.ts → protocols/metrics-body.ts →
// protocols/native/metrics.ts → ring write) over the body `npm run bench`
// sends (a batch of ~110-byte metrics), the ring emptied between tasks (its
// read position moved to its write position: the pump's reading is the main
// thread's work, not counted here). Thread CPU, not wall time, so other load on the machine barely
// moves it; prints each round and the median.
//
//   npx tsc -p tsconfig.json && node dist/bench/json-decode-cost.js
//   JSON_COST_BATCH=100 JSON_COST_ROUNDS=7 JSON_COST_TASKS=20000 JSON_COST_MODE=per-record (defaults)
import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { loadConfig } from '../src/config/load';
import { createDecoder } from '../src/pool/decoder';
import type { WorkerData } from '../src/pool/task';
import { PartitionTable } from '../src/produce/partition-table';
import { FamilyTypeTable } from '../src/protocols/remote-write/family-types';
import { Route } from '../src/protocols/routes';
import { HEADER_BYTES, READ, WRITE, createRingSet } from '../src/ring/layout';
import { Signal } from '../src/signals';

const BATCH = Number(process.env['JSON_COST_BATCH'] ?? 100);
const ROUNDS = Number(process.env['JSON_COST_ROUNDS'] ?? 7);
const TASKS = Number(process.env['JSON_COST_TASKS'] ?? 20_000);
const MODE = process.env['JSON_COST_MODE'] === 'ndjson-batch' ? 'ndjson-batch' : 'per-record';
const CLOCK_TICKS = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());

/** The same body as bench/run.ts sends to /metrics. */
function body(batch: number): Buffer {
  const metrics = Array.from({ length: batch }, (_, i) => ({
    name: 'http_requests_total', value: i, type: 'counter', labels: { host: `web-${i % 50}`, code: '200' },
  }));
  return Buffer.from(JSON.stringify({ batch_timestamp: 1_762_045_907_341, metrics }));
}

/** utime + stime of this (the main) thread, in µs; the clock ticks are coarse, so rounds are long. */
function threadCpuMicros(): number {
  const stat = readFileSync('/proc/thread-self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS) * 1e6;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

const config = loadConfig({ env: { METRICSTREAM_KAFKA_MESSAGE_MODE: MODE } });
const ringSet = createRingSet(1, 8 * 1024 * 1024);
const partitions = new PartitionTable();
const workerData: WorkerData = {
  ringSet,
  bodyArena: new SharedArrayBuffer(0), ringSoftEnd: Infinity, partitionCounts: partitions.shared,
  messageMode: MODE,
  deferUnknownPartitions: false,
  limits: config.limits,
  maxDecompressedBytes: config.ingest.maxDecompressedBytes,
  logKeyField: config.kafka.logKeyField,
  otlpEncoding: config.otlp.encoding,
  maxDecodedBytes: config.pool.workerMaxHeapMb * 1024 * 1024 / 4,
  familyTypes: new FamilyTypeTable().shared,
};
const decode = createDecoder(workerData);
const ringHeader = new Int32Array(ringSet.rings[0]!, 0, HEADER_BYTES / 4);
const payload = body(BATCH);

function runTask(seq: number): void {
  // A worker gets the body as a transferred ArrayBuffer of its own.
  const bytes = new ArrayBuffer(payload.length);
  payload.copy(new Uint8Array(bytes));
  const result = decode({
    seq, route: Route.Metrics, body: bytes, contentType: 'application/json', contentEncoding: '', receivedAtMs: 1_000,
    client: '127.0.0.1', path: '/metrics', query: '', headers: {}, preferredRing: 0,
  });
  if (!result.ok) throw new Error(`decode refused: ${result.code} ${result.message}`);
  Atomics.store(ringHeader, READ, Atomics.load(ringHeader, WRITE));
}

if (MODE === 'ndjson-batch') partitions.set(Signal.Metrics, 12);
for (let i = 1; i <= 2000; i++) runTask(i);
const perRecord: number[] = [];
for (let round = 0; round < ROUNDS; round++) {
  const before = threadCpuMicros();
  for (let i = 1; i <= TASKS; i++) runTask(i);
  const micros = (threadCpuMicros() - before) / (TASKS * BATCH);
  perRecord.push(micros);
  process.stdout.write(`round ${round + 1}: ${micros.toFixed(3)} µs/record\n`);
}
process.stdout.write(`median ${median(perRecord).toFixed(3)} µs/record (${MODE}, ${BATCH}-metric arrays, ${payload.length} bytes)\n`);
