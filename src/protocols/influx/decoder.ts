// InfluxDB line protocol writes (/write, /api/v2/write, and line protocol on
// /metrics) → records:
//  - one metric record per numeric or boolean field (src/protocols/native's
//    record shape, type gauge, keyed by series), on the metrics signal;
//  - one log record per string field, {timestamp, name, value, labels}, keyed
//    by the same series key, on the logs signal (so the logs topic gets them);
//  - where the data was written to: v1 `db`/`rp`, v2 `org`/`bucket` (query
//    parameters) become the labels influx_db, influx_rp, influx_org,
//    influx_bucket, when given; one of them replaces a tag of the same name;
//  - the good lines of a body with bad lines are written and reported as a
//    partial rejection (`rejected` = bad lines), which the route answers 400
//    "partial write" once they are in Kafka; a body with no good line is refused.
import { decompress } from '../../decode/decompress';
import { toText } from '../../decode/json-values';
import { DecodeError } from '../../decode/decode-error';
import { seriesKey } from '../../decode/series-key';
import type { RecordSink } from '../../decode/sink';
import { Signal } from '../../signals';
import { metricRecord } from '../native/metrics';
import type { Decoded, Decoder, DecoderSettings, ProtocolRequest } from '../protocol';
import { badLinesDetail, unableToParse } from './answers';
import {
  LineProtocolError, parseLineProtocol, parsePrecision, stringFieldLogRecord, type InfluxApi, type LineProtocolLimits, type Precision,
} from './line-protocol';

/** The query parameters each version names its destination with, and the labels they become. */
const DESTINATION_LABELS: Readonly<Record<InfluxApi, ReadonlyArray<readonly [param: string, label: string]>>> = {
  v1: [['db', 'influx_db'], ['rp', 'influx_rp']],
  v2: [['org', 'influx_org'], ['bucket', 'influx_bucket']],
};

/** The write's options, read from its query string. */
export interface WriteOptions {
  readonly precision: Precision;
  readonly labels: Readonly<Record<string, string>>;
}

export function writeOptions(query: string, api: InfluxApi, destination: boolean): WriteOptions {
  const params = new URLSearchParams(query);
  let precision: Precision;
  try {
    precision = parsePrecision(params.get('precision') ?? undefined, api);
  } catch (err) {
    if (err instanceof LineProtocolError) throw new DecodeError('invalid_parameter', err.message);
    throw err;
  }
  const labels: Record<string, string> = {};
  if (destination) {
    for (const [param, label] of DESTINATION_LABELS[api]) {
      const value = params.get(param);
      if (value !== null && value !== '') labels[label] = value;
    }
  }
  return { precision, labels };
}

function parse(text: string, options: WriteOptions, receivedAtMs: number, limits: LineProtocolLimits) {
  try {
    return parseLineProtocol(text, options.precision, receivedAtMs, limits);
  } catch (err) {
    if (err instanceof LineProtocolError) throw new DecodeError(err.kind === 'too_many_records' ? 'too_many_records' : 'invalid_parameter', err.message);
    throw err;
  }
}

/** Decodes one line protocol body (decompressed, strict UTF-8) into `sink`. */
export function decodeLineProtocol(text: string, options: WriteOptions, receivedAtMs: number, settings: DecoderSettings, sink: RecordSink): Decoded {
  const extra = Object.keys(options.labels).length;
  const { limits } = settings;
  // The destination labels count against the label limit like tags.
  const result = parse(text, options, receivedAtMs, { ...limits, maxLabelsPerRecord: limits.maxLabelsPerRecord - extra });
  if (result.firstBadLine !== undefined && result.goodLines === 0) {
    throw new DecodeError('invalid_line_protocol', unableToParse(result.firstBadLine));
  }
  if (result.goodLines === 0) throw new DecodeError('empty_body', 'the body holds no line, only blank lines and comments');
  let index = 0;
  for (const point of result.points) {
    const labels = Object.assign(point.labels, options.labels);
    sink.append(Signal.Metrics, index++, seriesKey(point.name, labels), metricRecord(point.name, point.value, point.type, point.timestamp, labels));
  }
  for (const field of result.strings) {
    Object.assign(field.labels, options.labels);
    sink.append(Signal.Logs, index++, seriesKey(field.name, field.labels), JSON.stringify(stringFieldLogRecord(field)));
  }
  if (result.firstBadLine === undefined) return { records: index, directMessages: 0 };
  return {
    records: index, directMessages: 0,
    partial: { rejected: result.badLines, message: unableToParse(result.firstBadLine), code: 'partial_write' },
    detail: badLinesDetail(result.firstBadLine),
  };
}

function lineProtocolText(request: ProtocolRequest, settings: DecoderSettings): string {
  return toText(decompress(request.body, request.contentEncoding, settings.maxDecompressedBytes));
}

/** The decoder of /write (v1) or /api/v2/write (v2). */
export function createInfluxDecoder(api: InfluxApi): (settings: DecoderSettings) => Decoder {
  return (settings) => (request, records) =>
    decodeLineProtocol(lineProtocolText(request, settings), writeOptions(request.query, api, true), request.receivedAtMs, settings, records);
}
