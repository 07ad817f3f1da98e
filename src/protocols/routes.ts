// The route table: every path the ingest listener serves, the signal it
// carries (which picks the Kafka topic), the request headers it accepts, its
// decoder and the shape of its answers. Each protocol lives in its own folder
// beside this file; adding one adds a folder and its rows here.
import { Signal } from '../signals';
import { createCollectdDecoder } from './collectd/decoder';
import { createMetricsDecoder } from './metrics-body';
import { createLogsDecoder } from './native/decoder';
import { JSON_ANSWERS } from './native/answers';
import { otlpAnswers } from './otlp/answers';
import { createOtlpDecoder, forwardedAsIs } from './otlp/decode';
import { basicPassword, bearerToken, schemeToken } from './credentials';
import { influxAnswers } from './influx/answers';
import { influxV1Token, influxV2Token } from './influx/credentials';
import { createInfluxDecoder } from './influx/decoder';
import { INFLUX_PROBES } from './influx/probes';
import { bulkAnswers, compatibilityProblem, ES_PROBES } from './elasticsearch/answers';
import { createBulkDecoder } from './elasticsearch/decoder';
import { LOKI_ANSWERS, LOKI_PROBES } from './loki/answers';
import { createLokiDecoder, TENANT_HEADER } from './loki/decoder';
import type { AnswerShape, CredentialReader, Decoder, DecoderSettings, Probe } from './protocol';
import { REMOTE_WRITE_ANSWERS } from './remote-write/answers';
import { remoteWriteContentTypeProblem } from './remote-write/content-type';
import { createRemoteWriteDecoder } from './remote-write/decode';
import { HEC_ANSWERS, HEC_PROBES } from './splunk-hec/answers';
import { CHANNEL_HEADER, createHecEventDecoder, createHecRawDecoder } from './splunk-hec/decoder';

/** Routes, named as in metricstream_http_requests_total{route}. */
export const enum Route {
  Metrics = 'metrics',
  Logs = 'logs',
  RemoteWrite = 'remote_write',
  OtlpMetrics = 'otlp_metrics',
  OtlpLogs = 'otlp_logs',
  OtlpTraces = 'otlp_traces',
  InfluxV1 = 'influx_v1',
  InfluxV2 = 'influx_v2',
  LokiPush = 'loki_push',
  ElasticsearchBulk = 'elasticsearch_bulk',
  SplunkHecEvent = 'splunk_hec_event',
  SplunkHecRaw = 'splunk_hec_raw',
  Collectd = 'collectd',
}

export interface RouteSpec {
  readonly route: Route;
  /** The path, or for a route with a parameter in it, how it reads in docs and errors. */
  readonly path: string;
  /** For a route with a parameter in its path: the pattern the whole path matches. */
  readonly pattern?: RegExp;
  /** Lower-case methods; POST when not given. */
  readonly methods?: ReadonlySet<string>;
  /** The signal that picks the Kafka topic of the route's records, and whose
   * topic must exist for the route to be served. */
  readonly signal: Signal;
  /** Media types (lower case, no parameters) the body may be declared as. */
  readonly mediaTypes: ReadonlySet<string>;
  readonly encodings: ReadonlySet<string>;
  /** Small uncompressed bodies may be decoded on the main thread
   * (pool.inlineMaxBytes): JSON only, no protobuf or snappy work there. */
  readonly inline: boolean;
  /** Whether a request with this Content-Type is forwarded to Kafka as it is
   * after a walk of its wire format only: the main thread checks such
   * uncompressed bodies itself up to pool.inlineForwardMaxBytes. */
  readonly forwardsAsIs?: (contentType: string, otlpEncoding: DecoderSettings['otlpEncoding']) => boolean;
  /** Builds the route's decoder once per thread. */
  readonly createDecoder: (settings: DecoderSettings) => Decoder;
  /** How answers look for a request with this Content-Type. */
  readonly answers: (contentType: string) => AnswerShape;
  /** Request headers (lower case) the decoder reads, besides Content-Type and -Encoding. */
  readonly headers?: readonly string[];
  /** Where the client puts its token (ingest.auth); Authorization: Bearer when not given. */
  readonly credentials?: CredentialReader;
  /** A route's own Content-Type rule beyond the media type (e.g. which
   * protobuf message a `proto=` parameter names): why not, or null. */
  readonly contentTypeProblem?: (contentType: string) => string | null;
  /** A token offered and not known is `403 invalid_token` rather than `401
   * unauthorized` (Splunk HEC tells the two apart). */
  readonly wrongTokenForbidden?: boolean;
}

const JSON_MEDIA_TYPES = new Set([
  '', 'application/json', 'application/x-ndjson', 'application/ndjson', 'application/jsonl',
  'application/x-jsonlines', 'application/jsonlines', 'text/plain',
]);
const JSON_ENCODINGS = new Set(['', 'identity', 'gzip', 'x-gzip', 'deflate', 'zstd']);
const OTLP_MEDIA_TYPES = new Set(['application/x-protobuf', 'application/json']);

// InfluxDB line protocol: Telegraf sends text/plain; charset=utf-8, some clients nothing.
const LINE_PROTOCOL_MEDIA_TYPES = new Set(['', 'text/plain']);
const LINE_PROTOCOL_ENCODINGS = new Set(['', 'identity', 'gzip', 'x-gzip']);

const always = (shape: AnswerShape) => (): AnswerShape => shape;

function otlpRoute(route: Route, path: string, signal: Signal): RouteSpec {
  return {
    route, path, signal, mediaTypes: OTLP_MEDIA_TYPES, encodings: JSON_ENCODINGS, inline: false,
    forwardsAsIs: (contentType, otlpEncoding) => forwardedAsIs(signal, contentType, otlpEncoding),
    createDecoder: createOtlpDecoder(signal), answers: otlpAnswers(signal),
  };
}

const POST_OR_PUT: ReadonlySet<string> = new Set(['post', 'put']);

/** Loki's clients: `Authorization: Bearer` or basic auth (the password is the token). */
const bearerOrBasic: CredentialReader = (header) => bearerToken(header) ?? basicPassword(header('authorization'));
/** Elasticsearch's clients: also `Authorization: ApiKey <token>`. */
const elasticsearchToken: CredentialReader = (header, query) => bearerOrBasic(header, query) ?? schemeToken(header('authorization'), 'apikey');
const splunkToken: CredentialReader = (header) => schemeToken(header('authorization'), 'splunk');

// HEC ignores Content-Type; these are what its clients send (splunk-logging:
// form-urlencoded over a JSON body; Fluent Bit: none).
const HEC_MEDIA_TYPES = new Set(['', 'application/json', 'application/x-www-form-urlencoded', 'text/plain', 'application/x-ndjson', 'application/octet-stream']);
const ELASTICSEARCH_MEDIA_TYPES = new Set([
  '', 'application/json', 'application/x-ndjson', 'application/vnd.elasticsearch+x-ndjson', 'application/vnd.elasticsearch+json',
]);

export const ROUTES: Readonly<Record<Route, RouteSpec>> = {
  // Native JSON, or collectd's or InfluxDB line protocol's bodies as they come (src/protocols/metrics-body.ts).
  [Route.Metrics]: {
    route: Route.Metrics, path: '/metrics', signal: Signal.Metrics, mediaTypes: JSON_MEDIA_TYPES, encodings: JSON_ENCODINGS,
    inline: true, createDecoder: createMetricsDecoder, answers: always(JSON_ANSWERS),
  },
  [Route.Logs]: {
    route: Route.Logs, path: '/logs', signal: Signal.Logs, mediaTypes: JSON_MEDIA_TYPES, encodings: JSON_ENCODINGS,
    inline: true, createDecoder: createLogsDecoder, answers: always(JSON_ANSWERS),
  },
  // Prometheus remote_write 1.0 and 2.0 (by the Content-Type's proto=):
  // snappy-compressed protobuf, 204 on success with the written counts.
  [Route.RemoteWrite]: {
    route: Route.RemoteWrite, path: '/api/v1/write', signal: Signal.Metrics,
    mediaTypes: new Set(['application/x-protobuf']), encodings: new Set(['snappy']),
    inline: false, createDecoder: createRemoteWriteDecoder, answers: always(REMOTE_WRITE_ANSWERS),
    contentTypeProblem: remoteWriteContentTypeProblem,
  },
  // collectd write_http, JSON or Command format (told apart by the body): 200
  // {"accepted":N,"unknownValues":K} (collectd logs anything but 200 as an error).
  [Route.Collectd]: {
    route: Route.Collectd, path: '/collectd', signal: Signal.Metrics, mediaTypes: JSON_MEDIA_TYPES, encodings: JSON_ENCODINGS,
    inline: true, createDecoder: createCollectdDecoder, answers: always(JSON_ANSWERS),
  },
  // OTLP/HTTP: protobuf or JSON, 200 with the signal's Export*ServiceResponse.
  [Route.OtlpMetrics]: otlpRoute(Route.OtlpMetrics, '/v1/metrics', Signal.Metrics),
  [Route.OtlpLogs]: otlpRoute(Route.OtlpLogs, '/v1/logs', Signal.Logs),
  [Route.OtlpTraces]: otlpRoute(Route.OtlpTraces, '/v1/traces', Signal.Traces),
  // InfluxDB line protocol, 1.x and 2.x write APIs: 204 on success, 400
  // "partial write" after the good lines are in Kafka (src/protocols/influx/).
  // String fields go to the logs topic.
  [Route.InfluxV1]: {
    route: Route.InfluxV1, path: '/write', signal: Signal.Metrics, mediaTypes: LINE_PROTOCOL_MEDIA_TYPES,
    encodings: LINE_PROTOCOL_ENCODINGS, inline: false, createDecoder: createInfluxDecoder('v1'),
    answers: always(influxAnswers('v1')), credentials: influxV1Token,
  },
  [Route.InfluxV2]: {
    route: Route.InfluxV2, path: '/api/v2/write', signal: Signal.Metrics, mediaTypes: LINE_PROTOCOL_MEDIA_TYPES,
    encodings: LINE_PROTOCOL_ENCODINGS, inline: false, createDecoder: createInfluxDecoder('v2'),
    answers: always(influxAnswers('v2')), credentials: influxV2Token,
  },
  // Loki push: snappy protobuf (no Content-Type: Promtail of old) or JSON; 204 on success.
  [Route.LokiPush]: {
    route: Route.LokiPush, path: '/loki/api/v1/push', signal: Signal.Logs,
    mediaTypes: new Set(['', 'application/x-protobuf', 'application/json']), encodings: JSON_ENCODINGS,
    inline: false, createDecoder: createLokiDecoder, answers: always(LOKI_ANSWERS),
    headers: [TENANT_HEADER], credentials: bearerOrBasic,
  },
  // Elasticsearch _bulk: NDJSON action/source pairs; 200 with one item per action.
  [Route.ElasticsearchBulk]: {
    route: Route.ElasticsearchBulk, path: '/[<index>/]_bulk', pattern: /^\/(?:[^/_][^/]*\/)?_bulk\/?$/, methods: POST_OR_PUT,
    signal: Signal.Logs, mediaTypes: ELASTICSEARCH_MEDIA_TYPES, encodings: JSON_ENCODINGS,
    inline: false, createDecoder: createBulkDecoder, answers: bulkAnswers,
    credentials: elasticsearchToken, contentTypeProblem: compatibilityProblem,
  },
  // Splunk HEC: concatenated JSON events; metric events go to the metrics topic.
  [Route.SplunkHecEvent]: {
    route: Route.SplunkHecEvent, path: '/services/collector[/event[/1.0]]', pattern: /^\/services\/collector(?:\/event(?:\/1\.0)?)?\/?$/,
    signal: Signal.Logs, mediaTypes: HEC_MEDIA_TYPES, encodings: JSON_ENCODINGS,
    inline: false, createDecoder: createHecEventDecoder, answers: always(HEC_ANSWERS),
    headers: [CHANNEL_HEADER], credentials: splunkToken, wrongTokenForbidden: true,
  },
  [Route.SplunkHecRaw]: {
    route: Route.SplunkHecRaw, path: '/services/collector/raw[/1.0]', pattern: /^\/services\/collector\/raw(?:\/1\.0)?\/?$/,
    signal: Signal.Logs, mediaTypes: HEC_MEDIA_TYPES, encodings: JSON_ENCODINGS,
    inline: false, createDecoder: createHecRawDecoder, answers: always(HEC_ANSWERS),
    headers: [CHANNEL_HEADER], credentials: splunkToken, wrongTokenForbidden: true,
  },
};

/** The routes by path (the exact ones). */
export const ROUTE_BY_PATH: ReadonlyMap<string, RouteSpec> = new Map(Object.values(ROUTES)
  .filter((spec) => spec.pattern === undefined).map((spec) => [spec.path, spec]));
const PATTERN_ROUTES: readonly RouteSpec[] = Object.values(ROUTES).filter((spec) => spec.pattern !== undefined);

/** The route serving a path: an exact path first, then the patterns in table order. */
export function routeOf(path: string): RouteSpec | undefined {
  return ROUTE_BY_PATH.get(path) ?? PATTERN_ROUTES.find((spec) => spec.pattern!.test(path));
}

export const POST_ONLY: ReadonlySet<string> = new Set(['post']);

/** The token a request offers, as its route reads it. */
export function offeredToken(spec: RouteSpec, header: (name: string) => string, query: string): string | null {
  return (spec.credentials ?? bearerToken)(header, query);
}

/** Probes: what clients ask before or beside sending (their answers are fixed
 * or follow readiness), in table order, each on a path no route serves. */
export const PROBES: readonly Probe[] = [...INFLUX_PROBES, ...LOKI_PROBES, ...ES_PROBES, ...HEC_PROBES];

export function probeOf(method: string, path: string): Probe | undefined {
  return PROBES.find((probe) => probe.methods.includes(method) && (typeof probe.path === 'string' ? probe.path === path : probe.path.test(path)));
}
