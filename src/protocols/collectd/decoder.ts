// collectd write_http on POST /collectd: both formats, told apart by the body
// (a Command body's first line is a PUTVAL; anything else is read as JSON),
// then one metric record per known value (value-list.ts names and types them).
//  - unknown values (JSON null, PUTVAL U/nan: collectd's NaN) are not
//    written and are counted in the answer (`unknownValues`): not an error.
//  - a value list or line that is malformed is refused alone: the rest is
//    written and the answer is a 400 `entries_refused` naming the first
//    (collectd never retries, so the written part is not sent again; with
//    `LogHttpError true` collectd logs the 400 and its body).
import { decompress } from '../../decode/decompress';
import { DecodeError } from '../../decode/decode-error';
import { toText } from '../../decode/json-values';
import { seriesKey } from '../../decode/series-key';
import type { RecordSink } from '../../decode/sink';
import { Signal } from '../../signals';
import { metricRecord } from '../native/metrics';
import type { Decoded, Decoder, DecoderSettings } from '../protocol';
import { looksLikePutval, parsePutval } from './command';
import { decodeCollectdJson, parseCollectdJson } from './json';
import { CollectdError, type CollectdLimits, type CollectdResult } from './value-list';

/** Runs a collectd parser, refusing the whole request as the catalogue says. */
function parsed(parse: () => CollectdResult): CollectdResult {
  try {
    return parse();
  } catch (err) {
    if (!(err instanceof CollectdError)) throw err;
    throw new DecodeError(err.kind === 'too_many_records' ? 'too_many_records' : 'invalid_json', err.message);
  }
}

/** Writes a parsed collectd request's points to `sink`; the answer's detail and partial say what was not written. */
function written(result: CollectdResult, sink: RecordSink): Decoded {
  let index = 0;
  for (const point of result.points) {
    sink.append(Signal.Metrics, index++, seriesKey(point.name, point.labels), metricRecord(point.name, point.value, point.type, point.timestamp, point.labels));
  }
  const detail = { unknownValues: result.unknownValues };
  const bad = result.firstBadEntry;
  if (bad === undefined) return { records: index, directMessages: 0, detail };
  const message = `${result.badEntries} not written; the first, ${bad.where}: ${bad.reason}`;
  return { records: index, directMessages: 0, detail, partial: { rejected: result.badEntries, message, code: 'entries_refused' } };
}

/** A Command-format body (its first line is a PUTVAL). */
export function decodePutvalBody(text: string, receivedAtMs: number, limits: CollectdLimits, sink: RecordSink): Decoded {
  return written(parsed(() => parsePutval(text, receivedAtMs, limits)), sink);
}

/** A JSON body already parsed (/metrics parses before it knows whose body it is). */
export function decodeCollectdDocument(document: unknown, receivedAtMs: number, limits: CollectdLimits, sink: RecordSink): Decoded {
  return written(parsed(() => decodeCollectdJson(document, receivedAtMs, limits)), sink);
}

export function createCollectdDecoder(settings: DecoderSettings): Decoder {
  return (request, records) => {
    const text = toText(decompress(request.body, request.contentEncoding, settings.maxDecompressedBytes));
    if (looksLikePutval(text)) return decodePutvalBody(text, request.receivedAtMs, settings.limits, records);
    return written(parsed(() => parseCollectdJson(text, request.receivedAtMs, settings.limits)), records);
  };
}
