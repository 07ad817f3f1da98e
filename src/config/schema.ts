// One schema for every option: type, default (with where it comes from),
// meaning (`.describe`) and unit in the name. The TypeScript type of the
// configuration is derived from it, and docs/configuration.md is generated
// from it (src/config/reference.ts), so nothing else can drift. Unknown keys
// are rejected (z.strictObject).
import { availableParallelism } from 'node:os';
import { z } from 'zod';

const MiB = 1024 * 1024;

const port = z.number().int().min(0).max(65535);
const positiveInt = z.number().int().positive();

/** Pool size from the host: one thread per core, capped at 16, the large-host
 * setting (more threads than cores is slower: bench/RESULTS.md). */
export function defaultPoolThreads(): number {
  return Math.max(1, Math.min(16, availableParallelism()));
}

const auth = z.strictObject({
  tokens: z.array(z.string().min(16, 'tokens must be at least 16 characters')).default([])
    .describe('Bearer tokens accepted on the ingest listener (each at least 16 characters). Any token set (here or in tokensFile) = requests without a valid `Authorization: Bearer` header get 401 with `WWW-Authenticate: Bearer`; none = no auth. In the environment: a JSON array or comma-separated text.'),
  tokensFile: z.string().default('')
    .describe('File with one token per line (`#` starts a comment), read at start and added to tokens.'),
});

const tls = z.strictObject({
  certFile: z.string().default('').describe('PEM certificate chain; with keyFile set too the ingest listener speaks HTTPS (set both or neither).'),
  keyFile: z.string().default('').describe('PEM private key for certFile.'),
});

const ingest = z.strictObject({
  host: z.string().min(1).default('0.0.0.0').describe('Address the ingest listener binds.'),
  port: port.default(8090).describe('Port of the ingest listener (0 = any free port).'),
  reusePort: z.boolean().default(false)
    .describe('Share the ingest port with other metricstream processes (SO_REUSEPORT; the kernel spreads connections across them). Every instance on the port sets it, each with its own admin.port. false = the listen is exclusive: a busy port stops start-up (exit 1, the fatal line names host:port). See docs/operations.md.'),
  auth: auth.default(auth.parse({})),
  tls: tls.default(tls.parse({})),
  maxBodyBytes: positiveInt.default(4 * MiB)
    .describe('Bodies over this are refused with 413: from Content-Length before reading, or as a chunked body passes it.'),
  maxDecompressedBytes: positiveInt.default(16 * MiB)
    .describe('Cap on a body after decompression (gzip, deflate, zstd, snappy): a compression bomb stops here with 413. At least maxBodyBytes.'),
  bodyReadTimeoutMs: positiveInt.default(30_000)
    .describe('Whole-body read deadline: a client trickling bytes gets 408.'),
  requestTimeoutMs: positiveInt.default(30_000)
    .describe('From arrival to answer; past it the client gets 504 and may retry. Must exceed kafka.deliveryTimeoutMs, so a delivery failure reaches the client first.'),
  maxConcurrentRequests: positiveInt.default(1024)
    .describe('Requests being read, decoded or produced at once; more get 503 overloaded.'),
  maxBufferedBodyBytes: positiveInt.default(64 * MiB)
    .describe('Sum of the bodies held in memory (being read or decoded); more get 503 overloaded. Also the size of the body arena bodies are read into (its pages become resident as far as the most bodies held at once reach).'),
  retryAfterSeconds: positiveInt.default(1).describe('Retry-After sent with every retriable answer (503, 504).'),
});

const admin = z.strictObject({
  host: z.string().min(1).default('127.0.0.1')
    .describe('Address the admin listener (/healthz, /readyz, /metrics) binds; it has no auth of its own, hence loopback.'),
  port: port.default(8091).describe('Port of the admin listener (0 = any free port).'),
});

const limits = z.strictObject({
  maxRecordsPerRequest: positiveInt.max(2_097_151).default(100_000)
    .describe('Records one request may make (an OTLP histogram bucket counts one); more get 413 too_many_records. At most 2097151: a Kafka message\'s ticket holds its record count in 21 bits (src/settle/ledger.ts).'),
  maxNameLength: positiveInt.default(256).describe('Longest metric name.'),
  maxLabelsPerRecord: positiveInt.default(64).describe('Labels per metric.'),
  maxLabelNameLength: positiveInt.default(128).describe('Longest label name.'),
  maxLabelValueLength: positiveInt.default(2048).describe('Longest label value.'),
  maxValueDepth: positiveInt.default(32)
    .describe('Deepest nesting of objects and arrays in a log record or an OTLP attribute value (was limits.maxLogDepth). Protobuf messages nested deeper than 16 + 3 × this are refused 400 too_deep.'),
});

const pool = z.strictObject({
  threads: z.number().int().min(1).max(256).optional()
    .meta({ description: 'Decode worker threads (decompress, parse, validate, serialize). 16 is the large-host setting; more threads than cores is slower.', defaultDescription: 'one per core, at most 16' }),
  maxQueue: z.number().int().min(0).default(1024)
    .describe('Requests waiting for a free worker; more get 503 overloaded (their bodies count against ingest.maxBufferedBodyBytes).'),
  ringBytes: z.number().int().min(64 * 1024).max(1024 * MiB).default(8 * MiB)
    .describe('Size of each SharedArrayBuffer ring (threads + 2 rings, leased per task). A request\'s serialized records must fit in one (else 413 request_too_large).'),
  dispatchBacklogBytes: z.number().int().min(0).max(1024 * MiB).default(8 * MiB)
    .describe('A request goes to a free decode worker only while the rings hold fewer bytes than this that the producer has not taken yet; otherwise it waits as if every worker were busy (it counts against pool.maxQueue). When decoding outpaces producing, records decoded early would only wait in the rings, whose written pages stay resident: this keeps them near empty. 0 = no limit.'),
  workerMaxHeapMb: z.number().int().min(16).default(128)
    .describe('V8 old-generation cap per worker: a body that parses beyond it kills that worker alone (its request gets 500, the pool starts a new worker). A request whose decoded objects would take more than a quarter of it is refused 413 decoded_too_large first.'),
  workerMaxYoungGenMb: z.number().int().min(0).max(1024).default(16)
    .describe('V8 young-generation cap per worker (resourceLimits.maxYoungGenerationSizeMb); 0 = V8\'s own size (32 MB of new space on 64-bit). A decode allocates many short-lived objects and V8 grows each worker\'s new space to its maximum, all of it resident: 16 halves it for about twice the scavenge time; V8 sizes new space in powers of two, so 8–15 give 8 MB, which promotes a large request\'s objects to the old generation. See docs/operations.md.'),
  inlineMaxBytes: z.number().int().min(0).max(64 * 1024).default(1024)
    .describe('Uncompressed bodies of at most this size on the native /metrics and /logs routes are decoded on the main thread instead of in a worker: the hand-off (task message, worker wake-up, result message) costs the main thread more than decoding a few records. 0 = every body goes to the pool.'),
  inlineForwardMaxBytes: z.number().int().min(0).max(MiB).default(64 * 1024)
    .describe('Uncompressed OTLP protobuf bodies of at most this size, on a signal whose otlp.encoding is otlp_proto (forwarded as they are), are checked on the main thread instead of in a worker: that check is a walk of the wire format, cheaper than the hand-off to a worker, whose wake-ups add milliseconds to each answer on a busy host (docs/operations.md). 0 = every body goes to the pool.'),
});

const producerProperty = z.union([z.string(), z.number(), z.boolean()]);

const kafka = z.strictObject({
  brokers: z.string().default('')
    .describe('Comma-separated bootstrap servers; empty starts an embedded in-memory Kafka (librdkafka\'s mock cluster, not persistent).'),
  topics: z.strictObject({
    metrics: z.string().min(1).default('metrics').describe('Topic of /metrics, /api/v1/write and /v1/metrics.'),
    logs: z.string().min(1).default('logs').describe('Topic of /logs and /v1/logs.'),
    traces: z.string().min(1).default('traces').describe('Topic of /v1/traces.'),
  }).default({ metrics: 'metrics', logs: 'logs', traces: 'traces' }),
  messageMode: z.enum(['per-record', 'ndjson-batch']).default('per-record')
    .describe('per-record: one Kafka message per record. ndjson-batch: one NDJSON message per request and target partition (the partition per-record mode would pick). See docs/kafka.md.'),
  logKeyField: z.string().default('')
    .describe('Log field (for OTLP logs: attribute, then resource attribute) whose value keys the Kafka message; empty, or absent in a record, keys by the client\'s address.'),
  maxInFlightMessages: positiveInt.default(200_000)
    .describe('Kafka messages produced and not yet settled; more get 503 overloaded (was kafka.maxInFlightRecords). node-rdkafka\'s pending delivery reports are not bounded by librdkafka\'s own limits, hence this cap. A message is a record, or a batch in ndjson-batch mode.'),
  deliveryTimeoutMs: positiveInt.default(20_000)
    .describe('librdkafka message.timeout.ms: a record not acknowledged by then fails, and its request gets 503 delivery_failed.'),
  producer: z.record(z.string(), producerProperty).default({})
    .describe('Any librdkafka producer property; overrides the defaults (docs/kafka.md). Secret values (sasl.password, …) are masked in logs and --check-config.'),
  saslPasswordFile: z.string().default('')
    .describe('File holding the SASL password (librdkafka sasl.password), read at start; one trailing newline is dropped. Keeps the secret out of the config file; refused together with producer["sasl.password"].'),
});

/** Kafka's own rule for topic names (and its length limit). */
const topicName = z.string().regex(/^[A-Za-z0-9._-]{1,249}$/, 'a Kafka topic name: 1 to 249 characters of A-Z a-z 0-9 . _ -');
/** Slots left for mapped topics in the ring record's one-byte topic field, after the three signals' topics. */
const MAX_MAPPED_TOPICS = 253;

const elasticsearch = z.strictObject({
  indexTopics: z.record(
    z.string().regex(/^[^*]*\*?$/, 'an index name, or a prefix followed by one trailing *').min(1),
    topicName,
  ).default({})
    .refine((map) => new Set(Object.values(map)).size <= MAX_MAPPED_TOPICS, `at most ${MAX_MAPPED_TOPICS} distinct topics`)
    .describe('The Kafka topic of each _bulk document by its _index: keys are index names, or prefixes ending in * ("logs-app-*"); values are topics. An exact name wins, then the longest matching prefix; an index nothing matches goes to kafka.topics.logs. Every topic named here must exist at start-up when Kafka does not create topics (the daemon exits 1 naming it). See docs/protocols.md.'),
});

const otlpEncoding = z.enum(['records', 'otlp_proto', 'otlp_json']).default('records')
  .describe('How this signal\'s OTLP requests reach Kafka. records: one normalized JSON record per data point, log record or span. otlp_proto / otlp_json: the Export*ServiceRequest as is, one message per request, without key (the OpenTelemetry Collector Kafka exporter\'s encodings).');
const otlp = z.strictObject({
  encoding: z.strictObject({
    metrics: otlpEncoding,
    logs: otlpEncoding,
    traces: otlpEncoding,
  }).default({ metrics: 'records', logs: 'records', traces: 'records' }),
});

const drain = z.strictObject({
  timeoutMs: positiveInt.default(25_000)
    .describe('SIGTERM/SIGINT: stop accepting, finish open requests within this, then exit (1 if anything was still pending). Keep it below the service manager\'s stop timeout.'),
});

const delivery = z.strictObject({
  mode: z.enum(['kafka', 'spool']).default('kafka')
    .describe('kafka: a request is answered once Kafka acknowledged every record. spool: once every record is fdatasync\'ed in the local spool (spool.*), which is replayed to Kafka; requests keep succeeding while Kafka is away. See docs/spool.md.'),
});

const spool = z.strictObject({
  dir: z.string().default('')
    .describe('Spool directory; empty = $STATE_DIRECTORY/spool (systemd\'s StateDirectory=metricstream gives /var/lib/metricstream/spool). Required in spool mode otherwise. Not on a network filesystem.'),
  maxBytes: z.number().int().min(1024 * 1024).default(1024 * MiB)
    .describe('Segment files plus bytes waiting for the disk; past it requests get 503 spool_full.'),
  maxUnsyncedBytes: z.number().int().min(1024 * 1024).default(64 * MiB)
    .describe('Records laid out in memory and not yet written and synced: the spool\'s share of the memory ceiling; past it requests get 503 spool_full. At most maxBytes.'),
  segmentBytes: z.number().int().min(64 * 1024).max(1024 * MiB).default(64 * MiB)
    .describe('A segment file is closed and a new one started past this size; delivered segments are deleted whole.'),
  groupCommitMs: z.number().int().min(0).max(1_000).default(0)
    .describe('Extra wait before a batch is written, to put more requests in one fdatasync; 0 = write as soon as the previous sync ends (group commit happens anyway: everything that arrives during a sync shares the next).'),
  replayMaxInFlightMessages: positiveInt.default(50_000)
    .describe('Spooled Kafka messages replay keeps produced and unacknowledged at once.'),
  drainOnShutdown: z.boolean().default(false)
    .describe('SIGTERM: keep replaying to Kafka until the spool is empty or drain.timeoutMs passes; false = sync, stop, replay on the next start.'),
});

const dedup = z.strictObject({
  enabled: z.boolean().default(true)
    .describe('Idempotent requests: a request with an `Idempotency-Key` header (or the header requestIdHeader names) that repeats a key which succeeded within windowSeconds is answered what the first was, with `Idempotent-Replayed: true`, and nothing is written again. Keys are per tenant (token, else client address) and route, and per instance. See docs/dedup.md.'),
  windowSeconds: positiveInt.default(600)
    .describe('How long a key\'s success is remembered, from its answer.'),
  maxKeys: positiveInt.default(100_000)
    .describe('Keys remembered (and in flight) at most; past it the oldest is forgotten (metricstream_dedup_evictions_total), and its repeat is processed again.'),
  maxBytes: z.number().int().min(1024 * 1024).default(32 * MiB)
    .describe('Memory the remembered keys may take (an estimate per key: its strings, its answer, ~200 bytes of overhead); past it the oldest is forgotten. Part of the memory ceiling.'),
  requestIdHeader: z.string().regex(/^([a-z0-9-]+)?$/, 'a lower-case header name').default('')
    .describe('A header read as the idempotency key when `Idempotency-Key` is absent, e.g. "x-request-id" for clients that resend with the same request id; empty = only Idempotency-Key.'),
  byContent: z.array(z.string()).default([])
    .describe('Routes (as in metricstream_http_requests_total{route}: remote_write, otlp_metrics, ...) on which a request without a key is keyed by its body\'s SHA-256, for clients that resend byte-identical bodies. Trade-off: two genuinely identical bodies within windowSeconds count as one.'),
});

const log = z.strictObject({
  level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info')
    .describe('pino log level of the JSON lines on stdout.'),
});

const telemetry = z.strictObject({
  kafkaStatsIntervalMs: z.number().int().min(0).default(5_000)
    .describe('librdkafka statistics.interval.ms feeding the metricstream_kafka_* gauges; 0 = off.'),
});

export const configSchema = z.strictObject({
  ingest: ingest.default(ingest.parse({})).describe('The HTTP listener that takes data, and its caps.'),
  admin: admin.default(admin.parse({})).describe('The admin listener: /healthz, /readyz, /metrics.'),
  limits: limits.default(limits.parse({})).describe('What one request and one record may hold; beyond it the request gets 413 or the record 400.'),
  pool: pool.default(pool.parse({})).describe('The decode worker pool and its shared-memory rings.'),
  kafka: kafka.default(kafka.parse({})).describe('The producer, its topics and caps.'),
  otlp: otlp.default(otlp.parse({})).describe('The OTLP/HTTP routes (/v1/metrics, /v1/logs, /v1/traces).'),
  elasticsearch: elasticsearch.default(elasticsearch.parse({})).describe('The Elasticsearch _bulk routes (/_bulk, /<index>/_bulk).'),
  drain: drain.default(drain.parse({})).describe('Shutdown.'),
  delivery: delivery.default(delivery.parse({})).describe('When a request is answered 200.'),
  spool: spool.default(spool.parse({})).describe('The local spool, used when delivery.mode is spool.'),
  dedup: dedup.default(dedup.parse({})).describe('Idempotent requests: client retries answered once, written once.'),
  log: log.default(log.parse({})).describe('The daemon\'s own log.'),
  telemetry: telemetry.default(telemetry.parse({})).describe('The metrics the admin listener exposes.'),
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
