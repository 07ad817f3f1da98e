// The HEC routes' decoders: Content-Encoding undone, the body's events (or
// raw lines) turned into records, each record's signal picking its topic:
// metric events (`"event":"metric"`, the OpenTelemetry Collector's
// splunk_hec exporter) are gauge points on the metrics topic, keyed by their
// series; everything else is a log record on the logs topic.
//
// A log record's key: its source's identity, `{host="…", source="…",
// sourcetype="…"}` (those present), so each source's events keep their order
// in one partition; an event with none of them is keyed by the client address
// (as /logs is).
import { decompress } from '../../decode/decompress';
import { DecodeError } from '../../decode/decode-error';
import { seriesKey } from '../../decode/series-key';
import type { ErrorCode } from '../../errors';
import { Signal } from '../../signals';
import { metricRecord } from '../native/metrics';
import { queryParam } from '../credentials';
import type { Decoder, DecoderSettings, ProtocolRequest } from '../protocol';
import { HEC, type HecStatus } from './answers';
import { HecDecodeError } from './errors';
import type { HecContext, HecLogRecord, HecRecord } from './events';
import { decodeHecEvents, decodeHecRaw, hecText, type HecLimits } from './index';

/** The request header naming the client's data channel. */
export const CHANNEL_HEADER = 'x-splunk-request-channel';

/** An event's largest size: librdkafka's default `message.max.bytes`
 * (1,000,000) less room for the fields the record adds. */
export const MAX_EVENT_BYTES = 999_000;

const CATALOGUE_CODE: ReadonlyMap<HecStatus, ErrorCode> = new Map<HecStatus, ErrorCode>([
  [HEC.noData, 'empty_body'],
  [HEC.invalidDataFormat, 'invalid_record'],
  [HEC.channelMissing, 'missing_channel'],
  [HEC.eventRequired, 'event_required'],
  [HEC.eventBlank, 'event_blank'],
  [HEC.indexedFieldsError, 'invalid_fields'],
  [HEC.tooLarge, 'too_many_records'],
  [HEC.eventTooLarge, 'record_too_large'],
]);

type BodyDecoder = (body: string, context: HecContext, limits: HecLimits) => HecRecord[];

function contextOf(request: ProtocolRequest, maxDepth: number): HecContext {
  const defaults: Record<string, string> = {};
  for (const name of ['host', 'source', 'sourcetype', 'index'] as const) {
    const value = queryParam(request.query, name);
    if (value !== null) defaults[name] = value;
  }
  const channel = request.headers[CHANNEL_HEADER] || queryParam(request.query, 'channel') || undefined;
  return { receivedAtMs: request.receivedAtMs, defaults, channel, maxDepth };
}

/** seriesKey('', {host, source, sourcetype}) of those present, written in
 * its order (the three names sort as listed) without building the labels. */
function logKey(record: HecLogRecord, client: string): string {
  let labels = '';
  if (record.host !== undefined) labels = `host=${JSON.stringify(record.host)}`;
  if (record.source !== undefined) labels += `${labels === '' ? '' : ','}source=${JSON.stringify(record.source)}`;
  if (record.sourcetype !== undefined) labels += `${labels === '' ? '' : ','}sourcetype=${JSON.stringify(record.sourcetype)}`;
  return labels === '' ? client : `{${labels}}`;
}

function hecDecoder(decodeBody: BodyDecoder, settings: DecoderSettings): Decoder {
  const limits: HecLimits = { maxRecords: settings.limits.maxRecordsPerRequest, maxEventBytes: MAX_EVENT_BYTES };
  return (request, sink) => {
    const body = decompress(request.body, request.contentEncoding, settings.maxDecompressedBytes);
    let decoded: HecRecord[];
    try {
      decoded = decodeBody(hecText(body), contextOf(request, settings.limits.maxValueDepth), limits);
    } catch (error) {
      if (!(error instanceof HecDecodeError)) throw error;
      throw new DecodeError(CATALOGUE_CODE.get(error.status) ?? 'invalid_record', error.message, error.eventNumber);
    }
    if (decoded.length > limits.maxRecords) {
      throw new DecodeError('too_many_records', `the request makes ${decoded.length} records; the limit is ${limits.maxRecords}`);
    }
    decoded.forEach((record, i) => {
      if (record.kind === 'log') {
        sink.append(Signal.Logs, i, logKey(record.record, request.client), JSON.stringify(record.record));
      } else {
        const { name, value, type, timestamp, labels } = record.point;
        sink.append(Signal.Metrics, i, seriesKey(name, labels), metricRecord(name, value, type, timestamp, labels));
      }
    });
    return { records: decoded.length, directMessages: 0 };
  };
}

/** `/services/collector`, `/services/collector/event[/1.0]`: concatenated JSON events. */
export const createHecEventDecoder = (settings: DecoderSettings): Decoder => hecDecoder(decodeHecEvents, settings);

/** `/services/collector/raw[/1.0]`: one log record per line. */
export const createHecRawDecoder = (settings: DecoderSettings): Decoder => hecDecoder(decodeHecRaw, settings);
