// What every protocol folder provides: a decoder that turns one request body
// into records (run by the pool, src/pool/decoder.ts) and the shape of its
// answers (written by src/ingest/answer.ts). The route table
// (routes.ts) ties a path to both.
import type { Buffer } from 'node:buffer';
import type { Config } from '../config/schema';
import type { IndexTopicRule } from '../config/topics';
import type { ErrorCode } from '../errors';
import type { MessageSink, RecordSink } from '../decode/sink';

/** What a decoder is given of one request. */
export interface ProtocolRequest {
  readonly body: Buffer;
  readonly contentType: string;
  readonly contentEncoding: string;
  /** Milliseconds since the epoch when the request arrived (default timestamp). */
  readonly receivedAtMs: number;
  /** Client address, the default key of log records. */
  readonly client: string;
  /** The request path (a route may take a parameter from it) and query string (without '?'). */
  readonly path: string;
  readonly query: string;
  /** The request headers the route asked for (RouteSpec.headers), by lower-case name. */
  readonly headers: Readonly<Record<string, string>>;
}

/** What decoders need from the configuration, fixed at pool start. */
export interface DecoderSettings {
  readonly limits: Config['limits'];
  readonly maxDecompressedBytes: number;
  readonly logKeyField: string;
  readonly otlpEncoding: Config['otlp']['encoding'];
  /** Estimated heap a decoded protobuf request may take; more is a 413. */
  readonly maxDecodedBytes: number;
  /** Metric family types remembered across requests and threads
   * (remote-write/family-types.ts): one buffer, shared by every thread. */
  readonly familyTypes: SharedArrayBuffer;
  /** elasticsearch.indexTopics resolved to topic slots (src/config/topics.ts); none = every index to the logs topic. */
  readonly indexTopics?: readonly IndexTopicRule[];
}

/** Items of a request that were refused while the rest was accepted
 * (OTLP partial success). */
export interface PartialRejection {
  readonly rejected: number;
  /** Why the first refused item was refused. */
  readonly message: string;
  /** The catalogue code a JSON answer names for the refused part. */
  readonly code?: ErrorCode;
}

/** What a protocol's success answer needs beyond the counts (e.g. per-item
 * statuses, written counts by kind). Plain data: it crosses postMessage. */
export type AnswerDetail = Readonly<Record<string, unknown>>;

export interface Decoded {
  /** Data records decoded (what the client is told it sent). */
  readonly records: number;
  /** Messages written to the ring directly rather than through the record sink. */
  readonly directMessages: number;
  readonly partial?: PartialRejection | undefined;
  readonly detail?: AnswerDetail | undefined;
}

/** Decodes one request into `records` (one Kafka record each) or straight
 * into `messages`; throws DecodeError to refuse the whole request. */
export type Decoder = (request: ProtocolRequest, records: RecordSink, messages: MessageSink) => Decoded;

/** One answer's status line and body, as the client's protocol shapes it. */
export interface Reply {
  readonly status: number;
  /** null: no body (204). */
  readonly body: string | Uint8Array | null;
  readonly contentType: string;
  /** Headers the protocol adds (lower-case names). */
  readonly headers?: Readonly<Record<string, string>> | undefined;
}

/** How a route's answers look: success, and a refusal with a catalogue code
 * (its status comes from the catalogue, src/errors.ts). */
export interface AnswerShape {
  /** Sent once every record is in Kafka (or the spool). A partial rejection may
   * make it a 4xx where the protocol says so (InfluxDB's partial write). */
  success(accepted: number, partial: PartialRejection | undefined, detail: AnswerDetail | undefined): Reply;
  refusal(code: ErrorCode, status: number, message: string, record: number | undefined): Reply;
  /** Whether an empty body is a complete request (an empty protobuf message). */
  readonly acceptsEmptyBody: boolean;
}

/** What the listener knows when it answers a probe. */
export interface ProbeContext {
  /** Whether the daemon would take a request now (what /readyz says). */
  readonly ready: boolean;
  readonly path: string;
  readonly query: string;
  readonly header: (name: string) => string;
}

/** A request a client makes before or beside sending data (InfluxDB's /ping,
 * Elasticsearch's GET /, Splunk's health check): answered on the listener at
 * once, without admission, a body or the pool. */
export interface Probe {
  /** Lower-case methods. */
  readonly methods: readonly string[];
  /** The exact path, or a pattern matched against the whole path. */
  readonly path: string | RegExp;
  answer(context: ProbeContext): Reply;
}

/** How a route's client presents its token: the token offered, or null when
 * none is (from the Authorization header, a query parameter, ...). */
export type CredentialReader = (header: (name: string) => string, query: string) => string | null;
