// A taken `_bulk` document → the log record written to Kafka.
//
// Value: the document as sent, as for the native /logs route — a log record
// is any JSON object with `timestamp` (ms) added when absent; here the added
// timestamp is the document's `@timestamp` (ISO 8601 text or epoch ms, as
// Beats, Fluent Bit and Logstash write it) and the receive time otherwise.
// When nothing is added the value is the source line verbatim, so numbers
// past 2^53 survive; `source` is always there for a caller that wants it.
// Key: the `_id` when the action gave one (so retries of one document land in
// one partition), else none. The index is returned beside the record: it picks
// the topic and goes in a header.
import type { BulkDocument } from './bulk';

export interface BulkLogRecord {
  readonly index: string;
  readonly key: string | undefined;
  /** The Kafka value (JSON text). */
  readonly value: string;
}

function documentTime(document: Readonly<Record<string, unknown>>): number | undefined {
  const at = document['@timestamp'];
  if (typeof at === 'number' && Number.isFinite(at) && at >= 0) return Math.floor(at);
  if (typeof at !== 'string') return undefined;
  const ms = Date.parse(at);
  return Number.isNaN(ms) || ms < 0 ? undefined : ms;
}

export function bulkLogRecord(doc: BulkDocument, receivedAtMs: number): BulkLogRecord {
  const value = doc.document['timestamp'] !== undefined
    ? doc.source
    : JSON.stringify({ ...doc.document, timestamp: documentTime(doc.document) ?? receivedAtMs });
  return { index: doc.index, key: doc.id, value };
}
