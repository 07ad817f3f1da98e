// Prometheus remote_write 2.0: an `io.prometheus.write.v2.Request` (the bytes
// after snappy) → one metric point per sample.
//  - Strings travel once, in `symbols` (symbols[0] is ""); a series names its
//    labels by pairs of indexes into it (`labels_refs`).
//  - type: from the series' own metadata — counter, gauge, histogram and
//    gauge histogram (a classic histogram's _bucket/_sum/_count series each
//    carry it; a gauge histogram is typed histogram too), summary; info,
//    stateset and unspecified are gauges.
//  - start_timestamp (Prometheus ≥ 3.8 puts the created timestamp on each
//    sample; before, a series carried it in its field 6) is returned as
//    `startTimestamp` when set.
//  - native histograms are not written: they are counted as refused, so the
//    route answers them visibly (X-Prometheus-Remote-Write-Histograms-Written
//    stays below what was sent, and the status says why).
//  - exemplars are decoded and returned apart, with their series, for the route
//    to write or to count as refused.
//  - a series that breaks the rules (odd or out-of-range labels_refs, no
//    __name__, a limit) is refused alone, with its samples, histograms and
//    exemplars counted; the first refusal is described. This is the spec's
//    partial write: the route writes the rest and answers 400.
import protobuf from 'protobufjs';

// From prompb/io/prometheus/write/v2/types.proto (Prometheus v0.316.0), with the
// gogoproto options left out, and field 6 of TimeSeries (reserved there) read as
// the created_timestamp that earlier 2.0 senders put on the series.
const SCHEMA = `
syntax = "proto3";
package io.prometheus.write.v2;
message Request {
  reserved 1 to 3;
  repeated string symbols = 4;
  repeated TimeSeries timeseries = 5;
}
message TimeSeries {
  repeated uint32 labels_refs = 1;
  repeated Sample samples = 2;
  repeated Histogram histograms = 3;
  repeated Exemplar exemplars = 4;
  Metadata metadata = 5;
  int64 created_timestamp = 6;
}
message Exemplar {
  repeated uint32 labels_refs = 1;
  double value = 2;
  int64 timestamp = 3;
}
message Sample {
  double value = 1;
  int64 timestamp = 2;
  int64 start_timestamp = 3;
}
message Metadata {
  enum MetricType {
    METRIC_TYPE_UNSPECIFIED = 0;
    METRIC_TYPE_COUNTER = 1;
    METRIC_TYPE_GAUGE = 2;
    METRIC_TYPE_HISTOGRAM = 3;
    METRIC_TYPE_GAUGEHISTOGRAM = 4;
    METRIC_TYPE_SUMMARY = 5;
    METRIC_TYPE_INFO = 6;
    METRIC_TYPE_STATESET = 7;
  }
  MetricType type = 1;
  uint32 help_ref = 3;
  uint32 unit_ref = 4;
}
message Histogram {
  enum ResetHint {
    RESET_HINT_UNSPECIFIED = 0;
    RESET_HINT_YES = 1;
    RESET_HINT_NO = 2;
    RESET_HINT_GAUGE = 3;
  }
  oneof count {
    uint64 count_int = 1;
    double count_float = 2;
  }
  double sum = 3;
  sint32 schema = 4;
  double zero_threshold = 5;
  oneof zero_count {
    uint64 zero_count_int = 6;
    double zero_count_float = 7;
  }
  repeated BucketSpan negative_spans = 8;
  repeated sint64 negative_deltas = 9;
  repeated double negative_counts = 10;
  repeated BucketSpan positive_spans = 11;
  repeated sint64 positive_deltas = 12;
  repeated double positive_counts = 13;
  ResetHint reset_hint = 14;
  int64 timestamp = 15;
  repeated double custom_values = 16;
  int64 start_timestamp = 17;
}
message BucketSpan {
  sint32 offset = 1;
  uint32 length = 2;
}
`;

export const V2_PROTO_MESSAGE = 'io.prometheus.write.v2.Request';
export const RequestV2 = protobuf.parse(SCHEMA).root.lookupType(V2_PROTO_MESSAGE);

export type RemoteWriteMetricType = 'gauge' | 'counter' | 'histogram' | 'summary';

export interface RemoteWriteLimits {
  readonly maxNameLength: number;
  readonly maxLabelsPerRecord: number;
  readonly maxLabelNameLength: number;
  readonly maxLabelValueLength: number;
  /** Samples (points) in one request. */
  readonly maxRecordsPerRequest: number;
}

export interface RemoteWritePoint {
  readonly name: string;
  readonly value: number;
  readonly type: RemoteWriteMetricType;
  /** Milliseconds since the epoch. */
  readonly timestamp: number;
  /** The labels other than __name__. */
  readonly labels: Record<string, string>;
  /** When the series (counter, histogram, summary) started counting, ms; absent when not sent. */
  readonly startTimestamp?: number;
}

export interface RemoteWriteExemplar {
  /** The series it belongs to. */
  readonly name: string;
  readonly labels: Record<string, string>;
  /** The exemplar's own labels (e.g. trace_id). */
  readonly exemplarLabels: Record<string, string>;
  readonly value: number;
  readonly timestamp: number;
}

export interface RemoteWriteCounts {
  samples: number;
  histograms: number;
  exemplars: number;
}

export interface RemoteWriteV2Result {
  readonly points: RemoteWritePoint[];
  readonly exemplars: RemoteWriteExemplar[];
  /** Left out by the decoder (refused series, native histograms). */
  readonly refused: RemoteWriteCounts;
  /** Why the first thing was refused; undefined when nothing was. */
  readonly firstRefusal: string | undefined;
}

/** A request refused as a whole. */
export class RemoteWriteV2Error extends Error {
  readonly kind: 'invalid_protobuf' | 'invalid_request' | 'too_many_records';

  constructor(kind: RemoteWriteV2Error['kind'], message: string) {
    super(message);
    this.name = 'RemoteWriteV2Error';
    this.kind = kind;
  }
}

/** int64 as protobufjs decodes it: a number, or a Long when the long package is present. */
type Int64 = number | { toNumber(): number };

/** Decoded in place: protobufjs puts defaults on the prototype, so absent fields read as defaults. */
interface RequestObject {
  symbols: string[];
  timeseries: TimeSeriesObject[];
}
interface TimeSeriesObject {
  labelsRefs: number[];
  samples: Array<{ value: number; timestamp: Int64; startTimestamp: Int64 }>;
  histograms: unknown[];
  exemplars: Array<{ labelsRefs: number[]; value: number; timestamp: Int64 }>;
  metadata: { type: number; helpRef: number; unitRef: number } | null;
  createdTimestamp: Int64;
}

const METRIC_TYPES: Readonly<Record<number, RemoteWriteMetricType>> = { 1: 'counter', 2: 'gauge', 3: 'histogram', 4: 'histogram', 5: 'summary' };

function toNumber(value: Int64): number {
  return typeof value === 'number' ? value : value.toNumber();
}

class SeriesRefusal extends Error {}

function refuse(reason: string): never {
  throw new SeriesRefusal(reason);
}

function decodeRequest(bytes: Uint8Array): RequestObject {
  try {
    // A plain Uint8Array, not a Buffer: protobufjs' Buffer reader cuts a string
    // that runs past the end instead of refusing it, so a truncated body would
    // decode. Strings are few here (the symbols table), so the slower reader costs little.
    const view = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    return RequestV2.decode(view) as unknown as RequestObject;
  } catch (err) {
    throw new RemoteWriteV2Error('invalid_protobuf', `body is not an ${V2_PROTO_MESSAGE}: ${(err as Error).message}`);
  }
}

/** Resolves labels_refs into a labels object; `what` names them in errors. */
function labelsOf(refs: readonly number[], symbols: readonly string[], what: string): Record<string, string> {
  if (refs.length % 2 !== 0) refuse(`${what} labels_refs has an odd length (${refs.length})`);
  const labels: Record<string, string> = Object.create(null) as Record<string, string>;
  for (let i = 0; i < refs.length; i += 2) {
    const nameRef = refs[i]!;
    const valueRef = refs[i + 1]!;
    if (nameRef >= symbols.length || valueRef >= symbols.length) {
      refuse(`${what} labels_refs [${nameRef}, ${valueRef}] outside the ${symbols.length} symbols`);
    }
    const name = symbols[nameRef]!;
    if (name === '') refuse(`${what} has a label with an empty name`);
    if (Object.hasOwn(labels, name)) refuse(`${what} has label ${JSON.stringify(name)} twice`);
    labels[name] = symbols[valueRef]!;
  }
  return labels;
}

function checkLimits(name: string, labels: Record<string, string>, limits: RemoteWriteLimits): void {
  if (name.length > limits.maxNameLength) refuse(`__name__ longer than ${limits.maxNameLength}`);
  const entries = Object.entries(labels);
  if (entries.length > limits.maxLabelsPerRecord) refuse(`more than ${limits.maxLabelsPerRecord} labels`);
  for (const [label, value] of entries) {
    if (label.length > limits.maxLabelNameLength) refuse(`label name of length ${label.length} longer than ${limits.maxLabelNameLength}`);
    if (value.length > limits.maxLabelValueLength) refuse(`label ${label} longer than ${limits.maxLabelValueLength}`);
  }
}

function checkMetadataRefs(metadata: TimeSeriesObject['metadata'], symbols: readonly string[]): void {
  if (metadata === null) return;
  if (metadata.helpRef >= symbols.length) refuse(`metadata help_ref ${metadata.helpRef} outside the ${symbols.length} symbols`);
  if (metadata.unitRef >= symbols.length) refuse(`metadata unit_ref ${metadata.unitRef} outside the ${symbols.length} symbols`);
}

interface DecodedSeries {
  points: RemoteWritePoint[];
  exemplars: RemoteWriteExemplar[];
}

function decodeSeries(series: TimeSeriesObject, symbols: readonly string[], limits: RemoteWriteLimits): DecodedSeries {
  const all = labelsOf(series.labelsRefs, symbols, 'series');
  const name = all['__name__'];
  if (name === undefined || name === '') refuse('series has no __name__');
  const labels: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const key of Object.keys(all)) if (key !== '__name__') labels[key] = all[key]!;
  checkLimits(name, labels, limits);
  checkMetadataRefs(series.metadata, symbols);
  const type = METRIC_TYPES[series.metadata?.type ?? 0] ?? 'gauge';
  const seriesStart = toNumber(series.createdTimestamp);
  const points: RemoteWritePoint[] = [];
  for (const sample of series.samples) {
    const start = toNumber(sample.startTimestamp) || seriesStart;
    const point = { name, value: sample.value, type, timestamp: toNumber(sample.timestamp), labels: { ...labels } };
    points.push(start !== 0 ? { ...point, startTimestamp: start } : point);
  }
  const exemplars = series.exemplars.map((exemplar) => ({
    name,
    labels: { ...labels },
    exemplarLabels: { ...labelsOf(exemplar.labelsRefs, symbols, 'exemplar') },
    value: exemplar.value,
    timestamp: toNumber(exemplar.timestamp),
  }));
  return { points, exemplars };
}

function describeSeries(index: number, series: TimeSeriesObject, symbols: readonly string[]): string {
  const refs = series.labelsRefs;
  for (let i = 0; i + 1 < refs.length; i += 2) {
    if (symbols[refs[i]!] === '__name__' && symbols[refs[i + 1]!] !== undefined) return `series ${index} (${symbols[refs[i + 1]!]!.slice(0, 128)})`;
  }
  return `series ${index}`;
}

/** Decodes a (decompressed) remote_write 2.0 request. Throws only RemoteWriteV2Error. */
export function decodeRemoteWriteV2(bytes: Uint8Array, limits: RemoteWriteLimits): RemoteWriteV2Result {
  const request = decodeRequest(bytes);
  const symbols = request.symbols;
  if (symbols.length > 0 && symbols[0] !== '') {
    throw new RemoteWriteV2Error('invalid_request', `symbols[0] must be the empty string, not ${JSON.stringify(symbols[0]!.slice(0, 64))}`);
  }
  const total = request.timeseries.reduce((n, s) => n + s.samples.length, 0);
  if (total > limits.maxRecordsPerRequest) {
    throw new RemoteWriteV2Error('too_many_records', `request holds ${total} samples; the limit is ${limits.maxRecordsPerRequest}`);
  }
  const points: RemoteWritePoint[] = [];
  const exemplars: RemoteWriteExemplar[] = [];
  const refused: RemoteWriteCounts = { samples: 0, histograms: 0, exemplars: 0 };
  let firstRefusal: string | undefined;
  for (let s = 0; s < request.timeseries.length; s++) {
    const series = request.timeseries[s]!;
    try {
      const decoded = decodeSeries(series, symbols, limits);
      for (const point of decoded.points) points.push(point);
      for (const exemplar of decoded.exemplars) exemplars.push(exemplar);
      if (series.histograms.length > 0) {
        refused.histograms += series.histograms.length;
        firstRefusal ??= `${describeSeries(s, series, symbols)}: native histograms are not accepted (${series.histograms.length} refused)`;
      }
    } catch (err) {
      if (!(err instanceof SeriesRefusal)) throw err;
      refused.samples += series.samples.length;
      refused.histograms += series.histograms.length;
      refused.exemplars += series.exemplars.length;
      firstRefusal ??= `${describeSeries(s, series, symbols)}: ${err.message}`;
    }
  }
  return { points, exemplars, refused, firstRefusal };
}
