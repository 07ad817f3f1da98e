// The error catalogue: every code a client (or an operator reading the log)
// can see, once, with its HTTP status, whether a retry can help (and so the
// answer carries Retry-After), the google.rpc.Code an OTLP client gets, and
// what it means. docs/protocols.md's "Responses by code" table is checked against
// this object by test/errors.test.ts. Workers (DecodeError), the listener,
// the ledger and the Kafka error classifier (src/produce/kafka-errors.ts) all name
// a code from here; the status follows from the code.

/** google.rpc.Code values used (as gRPC-gateway maps HTTP statuses). */
export const enum Grpc {
  InvalidArgument = 3,
  DeadlineExceeded = 4,
  NotFound = 5,
  PermissionDenied = 7,
  ResourceExhausted = 8,
  Unimplemented = 12,
  Internal = 13,
  Unavailable = 14,
  Unauthenticated = 16,
}

export interface ErrorSpec {
  readonly status: number;
  /** The client should retry later: the answer carries Retry-After. */
  readonly retriable: boolean;
  readonly grpc: Grpc;
  readonly meaning: string;
}

const invalid = (meaning: string): ErrorSpec => ({ status: 400, retriable: false, grpc: Grpc.InvalidArgument, meaning });
const tooLarge = (meaning: string): ErrorSpec => ({ status: 413, retriable: false, grpc: Grpc.InvalidArgument, meaning });
const unavailable = (meaning: string): ErrorSpec => ({ status: 503, retriable: true, grpc: Grpc.Unavailable, meaning });
const unsupported = (meaning: string): ErrorSpec => ({ status: 415, retriable: false, grpc: Grpc.InvalidArgument, meaning });

export const ERRORS = {
  // Routing and headers, answered before any body byte is read.
  not_found: { status: 404, retriable: false, grpc: Grpc.NotFound, meaning: 'no such path' },
  method_not_allowed: { status: 405, retriable: false, grpc: Grpc.Unimplemented, meaning: 'not POST (`Allow: POST`)' },
  unauthorized: { status: 401, retriable: false, grpc: Grpc.Unauthenticated, meaning: 'auth enabled and no valid `Authorization: Bearer` token' },
  invalid_token: { status: 403, retriable: false, grpc: Grpc.PermissionDenied, meaning: 'Splunk HEC routes: a token was offered (`Authorization: Splunk <token>`) and is not one of `ingest.auth`\'s (HEC code 4)' },
  unsupported_content_type: unsupported('Content-Type not accepted on this route, or a charset other than UTF-8'),
  unsupported_content_encoding: unsupported('Content-Encoding not accepted on this route'),
  bad_content_length: invalid('Content-Length is not a number, or the body ended short of it'),
  length_required: { status: 411, retriable: false, grpc: Grpc.InvalidArgument, meaning: 'neither Content-Length nor a chunked body' },
  empty_body: invalid('the body is empty or holds no records'),
  invalid_idempotency_key: invalid('`Idempotency-Key` (or the header `dedup.requestIdHeader` names) is not 1 to 255 visible ASCII characters; the message names the header'),
  // Admission: the daemon cannot take the request now.
  draining: unavailable('shutting down; open requests at the drain deadline get this too'),
  kafka_unavailable: unavailable('Kafka cannot be reached'),
  overloaded: unavailable('a cap was reached: requests in progress, body bytes in memory, messages in flight to Kafka, or the decode queue'),
  // Body reading.
  body_too_large: tooLarge('body (declared or received) over `ingest.maxBodyBytes`'),
  body_timeout: { status: 408, retriable: false, grpc: Grpc.DeadlineExceeded, meaning: 'body not received within `ingest.bodyReadTimeoutMs`' },
  client_aborted: { status: 408, retriable: false, grpc: Grpc.DeadlineExceeded, meaning: 'the client went away (counted, never sent)' },
  // Decoding (pool workers).
  bad_compression: invalid('the body is not valid gzip, deflate, zstd or snappy'),
  decompressed_too_large: tooLarge('decompressed body over `ingest.maxDecompressedBytes`'),
  invalid_utf8: invalid('text that is not valid UTF-8'),
  invalid_json: invalid('a body or NDJSON line that is not JSON, or OTLP/JSON of the wrong shape'),
  invalid_protobuf: invalid('protobuf that does not decode as the route\'s message'),
  invalid_id: invalid('an OTLP/JSON trace or span id that is not hex'),
  too_deep: invalid('protobuf messages nested deeper than `16 + 3 × limits.maxValueDepth`'),
  invalid_batch: invalid('a native batch object with unknown fields or a bad `metrics` / `batch_timestamp`'),
  invalid_record: invalid('a record that fails validation; `record` names it'),
  invalid_parameter: invalid('a query parameter the route reads has a value it does not take (InfluxDB `precision`)'),
  invalid_line_protocol: invalid('InfluxDB line protocol in which no line parses; the first bad line is named'),
  partial_write: invalid('InfluxDB line protocol with lines that do not parse: answered once the good lines are in Kafka, naming the first bad line'),
  missing_channel: invalid('Splunk HEC `/services/collector/raw` without `X-Splunk-Request-Channel` (HEC code 10)'),
  event_required: invalid('a Splunk HEC event without `event` (HEC code 12); `record` names it'),
  event_blank: invalid('a Splunk HEC event whose `event` is empty (HEC code 13); `record` names it'),
  invalid_fields: invalid('a Splunk HEC event whose `fields` are not flat strings, numbers or booleans (HEC code 15); `record` names it'),
  entries_refused: invalid('collectd: value lists (JSON) or PUTVAL lines refused while the rest was written; `accepted` counts the records written, the message names the first refused'),
  series_refused: invalid('remote_write 2.0: series, native histograms or exemplars not written while the rest was (the `X-Prometheus-Remote-Write-*-Written` headers count what was)'),
  decoded_too_large: tooLarge('the decoded request would take more than its share of `pool.workerMaxHeapMb`'),
  too_many_records: tooLarge('more than `limits.maxRecordsPerRequest` records'),
  key_too_large: tooLarge('a Kafka key (series name and labels, or the log key field) over 65,535 bytes'),
  request_too_large: tooLarge('the request\'s records exceed a ring (`pool.ringBytes`)'),
  ring_full: unavailable('the ring is full: the producer is behind'),
  ring_busy: unavailable('no free ring'),
  metadata_unavailable: unavailable('`ndjson-batch` mode and the topic\'s partition count is not known yet'),
  worker_failed: { status: 500, retriable: false, grpc: Grpc.Internal, meaning: 'the decoding worker failed (the pool replaces it)' },
  // Producing and delivery.
  producer_queue_full: unavailable('librdkafka\'s queue is full'),
  unknown_topic: unavailable('Kafka does not have the topic (auto-creation off): refused at once, named in the message, until it is created'),
  kafka_authorization_failed: unavailable('Kafka\'s ACLs do not let the producer write to the topic'),
  record_too_large: tooLarge('a record over Kafka\'s `message.max.bytes`'),
  produce_failed: { status: 500, retriable: false, grpc: Grpc.Internal, meaning: 'librdkafka refused the record for another reason' },
  delivery_failed: unavailable('Kafka did not acknowledge every record within `kafka.deliveryTimeoutMs`'),
  spool_full: unavailable('`delivery.mode` spool: the spool is at `spool.maxBytes`, or `spool.maxUnsyncedBytes` are waiting for the disk'),
  spool_unavailable: unavailable('`delivery.mode` spool: writing or syncing the spool failed (disk full, I/O error, read-only filesystem)'),
  // Idempotent requests (docs/dedup.md).
  idempotency_key_reused: { status: 422, retriable: false, grpc: Grpc.InvalidArgument, meaning: 'the idempotency key (named in the message) was used within `dedup.windowSeconds` with a different body' },
  idempotency_key_in_flight: unavailable('the first request with this idempotency key was still in flight at this request\'s deadline'),
  request_timeout: { status: 504, retriable: true, grpc: Grpc.DeadlineExceeded, meaning: 'not settled within `ingest.requestTimeoutMs`' },
  // Admin listener.
  metrics_failed: { status: 500, retriable: false, grpc: Grpc.Internal, meaning: 'the Prometheus registry failed to render' },
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof ERRORS;

/** A request refused or failed: what its answer says. */
export interface Refusal {
  readonly code: ErrorCode;
  readonly message: string;
  /** Which record was at fault, when one was. */
  readonly record?: number;
}

export function statusOf(code: ErrorCode): number {
  return ERRORS[code].status;
}
