// The items (data points, log records, spans) of an OTLP/JSON export request,
// counted on the parsed document, for forwarding it unchanged (otlp_json)
// without protobufjs' conversion. Runs after the schema check (json-check.ts:
// every known field holds the right type) and counts as metricPointCount,
// logGroups and spanGroups count the message fromObject would make: a null or
// missing field is empty, and Metric's data oneof is the member protobufjs'
// oneof getter names, the last declared one set (fromObject sets fields in
// declaration order).
import { Signal } from '../../signals';
import type { Node } from './request';

/** Metric's data oneof, last declared first. */
export const METRIC_KINDS_LAST_FIRST = ['summary', 'exponentialHistogram', 'histogram', 'sum', 'gauge'];

/** The envelope of each signal: request → resource groups → scope groups → items. */
export const ENVELOPE: Readonly<Record<Signal, readonly [string, string, string]>> = {
  [Signal.Metrics]: ['resourceMetrics', 'scopeMetrics', 'metrics'],
  [Signal.Logs]: ['resourceLogs', 'scopeLogs', 'logRecords'],
  [Signal.Traces]: ['resourceSpans', 'scopeSpans', 'spans'],
};

/** A repeated field's entries (the check made it an array or left it null/absent). */
function entries(node: Node, key: string): readonly unknown[] {
  const value = node[key];
  return Array.isArray(value) ? value : [];
}

function metricPoints(metric: Node): number {
  for (const kind of METRIC_KINDS_LAST_FIRST) {
    const data = metric[kind];
    if (data !== undefined && data !== null) return entries(data as Node, 'dataPoints').length;
  }
  return 0;
}

export function jsonItemCount(signal: Signal, document: Node): number {
  const [groups, scopes, items] = ENVELOPE[signal];
  let count = 0;
  for (const group of entries(document, groups)) {
    for (const scope of entries(group as Node, scopes)) {
      const list = entries(scope as Node, items);
      if (signal !== Signal.Metrics) count += list.length;
      else for (const metric of list) count += metricPoints(metric as Node);
    }
  }
  return count;
}
