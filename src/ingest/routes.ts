// What the ingest listener serves: the request headers each route accepts.
// Paths and signals come from the one route table (src/routes.ts).
import { ROUTES, Route, type Signal } from '../routes';

export interface RouteSpec {
  readonly route: Route;
  /** Media types (lower case, no parameters) the body may be declared as. */
  readonly mediaTypes: ReadonlySet<string>;
  readonly encodings: ReadonlySet<string>;
  /** Status of a successful answer: 200 {"accepted":N}, or 204 for remote_write. */
  readonly successStatus: 200 | 204;
  /** OTLP/HTTP routes answer Export*ServiceResponse and google.rpc.Status. */
  readonly otlpSignal?: Signal;
}

const JSON_MEDIA_TYPES = new Set([
  '', 'application/json', 'application/x-ndjson', 'application/ndjson', 'application/jsonl',
  'application/x-jsonlines', 'application/jsonlines', 'text/plain',
]);
const JSON_ENCODINGS = new Set(['', 'identity', 'gzip', 'x-gzip', 'deflate', 'zstd']);
const OTLP_MEDIA_TYPES = new Set(['application/x-protobuf', 'application/json']);

const SPECS: readonly RouteSpec[] = [
  { route: Route.Metrics, mediaTypes: JSON_MEDIA_TYPES, encodings: JSON_ENCODINGS, successStatus: 200 },
  { route: Route.Logs, mediaTypes: JSON_MEDIA_TYPES, encodings: JSON_ENCODINGS, successStatus: 200 },
  // Prometheus remote_write 1.0: snappy-compressed protobuf, 204 on success.
  { route: Route.RemoteWrite, mediaTypes: new Set(['application/x-protobuf']), encodings: new Set(['snappy']), successStatus: 204 },
  // OTLP/HTTP: protobuf or JSON, 200 with the signal's Export*ServiceResponse.
  otlpRoute(Route.OtlpMetrics),
  otlpRoute(Route.OtlpLogs),
  otlpRoute(Route.OtlpTraces),
];

/** By path. */
export const INGEST_ROUTES: ReadonlyMap<string, RouteSpec> = new Map(SPECS.map((spec) => [ROUTES[spec.route].path, spec]));

function otlpRoute(route: Route): RouteSpec {
  return { route, mediaTypes: OTLP_MEDIA_TYPES, encodings: JSON_ENCODINGS, successStatus: 200, otlpSignal: ROUTES[route].signal };
}

/** Returns null when the Content-Type is acceptable for the route, else why not. */
export function contentTypeProblem(spec: RouteSpec, header: string): string | null {
  if (spec.mediaTypes.has(header)) return null; // the usual case: exactly "application/json" etc.
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
