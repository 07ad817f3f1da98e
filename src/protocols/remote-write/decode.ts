// Prometheus remote_write on /api/v1/write: a snappy block-compressed
// protobuf, 1.0 (prometheus.WriteRequest) or 2.0 (io.prometheus.write.v2.Request,
// v2-records.ts) as the Content-Type's proto= says (content-type.ts).
// In 1.0 each sample becomes one metric record: name from __name__, the
// other labels as labels, the sample's timestamp (ms).
//  - type: from metadata for the metric family — in the same request, or
//    remembered from an earlier one by any thread (family-types.ts) —, else
//    "gauge" (remote_write 1.0 samples carry no type).
//  - exemplars and native histograms (TimeSeries fields 3 and 4) are not
//    written: protobufjs skips the fields this schema leaves out, and the
//    written-counts headers say 0 of them were written.
//  - metadata-only requests are accepted with 0 records (and remembered).
import protobuf from 'protobufjs';
import type { Config } from '../../config/schema';
import { Signal } from '../../signals';
import { DecodeError } from '../../decode/decode-error';
import { metricRecord, type MetricType } from '../native/metrics';
import { seriesKey } from '../../decode/series-key';
import { snappyHeader, SnappyError, uncompressInto } from '../../decode/snappy';
import type { RecordSink } from '../../decode/sink';
import type { Decoded, Decoder, DecoderSettings } from '../protocol';
import { remoteWriteMessageOf } from './content-type';
import { FamilyTypeTable, familyTypeOf, seriesTypeOf, type FamilyType } from './family-types';
import { decodeV2Records } from './v2-records';
import { writtenCounts } from './written';

// The messages of prompb/remote.proto and prompb/types.proto (Prometheus 2.x)
// that remote_write 1.0 uses, with their field numbers.
const SCHEMA = `
syntax = "proto3";
package prometheus;
message WriteRequest { repeated TimeSeries timeseries = 1; repeated MetricMetadata metadata = 3; }
message MetricMetadata {
  enum MetricType { UNKNOWN = 0; COUNTER = 1; GAUGE = 2; HISTOGRAM = 3; GAUGEHISTOGRAM = 4; SUMMARY = 5; INFO = 6; STATESET = 7; }
  MetricType type = 1; string metric_family_name = 2; string help = 4; string unit = 5;
}
message TimeSeries { repeated Label labels = 1; repeated Sample samples = 2; }
message Label { string name = 1; string value = 2; }
message Sample { double value = 1; int64 timestamp = 2; }
`;

export const WriteRequest = protobuf.parse(SCHEMA).root.lookupType('prometheus.WriteRequest');

interface Label { name: string; value: string }
/** int64 as protobufjs decodes it: a number, or a Long when the long package is present. */
type Int64 = number | { toNumber(): number };
/** A decoded message read in place (no toObject copy): protobufjs puts
 * defaults ("" and 0) on the prototype, so absent fields read as defaults. */
interface WriteRequestObject {
  timeseries: Array<{ labels: Label[]; samples: Array<{ value: number; timestamp: Int64 }> }>;
  metadata: Array<{ type: number; metricFamilyName: string }>;
}

function toNumber(value: Int64): number {
  return typeof value === 'number' ? value : value.toNumber();
}

/** The uncompressed length a snappy block declares (its leading varint), so a
 * bomb is refused before anything is decompressed. */
export function snappyDeclaredLength(block: Uint8Array): number {
  const header = snappyHeader(block);
  if (header === null) throw new DecodeError('bad_compression', 'body is not a snappy block (bad length prefix)');
  return header.length;
}

export function decompress(body: Buffer, maxBytes: number): Buffer {
  const declared = snappyDeclaredLength(body);
  if (declared > maxBytes) {
    throw new DecodeError('decompressed_too_large', `body decompresses to ${declared} bytes; the limit is ${maxBytes}`);
  }
  try {
    return uncompressInto(body, snappyHeader(body)!.headerBytes, declared);
  } catch (err) {
    if (!(err instanceof SnappyError)) throw err;
    throw new DecodeError('bad_compression', `body is not valid snappy: ${err.message}`);
  }
}

function decode(bytes: Buffer): WriteRequestObject {
  try {
    return WriteRequest.decode(bytes) as unknown as WriteRequestObject;
  } catch (err) {
    throw new DecodeError('invalid_protobuf', `body is not a remote_write WriteRequest: ${(err as Error).message}`);
  }
}

function checkLabels(labels: Label[], series: number, limits: Config['limits']): { name: string; rest: Record<string, string> } {
  let name = '';
  const rest: Record<string, string> = {};
  for (const label of labels) {
    if (label.name === '__name__') name = label.value;
    else rest[label.name] = label.value;
    if (label.name.length === 0 || label.name.length > limits.maxLabelNameLength) {
      throw new DecodeError('invalid_record', `series ${series}: label name of length ${label.name.length} outside 1..${limits.maxLabelNameLength}`, series);
    }
    if (label.value.length > limits.maxLabelValueLength) {
      throw new DecodeError('invalid_record', `series ${series}: label ${label.name} longer than ${limits.maxLabelValueLength}`, series);
    }
  }
  if (name === '' || name.length > limits.maxNameLength) {
    throw new DecodeError('invalid_record', `series ${series}: __name__ missing, empty or longer than ${limits.maxNameLength}`, series);
  }
  if (labels.length - 1 > limits.maxLabelsPerRecord) {
    throw new DecodeError('invalid_record', `series ${series}: more than ${limits.maxLabelsPerRecord} labels`, series);
  }
  return { name, rest };
}

/** Decodes a 1.0 request; its metadata is remembered in `familyTypes` for later requests. */
export function decodeRemoteWrite(body: Buffer, maxDecompressedBytes: number, limits: Config['limits'], sink: RecordSink, familyTypes: FamilyTypeTable): number {
  const request = decode(decompress(body, maxDecompressedBytes));
  const series = request.timeseries;
  const total = series.reduce((n, s) => n + s.samples.length, 0);
  if (total > limits.maxRecordsPerRequest) {
    throw new DecodeError('too_many_records', `request holds ${total} samples; the limit is ${limits.maxRecordsPerRequest}`);
  }
  // This request's own metadata first (a table slot may have been taken since), then the table.
  const types = new Map<string, FamilyType>();
  for (const m of request.metadata) {
    const type = familyTypeOf(m.type);
    if (!m.metricFamilyName || type === undefined) continue;
    types.set(m.metricFamilyName, type);
    familyTypes.remember(m.metricFamilyName, type);
  }
  const typeOf = (name: string): MetricType =>
    (types.size > 0 ? seriesTypeOf(name, (family) => types.get(family)) : undefined) ?? familyTypes.typeOf(name) ?? 'gauge';
  let index = 0;
  for (let s = 0; s < series.length; s++) {
    const { name, rest } = checkLabels(series[s]!.labels, s, limits);
    const key = seriesKey(name, rest);
    const type = typeOf(name);
    for (const sample of series[s]!.samples) {
      sink.append(Signal.Metrics, index++, key, metricRecord(name, sample.value, type, toNumber(sample.timestamp), rest));
    }
  }
  return index;
}

export function createRemoteWriteDecoder(settings: DecoderSettings): Decoder {
  const familyTypes = new FamilyTypeTable(settings.familyTypes);
  return (request, records): Decoded => {
    const message = remoteWriteMessageOf(request.contentType);
    // The listener refuses an unknown proto= before the body (the route's contentTypeProblem).
    if (message.version === 'unsupported') throw new DecodeError('unsupported_content_type', message.reason);
    if (message.version === '2.0') {
      return decodeV2Records(decompress(request.body, settings.maxDecompressedBytes), settings.limits, records);
    }
    const samples = decodeRemoteWrite(request.body, settings.maxDecompressedBytes, settings.limits, records, familyTypes);
    // 1.0 has no written-counts headers, but Prometheus reads them when sent:
    // they tell it that exemplars and native histograms were not written.
    return { records: samples, directMessages: 0, detail: writtenCounts({ samples, histograms: 0, exemplars: 0 }) };
  };
}
