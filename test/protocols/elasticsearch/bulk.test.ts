// `_bulk` parsing and answers: one item per action in order, documents that
// cannot be taken refused one by one, request-level refusals in ES's shape.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { random } from '../../support/random';
import fc from 'fast-check';
import {
  bulkAnswer, bulkAnswerText, bulkItemsText, bulkLogRecord, bulkPathIndex, BulkRequestError, bulkText, parseBulk, type BulkDocument, type BulkItem, type BulkLimits,
} from '../../../src/protocols/elasticsearch';
import { capturedRequests } from '../../support/client-captures';
import { documentFacts } from '../../../src/protocols/elasticsearch/records';

const LIMITS: BulkLimits = { maxRecords: 100, maxDocumentBytes: 1024, maxDepth: 8 };
const ndjson = (...lines: unknown[]): string => `${lines.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n')}\n`;

function requestError(run: () => unknown): BulkRequestError {
  try {
    run();
  } catch (error) {
    assert.ok(error instanceof BulkRequestError, `expected a BulkRequestError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected a refusal');
}

describe('elasticsearch _bulk: parsing', () => {
  it('takes index and create pairs, _index from the action or the path, _id kept', () => {
    const items = parseBulk(ndjson(
      { create: { _index: 'logs-a', _id: 'x1' } }, { msg: 'a' },
      { index: {} }, { msg: 'b' },
      { index: { _id: 7 } }, { msg: 'c' },
    ), 'from-path', LIMITS);
    assert.deepEqual(items.map((i) => [i.kind, i.action, i.index, i.id]), [
      ['document', 'create', 'logs-a', 'x1'], ['document', 'index', 'from-path', undefined], ['document', 'index', 'from-path', '7'],
    ]);
    assert.deepEqual((items[0] as BulkDocument).facts, { empty: false, hasTimestamp: false, atTimestampMs: undefined });
    assert.equal((items[0] as BulkDocument).source, '{"msg":"a"}');
  });

  it('answers update and delete per item as not supported; delete consumes no source line', () => {
    const items = parseBulk(ndjson(
      { delete: { _index: 'i', _id: '1' } },
      { update: { _index: 'i', _id: '2' } }, { doc: { a: 1 } },
      { create: { _index: 'i' } }, { ok: true },
    ), undefined, LIMITS);
    assert.deepEqual(items.map((i) => [i.kind, i.action, i.kind === 'error' ? i.status : 201]), [
      ['error', 'delete', 400], ['error', 'update', 400], ['document', 'create', 201],
    ]);
    assert.equal(items[0]!.kind === 'error' && items[0]!.error.type, 'illegal_argument_exception');
  });

  it('refuses a source that is not a JSON object, too large or too deep as its own item, taking the rest', () => {
    const deep = JSON.stringify(Array.from({ length: 9 }).reduce<unknown>((inner) => ({ n: inner }), 1));
    const items = parseBulk(ndjson(
      { create: { _index: 'i' } }, '{"broken":',
      { create: { _index: 'i' } }, '[1,2]',
      { create: { _index: 'i' } }, JSON.stringify({ big: 'x'.repeat(1100) }),
      { create: { _index: 'i' } }, deep,
      { create: {} }, { no: 'index' },
      { create: { _index: 'i' } }, { fine: 1 },
    ), undefined, LIMITS);
    assert.deepEqual(items.map((i) => (i.kind === 'error' ? [i.status, i.error.type] : 'taken')), [
      [400, 'mapper_parsing_exception'], [400, 'mapper_parsing_exception'], [400, 'illegal_argument_exception'],
      [400, 'mapper_parsing_exception'], [400, 'action_request_validation_exception'], 'taken',
    ]);
  });

  it('refuses a source by its UTF-8 bytes, whatever its characters', () => {
    for (const char of ['x', 'é', '日', '😀']) {
      for (let length = 240; length <= 1030; length++) {
        const source = JSON.stringify({ m: char.repeat(Math.floor(length / char.length)) });
        const [item] = parseBulk(ndjson({ create: { _index: 'i' } }, source), undefined, LIMITS);
        assert.equal(item!.kind === 'error', Buffer.byteLength(source) > LIMITS.maxDocumentBytes, `${char} × ${length}`);
      }
    }
  });

  it('skips blank lines between pairs, takes \\r\\n and a body without a final newline', () => {
    const items = parseBulk('\n{"create":{"_index":"i"}}\r\n{"a":1}\r\n\n\n{"index":{"_index":"i"}}\n{"b":2}', undefined, LIMITS);
    assert.deepEqual(items.map((i) => i.kind === 'document' && i.source), ['{"a":1}', '{"b":2}']);
  });

  it('refuses the whole request when an action line cannot be read, naming the line', () => {
    for (const [body, line] of [
      [ndjson({ create: { _index: 'i' } }, { a: 1 }, 'nope'), 3],
      [ndjson({ upsert: {} }, { a: 1 }), 1],
      [ndjson({ create: { _index: 'i' }, index: {} }, { a: 1 }), 1],
      [ndjson({ create: 'i' }, { a: 1 }), 1],
      [ndjson({ create: { _index: 5 } }, { a: 1 }), 1],
    ] as const) {
      const error = requestError(() => parseBulk(body, undefined, LIMITS));
      assert.deepEqual([error.code, error.line, error.esError.type], ['invalid_action', line, 'illegal_argument_exception'], body);
    }
  });

  it('refuses an index/create action with no source line, and more actions than the limit', () => {
    assert.equal(requestError(() => parseBulk(ndjson({ create: { _index: 'i' } }), undefined, LIMITS)).code, 'missing_source');
    assert.equal(requestError(() => parseBulk('{"create":{"_index":"i"}}', undefined, LIMITS)).code, 'missing_source');
    const three = ndjson({ create: { _index: 'i' } }, {}, { delete: { _index: 'i' } }, { create: { _index: 'i' } }, {});
    assert.equal(parseBulk(three, undefined, { ...LIMITS, maxRecords: 3 }).length, 3);
    assert.equal(requestError(() => parseBulk(three, undefined, { ...LIMITS, maxRecords: 2 })).code, 'too_many_records');
  });

  it('refuses a body that is not UTF-8', () => {
    assert.equal(requestError(() => bulkText(Buffer.from([0x7b, 0xff, 0x7d]))).code, 'invalid_utf8');
    assert.equal(bulkText(Buffer.from('{"a":"é"}')), '{"a":"é"}');
  });

  it('reads the index from /<index>/_bulk', () => {
    assert.equal(bulkPathIndex('/_bulk'), undefined);
    assert.equal(bulkPathIndex('/logs-%2A/_bulk'), 'logs-*');
    assert.equal(bulkPathIndex('/a/b/_bulk'), null);
    assert.equal(bulkPathIndex('/%E0%A4%A/_bulk'), null);
  });
});

describe('elasticsearch _bulk: the answer', () => {
  it('renders one item per action, in order, keyed by the action, with errors set when one was refused', () => {
    const items = parseBulk(ndjson(
      { create: { _index: 'i', _id: 'a' } }, { x: 1 },
      { delete: { _index: 'i', _id: 'b' } },
      { index: { _index: 'j' } }, '{bad',
    ), undefined, LIMITS);
    const answer = bulkAnswer(items, 3.4);
    assert.deepEqual(answer, {
      took: 3,
      errors: true,
      items: [
        { create: { _index: 'i', _id: 'a', _version: 1, result: 'created', _shards: { total: 1, successful: 1, failed: 0 }, _seq_no: 0, _primary_term: 1, status: 201 } },
        { delete: { _index: 'i', _id: 'b', status: 400, error: items[1]!.kind === 'error' ? items[1]!.error : assert.fail() } },
        { index: { _index: 'j', status: 400, error: items[2]!.kind === 'error' ? items[2]!.error : assert.fail() } },
      ],
    });
  });

  it('renders as text what JSON.stringify renders of the answer\'s objects', () => {
    const rand = random(25);
    const ids = [undefined, 'a', '7', 'é "q" \\', '\u2028\n', ''];
    const indexes = ['app-logs', 'other', 'é "q"', ''];
    const sources = ['{"x":1}', '{bad', '[1]', '{"_id":"x"}'];
    const actions = ['create', 'index', 'delete', 'update'];
    for (let round = 0; round < 300; round++) {
      const lines: unknown[] = [];
      for (let i = Math.floor(rand() * 8); i > 0; i--) {
        const action = actions[Math.floor(rand() * actions.length)]!;
        const id = ids[Math.floor(rand() * ids.length)];
        const index = rand() < 0.1 ? undefined : indexes[Math.floor(rand() * indexes.length)];
        lines.push({ [action]: { ...(index === undefined ? {} : { _index: index }), ...(id === undefined ? {} : { _id: id }) } });
        if (action !== 'delete') lines.push(sources[Math.floor(rand() * sources.length)]!);
      }
      const items = lines.length === 0 ? [] : parseBulk(ndjson(...lines), rand() < 0.5 ? 'path-index' : undefined, LIMITS);
      const took = rand() * 50 - 5;
      const errors = items.some((item) => item.kind === 'error');
      assert.equal(bulkAnswerText(bulkItemsText(items), errors, took), JSON.stringify(bulkAnswer(items, took)));
    }
  });

  it('says errors:false when every document was taken', () => {
    assert.equal(bulkAnswer(parseBulk(ndjson({ create: { _index: 'i' } }, {}), undefined, LIMITS), 0).errors, false);
  });
});

describe('elasticsearch _bulk: log records', () => {
  const doc = (document: Record<string, unknown>, id?: string): BulkDocument =>
    ({ kind: 'document', action: 'create', index: 'i', id, source: JSON.stringify(document), facts: documentFacts(document) });

  it('adds timestamp from @timestamp (ISO or epoch ms), else the receive time, and _index and _id; keys by _id', () => {
    assert.deepEqual(bulkLogRecord(doc({ '@timestamp': '2026-12-06T18:05:38.946Z', m: 1 }, 'id1'), 5), {
      index: 'i', key: 'id1', value: '{"@timestamp":"2026-12-06T18:05:38.946Z","m":1,"timestamp":1796580338946,"_index":"i","_id":"id1"}',
    });
    assert.equal(JSON.parse(bulkLogRecord(doc({ '@timestamp': 1234.9 }), 5).value).timestamp, 1234);
    assert.equal(JSON.parse(bulkLogRecord(doc({ '@timestamp': 'not a date' }), 5).value).timestamp, 5);
    assert.equal(bulkLogRecord(doc({}), 5).key, undefined);
    assert.equal(bulkLogRecord(doc({}), 5).value, '{"timestamp":5,"_index":"i"}');
  });

  it('writes the source text as sent, the fields appended (big integers survive)', () => {
    const [item] = parseBulk(ndjson({ create: { _index: 'i' } }, '{"timestamp":1,"n":12345678901234567890 }'), undefined, LIMITS);
    assert.equal(bulkLogRecord(item as BulkDocument, 5).value, '{"timestamp":1,"n":12345678901234567890,"_index":"i"}');
  });

  it('refuses a document holding _index or _id as its own item, as Elasticsearch does', () => {
    const items = parseBulk(ndjson({ create: { _index: 'i' } }, { _id: 'x' }, { create: { _index: 'i' } }, { _index: 'y' }, { create: { _index: 'i' } }, { ok: 1 }), undefined, LIMITS);
    assert.deepEqual(items.map((item) => item.kind === 'error' ? item.error.type : item.kind), ['mapper_parsing_exception', 'mapper_parsing_exception', 'document']);
  });
});

describe('elasticsearch _bulk: Fluent Bit 5.1.1 captures', () => {
  const client = 'fluent-bit-5.1.1';
  for (const request of [...capturedRequests(client, '_bulk-'), ...capturedRequests(client, 'gz_bulk-')]) {
    const file = request.file;
    it(`decodes ${file}`, () => {
      const text = bulkText(request.body);
      const lines = text.split('\n').filter((l) => l !== '');
      const items = parseBulk(text, bulkPathIndex(request.url.pathname.replace(/^\/gz/, '')) ?? undefined, LIMITS);
      assert.equal(items.length, lines.length / 2);
      const index = file.startsWith('gz_') ? 'capture-logs-gz' : 'capture-logs';
      for (const [i, item] of items.entries()) {
        assert.equal(item.kind, 'document');
        const document = item as BulkDocument;
        assert.deepEqual([document.action, document.index, document.source], ['create', index, lines[2 * i + 1]]);
        assert.equal(JSON.parse(bulkLogRecord(document, 0).value).timestamp, Date.parse((JSON.parse(document.source) as Record<string, string>)['@timestamp']!));
      }
      const answer = bulkAnswer(items, 1);
      assert.equal(answer.errors, false);
      assert.ok(answer.items.every((it) => it['create']?.status === 201));
    });
  }
});

describe('elasticsearch _bulk: hostile bodies (fuzzed)', () => {
  const line = fc.oneof(
    fc.json(),
    fc.constantFrom('{"create":{"_index":"i"}}', '{"index":{}}', '{"delete":{"_index":"i"}}', '{"update":{"_index":"i"}}', '', '{', '{"a":1}'),
    fc.string(),
  );
  it('arbitrary line sequences raise nothing but BulkRequestError, and every item is answered', () => {
    fc.assert(fc.property(fc.array(line, { maxLength: 12 }), fc.option(fc.string(), { nil: undefined }), (lines, pathIndex) => {
      let items: BulkItem[];
      try {
        items = parseBulk(lines.join('\n'), pathIndex, { ...LIMITS, maxRecords: 4 });
      } catch (error) {
        if (!(error instanceof BulkRequestError)) throw error;
        return;
      }
      const answer = bulkAnswer(items, 0);
      assert.equal(answer.items.length, items.length);
      assert.equal(answer.errors, items.some((i) => i.kind === 'error'));
    }), { numRuns: 3000 });
  });

  it('arbitrary bytes raise nothing but BulkRequestError', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 256 }), (bytes) => {
      try {
        parseBulk(bulkText(bytes), undefined, LIMITS);
      } catch (error) {
        if (!(error instanceof BulkRequestError)) throw error;
      }
    }), { numRuns: 2000 });
  });
});
