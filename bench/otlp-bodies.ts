// The OTLP metrics request the benches send: one resource (a few attributes),
// one scope, ten metrics alternating gauge and monotonic cumulative sum, each
// point with its own attributes (distinct series), as an SDK sends it.
import { Buffer } from 'node:buffer';
import { configSchema } from '../src/config/schema';
import { decodeOtlpMetrics, type MetricsRequest } from '../src/protocols/otlp/metrics';
import { EXPORT_REQUEST } from '../src/protocols/otlp/proto';
import { Signal } from '../src/signals';

type Attribute = { key: string; value: Record<string, unknown> };

const attribute = (key: string, value: string | number): Attribute =>
  ({ key, value: typeof value === 'string' ? { stringValue: value } : { intValue: value } });

/** Point j's own attributes (a distinct series per point). */
function pointAttributes(j: number): Attribute[] {
  return [attribute('http.route', `/api/v1/items/${j}`), attribute('http.request.method', 'GET'), attribute('http.response.status_code', 200)];
}

/** The request as an OTLP/JSON document of `points` data points. */
export function otlpMetricsDocument(points: number, nowMs = Date.now()): object {
  const nowNs = BigInt(nowMs) * 1_000_000n;
  const metricCount = Math.min(10, points);
  const metrics = Array.from({ length: metricCount }, (_, m) => {
    const dataPoints = Array.from({ length: Math.ceil((points - m) / metricCount) }, (_, j) => ({
      startTimeUnixNano: String(nowNs - 60_000_000_000n), timeUnixNano: String(nowNs),
      ...(m % 2 === 0 ? { asDouble: j * 1.5 } : { asInt: String(j * 10) }),
      attributes: pointAttributes(j),
    }));
    return m % 2 === 0
      ? { name: `app_gauge_${m}`, unit: 'By', gauge: { dataPoints } }
      : { name: `app_requests_${m}_total`, unit: '1', sum: { aggregationTemporality: 2, isMonotonic: true, dataPoints } };
  });
  return { resourceMetrics: [{
    resource: { attributes: [attribute('service.name', 'checkout'), attribute('service.instance.id', 'checkout-7d9f-1'), attribute('host.name', 'web-1'), attribute('deployment.environment', 'prod')] },
    scopeMetrics: [{ scope: { name: 'bench', version: '1.0.0' }, metrics }],
  }] };
}

/** The bench request's resource and scope around ten metrics of another kind:
 * metric(m, dataPoints) makes metric m of its points, point(j) the fields of
 * point j beside the times and attributes every point has. */
function documentOf(points: number, nowMs: number, metric: (m: number, dataPoints: object[]) => object, point: (j: number) => object): object {
  const nowNs = BigInt(nowMs) * 1_000_000n;
  const metricCount = Math.min(10, points);
  const metrics = Array.from({ length: metricCount }, (_, m) => metric(m, Array.from({ length: Math.ceil((points - m) / metricCount) }, (_, j) => ({
    startTimeUnixNano: String(nowNs - 60_000_000_000n), timeUnixNano: String(nowNs), ...point(j), attributes: pointAttributes(j),
  }))));
  const document = otlpMetricsDocument(points, nowMs) as { resourceMetrics: Array<{ scopeMetrics: Array<{ metrics: object[] }> }> };
  document.resourceMetrics[0]!.scopeMetrics[0]!.metrics = metrics;
  return document;
}

/** The same request with histograms instead: ten metrics of explicit-bucket
 * histogram points, ten bounds each (so 13 records a point), as SDKs send latencies. */
export function otlpHistogramsDocument(points: number, nowMs = Date.now()): object {
  const bounds = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
  return documentOf(points, nowMs, (m, dataPoints) => ({ name: `http_server_duration_${m}`, unit: 's', histogram: { aggregationTemporality: 2, dataPoints } }), (j) => ({
    count: String(11 * (j + 1)), sum: j * 2.5, min: 0.001, max: 7.5, bucketCounts: bounds.concat(0).map(() => String(j + 1)), explicitBounds: bounds,
  }));
}

/** The same request with summaries instead: ten metrics of summary points,
 * five quantiles each (so 7 records a point), as Prometheus client summaries arrive. */
export function otlpSummariesDocument(points: number, nowMs = Date.now()): object {
  return documentOf(points, nowMs, (m, dataPoints) => ({ name: `rpc_duration_seconds_${m}`, summary: { dataPoints } }), (j) => ({
    count: String(100 * (j + 1)), sum: j * 12.5, quantileValues: [0, 0.5, 0.9, 0.99, 1].map((quantile, k) => ({ quantile, value: 0.001 * (k + 1) * (j + 1) })),
  }));
}

/** The same request with exponential histograms: ten metrics, each point with
 * eight positive buckets and a zero bucket at scale 3 (so 12 records a point). */
export function otlpExponentialDocument(points: number, nowMs = Date.now()): object {
  return documentOf(points, nowMs, (m, dataPoints) => ({ name: `http_client_duration_${m}`, unit: 's', exponentialHistogram: { aggregationTemporality: 2, dataPoints } }), (j) => ({
    count: String(9 * (j + 1)), sum: j * 2.5, scale: 3, zeroCount: String(j + 1), positive: { offset: -20, bucketCounts: Array.from({ length: 8 }, () => String(j + 1)) },
  }));
}

/** The request as OTLP/protobuf (ExportMetricsServiceRequest). */
export function otlpMetricsBody(points: number, nowMs = Date.now(), document = otlpMetricsDocument(points, nowMs)): Buffer {
  const type = EXPORT_REQUEST[Signal.Metrics];
  return Buffer.from(type.encode(type.fromObject(document)).finish());
}

/** The request as OTLP/JSON. */
export function otlpMetricsJsonBody(points: number, nowMs = Date.now()): Buffer {
  return Buffer.from(JSON.stringify(otlpMetricsDocument(points, nowMs)));
}

/** A native /metrics JSON array of exactly the records the OTLP request becomes
 * (same names, values, timestamps and labels in the same order), so that the
 * two routes can be compared on the same Kafka records. */
export function otlpRecordsAsNativeBody(points: number, nowMs = Date.now()): Buffer {
  const values: string[] = [];
  const sink = { append: (_topic: unknown, _index: number, _key: string | null, value: string): void => void values.push(value) };
  const request = EXPORT_REQUEST[Signal.Metrics].decode(otlpMetricsBody(points, nowMs)) as unknown as MetricsRequest;
  decodeOtlpMetrics(request, nowMs, configSchema.parse({}).limits, sink);
  return Buffer.from(`[${values.join(',')}]`);
}
