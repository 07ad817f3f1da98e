// What the ingest listener serves, and the request headers each route accepts.
import { Signal } from '../otlp/schema';
import { Route } from '../pool/protocol';
import { Topic } from '../ring/layout';

export interface RouteSpec {
  readonly route: Route;
  /** Media types (lower case, no parameters) the body may be declared as. */
  readonly mediaTypes: ReadonlySet<string>;
  readonly encodings: ReadonlySet<string>;
  /** Status of a successful answer: 200 {"accepted":N}, or 204 for remote_write. */
  readonly successStatus: 200 | 204;
  /** The Kafka topic its records go to (a missing topic refuses the route at once). */
  readonly topic: Topic;
  /** OTLP/HTTP routes answer Export*ServiceResponse and google.rpc.Status. */
  readonly otlpSignal?: Signal;
}

const JSON_MEDIA_TYPES = new Set([
  '', 'application/json', 'application/x-ndjson', 'application/ndjson', 'application/jsonl',
  'application/x-jsonlines', 'application/jsonlines', 'text/plain',
]);
const JSON_ENCODINGS = new Set(['', 'identity', 'gzip', 'x-gzip', 'deflate', 'zstd']);
const OTLP_MEDIA_TYPES = new Set(['application/x-protobuf', 'application/json']);

export const INGEST_ROUTES: ReadonlyMap<string, RouteSpec> = new Map([
  ['/metrics', { route: Route.Metrics, mediaTypes: JSON_MEDIA_TYPES, encodings: JSON_ENCODINGS, successStatus: 200, topic: Topic.Metrics }],
  ['/logs', { route: Route.Logs, mediaTypes: JSON_MEDIA_TYPES, encodings: JSON_ENCODINGS, successStatus: 200, topic: Topic.Logs }],
  // Prometheus remote_write 1.0: snappy-compressed protobuf, 204 on success.
  ['/api/v1/write', { route: Route.RemoteWrite, mediaTypes: new Set(['application/x-protobuf']), encodings: new Set(['snappy']), successStatus: 204, topic: Topic.Metrics }],
  // OTLP/HTTP: protobuf or JSON, 200 with the signal's Export*ServiceResponse.
  ['/v1/metrics', otlpRoute(Route.OtlpMetrics, Signal.Metrics, Topic.Metrics)],
  ['/v1/logs', otlpRoute(Route.OtlpLogs, Signal.Logs, Topic.Logs)],
  ['/v1/traces', otlpRoute(Route.OtlpTraces, Signal.Traces, Topic.Traces)],
]);

function otlpRoute(route: Route, otlpSignal: Signal, topic: Topic): RouteSpec {
  return { route, mediaTypes: OTLP_MEDIA_TYPES, encodings: JSON_ENCODINGS, successStatus: 200, otlpSignal, topic };
}

/** Returns null when the Content-Type is acceptable for the route, else why not. */
export function contentTypeProblem(spec: RouteSpec, header: string): string | null {
  const [mediaType = '', ...params] = header.toLowerCase().split(';');
  if (!spec.mediaTypes.has(mediaType.trim())) {
    return `Content-Type ${mediaType.trim() || '(none)'} is not supported here; send ${[...spec.mediaTypes].filter((t) => t !== '').slice(0, 2).join(' or ')}`;
  }
  for (const param of params) {
    const [name, value = ''] = param.split('=').map((s) => s.trim());
    if (name === 'charset' && value.replace(/"/g, '') !== 'utf-8' && value.replace(/"/g, '') !== 'utf8') {
      return `charset ${value} is not supported; send UTF-8`;
    }
  }
  return null;
}

export function encodingProblem(spec: RouteSpec, encoding: string): string | null {
  if (spec.encodings.has(encoding)) return null;
  return `Content-Encoding ${encoding || '(none)'} is not supported here; send ${[...spec.encodings].filter((e) => e !== '').join(', ')}`;
}
