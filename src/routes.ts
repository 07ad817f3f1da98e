// Route → signal → topic, the one table. A route is what the client POSTs to;
// its signal (metrics, logs, traces) picks the Kafka topic (kafka.topics),
// the OTLP message types and the byte each ring record carries. The main
// thread (src/ingest/routes.ts, the pump) and the workers read it from here.

/** A signal: the number a ring record carries (src/ring/layout.ts). */
export const enum Signal {
  Metrics = 0,
  Logs = 1,
  Traces = 2,
}
export const SIGNAL_COUNT = 3;

/** Signal names, indexed by Signal: the keys of kafka.topics and otlp.encoding. */
export const SIGNAL_NAMES = ['metrics', 'logs', 'traces'] as const;
export type SignalName = (typeof SIGNAL_NAMES)[number];

/** Routes, named as in metricstream_http_requests_total{route}. */
export const enum Route {
  Metrics = 'metrics',
  Logs = 'logs',
  RemoteWrite = 'remote_write',
  OtlpMetrics = 'otlp_metrics',
  OtlpLogs = 'otlp_logs',
  OtlpTraces = 'otlp_traces',
}

export interface RouteInfo {
  readonly path: string;
  readonly signal: Signal;
  /** An OTLP/HTTP export route (decoded by workers/otlp/, answered as OTLP). */
  readonly otlp: boolean;
}

export const ROUTES: Readonly<Record<Route, RouteInfo>> = {
  [Route.Metrics]: { path: '/metrics', signal: Signal.Metrics, otlp: false },
  [Route.Logs]: { path: '/logs', signal: Signal.Logs, otlp: false },
  [Route.RemoteWrite]: { path: '/api/v1/write', signal: Signal.Metrics, otlp: false },
  [Route.OtlpMetrics]: { path: '/v1/metrics', signal: Signal.Metrics, otlp: true },
  [Route.OtlpLogs]: { path: '/v1/logs', signal: Signal.Logs, otlp: true },
  [Route.OtlpTraces]: { path: '/v1/traces', signal: Signal.Traces, otlp: true },
};

/** Kafka topic names by signal name (config kafka.topics). */
export type TopicNames = Readonly<Record<SignalName, string>>;

/** Topic names indexed by Signal, for the pump's per-record lookup. */
export function topicsBySignal(names: TopicNames): readonly string[] {
  return SIGNAL_NAMES.map((name) => names[name]);
}
