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
import { createOtlpDecoder } from './otlp/decode';
import { bearerToken } from './credentials';
import type { AnswerShape, CredentialReader, Decoder, DecoderSettings, Probe } from './protocol';
import { REMOTE_WRITE_ANSWERS } from './remote-write/answers';
import { remoteWriteContentTypeProblem } from './remote-write/content-type';
import { createRemoteWriteDecoder } from './remote-write/decode';

/** Routes, named as in metricstream_http_requests_total{route}. */
export const enum Route {
  Metrics = 'metrics',
  Logs = 'logs',
  RemoteWrite = 'remote_write',
  OtlpMetrics = 'otlp_metrics',
  OtlpLogs = 'otlp_logs',
  OtlpTraces = 'otlp_traces',
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
}

const JSON_MEDIA_TYPES = new Set([
  '', 'application/json', 'application/x-ndjson', 'application/ndjson', 'application/jsonl',
  'application/x-jsonlines', 'application/jsonlines', 'text/plain',
]);
const JSON_ENCODINGS = new Set(['', 'identity', 'gzip', 'x-gzip', 'deflate', 'zstd']);
const OTLP_MEDIA_TYPES = new Set(['application/x-protobuf', 'application/json']);

const always = (shape: AnswerShape) => (): AnswerShape => shape;

function otlpRoute(route: Route, path: string, signal: Signal): RouteSpec {
  return {
    route, path, signal, mediaTypes: OTLP_MEDIA_TYPES, encodings: JSON_ENCODINGS, inline: false,
    createDecoder: createOtlpDecoder(signal), answers: otlpAnswers(signal),
  };
}

export const ROUTES: Readonly<Record<Route, RouteSpec>> = {
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
 * or follow readiness), in table order. */
export const PROBES: readonly Probe[] = [];

export function probeOf(method: string, path: string): Probe | undefined {
  return PROBES.find((probe) => probe.methods.includes(method) && (typeof probe.path === 'string' ? probe.path === path : probe.path.test(path)));
}
