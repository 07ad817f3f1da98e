// Loki push decoding: JSON and snappy protobuf bodies → one record per entry,
// keyed by the stream's canonical labels, timestamps exact to the nanosecond.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { compressSync } from 'snappy';
import {
  decodeLokiPush, LokiDecodeError, pushFormatOf, type KeyedLokiRecord, type LokiDecodeOptions,
} from '../../../src/protocols/loki';
import { LOKI_ANSWERS, LOKI_PROBES } from '../../../src/protocols/loki/answers';
import { capturedRequests } from '../../support/client-captures';
import { protoBody, PushRequest } from '../../support/loki-push';

const OPTIONS: LokiDecodeOptions = { maxRecords: 1000, maxLineBytes: 1024, maxLabels: 8, maxDecompressedBytes: 1 << 20 };

function decodeJson(document: unknown, options: Partial<LokiDecodeOptions> = {}): KeyedLokiRecord[] {
  return decodeLokiPush(Buffer.from(JSON.stringify(document)), 'json', { ...OPTIONS, ...options });
}

function refusal(run: () => unknown): LokiDecodeError {
  try {
    run();
  } catch (error) {
    assert.ok(error instanceof LokiDecodeError, `expected a LokiDecodeError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected a refusal');
}

describe('loki: record values', () => {
  it('is the text JSON.stringify writes of the record, for any labels, metadata, line and tenant', () => {
    const name = fc.constantFrom('job', 'env', 'host', '__proto__', '0', '10', 'é', 'a_b');
    const text = fc.string({ unit: 'binary', maxLength: 12 });
    const stream = fc.record({
      stream: fc.dictionary(name, text, { minKeys: 1, maxKeys: 4 }),
      values: fc.array(fc.tuple(fc.bigInt({ min: 0n, max: 2n ** 63n - 1n }), text, fc.option(fc.dictionary(name, text, { maxKeys: 3 }))), { minLength: 1, maxLength: 3 }),
    });
    fc.assert(fc.property(fc.array(stream, { minLength: 1, maxLength: 3 }), fc.option(text), (streams, tenant) => {
      const document = {
        streams: streams.map((s) => ({
          stream: s.stream,
          values: s.values.map(([ns, line, metadata]) => (metadata === null ? [String(ns), line] : [String(ns), line, metadata])),
        })),
      };
      let records: KeyedLokiRecord[];
      try {
        records = decodeJson(document, tenant === null ? {} : { tenant });
      } catch (error) {
        if (error instanceof LokiDecodeError) return; // labels the route refuses
        throw error;
      }
      for (const record of records) assert.equal(record.text, JSON.stringify(record.value));
    }), { numRuns: 2000 });
  });
});

describe('loki: content types', () => {
  it('takes protobuf for application/x-protobuf and for no Content-Type, JSON for application/json', () => {
    assert.equal(pushFormatOf(undefined), 'protobuf');
    assert.equal(pushFormatOf(''), 'protobuf');
    assert.equal(pushFormatOf('application/x-protobuf'), 'protobuf');
    assert.equal(pushFormatOf('application/json; charset=utf-8'), 'json');
    assert.equal(pushFormatOf('text/plain'), undefined);
  });
});

describe('loki: protobuf push', () => {
  it('decodes entries with exact nanosecond timestamps, labels and structured metadata', () => {
    const body = protoBody([
      { labels: '{job="api", env="prod"}', entries: [
        { seconds: 1_796_580_338, nanos: 946_456_281, line: 'first', metadata: [['trace_id', 'abc']] },
        { seconds: 1_796_580_338, nanos: 946_456_282, line: 'second' },
      ] },
      { labels: '{env="prod",job="api"}', entries: [{ seconds: 1, nanos: 5, line: 'same stream, other spelling' }] },
    ]);
    const records = decodeLokiPush(body, 'protobuf', { ...OPTIONS, tenant: 'team-a' });
    for (const record of records) assert.equal(record.text, JSON.stringify(record.value));
    assert.deepEqual(records.map(({ key, value }) => ({ key, value })), [
      { key: '{env="prod", job="api"}', value: {
        timestamp: 1_796_580_338_946, time_unix_nano: '1796580338946456281', body: 'first',
        attributes: { job: 'api', env: 'prod', trace_id: 'abc' }, stream: '{env="prod", job="api"}', tenant: 'team-a',
      } },
      { key: '{env="prod", job="api"}', value: {
        timestamp: 1_796_580_338_946, time_unix_nano: '1796580338946456282', body: 'second',
        attributes: { job: 'api', env: 'prod' }, stream: '{env="prod", job="api"}', tenant: 'team-a',
      } },
      { key: '{env="prod", job="api"}', value: {
        timestamp: 1000, time_unix_nano: '1000000005', body: 'same stream, other spelling',
        attributes: { env: 'prod', job: 'api' }, stream: '{env="prod", job="api"}', tenant: 'team-a',
      } },
    ]);
  });

  it('leaves tenant out when X-Scope-OrgID was absent or empty', () => {
    const body = protoBody([{ labels: '{a="1"}', entries: [{ seconds: 2, nanos: 0, line: 'x' }] }]);
    assert.equal('tenant' in decodeLokiPush(body, 'protobuf', OPTIONS)[0]!.value, false);
    assert.equal('tenant' in decodeLokiPush(body, 'protobuf', { ...OPTIONS, tenant: '' })[0]!.value, false);
  });

  it('lets structured metadata win over a stream label of the same name', () => {
    const body = protoBody([{ labels: '{host="a"}', entries: [{ seconds: 2, nanos: 0, line: 'x', metadata: [['host', 'b']] }] }]);
    assert.deepEqual(decodeLokiPush(body, 'protobuf', OPTIONS)[0]!.value.attributes, { host: 'b' });
  });

  it('keeps the largest int64 timestamp exactly', () => {
    const body = protoBody([{ labels: '{a="1"}', entries: [{ seconds: 9_223_372_036, nanos: 854_775_807, line: 'x' }] }]);
    assert.equal(decodeLokiPush(body, 'protobuf', OPTIONS)[0]!.value.time_unix_nano, '9223372036854775807');
  });

  it('refuses a negative timestamp, naming the stream and entry', () => {
    const body = protoBody([{ labels: '{a="1"}', entries: [{ seconds: 1, nanos: 0, line: 'ok' }, { seconds: -5, nanos: 0, line: 'x' }] }]);
    const error = refusal(() => decodeLokiPush(body, 'protobuf', OPTIONS));
    assert.equal(error.code, 'invalid_timestamp');
    assert.deepEqual([error.stream, error.entry], [0, 1]);
  });

  it('refuses bad label text, an empty label set and duplicate names, naming the stream', () => {
    for (const [labels, code] of [['{a="1"', 'invalid_labels'], ['{}', 'invalid_labels'], ['{a="1", a="2"}', 'invalid_labels']] as const) {
      const body = protoBody([{ labels: '{ok="1"}', entries: [] }, { labels, entries: [{ seconds: 1, nanos: 0, line: 'x' }] }]);
      const error = refusal(() => decodeLokiPush(body, 'protobuf', OPTIONS));
      assert.equal(error.code, code, labels);
      assert.equal(error.stream, 1, labels);
    }
  });

  it('refuses a body that is not snappy, or snappy that is not a PushRequest', () => {
    assert.equal(refusal(() => decodeLokiPush(Buffer.from('{"streams":[]}'), 'protobuf', OPTIONS)).code, 'bad_compression');
    assert.equal(refusal(() => decodeLokiPush(compressSync(Buffer.from([0x0a, 0xff, 0xff, 0x01])), 'protobuf', OPTIONS)).code, 'invalid_protobuf');
  });

  it('refuses a snappy block declaring more than the limit before decompressing it', () => {
    const body = compressSync(Buffer.alloc(4096));
    const error = refusal(() => decodeLokiPush(body, 'protobuf', { ...OPTIONS, maxDecompressedBytes: 4095 }));
    assert.equal(error.code, 'decompressed_too_large');
  });

  it('replaces invalid UTF-8 in a line with U+FFFD rather than refusing the batch', () => {
    const raw = Buffer.from(PushRequest.encode(PushRequest.fromObject({ streams: [{ labels: '{a="1"}', entries: [{ timestamp: { seconds: 1 }, line: 'x' }] }] })).finish());
    const lineAt = raw.lastIndexOf(Buffer.from('x'));
    raw[lineAt] = 0xff;
    assert.equal(decodeLokiPush(compressSync(raw), 'protobuf', OPTIONS)[0]!.value.body, '\ufffd');
  });
});

describe('loki: JSON push', () => {
  it('decodes values with and without structured metadata', () => {
    const records = decodeJson({ streams: [{ stream: { job: 'api' }, values: [['1796580338946456281', 'a', { user: 'u1' }], ['5', 'b']] }] });
    assert.deepEqual(records.map((r) => [r.key, r.value.time_unix_nano, r.value.timestamp, r.value.body, r.value.attributes]), [
      ['{job="api"}', '1796580338946456281', 1_796_580_338_946, 'a', { job: 'api', user: 'u1' }],
      ['{job="api"}', '5', 0, 'b', { job: 'api' }],
    ]);
  });

  it('keeps a "__proto__" label as an ordinary attribute', () => {
    const records = decodeLokiPush(Buffer.from('{"streams":[{"stream":{"__proto__":"x"},"values":[["1","l"]]}]}'), 'json', OPTIONS);
    assert.deepEqual(Object.entries(records[0]!.value.attributes), [['__proto__', 'x']]);
    assert.equal(records[0]!.key, '{__proto__="x"}');
  });

  it('refuses wrong shapes with invalid_json or invalid_timestamp, naming stream and entry', () => {
    const cases: Array<[unknown, string, number | undefined, number | undefined]> = [
      [[], 'invalid_json', undefined, undefined],
      [{ streams: {} }, 'invalid_json', undefined, undefined],
      [{ streams: [{ stream: { a: 1 }, values: [] }] }, 'invalid_json', 0, undefined],
      [{ streams: [{ stream: { a: '1' } }] }, 'invalid_json', 0, undefined],
      [{ streams: [{ stream: { a: '1' }, values: [['1', 'ok'], ['1']] }] }, 'invalid_json', 0, 1],
      [{ streams: [{ stream: { a: '1' }, values: [['1', 2]] }] }, 'invalid_json', 0, 0],
      [{ streams: [{ stream: { a: '1' }, values: [['1', 'x', { m: 2 }]] }] }, 'invalid_json', 0, 0],
      [{ streams: [{ stream: { a: '1' }, values: [[1, 'x']] }] }, 'invalid_timestamp', 0, 0],
      [{ streams: [{ stream: { a: '1' }, values: [['-1', 'x']] }] }, 'invalid_timestamp', 0, 0],
      [{ streams: [{ stream: { a: '1' }, values: [['9223372036854775808', 'x']] }] }, 'invalid_timestamp', 0, 0],
      [{ streams: [{ stream: {}, values: [['1', 'x']] }] }, 'invalid_labels', 0, undefined],
    ];
    for (const [document, code, stream, entry] of cases) {
      const error = refusal(() => decodeJson(document));
      assert.deepEqual([error.code, error.stream, error.entry], [code, stream, entry], JSON.stringify(document));
    }
    assert.equal(refusal(() => decodeLokiPush(Buffer.from('{"streams":'), 'json', OPTIONS)).code, 'invalid_json');
  });
});

describe('loki: limits', () => {
  const stream = (n: number, line = 'x') => ({ stream: { a: '1' }, values: Array.from({ length: n }, () => ['1', line]) });

  it('refuses more entries than maxRecords across streams, and takes exactly maxRecords', () => {
    assert.equal(decodeJson({ streams: [stream(2), stream(1)] }, { maxRecords: 3 }).length, 3);
    assert.equal(refusal(() => decodeJson({ streams: [stream(2), stream(2)] }, { maxRecords: 3 })).code, 'too_many_records');
  });

  it('measures lines in UTF-8 bytes', () => {
    assert.equal(decodeJson({ streams: [stream(1, 'éé')] }, { maxLineBytes: 4 }).length, 1);
    const error = refusal(() => decodeJson({ streams: [stream(1, 'ééé')] }, { maxLineBytes: 4 }));
    assert.deepEqual([error.code, error.stream, error.entry], ['line_too_long', 0, 0]);
  });

  it('bounds stream labels and structured metadata pairs by maxLabels', () => {
    assert.equal(refusal(() => decodeJson({ streams: [{ stream: { a: '1', b: '2', c: '3' }, values: [] }] }, { maxLabels: 2 })).code, 'too_many_labels');
    const error = refusal(() => decodeJson({ streams: [{ stream: { a: '1' }, values: [['1', 'x', { m: '1', n: '2', o: '3' }]] }] }, { maxLabels: 2 }));
    assert.deepEqual([error.code, error.stream, error.entry], ['too_many_labels', 0, 0]);
  });
});

describe('loki: Fluent Bit 5.1.1 captures', () => {
  const client = 'fluent-bit-5.1.1';
  for (const request of [...capturedRequests(client, 'loki_api_v1_push-'), ...capturedRequests(client, 'gz_loki_api_v1_push-')]) {
    const file = request.file;
    it(`decodes ${file}`, () => {
      const body = request.body;
      const format = pushFormatOf(request.headers['content-type']);
      assert.equal(format, 'json');
      const sent = JSON.parse(body.toString('utf8')) as { streams: Array<{ values: string[][] }> };
      const records = decodeLokiPush(body, format!, { ...OPTIONS, tenant: 'fb' });
      const values = sent.streams.flatMap((s) => s.values);
      assert.ok(records.length > 0);
      assert.equal(records.length, values.length);
      records.forEach((r, i) => {
        assert.equal(r.value.time_unix_nano, values[i]![0]);
        assert.equal(r.value.body, values[i]![1]);
        assert.equal(r.value.tenant, 'fb');
      });
      if (file.startsWith('gz_')) {
        assert.ok(records.every((r) => r.key === '{job="capture-gzip"}'));
      } else {
        assert.ok(records.every((r) => r.key === '{env="test", job="capture"}'));
        assert.ok(records.every((r) => r.value.attributes['host'] === 'web-1' && r.value.attributes['job'] === 'capture'));
      }
    });
  }
});

describe('loki: hostile bodies (fuzzed)', () => {
  const onlyOwnErrors = (run: () => unknown): boolean => {
    try {
      run();
    } catch (error) {
      if (!(error instanceof LokiDecodeError)) throw error;
    }
    return true;
  };

  it('arbitrary bytes as protobuf, raw or snappy-compressed, raise nothing but LokiDecodeError', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 512 }), fc.boolean(), (bytes, compress) =>
      onlyOwnErrors(() => decodeLokiPush(compress ? compressSync(Buffer.from(bytes)) : bytes, 'protobuf', OPTIONS))), { numRuns: 2000 });
  });

  it('mutated valid protobuf bodies raise nothing but LokiDecodeError', () => {
    const valid = Buffer.from(PushRequest.encode(PushRequest.fromObject({ streams: [
      { labels: '{a="1", b="x\\"y"}', entries: [{ timestamp: { seconds: 5, nanos: 7 }, line: 'hello', structuredMetadata: [{ name: 'k', value: 'v' }] }] },
    ] })).finish());
    fc.assert(fc.property(fc.array(fc.tuple(fc.nat(valid.length - 1), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }), (edits) => {
      const mutated = Buffer.from(valid);
      for (const [at, byte] of edits) mutated[at] = byte;
      return onlyOwnErrors(() => decodeLokiPush(compressSync(mutated), 'protobuf', OPTIONS));
    }), { numRuns: 2000 });
  });

  it('arbitrary JSON values and strings as JSON bodies raise nothing but LokiDecodeError', () => {
    const entry = fc.tuple(fc.oneof(fc.string(), fc.bigInt({ min: -1n, max: 1n << 64n }).map(String), fc.integer()), fc.oneof(fc.string(), fc.integer()), fc.option(fc.dictionary(fc.string(), fc.oneof(fc.string(), fc.integer())), { nil: undefined }))
      .map(([t, l, m]) => (m === undefined ? [t, l] : [t, l, m]));
    const pushLike = fc.record({ streams: fc.array(fc.record({ stream: fc.dictionary(fc.string(), fc.oneof(fc.string(), fc.integer())), values: fc.array(fc.oneof(entry, fc.anything())) })) });
    fc.assert(fc.property(fc.oneof(fc.jsonValue(), pushLike), (document) =>
      onlyOwnErrors(() => decodeJson(document))), { numRuns: 1000 });
    fc.assert(fc.property(fc.string(), (text) =>
      onlyOwnErrors(() => decodeLokiPush(Buffer.from(text), 'json', OPTIONS))), { numRuns: 1000 });
  });
});

describe('loki: answers and probes', () => {
  const probe = (path: string, ready: boolean) =>
    LOKI_PROBES.find((p) => p.path === path)!.answer({ ready, path, query: '', header: () => '' });

  it('answers /ready by readiness and buildinfo with a Loki 3 version', () => {
    assert.deepEqual(probe('/ready', true), { status: 200, contentType: 'text/plain; charset=utf-8', body: 'ready\n' });
    assert.equal(probe('/ready', false).status, 503);
    assert.equal(JSON.parse(String(probe('/loki/api/v1/status/buildinfo', true).body)).version, '3.0.0');
  });

  it('answers a push with 204 and no body, a refusal as text naming the code', () => {
    assert.deepEqual(LOKI_ANSWERS.success(3, undefined, undefined), { status: 204, body: null, contentType: '' });
    assert.deepEqual(LOKI_ANSWERS.refusal('invalid_record', 400, 'stream 2: bad', undefined),
      { status: 400, contentType: 'text/plain; charset=utf-8', body: 'invalid_record: stream 2: bad\n' });
  });
});
