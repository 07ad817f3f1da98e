// Items (data points, log records, spans) of a protobufjs export request
// message, counted as the decoders count them: what wire-count.ts and
// json-count.ts, which count without such a message, are checked against.
import { logGroups, type LogsRequest } from '../../../../src/protocols/otlp/logs';
import { metricPointCount, type MetricsRequest } from '../../../../src/protocols/otlp/metrics';
import { itemCount } from '../../../../src/protocols/otlp/scopes';
import { spanGroups, type TracesRequest } from '../../../../src/protocols/otlp/traces';
import { Signal } from '../../../../src/signals';

export function messageItemCount(signal: Signal, message: unknown): number {
  switch (signal) {
    case Signal.Metrics: return metricPointCount(message as MetricsRequest);
    case Signal.Logs: return itemCount(logGroups(message as LogsRequest));
    case Signal.Traces: return itemCount(spanGroups(message as TracesRequest));
  }
}
