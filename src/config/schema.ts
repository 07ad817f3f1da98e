// One schema for every option: type, default (with where it comes from) and
// unit in the name. The TypeScript type of the configuration is derived from
// it, so nothing else can drift. Unknown keys are rejected (z.strictObject).
import { availableParallelism } from 'node:os';
import { z } from 'zod';

const MiB = 1024 * 1024;

const port = z.number().int().min(0).max(65535);
const positiveInt = z.number().int().positive();

/** Pool size from the host: one thread per core, capped at 16 (the large-host
 * setting of SPEC §2; 16 threads on 2 cores measured 2.45× slower than 2). */
export function defaultPoolThreads(): number {
  return Math.max(1, Math.min(16, availableParallelism()));
}

const auth = z.strictObject({
  /** Bearer tokens accepted on the ingest listener; empty (with no file) = no auth. */
  tokens: z.array(z.string().min(16, 'tokens must be at least 16 characters')).default([]),
  /** File with one token per line (read at start), added to `tokens`. */
  tokensFile: z.string().default(''),
});

const tls = z.strictObject({
  /** PEM certificate chain and key; both set = HTTPS on the ingest listener. */
  certFile: z.string().default(''),
  keyFile: z.string().default(''),
});

const ingest = z.strictObject({
  host: z.string().min(1).default('0.0.0.0'),
  port: port.default(8090),
  /** Share the ingest port with other metricstream processes (SO_REUSEPORT;
   * the kernel spreads connections across them). Every instance on the port
   * must set it, each with its own admin.port; false = the listen is
   * exclusive and a busy port stops start-up (issue 12). */
  reusePort: z.boolean().default(false),
  auth: auth.default(auth.parse({})),
  tls: tls.default(tls.parse({})),
  /** Bodies over this are refused with 413, from Content-Length before reading. */
  maxBodyBytes: positiveInt.default(4 * MiB),
  /** Cap on a body after gzip/deflate: a compression bomb stops here with 413. */
  maxDecompressedBytes: positiveInt.default(16 * MiB),
  /** Whole-body read deadline: a client trickling bytes gets 408. */
  bodyReadTimeoutMs: positiveInt.default(30_000),
  /** From receipt to answer; past it the client gets 504 and may retry. */
  requestTimeoutMs: positiveInt.default(30_000),
  /** Requests being read, decoded or produced at once; more get 503. */
  maxConcurrentRequests: positiveInt.default(1024),
  /** Sum of bodies held in memory (being read or decoded); more get 503. */
  maxBufferedBodyBytes: positiveInt.default(64 * MiB),
  retryAfterSeconds: positiveInt.default(1),
});

const admin = z.strictObject({
  host: z.string().min(1).default('127.0.0.1'),
  port: port.default(8091),
});

const limits = z.strictObject({
  /** At most 2,097,151: a Kafka message's ticket holds its record count in 21 bits (src/settle/ledger.ts). */
  maxRecordsPerRequest: positiveInt.max(2_097_151).default(100_000),
  maxNameLength: positiveInt.default(256),
  maxLabelsPerRecord: positiveInt.default(64),
  maxLabelNameLength: positiveInt.default(128),
  maxLabelValueLength: positiveInt.default(2048),
  /** Deepest nesting of objects/arrays accepted in a log record or an OTLP
   * attribute value (was limits.maxLogDepth). */
  maxValueDepth: positiveInt.default(32),
});

const pool = z.strictObject({
  /** Worker threads; default from the host's cores (see defaultPoolThreads). */
  threads: z.number().int().min(1).max(256).optional(),
  /** Requests waiting for a free worker; more get 503. */
  maxQueue: z.number().int().min(0).default(1024),
  /** Bytes of each SharedArrayBuffer ring (threads + 2 rings, leased per task). */
  ringBytes: z.number().int().min(64 * 1024).max(1024 * MiB).default(8 * MiB),
  /** V8 old-generation cap per worker: a body that parses beyond it kills that
   * worker alone (its request gets 500, the pool starts a new worker). */
  workerMaxHeapMb: z.number().int().min(16).default(128),
  /** V8 young-generation cap per worker (resourceLimits.maxYoungGenerationSizeMb);
   * 0 = V8's own size (32 MB of new space on 64-bit). A decode allocates many
   * short-lived objects (a remote_write body is a protobufjs object per series,
   * label and sample) and V8 grows each worker's new space to its maximum: 16
   * halves it (16 MB less RSS per worker) for ~2× the scavenge time; 8 promotes
   * a request's objects to the old generation and costs several µs per record
   * (issue 12, README Sizing). */
  workerMaxYoungGenMb: z.number().int().min(0).max(1024).default(16),
  /** Bodies of at most this many bytes, uncompressed, on the native /metrics
   * and /logs routes are decoded on the main thread instead of in a worker:
   * the hand-off (task message, worker wake-up, result message) costs the
   * main thread more than decoding a few records (issue 12). 0 = every body
   * goes to the pool. */
  inlineMaxBytes: z.number().int().min(0).max(64 * 1024).default(1024),
});

const producerProperty = z.union([z.string(), z.number(), z.boolean()]);

const kafka = z.strictObject({
  /** Comma-separated bootstrap servers; empty starts the embedded mock cluster. */
  brokers: z.string().default(''),
  topics: z.strictObject({
    metrics: z.string().min(1).default('metrics'),
    logs: z.string().min(1).default('logs'),
    traces: z.string().min(1).default('traces'),
  }).default({ metrics: 'metrics', logs: 'logs', traces: 'traces' }),
  /** per-record: one Kafka message per record. ndjson-batch: one NDJSON message
   * per request and target partition (same partition as per-record mode). */
  messageMode: z.enum(['per-record', 'ndjson-batch']).default('per-record'),
  /** Log field whose value keys the Kafka message; empty keys by client address. */
  logKeyField: z.string().default(''),
  /** Kafka messages produced but not yet settled; more get 503 (SPEC §2:
   * node-rdkafka's pending delivery reports are not bounded by librdkafka's
   * own limits). A message is a record, or a batch in ndjson-batch mode. */
  maxInFlightMessages: positiveInt.default(200_000),
  /** librdkafka message.timeout.ms: a record not acknowledged by then fails. */
  deliveryTimeoutMs: positiveInt.default(20_000),
  /** Any librdkafka producer property; overrides the defaults in produce/producer.ts. */
  producer: z.record(z.string(), producerProperty).default({}),
  /** File holding the SASL password (librdkafka sasl.password), read at start;
   * one trailing newline is dropped. Keeps the secret out of the config file. */
  saslPasswordFile: z.string().default(''),
});

/** How OTLP requests reach Kafka, per signal: "records" = one normalized JSON
 * record per data point, log record or span; "otlp_proto" / "otlp_json" = the
 * Export*ServiceRequest as is, one message per request (the OpenTelemetry
 * Collector Kafka exporter's encodings). */
const otlpEncoding = z.enum(['records', 'otlp_proto', 'otlp_json']).default('records');
const otlp = z.strictObject({
  encoding: z.strictObject({
    metrics: otlpEncoding,
    logs: otlpEncoding,
    traces: otlpEncoding,
  }).default({ metrics: 'records', logs: 'records', traces: 'records' }),
});

const drain = z.strictObject({
  /** SIGTERM: stop accepting, then finish within this, then exit. */
  timeoutMs: positiveInt.default(25_000),
});

const delivery = z.strictObject({
  /** kafka: a request is answered once Kafka acknowledged every record.
   * spool: once every record is fdatasync'ed in the local spool (spool.*),
   * which is replayed to Kafka; requests keep succeeding while Kafka is away. */
  mode: z.enum(['kafka', 'spool']).default('kafka'),
});

const spool = z.strictObject({
  /** Journal directory; empty = $STATE_DIRECTORY/spool (systemd's StateDirectory=). */
  dir: z.string().default(''),
  /** Segment files plus bytes waiting for the disk; past it requests get 503 spool_full. */
  maxBytes: z.number().int().min(1024 * 1024).default(1024 * MiB),
  /** Bytes laid out in memory and not yet written and synced: the spool's
   * share of the memory ceiling; past it requests get 503 spool_full. */
  maxUnsyncedBytes: z.number().int().min(1024 * 1024).default(64 * MiB),
  /** A segment file is closed and a new one started past this size. */
  segmentBytes: z.number().int().min(64 * 1024).max(1024 * MiB).default(64 * MiB),
  /** Extra wait before a batch is written, to put more requests in one
   * fdatasync; 0 = write as soon as the previous sync ends (group commit
   * happens anyway: everything that arrives during a sync shares the next). */
  groupCommitMs: z.number().int().min(0).max(1_000).default(0),
  /** Kafka messages replay keeps produced and unacknowledged at once. */
  replayMaxInFlightMessages: positiveInt.default(50_000),
  /** SIGTERM: keep replaying to Kafka until the spool is empty or the drain
   * deadline passes; false = sync, stop, replay on the next start. */
  drainOnShutdown: z.boolean().default(false),
});

const log = z.strictObject({
  level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

const telemetry = z.strictObject({
  /** librdkafka statistics.interval.ms feeding the metricstream_kafka_* gauges; 0 = off. */
  kafkaStatsIntervalMs: z.number().int().min(0).default(5_000),
});

export const configSchema = z.strictObject({
  ingest: ingest.default(ingest.parse({})),
  admin: admin.default(admin.parse({})),
  limits: limits.default(limits.parse({})),
  pool: pool.default(pool.parse({})),
  kafka: kafka.default(kafka.parse({})),
  otlp: otlp.default(otlp.parse({})),
  drain: drain.default(drain.parse({})),
  delivery: delivery.default(delivery.parse({})),
  spool: spool.default(spool.parse({})),
  log: log.default(log.parse({})),
  telemetry: telemetry.default(telemetry.parse({})),
}).superRefine((c, ctx) => {
  if ((c.ingest.tls.certFile === '') !== (c.ingest.tls.keyFile === '')) {
    ctx.addIssue({ code: 'custom', path: ['ingest', 'tls'], message: 'set both certFile and keyFile, or neither' });
  }
  if (c.ingest.requestTimeoutMs <= c.kafka.deliveryTimeoutMs) {
    ctx.addIssue({
      code: 'custom',
      path: ['ingest', 'requestTimeoutMs'],
      message: `must exceed kafka.deliveryTimeoutMs (${c.kafka.deliveryTimeoutMs}) so a delivery failure reaches the client before the request deadline`,
    });
  }
  if (c.spool.maxUnsyncedBytes > c.spool.maxBytes) {
    ctx.addIssue({ code: 'custom', path: ['spool', 'maxUnsyncedBytes'], message: 'must not exceed spool.maxBytes' });
  }
  if (c.ingest.maxDecompressedBytes < c.ingest.maxBodyBytes) {
    ctx.addIssue({
      code: 'custom',
      path: ['ingest', 'maxDecompressedBytes'],
      message: 'must be at least ingest.maxBodyBytes',
    });
  }
});

export type ConfigInput = z.input<typeof configSchema>;
type Parsed = z.output<typeof configSchema>;
/** The validated configuration; pool.threads is always filled in. */
export type Config = Readonly<Omit<Parsed, 'pool'> & { pool: Parsed['pool'] & { threads: number } }>;
