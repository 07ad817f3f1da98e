// Log bodies: NDJSON, or a JSON array of objects (a single object is one
// record) → one Kafka record per log object, with a timestamp.
import { Signal } from '../../signals';
import { DecodeError } from '../../decode/decode-error';
import type { RecordSink } from '../../decode/sink';
import { depthExceeds } from '../../decode/json-values';

export interface LogOptions {
  readonly maxRecords: number;
  readonly maxDepth: number;
  /** Field whose value keys the record; '' keys by client. */
  readonly keyField: string;
}


function keyOf(record: Record<string, unknown>, keyField: string, client: string): string {
  if (keyField === '') return client;
  const v = record[keyField];
  return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? String(v) : client;
}

export function decodeLogs(
  parsed: unknown[] | { document: unknown },
  receivedAtMs: number,
  client: string,
  options: LogOptions,
  sink: RecordSink,
): number {
  const records = Array.isArray(parsed) ? parsed : Array.isArray(parsed.document) ? parsed.document : [parsed.document];
  if (records.length > options.maxRecords) {
    throw new DecodeError('too_many_records', `request holds ${records.length} records; the limit is ${options.maxRecords}`);
  }
  for (let i = 0; i < records.length; i++) {
    const record = records[i];
    if (record === null || typeof record !== 'object' || Array.isArray(record)) {
      throw new DecodeError('invalid_record', `record ${i}: a log record must be a JSON object`, i);
    }
    if (depthExceeds(record, options.maxDepth)) {
      throw new DecodeError('invalid_record', `record ${i}: nested deeper than ${options.maxDepth} levels`, i);
    }
    const log = record as Record<string, unknown>;
    if (log['timestamp'] === undefined) log['timestamp'] = receivedAtMs;
    sink.append(Signal.Logs, i, keyOf(log, options.keyField, client), JSON.stringify(log));
  }
  return records.length;
}
