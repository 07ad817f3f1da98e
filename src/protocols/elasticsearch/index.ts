// Elasticsearch `_bulk` (`POST`/`PUT` `/_bulk`, `/<index>/_bulk`) and the
// start-up probes shippers make. Pure: parsing, records and answers; the
// route (auth, decompression, Kafka) is the caller's. `filter_path` is
// tolerated by ignoring it: the full answer is a superset of any filtered one.
export { parseBulk, bulkText, type BulkAction, type BulkDocument, type BulkItem, type BulkItemError, type BulkLimits } from './bulk';
export { bulkAnswer, bulkAnswerText, bulkItemsText, type BulkItemOutcome, type BulkAnswer, type BulkAnswerItem, type BulkAnswerItemBody } from './bulk-answer';
export { BulkRequestError, esErrorBody, type BulkRequestErrorCode, type EsErrorCause } from './errors';
export { answerMediaType, SUPPORTED_COMPATIBLE_WITH, type MediaTypeChoice } from './media-type';
export { DEFAULT_CLUSTER, esHeaders, PRODUCT_HEADER, PROBES, probeAnswer, probeReply, type ClusterIdentity, type EsAnswer, type ProbeRequest } from './probes';
export { bulkLogRecord, type BulkLogRecord } from './records';

/** `/_bulk` → undefined, `/<index>/_bulk` → the index (URL-decoded); else null (not a bulk path). */
export function bulkPathIndex(path: string): string | undefined | null {
  if (path === '/_bulk' || path === '/_bulk/') return undefined;
  const match = /^\/([^/]+)\/_bulk\/?$/.exec(path);
  if (match === null) return null;
  try {
    return decodeURIComponent(match[1]!);
  } catch {
    return null;
  }
}
