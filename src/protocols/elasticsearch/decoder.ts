// The `_bulk` route's decoder: Content-Encoding undone, the NDJSON pairs
// split into items (bulk.ts), each taken document written as one log record
// (records.ts) to the topic its `_index` maps to (elasticsearch.indexTopics,
// src/config/topics.ts; the logs topic by default), and every item's outcome reported for the answer
// (answers.ts). A document that cannot be taken is its own item's 400 while
// the others are written; only an unreadable action line refuses the
// request (the action/source pairing is lost after it).
import { decompress } from '../../decode/decompress';
import { DecodeError } from '../../decode/decode-error';
import type { ErrorCode } from '../../errors';
import { IndexTopics } from '../../config/topics';
import type { Decoder, DecoderSettings, PartialRejection } from '../protocol';
import type { BulkDetail } from './answers';
import { bulkText, parseBulk, type BulkItem } from './bulk';
import { bulkItemsText, type BulkItemOutcome } from './bulk-answer';
import { BulkRequestError, type BulkRequestErrorCode } from './errors';
import { bulkLogRecord } from './records';
import { bulkPathIndex } from './index';

/** A document's largest source line: librdkafka's default `message.max.bytes`
 * (1,000,000) less room for the fields the record adds. A larger one is its
 * own item's 400 instead of failing the whole request in Kafka. */
export const MAX_DOCUMENT_BYTES = 999_000;

const CATALOGUE_CODE: Readonly<Record<BulkRequestErrorCode, ErrorCode>> = {
  invalid_action: 'invalid_record',
  missing_source: 'invalid_record',
  too_many_records: 'too_many_records',
  invalid_utf8: 'invalid_utf8',
};

function outcome(item: BulkItem): BulkItemOutcome {
  if (item.kind === 'error') return item;
  return { kind: 'document', action: item.action, index: item.index, id: item.id };
}

function partialOf(items: readonly BulkItem[]): PartialRejection | undefined {
  const refused = items.filter((item) => item.kind === 'error');
  if (refused.length === 0) return undefined;
  return { rejected: refused.length, message: refused[0]!.error.reason };
}

export function createBulkDecoder(settings: DecoderSettings): Decoder {
  const limits = { maxRecords: settings.limits.maxRecordsPerRequest, maxDocumentBytes: MAX_DOCUMENT_BYTES, maxDepth: settings.limits.maxValueDepth };
  const topics = new IndexTopics(settings.indexTopics ?? []);
  return (request, records) => {
    const body = decompress(request.body, request.contentEncoding, settings.maxDecompressedBytes);
    let items: BulkItem[];
    try {
      items = parseBulk(bulkText(body), bulkPathIndex(request.path) ?? undefined, limits);
    } catch (error) {
      if (!(error instanceof BulkRequestError)) throw error;
      throw new DecodeError(CATALOGUE_CODE[error.code], error.line === undefined ? error.message : `line ${error.line}: ${error.message}`);
    }
    if (items.length === 0) throw new DecodeError('empty_body', 'the bulk request holds no actions');
    let written = 0;
    for (const item of items) {
      if (item.kind !== 'document') continue;
      const record = bulkLogRecord(item, request.receivedAtMs);
      records.append(topics.slotOf(record.index), written++, record.key ?? null, record.value);
    }
    const outcomes = items.map(outcome);
    const detail: BulkDetail = {
      itemsText: bulkItemsText(outcomes), errors: outcomes.some((item) => item.kind === 'error'), receivedAtMs: request.receivedAtMs,
    };
    return { records: written, directMessages: 0, partial: partialOf(items), detail };
  };
}
