// Validated push streams → log records, one per entry, in request order.
//
// A record is the JSON object written as the Kafka value:
//   timestamp       the entry time in ms (floored), as every log record has
//   time_unix_nano  the exact entry time, decimal nanoseconds (as OTLP logs)
//   body            the line
//   attributes      the stream labels, then the entry's structured metadata
//                   (a metadata pair wins over a label of the same name)
//   stream          the stream's canonical label set, which is also the key
//   tenant          X-Scope-OrgID when the request had one
// The key is the canonical label set, so every entry of one stream goes to one
// partition and keeps the order it was pushed in.
import { LokiDecodeError } from './errors';
import { canonicalLabels, duplicateName, LabelSyntaxError, parseLabels, type LabelPairs } from './labels';
import type { PushStream } from './push-request';

export interface LokiLimits {
  /** Entries in one request. */
  readonly maxRecords: number;
  /** UTF-8 bytes of one line. */
  readonly maxLineBytes: number;
  /** Labels of one stream, and structured metadata pairs of one entry (each). */
  readonly maxLabels: number;
}

export interface LokiLogRecord {
  readonly timestamp: number;
  readonly time_unix_nano: string;
  readonly body: string;
  readonly attributes: Readonly<Record<string, string>>;
  readonly stream: string;
  readonly tenant?: string;
}

export interface KeyedLokiRecord {
  /** The Kafka key: the stream's canonical label set. */
  readonly key: string;
  readonly value: LokiLogRecord;
  /** The Kafka value: JSON.stringify(value), put together from the parts a
   * stream's entries share (its attributes and stream texts, rendered once
   * per stream) instead of stringifying each record whole. */
  readonly text: string;
}

function streamLabels(stream: PushStream, s: number, limits: LokiLimits): LabelPairs {
  let pairs: LabelPairs;
  if (stream.labels.kind === 'pairs') {
    pairs = stream.labels.pairs;
  } else {
    try {
      pairs = parseLabels(stream.labels.text);
    } catch (error) {
      if (!(error instanceof LabelSyntaxError)) throw error;
      throw new LokiDecodeError('invalid_labels', `labels ${JSON.stringify(stream.labels.text.slice(0, 200))}: ${error.message}`, { stream: s });
    }
  }
  if (pairs.length === 0) throw new LokiDecodeError('invalid_labels', 'a stream needs at least one label', { stream: s });
  if (pairs.length > limits.maxLabels) {
    throw new LokiDecodeError('too_many_labels', `${pairs.length} labels; the limit is ${limits.maxLabels}`, { stream: s });
  }
  if (pairs.some(([name]) => name === '')) throw new LokiDecodeError('invalid_labels', 'a label name is empty', { stream: s });
  const duplicate = duplicateName(pairs);
  if (duplicate !== undefined) throw new LokiDecodeError('invalid_labels', `label "${duplicate}" occurs twice`, { stream: s });
  return pairs;
}

function countEntries(streams: readonly PushStream[], limits: LokiLimits): void {
  let total = 0;
  for (const stream of streams) total += stream.entries.length;
  if (total > limits.maxRecords) {
    throw new LokiDecodeError('too_many_records', `the request holds ${total} entries; the limit is ${limits.maxRecords}`);
  }
}

/** Every entry as a keyed record, or the first problem as a LokiDecodeError. */
export function pushRecords(streams: readonly PushStream[], tenant: string | undefined, limits: LokiLimits): KeyedLokiRecord[] {
  countEntries(streams, limits);
  const records: KeyedLokiRecord[] = [];
  const tenantText = tenant === undefined || tenant === '' ? '' : `,"tenant":${JSON.stringify(tenant)}`;
  streams.forEach((stream, s) => {
    const labels = streamLabels(stream, s, limits);
    const key = canonicalLabels(labels);
    const keyText = JSON.stringify(key);
    // fromEntries defines own properties, so a "__proto__" label stays a label.
    const labelAttributes: Readonly<Record<string, string>> = Object.fromEntries(labels);
    const labelAttributesText = JSON.stringify(labelAttributes);
    stream.entries.forEach((entry, e) => {
      if (entry.metadata.length > limits.maxLabels) {
        throw new LokiDecodeError('too_many_labels', `${entry.metadata.length} structured metadata pairs; the limit is ${limits.maxLabels}`, { stream: s, entry: e });
      }
      const lineBytes = Buffer.byteLength(entry.line, 'utf8');
      if (lineBytes > limits.maxLineBytes) {
        throw new LokiDecodeError('line_too_long', `the line is ${lineBytes} bytes; the limit is ${limits.maxLineBytes}`, { stream: s, entry: e });
      }
      const attributes = entry.metadata.length === 0 ? labelAttributes : Object.fromEntries([...labels, ...entry.metadata]);
      const value: LokiLogRecord = {
        timestamp: Number(entry.timestampNs / 1_000_000n),
        time_unix_nano: entry.timestampNs.toString(),
        body: entry.line,
        attributes,
        stream: key,
        ...(tenantText === '' ? {} : { tenant: tenant! }),
      };
      const attributesText = attributes === labelAttributes ? labelAttributesText : JSON.stringify(attributes);
      const text = `{"timestamp":${value.timestamp},"time_unix_nano":"${value.time_unix_nano}","body":${JSON.stringify(entry.line)},`
        + `"attributes":${attributesText},"stream":${keyText}${tenantText}}`;
      records.push({ key, value, text });
    });
  });
  return records;
}
