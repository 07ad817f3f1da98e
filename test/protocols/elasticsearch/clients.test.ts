// `_bulk` requests captured from the official JavaScript client
// (@elastic/elasticsearch 9.5.1, its bulk helper) and what it needs back.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { answerMediaType, bulkAnswer, bulkPathIndex, bulkText, parseBulk, type BulkDocument } from '../../../src/protocols/elasticsearch';
import { capturedRequests } from '../../support/client-captures';

describe('elasticsearch: @elastic/elasticsearch 9.5.1', () => {
  const request = capturedRequests('elastic-elasticsearch-9.5.1', '_bulk-1')[0]!;

  it('sends create actions as compatible-with=9 NDJSON, which decode to its documents', () => {
    assert.equal(request.headers['content-type'], 'application/vnd.elasticsearch+x-ndjson; compatible-with=9');
    const items = parseBulk(bulkText(request.body), bulkPathIndex(request.url.pathname) ?? undefined,
      { maxRecords: 100, maxDocumentBytes: 4096, maxDepth: 16 });
    assert.deepEqual(items.map((i) => [i.kind, i.action, i.index, (JSON.parse((i as BulkDocument).source) as { message: string }).message]), [
      ['document', 'create', 'js-logs', 'js client doc 1'],
      ['document', 'create', 'js-logs', 'js client doc 2'],
      ['document', 'create', 'js-logs', 'js client doc 3'],
    ]);
    assert.equal(bulkAnswer(items, 1).errors, false);
  });

  it('is answered in the media type it asked for', () => {
    assert.deepEqual(answerMediaType(request.headers['accept'], request.headers['content-type']),
      { ok: true, contentType: 'application/vnd.elasticsearch+json;compatible-with=9' });
  });
});
