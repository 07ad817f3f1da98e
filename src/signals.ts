// What the daemon carries: a signal (metrics, logs, traces) picks the Kafka
// topic (kafka.topics), the OTLP message types and the byte each ring record
// carries. Which signal a request carries is its route's (src/protocols/routes.ts).

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

/** Kafka topic names by signal name (config kafka.topics). */
export type TopicNames = Readonly<Record<SignalName, string>>;

/** Topic names indexed by Signal, for the pump's per-record lookup. */
export function topicsBySignal(names: TopicNames): readonly string[] {
  return SIGNAL_NAMES.map((name) => names[name]);
}
