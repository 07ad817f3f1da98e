// Worker decoding: body → text → records, and every refusal with its status and code.
import assert from 'node:assert/strict';
import { deflateRawSync, deflateSync, gzipSync } from 'node:zlib';
import { describe, it } from 'node:test';
import { configSchema } from '../../src/config/schema';
import { Topic } from '../../src/ring/layout';
import { decompress, parseJsonValues, toText } from '../../workers/body';
import { DecodeError } from '../../workers/decode-error';
import { decodeLogs } from '../../workers/logs';
import { compileMetricValidator, decodeMetrics } from '../../workers/metrics';
import { seriesKey } from '../../workers/series-key';
import type { RecordSink } from '../../workers/sink';

const limits = configSchema.parse({}).limits;
const validate = compileMetricValidator(limits);

class Collect implements RecordSink {
  readonly records: Array<{ topic: Topic; index: number; key: string | null; value: string }> = [];
  append(topic: Topic, index: number, key: string | null, value: string): void {
    this.records.push({ topic, index, key, value });
  }
}

function metrics(text: string, maxRecords = 1000): Collect {
  const sink = new Collect();
  decodeMetrics(parseJsonValues(text), 99, validate, maxRecords, sink);
  return sink;
}

function refusal(fn: () => unknown): DecodeError {
  try {
    fn();
  } catch (err) {
    if (err instanceof DecodeError) return err;
    throw err;
  }
  throw new Error('expected a DecodeError');
}

describe('series key', () => {
  it('is the name plus labels sorted by name', () => {
    assert.equal(seriesKey('cpu', { z: '1', a: 'x"y' }), 'cpu{a="x\\"y",z="1"}');
    assert.equal(seriesKey('cpu', {}), 'cpu');
    assert.equal(seriesKey('cpu', undefined), 'cpu');
  });
});

describe('metrics', () => {
  it('decodes a native batch: defaults, verbatim labels, series keys', () => {
    const sink = metrics(JSON.stringify({ batch_timestamp: 5, metrics: [
      { name: 'a', value: 1.5, labels: { z: '1', a: '2' } },
      { name: 'b', value: -2, type: 'counter', timestamp: 7 },
    ] }));
    assert.deepEqual(sink.records.map((r) => [r.topic, r.index, r.key]), [[Topic.Metrics, 0, 'a{a="2",z="1"}'], [Topic.Metrics, 1, 'b']]);
    assert.equal(sink.records[0]!.value, '{"name":"a","value":1.5,"type":"gauge","timestamp":5,"labels":{"z":"1","a":"2"}}');
    assert.equal(sink.records[1]!.value, '{"name":"b","value":-2,"type":"counter","timestamp":7,"labels":{}}');
  });

  it('accepts a JSON array, NDJSON and a single object; timestamp defaults to receive time', () => {
    assert.equal(metrics('[{"name":"a","value":1},{"name":"b","value":2}]').records.length, 2);
    const nd = metrics('{"name":"a","value":1}\n\n{"name":"b","value":2}\n');
    assert.equal(nd.records.length, 2);
    assert.equal(JSON.parse(nd.records[0]!.value).timestamp, 99);
    assert.equal(metrics('{"name":"a","value":1}').records.length, 1);
  });

  it('refuses invalid records, naming the record and the field', () => {
    const cases: Array<[string, string]> = [
      ['[{"name":"a","value":"1"}]', 'record 0: value must be number'],
      ['[{"name":"a","value":1},{"name":"a","value":1e999}]', 'record 1: value must be number'],
      ['[{"value":1}]', "record 0: record must have required property 'name'"],
      ['[{"name":"","value":1}]', 'record 0: name must NOT have fewer than 1 characters'],
      [JSON.stringify([{ name: 'n'.repeat(257), value: 1 }]), 'record 0: name must NOT have more than 256 characters'],
      ['[{"name":"a","value":1,"labels":{"k":1}}]', 'record 0: labels.k must be string'],
      ['[{"name":"a","value":1,"lables":{}}]', 'record 0: record has unknown field "lables"'],
      ['[{"name":"a","value":1,"type":"meter"}]', 'record 0: type must be equal to one of the allowed values'],
      [JSON.stringify([{ name: 'a', value: 1, labels: Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`l${i}`, 'v'])) }]), 'record 0: labels must NOT have more than 64 properties'],
    ];
    for (const [body, message] of cases) {
      const err = refusal(() => metrics(body));
      assert.equal(err.status, 400, body);
      assert.equal(err.code, 'invalid_record', body);
      assert.equal(err.message, message);
    }
    assert.equal(refusal(() => metrics('{"metrics":[],"extra":1}')).code, 'invalid_batch');
    assert.equal(refusal(() => metrics('{"metrics":[],"batch_timestamp":"x"}')).code, 'invalid_batch');
  });

  it('refuses too many records with 413', () => {
    const err = refusal(() => metrics('[{"name":"a","value":1},{"name":"a","value":1}]', 1));
    assert.equal(err.status, 413);
    assert.equal(err.code, 'too_many_records');
  });
});

describe('logs', () => {
  const options = { maxRecords: 10, maxDepth: 4, keyField: 'host' };

  it('adds a timestamp when absent, keeps it when present, keys by field or client', () => {
    const sink = new Collect();
    decodeLogs(parseJsonValues('{"msg":"a","host":"h1"}\n{"msg":"b","timestamp":"t"}'), 42, '10.0.0.1', options, sink);
    assert.deepEqual(sink.records.map((r) => [r.topic, r.key, JSON.parse(r.value).timestamp]), [[Topic.Logs, 'h1', 42], [Topic.Logs, '10.0.0.1', 't']]);
  });

  it('refuses non-objects, deep nesting and too many records', () => {
    const run = (text: string): number => decodeLogs(parseJsonValues(text), 1, 'c', options, new Collect());
    const notObject = refusal(() => run('[{"a":1},[1]]'));
    assert.equal(notObject.code, 'invalid_record');
    assert.equal(notObject.record, 1);
    assert.match(refusal(() => run('[{"a":{"b":{"c":{"d":{"e":1}}}}}]')).message, /nested deeper than 4/);
    assert.equal(refusal(() => run(JSON.stringify(Array.from({ length: 11 }, () => ({}))))).status, 413);
  });
});

describe('body', () => {
  const text = '[{"name":"a","value":1}]';

  it('decompresses gzip, zlib deflate and raw deflate', () => {
    for (const [encoding, body] of [['gzip', gzipSync(text)], ['deflate', deflateSync(text)], ['deflate', deflateRawSync(text)], ['identity', Buffer.from(text)]] as const) {
      assert.equal(decompress(body, encoding, 1000).toString(), text, encoding);
    }
  });

  it('stops a bomb at the cap with 413, and refuses corrupt data with 400', () => {
    const bomb = refusal(() => decompress(gzipSync(Buffer.alloc(10_000_000)), 'gzip', 1_000_000));
    assert.equal(bomb.status, 413);
    assert.equal(bomb.code, 'decompressed_too_large');
    assert.equal(refusal(() => decompress(Buffer.from('nope'), 'gzip', 1000)).code, 'bad_compression');
    assert.equal(refusal(() => decompress(Buffer.from('nope'), 'br', 1000)).status, 415);
  });

  it('refuses invalid UTF-8, empty bodies and malformed JSON', () => {
    assert.equal(refusal(() => toText(Buffer.from([0x7b, 0xff, 0x7d]))).code, 'invalid_utf8');
    assert.equal(refusal(() => toText(Buffer.alloc(0))).code, 'empty_body');
    assert.equal(refusal(() => parseJsonValues('  \n ')).code, 'empty_body');
    assert.equal(refusal(() => parseJsonValues('{"a":')).code, 'malformed_json');
    assert.match(refusal(() => parseJsonValues('{"a":1}\n{"b":')).message, /^line 2 /);
  });
});
