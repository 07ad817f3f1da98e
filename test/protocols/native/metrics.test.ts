// Metric decoding: body bytes → text → JSON
// values → validated, normalized records, and every refusal with its status,
// code and (for a bad record) its index.
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { describe, it } from 'node:test';
import { deflateRawSync, deflateSync, gzipSync } from 'node:zlib';
import { configSchema } from '../../../src/config/schema';
import { Signal } from '../../../src/signals';
import { decompress } from '../../../src/decode/decompress';
import { parseJsonValues, toText } from '../../../src/decode/json-values';
import { compileMetricValidator, decodeMetrics } from '../../../src/protocols/native/metrics';
import type { RecordSink } from '../../../src/decode/sink';
import { refusal } from '../../support/refusal';

const limits = configSchema.parse({}).limits;
const validate = compileMetricValidator(limits);
const RECEIVED_AT = 1_762_045_999_999;

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

/** Runs the worker's metric path on a body: bytes → text → values → records. */
function decodeBody(body: string | Buffer, maxRecords = limits.maxRecordsPerRequest): { count: number; records: Collected[] } {
  const sink = new FakeSink();
  const text = toText(typeof body === 'string' ? Buffer.from(body, 'utf8') : body);
  const count = decodeMetrics(parseJsonValues(text), RECEIVED_AT, validate, maxRecords, sink);
  return { count, records: sink.records };
}

function values(records: Collected[]): unknown[] {
  return records.map((r) => JSON.parse(r.value) as unknown);
}

function assertInvalidRecord(body: string, record: number, message: RegExp): void {
  const err = refusal(() => decodeBody(body));
  assert.equal(err.status, 400, body.slice(0, 200));
  assert.equal(err.code, 'invalid_record', body.slice(0, 200));
  assert.equal(err.record, record, body.slice(0, 200));
  assert.match(err.message, message);
  assert.equal(err.status, 400);
}

describe('metrics: accepted shapes', () => {
  it('decodes a native batch; batch_timestamp is the default per-metric timestamp', () => {
    const { count, records } = decodeBody(JSON.stringify({
      batch_timestamp: 1762045907341,
      metrics: [
        { name: 'cpu_usage', value: 25.67, type: 'gauge', timestamp: 1762045907000, labels: { host: 'h1' } },
        { name: 'mem_used', value: 1024, labels: { host: 'h1' } },
      ],
    }));
    assert.equal(count, 2);
    assert.deepEqual(records, [
      {
        topic: Signal.Metrics, index: 0, key: 'cpu_usage{host="h1"}',
        value: '{"name":"cpu_usage","value":25.67,"type":"gauge","timestamp":1762045907000,"labels":{"host":"h1"}}',
      },
      {
        topic: Signal.Metrics, index: 1, key: 'mem_used{host="h1"}',
        value: '{"name":"mem_used","value":1024,"type":"gauge","timestamp":1762045907341,"labels":{"host":"h1"}}',
      },
    ]);
  });

  it('a native batch without batch_timestamp defaults to the receive time', () => {
    const { records } = decodeBody('{"metrics":[{"name":"a","value":1},{"name":"b","value":2,"timestamp":5}]}');
    assert.deepEqual(values(records).map((v) => (v as { timestamp: number }).timestamp), [RECEIVED_AT, 5]);
  });

  it('batch_timestamp 0 and a per-metric timestamp 0 are kept, not replaced by the receive time', () => {
    const batch = decodeBody('{"batch_timestamp":0,"metrics":[{"name":"a","value":1}]}');
    assert.equal((values(batch.records)[0] as { timestamp: number }).timestamp, 0);
    const single = decodeBody('{"name":"a","value":1,"timestamp":0}');
    assert.equal((values(single.records)[0] as { timestamp: number }).timestamp, 0);
  });

  it('an empty native batch decodes to no records', () => {
    const { count, records } = decodeBody('{"batch_timestamp":1,"metrics":[]}');
    assert.equal(count, 0);
    assert.deepEqual(records, []);
  });

  it('decodes a JSON array of metrics, with the receive time as timestamp', () => {
    const { count, records } = decodeBody('[{"name":"a","value":1},{"name":"b","value":-2.5,"type":"counter"}]');
    assert.equal(count, 2);
    assert.deepEqual(records.map((r) => [r.topic, r.index, r.key]), [[Signal.Metrics, 0, 'a'], [Signal.Metrics, 1, 'b']]);
    assert.deepEqual(values(records), [
      { name: 'a', value: 1, type: 'gauge', timestamp: RECEIVED_AT, labels: {} },
      { name: 'b', value: -2.5, type: 'counter', timestamp: RECEIVED_AT, labels: {} },
    ]);
  });

  it('decodes a pretty-printed (multi-line) JSON array as one document', () => {
    const body = JSON.stringify([{ name: 'a', value: 1 }, { name: 'b', value: 2 }], null, 2);
    assert.ok(body.includes('\n'));
    const { count, records } = decodeBody(body);
    assert.equal(count, 2);
    assert.deepEqual(records.map((r) => r.key), ['a', 'b']);
  });

  it('decodes NDJSON, skipping blank lines and tolerating CRLF and a trailing newline', () => {
    const body = '{"name":"a","value":1}\r\n\r\n{"name":"b","value":2,"labels":{"x":"y"}}\n   \n{"name":"c","value":3}\n';
    const { count, records } = decodeBody(body);
    assert.equal(count, 3);
    assert.deepEqual(records.map((r) => [r.index, r.key]), [[0, 'a'], [1, 'b{x="y"}'], [2, 'c']]);
    assert.deepEqual(values(records)[1], { name: 'b', value: 2, type: 'gauge', timestamp: RECEIVED_AT, labels: { x: 'y' } });
  });

  it('decodes a single metric object', () => {
    const { count, records } = decodeBody('{"name":"up","value":1,"type":"gauge","timestamp":42,"labels":{"job":"node"}}');
    assert.equal(count, 1);
    assert.deepEqual(records, [{
      topic: Signal.Metrics, index: 0, key: 'up{job="node"}',
      value: '{"name":"up","value":1,"type":"gauge","timestamp":42,"labels":{"job":"node"}}',
    }]);
  });

  it('type defaults to gauge; every allowed type is kept', () => {
    const { records } = decodeBody(JSON.stringify([
      { name: 'a', value: 1 },
      { name: 'b', value: 1, type: 'gauge' },
      { name: 'c', value: 1, type: 'counter' },
      { name: 'd', value: 1, type: 'histogram' },
      { name: 'e', value: 1, type: 'summary' },
    ]));
    assert.deepEqual(values(records).map((v) => (v as { type: string }).type), ['gauge', 'gauge', 'counter', 'histogram', 'summary']);
  });

  it('normalizes field order and adds empty labels', () => {
    const { records } = decodeBody('{"labels":{"k":"v"},"timestamp":3,"type":"counter","value":7,"name":"n"}');
    assert.equal(records[0]!.value, '{"name":"n","value":7,"type":"counter","timestamp":3,"labels":{"k":"v"}}');
    const bare = decodeBody('{"name":"n","value":7}');
    assert.equal(bare.records[0]!.value, `{"name":"n","value":7,"type":"gauge","timestamp":${RECEIVED_AT},"labels":{}}`);
  });

  it('keeps labels verbatim in the value (insertion order) while the key sorts them', () => {
    const { records } = decodeBody('{"name":"m","value":1,"labels":{"zone":"z1","app":"web","Host":"h \\"1\\""}}');
    assert.equal(records[0]!.key, 'm{Host="h \\"1\\"",app="web",zone="z1"}');
    assert.equal(records[0]!.value, `{"name":"m","value":1,"type":"gauge","timestamp":${RECEIVED_AT},"labels":{"zone":"z1","app":"web","Host":"h \\"1\\""}}`);
  });

  it('keeps numeric values exactly: integers, negatives, zero, exponents, tiny and huge finite numbers', () => {
    const body = '[{"name":"a","value":0},{"name":"a","value":-0.5},{"name":"a","value":1e3},{"name":"a","value":5e-324},{"name":"a","value":1.7976931348623157e308},{"name":"a","value":9007199254740993}]';
    const { records } = decodeBody(body);
    assert.deepEqual(values(records).map((v) => (v as { value: number }).value), [0, -0.5, 1000, 5e-324, 1.7976931348623157e308, 9007199254740992]);
  });

  it('accepts limits exactly at the boundary: name length, label count, label name and value length', () => {
    const labels: Record<string, string> = Object.fromEntries(Array.from({ length: limits.maxLabelsPerRecord - 1 }, (_, i) => [`l${i}`, 'v']));
    labels['k'.repeat(limits.maxLabelNameLength)] = 'v'.repeat(limits.maxLabelValueLength);
    assert.equal(Object.keys(labels).length, limits.maxLabelsPerRecord);
    const { count, records } = decodeBody(JSON.stringify({ name: 'n'.repeat(limits.maxNameLength), value: 1, labels }));
    assert.equal(count, 1);
    assert.deepEqual((values(records)[0] as { labels: unknown }).labels, labels);
  });

  it('accepts exactly maxRecords records', () => {
    const body = JSON.stringify(Array.from({ length: 5 }, (_, i) => ({ name: `m${i}`, value: i })));
    const { count, records } = decodeBody(body, 5);
    assert.equal(count, 5);
    assert.deepEqual(records.map((r) => r.index), [0, 1, 2, 3, 4]);
  });
});

describe('metrics: refused records', () => {
  it('refuses a value given as a string', () => {
    assertInvalidRecord('[{"name":"a","value":1},{"name":"b","value":"1"}]', 1, /^record 1: value must be number$/);
  });

  it('refuses a value that is not a finite number (1e999 parses to Infinity)', () => {
    assert.equal((JSON.parse('{"v":1e999}') as { v: number }).v, Infinity);
    assertInvalidRecord('[{"name":"a","value":1e999}]', 0, /^record 0: value must be number$/);
    assertInvalidRecord('[{"name":"a","value":1},{"name":"a","value":-1e999}]', 1, /^record 1: value must be number$/);
    assertInvalidRecord('{"name":"a","value":1,"timestamp":1e999}', 0, /^record 0: timestamp /);
  });

  it('refuses null and boolean values', () => {
    assertInvalidRecord('[{"name":"a","value":null}]', 0, /value must be number/);
    assertInvalidRecord('[{"name":"a","value":true}]', 0, /value must be number/);
  });

  it('refuses a metric without a name or without a value', () => {
    assertInvalidRecord('[{"value":1}]', 0, /^record 0: record must have required property 'name'$/);
    assertInvalidRecord('[{"name":"a","value":1},{"name":"a","value":1},{"name":"a"}]', 2, /^record 2: record must have required property 'value'$/);
  });

  it('refuses an empty name', () => {
    assertInvalidRecord('[{"name":"","value":1}]', 0, /^record 0: name must NOT have fewer than 1 characters$/);
  });

  it('refuses a name longer than limits.maxNameLength', () => {
    assertInvalidRecord(JSON.stringify([{ name: 'n'.repeat(limits.maxNameLength + 1), value: 1 }]), 0,
      new RegExp(`^record 0: name must NOT have more than ${limits.maxNameLength} characters$`));
  });

  it('refuses a name that is not a string', () => {
    assertInvalidRecord('[{"name":5,"value":1}]', 0, /^record 0: name must be string$/);
  });

  it('refuses more labels than limits.maxLabelsPerRecord', () => {
    const labels = Object.fromEntries(Array.from({ length: limits.maxLabelsPerRecord + 1 }, (_, i) => [`l${i}`, 'v']));
    assertInvalidRecord(JSON.stringify([{ name: 'a', value: 1, labels }]), 0,
      new RegExp(`^record 0: labels must NOT have more than ${limits.maxLabelsPerRecord} properties$`));
  });

  it('refuses label values that are not strings', () => {
    assertInvalidRecord('[{"name":"a","value":1,"labels":{"k":1}}]', 0, /^record 0: labels\.k must be string$/);
    assertInvalidRecord('[{"name":"a","value":1,"labels":{"k":null}}]', 0, /^record 0: labels\.k must be string$/);
    assertInvalidRecord('[{"name":"a","value":1,"labels":{"k":{"x":"y"}}}]', 0, /^record 0: labels\.k must be string$/);
    assertInvalidRecord('[{"name":"a","value":1,"labels":{"k":["v"]}}]', 0, /^record 0: labels\.k must be string$/);
  });

  it('refuses labels that are not an object', () => {
    assertInvalidRecord('[{"name":"a","value":1,"labels":["k","v"]}]', 0, /^record 0: labels must be object$/);
    assertInvalidRecord('[{"name":"a","value":1,"labels":"k=v"}]', 0, /^record 0: labels must be object$/);
  });

  it('refuses over-long label names and values, and empty label names', () => {
    assertInvalidRecord(JSON.stringify({ name: 'a', value: 1, labels: { k: 'v'.repeat(limits.maxLabelValueLength + 1) } }), 0, /labels\.k must NOT have more than/);
    assertInvalidRecord(JSON.stringify({ name: 'a', value: 1, labels: { ['k'.repeat(limits.maxLabelNameLength + 1)]: 'v' } }), 0, /property name/);
    assertInvalidRecord('{"name":"a","value":1,"labels":{"":"v"}}', 0, /property name/);
  });

  it('refuses an unknown field, naming it', () => {
    assertInvalidRecord('[{"name":"a","value":1,"lables":{}}]', 0, /^record 0: record has unknown field "lables"$/);
  });

  it('refuses an unknown type', () => {
    assertInvalidRecord('[{"name":"a","value":1,"type":"meter"}]', 0, /^record 0: type must be equal to one of the allowed values$/);
  });

  it('refuses negative and fractional timestamps', () => {
    assertInvalidRecord('[{"name":"a","value":1,"timestamp":-1}]', 0, /^record 0: timestamp must be >= 0$/);
    assertInvalidRecord('[{"name":"a","value":1,"timestamp":1.5}]', 0, /^record 0: timestamp must be integer$/);
    assertInvalidRecord('[{"name":"a","value":1,"timestamp":"2025-01-01"}]', 0, /^record 0: timestamp must be integer$/);
  });

  it('refuses records that are not objects', () => {
    assertInvalidRecord('[1]', 0, /^record 0: record must be object$/);
    assertInvalidRecord('[{"name":"a","value":1},null]', 1, /^record 1: record must be object$/);
    assertInvalidRecord('{"name":"a","value":1}\n["a",1]', 1, /^record 1: record must be object$/);
    assertInvalidRecord('"hello"', 0, /^record 0: record must be object$/);
  });

  it('names the bad record in NDJSON by its record index', () => {
    assertInvalidRecord('{"name":"a","value":1}\n\n{"name":"b","value":"x"}', 1, /^record 1: value must be number$/);
  });

  it('refuses a malformed native batch', () => {
    const cases: Array<[string, RegExp]> = [
      ['{"metrics":[],"extra":1}', /unknown field "extra"/],
      ['{"metrics":{"name":"a","value":1}}', /"metrics" must be an array/],
      ['{"metrics":[],"batch_timestamp":"x"}', /batch_timestamp/],
      ['{"metrics":[],"batch_timestamp":-1}', /batch_timestamp/],
      ['{"metrics":[],"batch_timestamp":1.5}', /batch_timestamp/],
      ['{"metrics":[],"batch_timestamp":null}', /batch_timestamp/],
      ['{"metrics":[],"batch_timestamp":1e999}', /batch_timestamp/],
    ];
    for (const [body, message] of cases) {
      const err = refusal(() => decodeBody(body));
      assert.equal(err.status, 400, body);
      assert.equal(err.code, 'invalid_batch', body);
      assert.match(err.message, message, body);
    }
  });

  it('a metric in a native batch is validated like any other', () => {
    assertInvalidRecord('{"batch_timestamp":1,"metrics":[{"name":"a","value":1},{"name":"a","value":1,"x":1}]}', 1, /unknown field "x"/);
  });

  it('refuses more than maxRecords records with 413 too_many_records, before looking at any of them', () => {
    const body = JSON.stringify(Array.from({ length: 6 }, (_, i) => ({ name: `m${i}`, value: i })));
    const sink = new FakeSink();
    const err = refusal(() => decodeMetrics(parseJsonValues(body), RECEIVED_AT, validate, 5, sink));
    assert.equal(err.status, 413);
    assert.equal(err.code, 'too_many_records');
    assert.equal(err.record, undefined);
    assert.match(err.message, /6 records.*limit is 5/);
    assert.deepEqual(sink.records, []);
    for (const tooMany of [
      '{"name":"a","value":1}\n{"name":"a","value":1}',
      '{"metrics":[{"name":"a","value":1},{"name":"a","value":1}]}',
    ]) {
      assert.equal(refusal(() => decodeBody(tooMany, 1)).code, 'too_many_records', tooMany);
    }
  });
});

describe('body: text and JSON', () => {
  it('refuses an empty body with 400 empty_body', () => {
    const err = refusal(() => toText(Buffer.alloc(0)));
    assert.equal(err.status, 400);
    assert.equal(err.code, 'empty_body');
  });

  it('refuses a body of only whitespace with 400 empty_body', () => {
    for (const text of [' ', '\n', ' \n\t\n  ', '\r\n\r\n']) {
      const err = refusal(() => parseJsonValues(text));
      assert.equal(err.status, 400, JSON.stringify(text));
      assert.equal(err.code, 'empty_body', JSON.stringify(text));
    }
  });

  it('refuses invalid UTF-8 with 400 invalid_utf8, never replacing bytes', () => {
    const bad = [
      [0x7b, 0xff, 0x7d], // a byte that never occurs in UTF-8
      [0x22, 0xc3, 0x22], // truncated two-byte sequence
      [0xc0, 0x80], // overlong NUL
      [0xed, 0xa0, 0x80], // UTF-16 surrogate
      [0xf4, 0x90, 0x80, 0x80], // above U+10FFFF
    ];
    for (const bytes of bad) {
      const err = refusal(() => toText(Buffer.from(bytes)));
      assert.equal(err.status, 400, bytes.join(','));
      assert.equal(err.code, 'invalid_utf8', bytes.join(','));
    }
  });

  it('accepts valid multi-byte UTF-8', () => {
    const text = '{"name":"température_°C","value":1,"labels":{"city":"Zürich","emoji":"📈"}}';
    assert.equal(toText(Buffer.from(text, 'utf8')), text);
    const { records } = decodeBody(text);
    assert.equal(records[0]!.key, 'température_°C{city="Zürich",emoji="📈"}');
  });

  it('parses a JSON document as a document and NDJSON as a list of values', () => {
    assert.deepEqual(parseJsonValues('{"a":1}'), { document: { a: 1 } });
    assert.deepEqual(parseJsonValues('  [1,2]  '), { document: [1, 2] });
    assert.deepEqual(parseJsonValues('{"a":1}\n{"a":2}\n'), [{ a: 1 }, { a: 2 }]);
    assert.deepEqual(parseJsonValues('1\n\n"x"\nnull'), [1, 'x', null]);
  });

  it('refuses a malformed single-line body with 400 invalid_json', () => {
    for (const text of ['{"name":"a",', '[{"name":"a","value":1}', '{name:"a"}', 'not json']) {
      const err = refusal(() => parseJsonValues(text));
      assert.equal(err.status, 400, text);
      assert.equal(err.code, 'invalid_json', text);
    }
  });

  it('refuses malformed NDJSON with 400 invalid_json naming the line', () => {
    const cases: Array<[string, number]> = [
      ['{"name":"a","value":1}\n{"name":', 2],
      ['{"name":"a","value":1}\n\n\n{"name":"a","value":1}\n{bad}\n', 5],
      ['{oops}\n{"name":"a","value":1}', 1],
      ['{"name":"a","value":1}\r\n{"name":"a",\r\n', 2],
    ];
    for (const [text, line] of cases) {
      const err = refusal(() => parseJsonValues(text));
      assert.equal(err.status, 400, text);
      assert.equal(err.code, 'invalid_json', text);
      assert.match(err.message, new RegExp(`^line ${line} is not valid JSON`), text);
    }
  });
});

describe('body: decompression', () => {
  const text = JSON.stringify({ batch_timestamp: 7, metrics: [{ name: 'cpu', value: 0.5, labels: { host: 'h1' } }] });

  it('passes identity bodies through', () => {
    const body = Buffer.from(text);
    assert.equal(decompress(body, '', 10), body);
    assert.equal(decompress(body, 'identity', 10), body);
  });

  it('round-trips gzip (and x-gzip), zlib deflate and raw deflate into the same records', () => {
    const expected = decodeBody(text).records;
    const encoded: Array<[string, Buffer]> = [
      ['gzip', gzipSync(text)],
      ['x-gzip', gzipSync(text)],
      ['deflate', deflateSync(text)],
      ['deflate', deflateRawSync(text)],
    ];
    for (const [encoding, body] of encoded) {
      const plain = decompress(body, encoding, 1 << 20);
      assert.equal(plain.toString('utf8'), text, encoding);
      assert.deepEqual(decodeBody(plain).records, expected, encoding);
    }
  });

  it('allows a body that decompresses to exactly maxBytes', () => {
    const plain = Buffer.alloc(4096, 'a');
    for (const [encoding, body] of [['gzip', gzipSync(plain)], ['deflate', deflateSync(plain)], ['deflate', deflateRawSync(plain)]] as const) {
      assert.equal(decompress(body, encoding, 4096).length, 4096, encoding);
    }
  });

  it('stops a compression bomb at maxBytes with 413 decompressed_too_large (gzip, zlib and raw deflate)', () => {
    const zeros = Buffer.alloc(20 * 1024 * 1024);
    const bombs: Array<[string, Buffer]> = [
      ['gzip', gzipSync(zeros)],
      ['deflate', deflateSync(zeros)],
      ['deflate', deflateRawSync(zeros)],
    ];
    for (const [encoding, bomb] of bombs) {
      assert.ok(bomb.length < 64 * 1024, 'a real bomb: small compressed');
      const err = refusal(() => decompress(bomb, encoding, 1024 * 1024));
      assert.equal(err.status, 413, encoding);
      assert.equal(err.code, 'decompressed_too_large', encoding);
    }
    const oneOver = refusal(() => decompress(gzipSync(Buffer.alloc(4097, 'a')), 'gzip', 4096));
    assert.equal(oneOver.code, 'decompressed_too_large');
  });

  it('refuses corrupt or truncated compressed data with 400 bad_compression', () => {
    const gz = gzipSync(text);
    const corrupt: Array<[string, Buffer]> = [
      ['gzip', Buffer.from('definitely not gzip')],
      ['gzip', gz.subarray(0, gz.length - 10)],
      ['gzip', Buffer.concat([gz.subarray(0, 12), Buffer.alloc(gz.length - 12, 0xff)])],
      ['deflate', Buffer.from('nope')],
    ];
    for (const [encoding, body] of corrupt) {
      const err = refusal(() => decompress(body, encoding, 1 << 20));
      assert.equal(err.status, 400, `${encoding} ${body.toString('hex')}`);
      assert.equal(err.code, 'bad_compression', `${encoding} ${body.toString('hex')}`);
    }
  });

  it('refuses an unsupported encoding with 415', () => {
    const err = refusal(() => decompress(Buffer.from(text), 'br', 1 << 20));
    assert.equal(err.status, 415);
    assert.equal(err.code, 'unsupported_content_encoding');
  });

  it('a gzip body holding invalid UTF-8 is refused after decompression', () => {
    const plain = decompress(gzipSync(Buffer.from([0x5b, 0xfe, 0x5d])), 'gzip', 1024);
    assert.equal(refusal(() => toText(plain)).code, 'invalid_utf8');
  });
});
