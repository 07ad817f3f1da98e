// A taken `_bulk` document → the log record written to Kafka.
//
// Value: the document as sent, as for the native /logs route — a log record
// is any JSON object with `timestamp` (ms) added when absent; here the added
// timestamp is the document's `@timestamp` (ISO 8601 text or epoch ms, as
// Beats, Fluent Bit and Logstash write it) and the receive time otherwise —,
// with the action's `_index` (and `_id` when it named one) added: the
// metadata fields Elasticsearch keeps beside a document (a document may not
// hold them itself, bulk.ts refuses one that does). The fields are added to
// the source text, not by re-serializing it, so numbers past 2^53 survive.
// Key: the `_id` when the action gave one (so retries of one document land in
// one partition), else none.
import type { BulkDocument } from './bulk';

/** What a record needs of its parsed document. */
export interface DocumentFacts {
  /** The document has no fields. */
  readonly empty: boolean;
  /** The document has its own `timestamp` (nothing is added then). */
  readonly hasTimestamp: boolean;
  /** Its `@timestamp` in epoch ms, when that is a readable time. */
  readonly atTimestampMs: number | undefined;
}

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

/** `source` (a JSON object's text) with `added` (members' text) appended inside its braces. */
function withFields(source: string, empty: boolean, added: string): string {
  const close = source.lastIndexOf('}');
  return `${source.slice(0, close).trimEnd()}${empty ? '' : ','}${added}}`;
}

export function documentFacts(document: Readonly<Record<string, unknown>>): DocumentFacts {
  return { empty: Object.keys(document).length === 0, hasTimestamp: document['timestamp'] !== undefined, atTimestampMs: documentTime(document) };
}

/** The members the record adds: `timestamp` (ms, a whole number) unless the
 * document has one, `_index`, and `_id` when the action named one. */
function addedFields(doc: BulkDocument, receivedAtMs: number): string {
  const timestamp = doc.facts.hasTimestamp ? '' : `"timestamp":${String(doc.facts.atTimestampMs ?? receivedAtMs)},`;
  const id = doc.id === undefined ? '' : `,"_id":${JSON.stringify(doc.id)}`;
  return `${timestamp}"_index":${JSON.stringify(doc.index)}${id}`;
}

export function bulkLogRecord(doc: BulkDocument, receivedAtMs: number): BulkLogRecord {
  return { index: doc.index, key: doc.id, value: withFields(doc.source, doc.facts.empty, addedFields(doc, receivedAtMs)) };
}
