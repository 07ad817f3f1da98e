// Log decoding: NDJSON, a JSON array of objects or
// one object → one record per log object, with a timestamp, keyed by a
// configured field or by the client.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Signal } from '../../../src/signals';
import { parseJsonValues } from '../../../src/decode/json-values';
import { decodeLogs, type LogOptions } from '../../../src/protocols/native/logs';
import type { RecordSink } from '../../../src/decode/sink';
import { refusal } from '../../support/refusal';

const RECEIVED_AT = 1_762_045_907_341;
const CLIENT = '203.0.113.7';

interface Collected {
  topic: Signal;
  index: number;
  key: string | null;
  value: string;
}

class FakeSink implements RecordSink {
  readonly records: Collected[] = [];
  append(topic: Signal, index: number, key: string | null, value: string): void {
    this.records.push({ topic, index, key, value });
  }
}

const defaults: LogOptions = { maxRecords: 100, maxDepth: 4, keyField: '' };

function decode(text: string, options: Partial<LogOptions> = {}): { count: number; records: Collected[] } {
  const sink = new FakeSink();
  const count = decodeLogs(parseJsonValues(text), RECEIVED_AT, CLIENT, { ...defaults, ...options }, sink);
  return { count, records: sink.records };
}

/** An object nested `depth` levels deep, counting the record itself as level 1. */
function nested(depth: number): Record<string, unknown> {
  let node: Record<string, unknown> = { leaf: 'x' };
  for (let d = 1; d < depth; d++) node = { child: node };
  return node;
}

describe('logs: accepted shapes', () => {
  it('decodes NDJSON: one record per line, blank lines skipped, indexes in record order', () => {
    const { count, records } = decode('{"msg":"a","timestamp":1}\n\n{"msg":"b","timestamp":2}\r\n{"msg":"c","timestamp":3}\n');
    assert.equal(count, 3);
    assert.deepEqual(records, [
      { topic: Signal.Logs, index: 0, key: CLIENT, value: '{"msg":"a","timestamp":1}' },
      { topic: Signal.Logs, index: 1, key: CLIENT, value: '{"msg":"b","timestamp":2}' },
      { topic: Signal.Logs, index: 2, key: CLIENT, value: '{"msg":"c","timestamp":3}' },
    ]);
  });

  it('decodes a JSON array of objects', () => {
    const { count, records } = decode('[{"msg":"a","timestamp":1},{"msg":"b","level":"warn","timestamp":2}]');
    assert.equal(count, 2);
    assert.deepEqual(records.map((r) => [r.topic, r.index, JSON.parse(r.value)]), [
      [Signal.Logs, 0, { msg: 'a', timestamp: 1 }],
      [Signal.Logs, 1, { msg: 'b', level: 'warn', timestamp: 2 }],
    ]);
  });

  it('decodes a single object as one record', () => {
    const { count, records } = decode('{"msg":"only","fields":{"a":[1,2,{"b":null}]},"timestamp":"2025-11-02T01:11:47Z"}');
    assert.equal(count, 1);
    assert.deepEqual(records, [{
      topic: Signal.Logs, index: 0, key: CLIENT,
      value: '{"msg":"only","fields":{"a":[1,2,{"b":null}]},"timestamp":"2025-11-02T01:11:47Z"}',
    }]);
  });

  it('an empty array is zero records', () => {
    const { count, records } = decode('[]');
    assert.equal(count, 0);
    assert.deepEqual(records, []);
  });

  it('adds the receive time as timestamp when missing', () => {
    const { records } = decode('{"msg":"a"}\n{"msg":"b","level":"info"}');
    assert.deepEqual(records.map((r) => r.value), [
      `{"msg":"a","timestamp":${RECEIVED_AT}}`,
      `{"msg":"b","level":"info","timestamp":${RECEIVED_AT}}`,
    ]);
  });

  it('keeps a timestamp that is present, whatever its form', () => {
    const { records } = decode('[{"timestamp":5,"msg":"a"},{"msg":"b","timestamp":"2025-01-01T00:00:00Z"},{"msg":"c","timestamp":0}]');
    assert.deepEqual(records.map((r) => (JSON.parse(r.value) as { timestamp: unknown }).timestamp), [5, '2025-01-01T00:00:00Z', 0]);
    assert.equal(records[0]!.value, '{"timestamp":5,"msg":"a"}');
  });

  it('keeps every field verbatim, in order, including unicode and nested values', () => {
    const record = { z: 1, a: 'é📈', nested: { list: [1, 'two', { three: true }] }, n: null, timestamp: 9 };
    const { records } = decode(JSON.stringify(record));
    assert.equal(records[0]!.value, JSON.stringify(record));
  });

  it('keys by the client address when keyField is empty', () => {
    const { records } = decode('{"host":"h1","msg":"a"}', { keyField: '' });
    assert.equal(records[0]!.key, CLIENT);
  });

  it('keys by keyField when the record has it (strings, numbers and booleans as text)', () => {
    const { records } = decode('{"host":"h1"}\n{"host":42}\n{"host":true}\n{"msg":"no host"}\n{"host":{"name":"h"}}\n{"host":null}', { keyField: 'host' });
    assert.deepEqual(records.map((r) => r.key), ['h1', '42', 'true', CLIENT, CLIENT, CLIENT]);
  });

  it('accepts nesting exactly at maxDepth (the record itself is level 1)', () => {
    assert.equal(decode(JSON.stringify(nested(4)), { maxDepth: 4 }).count, 1);
    assert.equal(decode(JSON.stringify({ a: [[[1]]] }), { maxDepth: 4 }).count, 1);
    assert.equal(decode(JSON.stringify({ a: 1, b: 'x' }), { maxDepth: 1 }).count, 1);
  });

  it('accepts exactly maxRecords records', () => {
    const { count } = decode(JSON.stringify(Array.from({ length: 3 }, (_, i) => ({ i }))), { maxRecords: 3 });
    assert.equal(count, 3);
  });
});

describe('logs: refusals', () => {
  it('refuses a record that is not an object, naming its index', () => {
    const cases: Array<[string, number]> = [
      ['[{"a":1},[1,2]]', 1],
      ['[{"a":1},{"a":2},"text"]', 2],
      ['[null]', 0],
      ['{"a":1}\n\n42', 1],
      ['"just a string"', 0],
      ['[[{"a":1}]]', 0],
    ];
    for (const [text, record] of cases) {
      const err = refusal(() => decode(text));
      assert.equal(err.status, 400, text);
      assert.equal(err.code, 'invalid_record', text);
      assert.equal(err.record, record, text);
      assert.match(err.message, new RegExp(`^record ${record}: `), text);
    }
  });

  it('refuses nesting deeper than maxDepth, naming the record', () => {
    const deepObject = refusal(() => decode(`{"ok":1}\n${JSON.stringify(nested(5))}`, { maxDepth: 4 }));
    assert.equal(deepObject.status, 400);
    assert.equal(deepObject.code, 'invalid_record');
    assert.equal(deepObject.record, 1);
    assert.match(deepObject.message, /^record 1: nested deeper than 4 levels$/);

    const deepArray = refusal(() => decode(JSON.stringify([{ a: [[[[1]]]] }]), { maxDepth: 4 }));
    assert.equal(deepArray.record, 0);
    assert.equal(deepArray.code, 'invalid_record');

    const emptyContainerTooDeep = refusal(() => decode(JSON.stringify({ a: { b: {} } }), { maxDepth: 2 }));
    assert.equal(emptyContainerTooDeep.code, 'invalid_record');
  });

  it('refuses hostile nesting without overflowing the stack', () => {
    const depth = 100_000;
    const text = '{"a":' + '['.repeat(depth) + ']'.repeat(depth) + '}';
    const err = refusal(() => decode(text, { maxDepth: 32 }));
    assert.equal(err.code, 'invalid_record');
    assert.equal(err.record, 0);
  });

  it('refuses more than maxRecords records with 413 too_many_records and writes nothing', () => {
    for (const text of [
      JSON.stringify(Array.from({ length: 4 }, (_, i) => ({ i }))),
      '{"i":0}\n{"i":1}\n{"i":2}\n{"i":3}',
    ]) {
      const sink = new FakeSink();
      const err = refusal(() => decodeLogs(parseJsonValues(text), RECEIVED_AT, CLIENT, { ...defaults, maxRecords: 3 }, sink));
      assert.equal(err.status, 413, text);
      assert.equal(err.code, 'too_many_records', text);
      assert.match(err.message, /4 records.*limit is 3/);
      assert.deepEqual(sink.records, []);
    }
  });
});
