// The OTLP metrics normalizer as it was before src/protocols/otlp/ wrote
// records without building label objects: protobufjs' messages in, a labels
// object per point, metricRecord and seriesKey over it. Kept as the reference
// the faster path must match byte for byte (metrics-equivalence.test.ts).
// OTLP metrics → metric records (the native record: name, value, type,
// timestamp ms, labels). Labels are the resource's attributes, then the
// scope's (with otel_scope_name / otel_scope_version), then the point's; a
// later key wins. Each kind, in the Prometheus naming that consumers of
// metric records already know:
//   gauge                 → <name>, type gauge
//   sum                   → <name>, type counter if monotonic, else gauge
//   histogram             → <name>_bucket{le} (cumulative, one per bound, +Inf
//                           = count), <name>_sum (when set), <name>_count; type histogram
//   exponential histogram → the same three; le bounds from scale and offset
//                           (negative buckets, the zero bucket at le=zero_threshold,
//                           positive buckets), empty buckets left out
//   summary               → <name>{quantile}, <name>_sum, <name>_count; type summary
// A point that cannot be written (metric name empty or too long, label limits,
// no value, bucket counts that do not match the bounds) is rejected alone and
// counted in partial_success.
import type { Config } from '../../../../src/config/schema';
import { Signal } from '../../../../src/signals';
import { DecodeError } from '../../../../src/decode/decode-error';
import { metricRecord, type MetricType } from '../../../../src/protocols/native/metrics';
import { seriesKey } from '../../../../src/decode/series-key';
import type { RecordSink } from '../../../../src/decode/sink';
import { addLabels, int64ToNumber, nanosToMs, RejectedItem, type Int64, type KeyValue, type Resource, type Scope } from '../../../../src/protocols/otlp/values';
import { Rejections, type Outcome } from '../../../../src/protocols/otlp/outcome';

interface PointBase {
  readonly attributes: readonly KeyValue[];
  readonly timeUnixNano: Int64;
  readonly flags: number;
}
interface NumberPoint extends PointBase {
  readonly value?: 'asDouble' | 'asInt';
  readonly asDouble: number;
  readonly asInt: Int64;
}
interface HistogramPoint extends PointBase {
  readonly count: Int64;
  readonly sum: number;
  readonly bucketCounts: readonly Int64[];
  readonly explicitBounds: readonly number[];
}
interface Buckets { readonly offset: number; readonly bucketCounts: readonly Int64[] }
interface ExponentialPoint extends PointBase {
  readonly count: Int64;
  readonly sum: number;
  readonly scale: number;
  readonly zeroCount: Int64;
  readonly zeroThreshold: number;
  readonly positive: Buckets | null;
  readonly negative: Buckets | null;
}
interface SummaryPoint extends PointBase {
  readonly count: Int64;
  readonly sum: number;
  readonly quantileValues: ReadonlyArray<{ readonly quantile: number; readonly value: number }>;
}
interface Metric {
  readonly name: string;
  readonly data?: 'gauge' | 'sum' | 'histogram' | 'exponentialHistogram' | 'summary';
  readonly gauge: { readonly dataPoints: readonly NumberPoint[] } | null;
  readonly sum: { readonly dataPoints: readonly NumberPoint[]; readonly isMonotonic: boolean } | null;
  readonly histogram: { readonly dataPoints: readonly HistogramPoint[] } | null;
  readonly exponentialHistogram: { readonly dataPoints: readonly ExponentialPoint[] } | null;
  readonly summary: { readonly dataPoints: readonly SummaryPoint[] } | null;
}
export interface MetricsRequest {
  readonly resourceMetrics: ReadonlyArray<{
    readonly resource: Resource | null;
    readonly scopeMetrics: ReadonlyArray<{ readonly scope: Scope | null; readonly metrics: readonly Metric[] }>;
  }>;
}

/** A point's field set in the request (proto3 `optional`: present or not). */
function has(point: object, field: string): boolean {
  return Object.prototype.hasOwnProperty.call(point, field);
}

function pointsOf(metric: Metric): readonly PointBase[] {
  return metric.data === undefined ? [] : metric[metric.data]?.dataPoints ?? [];
}

/** Records a metric's points become at most (a histogram point gives one per bucket). */
function recordsOf(metric: Metric): number {
  switch (metric.data) {
    case 'histogram':
      return metric.histogram!.dataPoints.reduce((n, p) => n + p.explicitBounds.length + 3, 0);
    case 'exponentialHistogram':
      return metric.exponentialHistogram!.dataPoints.reduce((n, p) =>
        n + (p.positive?.bucketCounts.length ?? 0) + (p.negative?.bucketCounts.length ?? 0) + 4, 0);
    case 'summary':
      return metric.summary!.dataPoints.reduce((n, p) => n + p.quantileValues.length + 2, 0);
    default:
      return pointsOf(metric).length;
  }
}

class MetricWriter {
  index = 0;
  constructor(
    private readonly sink: RecordSink,
    private readonly limits: Config['limits'],
    private readonly receivedAtMs: number,
  ) {}

  checkName(name: string): void {
    if (name.length === 0) throw new RejectedItem('metric name is empty');
    if (name.length > this.limits.maxNameLength - 7) {
      // Room for the longest suffix (_bucket) within maxNameLength.
      throw new RejectedItem(`metric name ${JSON.stringify(name.slice(0, 64))}… is longer than ${this.limits.maxNameLength - 7}`);
    }
  }

  labelsOf(base: Readonly<Record<string, string>>, point: PointBase): Record<string, string> {
    const labels = { ...base };
    addLabels(labels, point.attributes, this.limits.maxValueDepth);
    const names = Object.keys(labels);
    if (names.length > this.limits.maxLabelsPerRecord - 2) {
      throw new RejectedItem(`more than ${this.limits.maxLabelsPerRecord - 2} attributes (resource, scope and point together)`);
    }
    for (const name of names) {
      if (name.length === 0 || name.length > this.limits.maxLabelNameLength) {
        throw new RejectedItem(`attribute key of length ${name.length} outside 1..${this.limits.maxLabelNameLength}`);
      }
      if (labels[name]!.length > this.limits.maxLabelValueLength) {
        throw new RejectedItem(`attribute ${name} longer than ${this.limits.maxLabelValueLength}`);
      }
    }
    return labels;
  }

  timestampOf(point: PointBase): number {
    const ms = nanosToMs(point.timeUnixNano);
    return ms > 0 ? ms : this.receivedAtMs;
  }

  write(name: string, value: number, type: MetricType, timestamp: number, labels: Record<string, string>): void {
    this.sink.append(Signal.Metrics, this.index++, seriesKey(name, labels), metricRecord(name, value, type, timestamp, labels));
  }

  number(metric: Metric, point: NumberPoint, type: MetricType, base: Record<string, string>): void {
    let value: number;
    if (point.value === 'asDouble') value = point.asDouble;
    else if (point.value === 'asInt') value = int64ToNumber(point.asInt);
    else if ((point.flags & 1) === 1) value = NaN; // FLAG_NO_RECORDED_VALUE: Prometheus' stale marker
    else throw new RejectedItem(`metric ${metric.name}: data point has no value`);
    this.write(metric.name, value, type, this.timestampOf(point), this.labelsOf(base, point));
  }

  /** <name>_bucket per (le, cumulative count), then _sum and _count. */
  buckets(metric: Metric, point: HistogramPoint | ExponentialPoint, bounds: Array<[number, number]>, base: Record<string, string>): void {
    const labels = this.labelsOf(base, point);
    const timestamp = this.timestampOf(point);
    const count = int64ToNumber(point.count);
    let cumulative = 0;
    for (const [le, n] of bounds) {
      cumulative += n;
      this.write(`${metric.name}_bucket`, cumulative, 'histogram', timestamp, { ...labels, le: String(le) });
    }
    this.write(`${metric.name}_bucket`, count, 'histogram', timestamp, { ...labels, le: '+Inf' });
    if (has(point, 'sum')) this.write(`${metric.name}_sum`, point.sum, 'histogram', timestamp, labels);
    this.write(`${metric.name}_count`, count, 'histogram', timestamp, labels);
  }

  histogram(metric: Metric, point: HistogramPoint, base: Record<string, string>): void {
    const { bucketCounts, explicitBounds } = point;
    if (bucketCounts.length !== 0 && bucketCounts.length !== explicitBounds.length + 1) {
      throw new RejectedItem(`metric ${metric.name}: ${bucketCounts.length} bucket counts for ${explicitBounds.length} bounds (want bounds + 1)`);
    }
    const bounds: Array<[number, number]> = bucketCounts.length === 0 ? [] : explicitBounds.map((le, i) => [le, int64ToNumber(bucketCounts[i]!)]);
    this.buckets(metric, point, bounds, base);
  }

  exponential(metric: Metric, point: ExponentialPoint, base: Record<string, string>): void {
    // Bucket index i covers (base^i, base^(i+1)], base = 2^(2^-scale); negative mirrored.
    const upper = (index: number): number => 2 ** ((index + 1) * 2 ** -point.scale);
    const bounds: Array<[number, number]> = [];
    const negative = point.negative?.bucketCounts ?? [];
    for (let i = negative.length - 1; i >= 0; i--) {
      const n = int64ToNumber(negative[i]!);
      if (n > 0) bounds.push([-upper(point.negative!.offset + i - 1), n]);
    }
    const zero = int64ToNumber(point.zeroCount);
    if (zero > 0) bounds.push([point.zeroThreshold, zero]);
    const positive = point.positive?.bucketCounts ?? [];
    for (let i = 0; i < positive.length; i++) {
      const n = int64ToNumber(positive[i]!);
      if (n > 0) bounds.push([upper(point.positive!.offset + i), n]);
    }
    this.buckets(metric, point, bounds, base);
  }

  summary(metric: Metric, point: SummaryPoint, base: Record<string, string>): void {
    const labels = this.labelsOf(base, point);
    const timestamp = this.timestampOf(point);
    for (const q of point.quantileValues) {
      this.write(metric.name, q.value, 'summary', timestamp, { ...labels, quantile: String(q.quantile) });
    }
    this.write(`${metric.name}_sum`, point.sum, 'summary', timestamp, labels);
    this.write(`${metric.name}_count`, int64ToNumber(point.count), 'summary', timestamp, labels);
  }

  metric(metric: Metric, base: Record<string, string>, rejections: Rejections): void {
    const points = pointsOf(metric);
    try {
      this.checkName(metric.name);
    } catch (err) {
      if (err instanceof RejectedItem) return rejections.add(points.length, err.message);
      throw err;
    }
    for (const point of points) {
      try {
        switch (metric.data) {
          case 'gauge': this.number(metric, point as NumberPoint, 'gauge', base); break;
          case 'sum': this.number(metric, point as NumberPoint, metric.sum!.isMonotonic ? 'counter' : 'gauge', base); break;
          case 'histogram': this.histogram(metric, point as HistogramPoint, base); break;
          case 'exponentialHistogram': this.exponential(metric, point as ExponentialPoint, base); break;
          case 'summary': this.summary(metric, point as SummaryPoint, base); break;
        }
      } catch (err) {
        if (err instanceof RejectedItem) rejections.add(1, err.message);
        else throw err;
      }
    }
  }
}

function allMetrics(request: MetricsRequest): Metric[] {
  return request.resourceMetrics.flatMap((rm) => rm.scopeMetrics.flatMap((sm) => sm.metrics));
}

/** Data points in a request (what partial_success counts). */
export function metricPointCount(request: MetricsRequest): number {
  return allMetrics(request).reduce((n, m) => n + pointsOf(m).length, 0);
}

/** Labels every point of a scope starts from: resource, then scope attributes, then the scope's name and version. */
function scopeLabels(resource: Resource | null, scope: Scope | null, maxDepth: number): Record<string, string> {
  const labels: Record<string, string> = {};
  addLabels(labels, resource?.attributes ?? [], maxDepth);
  if (scope) {
    addLabels(labels, scope.attributes, maxDepth);
    if (scope.name !== '') labels['otel_scope_name'] = scope.name;
    if (scope.version !== '') labels['otel_scope_version'] = scope.version;
  }
  return labels;
}

export function decodeOtlpMetrics(request: MetricsRequest, receivedAtMs: number, limits: Config['limits'], sink: RecordSink): Outcome {
  const points = metricPointCount(request);
  const records = allMetrics(request).reduce((n, m) => n + recordsOf(m), 0);
  if (records > limits.maxRecordsPerRequest) {
    throw new DecodeError('too_many_records', `request's ${points} data points make up to ${records} records (histogram buckets count one each); the limit is ${limits.maxRecordsPerRequest}`);
  }
  const writer = new MetricWriter(sink, limits, receivedAtMs);
  const rejections = new Rejections();
  for (const rm of request.resourceMetrics) {
    for (const sm of rm.scopeMetrics) {
      let base: Record<string, string>;
      try {
        base = scopeLabels(rm.resource, sm.scope, limits.maxValueDepth);
      } catch (err) {
        if (!(err instanceof RejectedItem)) throw err;
        rejections.add(sm.metrics.reduce((n, m) => n + pointsOf(m).length, 0), `resource or scope: ${err.message}`);
        continue;
      }
      for (const metric of sm.metrics) writer.metric(metric, base, rejections);
    }
  }
  return { records: writer.index, items: points, rejections };
}
