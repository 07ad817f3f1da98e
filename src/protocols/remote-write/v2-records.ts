// remote_write 2.0 (v2.ts decodes the message) → metric records, one per
// sample, as 1.0 writes them (name, value, type, timestamp, labels), plus
// `start_timestamp` (ms) when the sample (or, from earlier senders, its
// series) carries one: when the counter, histogram or summary started counting.
// What is not written is counted and described, never dropped silently:
//  - a series refused alone (bad labels_refs, no __name__, a limit): its
//    samples, histograms and exemplars;
//  - native histograms: metricstream's records carry one number per point;
//  - exemplars: they are not metric points, and a record of their own would be
//    summed with the samples by consumers.
// Anything not written makes the request a partial write: the rest is written
// and the answer (answers.ts) is a 400 saying what was not, with the written
// counts in its headers.
import { DecodeError } from '../../decode/decode-error';
import { seriesKey } from '../../decode/series-key';
import type { RecordSink } from '../../decode/sink';
import { Signal } from '../../signals';
import { jsonNumber, metricRecord } from '../native/metrics';
import type { Decoded } from '../protocol';
import { RemoteWriteV2Error, decodeRemoteWriteV2, type RemoteWriteLimits, type RemoteWritePoint, type RemoteWriteV2Result } from './v2';
import { writtenCounts } from './written';

/** The Kafka value of one 2.0 sample (docs/kafka.md), in a fixed field order. */
export function pointRecord(point: RemoteWritePoint): string {
  const { name, value, type, timestamp, startTimestamp, labels } = point;
  return startTimestamp === undefined
    ? metricRecord(name, value, type, timestamp, labels)
    : JSON.stringify({ name, value: jsonNumber(value), type, timestamp, start_timestamp: startTimestamp, labels });
}

function decode(bytes: Uint8Array, limits: RemoteWriteLimits): RemoteWriteV2Result {
  try {
    return decodeRemoteWriteV2(bytes, limits);
  } catch (err) {
    if (!(err instanceof RemoteWriteV2Error)) throw err;
    throw new DecodeError(err.kind === 'too_many_records' ? 'too_many_records' : 'invalid_protobuf', err.message);
  }
}

function plural(n: number, one: string): string {
  return `${n} ${one}${n === 1 ? '' : 's'}`;
}

/** Decodes a decompressed 2.0 request into `sink`. */
export function decodeV2Records(bytes: Uint8Array, limits: RemoteWriteLimits, sink: RecordSink): Decoded {
  const result = decode(bytes, limits);
  let index = 0;
  for (const point of result.points) sink.append(Signal.Metrics, index++, seriesKey(point.name, point.labels), pointRecord(point));
  const { samples, histograms } = result.refused;
  const exemplars = result.refused.exemplars + result.exemplars.length;
  const detail = writtenCounts({ samples: index, histograms: 0, exemplars: 0 });
  if (samples + histograms + exemplars === 0) return { records: index, directMessages: 0, detail };
  const why = result.firstRefusal ?? 'exemplars are not accepted';
  const message = `not written: ${plural(samples, 'sample')}, ${plural(histograms, 'histogram')}, ${plural(exemplars, 'exemplar')}; first: ${why}`;
  return { records: index, directMessages: 0, partial: { rejected: samples + histograms + exemplars, message }, detail };
}
