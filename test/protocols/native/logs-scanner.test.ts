// The /logs fast path (src/protocols/native/logs-scanner.ts) against the
// general path it stands in front of: over a generated corpus of valid and
// invalid bodies, the /logs decoder given a sink that takes encoded records
// (so the scanner runs first) and given one that does not (the general path
// alone) write the same record bytes or refuse with the same code, message
// and record.
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { describe, it } from 'node:test';
import { configSchema, type Config } from '../../../src/config/schema';
import { NOT_SCANNED } from '../../../src/decode/scan';
import { createLogsDecoder } from '../../../src/protocols/native/decoder';
import type { LogOptions } from '../../../src/protocols/native/logs';
import { LogsScanner } from '../../../src/protocols/native/logs-scanner';
import type { Decoder, ProtocolRequest } from '../../../src/protocols/protocol';
import { random } from '../../support/random';
import { assertSameOutcomes, damaged, EncodedSink } from '../../support/scanner-differential';

const RECEIVED_AT = 1_762_045_999_999;
const CLIENT = '203.0.113.7';
const DEFAULTS = configSchema.parse({});

interface Setting { readonly limits: Config['limits']; readonly keyField: string }
const DEFAULT_SETTING: Setting = { limits: DEFAULTS.limits, keyField: '' };
/** Limits small enough for the generator to cross, and a key field it often writes. */
const SMALL_SETTING: Setting = { limits: { ...DEFAULTS.limits, maxRecordsPerRequest: 4, maxValueDepth: 3 }, keyField: 'host' };

function decoderFor(setting: Setting): Decoder {
  return createLogsDecoder({
    limits: setting.limits, maxDecompressedBytes: 1 << 22, maxDecodedBytes: 1 << 24, logKeyField: setting.keyField,
    otlpEncoding: DEFAULTS.otlp.encoding, familyTypes: new SharedArrayBuffer(0),
  });
}

function scannerFor(setting: Setting): LogsScanner {
  const options: LogOptions = { maxRecords: setting.limits.maxRecordsPerRequest, maxDepth: setting.limits.maxValueDepth, keyField: setting.keyField };
  return new LogsScanner(options);
}

function requestOf(body: Buffer): ProtocolRequest {
  return { body, contentType: 'application/x-ndjson', contentEncoding: '', receivedAtMs: RECEIVED_AT, client: CLIENT, path: '/logs', query: '', headers: {} };
}

function pick<T>(rand: () => number, items: readonly T[]): T {
  return items[Math.floor(rand() * items.length)]!;
}

// JSON texts (already encoded) the generator picks from; the first few of
// each list are in JSON.stringify's own form, the rest are not, or not JSON.
const STRINGS = [
  '"GET /api/items/7 200"', '"info"', '""', '"é日😀"', '"a\\"b"', '"a\\\\b"', '"line\\nnext"', '"tab\\there"', '"\\b\\f\\r"',
  '"a\\/b"', '"\\u0041"', '"\\u001f"', '"\\u00e9"', '"\\ud83d\\ude00"', '"\\ud83d"', '"a\u007fb"', '"a\u2028b"', '"\\x"', '"raw\ttab"', '"open',
];
const NUMBERS = [
  '0', '1', '-1', '42', '1.5', '-1.5', '0.5', '0.000001', '123456789012345', '0.1',
  '-0', '1.50', '0.0000001', '1e3', '1E+3', '1e-3', '-1.5e-7', '2.5e0', '1234567890123456', '12345678901234567890', '1e21', '1e400', '-1e400',
  '1e-400', '0.0', '-0.0', '1.0', '5e-324', '9007199254740993', '00', '01', '1.', '.5', '+1', '-', '1e', '0x10', 'NaN', 'Infinity',
];
const LITERALS = ['true', 'false', 'null', 'tru', 'nul', 'True', 'falsey'];
const KEYS = [
  '"level"', '"msg"', '"host"', '"duration_ms"', '"trace_id"', '"timestamp"', '"é"', '""', '"a b"',
  '"0"', '"1"', '"01"', '"4294967295"', '"-1"', '"__proto__"', '"constructor"', '"\\u0074imestamp"', '"a\\"b"', '"ho\\nst"', 'host', '1',
];
const HOSTS = ['"web-1"', '"web-2"', '""', '"é"', '"a\\"b"', '7', '-0', '1.50', '1e21', 'true', 'false', 'null', '{}', '[1]', '"\\u0041"'];

/** Whitespace between tokens: usually none or one blank, sometimes a run,
 * rarely characters JSON does not take as blanks. */
function blank(rand: () => number): string {
  const r = rand();
  if (r < 0.65) return '';
  if (r < 0.85) return pick(rand, [' ', '\t', '\r', '\n']);
  if (r < 0.995) return ' \t\r\n  \n'.slice(0, 1 + Math.floor(rand() * 6));
  return pick(rand, ['\f', '\u00a0', '\v', '\ufeff']);
}

/** Blanks that keep an NDJSON record on its line. */
function lineBlank(rand: () => number): string {
  return rand() < 0.9 ? blank(rand).replace(/\n/g, '') : blank(rand);
}

function value(rand: () => number, depth: number, odd: boolean, b: () => string): string {
  const r = rand();
  const from = <T>(items: readonly T[], canonical: number): T => pick(rand, odd && rand() < 0.4 ? items : items.slice(0, canonical));
  if (r < 0.4) return from(STRINGS, 9);
  if (r < 0.65) return from(NUMBERS, 10);
  if (r < 0.75) return from(LITERALS, 3);
  if (depth > 5) return '"deep"';
  if (r < 0.88) return object(rand, depth + 1, odd, b, false);
  const items = Array.from({ length: Math.floor(rand() * 4) }, () => value(rand, depth + 1, odd, b));
  return `[${b()}${items.join(`${b()},${b()}`)}${b()}]`;
}

function object(rand: () => number, depth: number, odd: boolean, b: () => string, record: boolean): string {
  const members: string[] = [];
  const count = Math.floor(rand() * (record ? 6 : 4));
  const plain = KEYS.slice(0, record ? 6 : 5);
  for (let i = 0; i < count; i++) {
    // Plain keys without repeats (a repeat goes to the general path), odd ones from anywhere.
    const key = odd && rand() < 0.3 ? pick(rand, KEYS) : plain.splice(Math.floor(rand() * plain.length), 1)[0]!;
    const text = record && key === '"host"' ? pick(rand, odd ? HOSTS : HOSTS.slice(0, 2)) : value(rand, depth, odd, b);
    members.push(`${key}${b()}:${b()}${text}`);
  }
  if (odd && rand() < 0.05 && members.length > 0) members.push(members[0]!); // a repeated key
  let text = `{${b()}${members.join(`${b()},${b()}`)}${b()}}`;
  if (odd && rand() < 0.02 && members.length > 0) text = text.replace(/}$/, ',}');
  return text;
}

function record(rand: () => number, b: () => string): string {
  const odd = rand() < 0.3;
  if (odd && rand() < 0.03) return pick(rand, ['1', '"x"', 'null', '[1]', '[]']);
  return object(rand, 1, odd, b, true);
}

function body(rand: () => number): Buffer {
  const count = Math.floor(rand() * 6);
  const shape = rand();
  let text: string;
  if (shape < 0.5) {
    const lb = () => lineBlank(rand);
    const lines = Array.from({ length: count }, () => `${lb()}${record(rand, lb)}${lb()}`);
    text = lines.join(pick(rand, ['\n', '\n', '\r\n', '\n\n', '\n \n'])) + pick(rand, ['', '\n', '\r\n', '\n\n']);
  } else if (shape < 0.8) {
    const b = () => blank(rand);
    text = `[${b()}${Array.from({ length: count }, () => record(rand, b)).join(`${b()},${b()}`)}${b()}]`;
  } else if (shape < 0.95) text = record(rand, () => blank(rand));
  else text = pick(rand, ['{}', '[]', '[[]]', '[1]', 'null', '"x"', '{}\n[]', '{} {}', '{}\n{}', '\n', '']);
  return damaged(rand, Buffer.from(`${blank(rand)}${text}${blank(rand)}`), ['x', '}', ']', ',', '{}', '\n{"msg":"n"}', '\n[1]'], [0xff, 0xc3, 0x00, 0x01, 0x1f, 0x80, 0x0a]);
}

function scannerTakes(setting: Setting, bytes: Buffer): boolean {
  return scannerFor(setting).decode(bytes, RECEIVED_AT, CLIENT, new EncodedSink()) !== NOT_SCANNED;
}

function assertSameOutcome(setting: Setting, bodies: Iterable<Buffer>): { bodies: number; scanned: number } {
  return assertSameOutcomes(decoderFor(setting), requestOf, (bytes) => bytes.length > 0 && scannerTakes(setting, bytes), bodies);
}

function* corpus(seed: number, size: number): Generator<Buffer> {
  const rand = random(seed);
  for (let i = 0; i < size; i++) yield body(rand);
}

describe('/logs fast path: the same records and refusals as the general path', () => {
  it('a generated corpus, default limits, keyed by client', () => {
    const { bodies, scanned } = assertSameOutcome(DEFAULT_SETTING, corpus(1, 6000));
    // The comparison means something only if the scanner decided a good part of it.
    assert.ok(scanned > bodies / 3, `scanner decided ${scanned} of ${bodies} bodies`);
  });

  it('a generated corpus, limits small enough to be crossed, keyed by a field', () => {
    const { bodies, scanned } = assertSameOutcome(SMALL_SETTING, corpus(2, 6000));
    assert.ok(scanned > bodies / 5, `scanner decided ${scanned} of ${bodies} bodies`);
  });

  it('every string, number and literal as a value and as the key field', () => {
    const texts = [...STRINGS, ...NUMBERS, ...LITERALS, ...HOSTS];
    const bodies = [
      ...texts.map((t) => `{"v":${t}}`),
      ...texts.map((t) => `{"host":${t},"timestamp":1}\n{"host":${t}}`),
      ...texts.map((t) => `[{"a":[${t}],"b":{"c":${t}}}]`),
      ...KEYS.map((k) => `{${k}:1}`),
      ...KEYS.flatMap((a) => KEYS.map((b) => `{${a}:1,${b}:2}`)),
    ];
    for (const setting of [DEFAULT_SETTING, SMALL_SETTING]) assertSameOutcome(setting, bodies.map((b) => Buffer.from(b)));
  });

  it('keyed by the timestamp field, with and without one in the record', () => {
    const setting = { ...DEFAULT_SETTING, keyField: 'timestamp' };
    const bodies = ['{"msg":"a"}', '{}', '{"timestamp":5}\n{"msg":"b"}', '[{"timestamp":"t"},{"msg":1}]'].map((b) => Buffer.from(b));
    const { scanned } = assertSameOutcome(setting, bodies);
    assert.equal(scanned, bodies.length);
  });

  it('nesting at and past the depth limit, records at and past the count limit', () => {
    const nested = (depth: number, open: string, close: string) => `{"d":${open.repeat(depth - 1)}1${close.repeat(depth - 1)}}`;
    const bodies: string[] = [];
    for (const depth of [1, 2, 3, 4, 32, 33]) bodies.push(nested(depth, '[', ']'), nested(depth, '{"x":', '}'));
    const lines = (n: number) => Array.from({ length: n }, (_, i) => `{"i":${i}}`).join('\n');
    for (const n of [3, 4, 5]) bodies.push(lines(n), `[${lines(n).replace(/\n/g, ',')}]`);
    for (const setting of [DEFAULT_SETTING, SMALL_SETTING]) {
      const { scanned } = assertSameOutcome(setting, bodies.map((b) => Buffer.from(b)));
      assert.ok(scanned > 0);
    }
  });

  it('the benchmark\'s NDJSON body and the shapes shippers send are decided by the scanner', () => {
    const line = (i: number) => JSON.stringify({ level: i % 10 === 0 ? 'warn' : 'info', msg: `GET /api/items/${i} 200`, duration_ms: i % 97, host: `web-${i % 10}` });
    const ndjson = Array.from({ length: 1000 }, (_, i) => line(i)).join('\n') + '\n';
    const texts = [
      ndjson, ndjson.replace(/\n/g, '\r\n'), `[${Array.from({ length: 50 }, (_, i) => line(i)).join(',')}]`, JSON.stringify({ msg: 'é\n"q"', n: [1, 2.5, null, { a: true }] }, null, 2),
      '{"msg":"one","timestamp":"2026-12-07T21:00:00Z"}', '{}',
    ];
    for (const setting of [DEFAULT_SETTING, { ...DEFAULT_SETTING, keyField: 'host' }]) {
      for (const text of texts) {
        const bytes = Buffer.from(text);
        assert.ok(scannerTakes(setting, bytes), text.slice(0, 80));
        assertSameOutcome(setting, [bytes]);
      }
    }
  });

  it('a body larger than the scanner keeps, then a small one: the same records', () => {
    const large = Buffer.from(Array.from({ length: 5000 }, (_, i) => JSON.stringify({ msg: 'x'.repeat(i % 300), i })).join('\n'));
    assert.ok(scannerTakes(DEFAULT_SETTING, large));
    assertSameOutcome(DEFAULT_SETTING, [large, Buffer.from('{"msg":"after"}'), large]);
  });

  it('the records are the bytes as sent without blanks, with the time received added last', () => {
    const sink = new EncodedSink();
    const count = scannerFor({ ...DEFAULT_SETTING, keyField: 'host' }).decode(
      Buffer.from('{ "msg" : "a\\tb é", "n" : [ 1.50 , true ], "host" : "web-1" }\n\n{"timestamp":5}\r\n'), RECEIVED_AT, CLIENT, sink);
    assert.equal(count, 2);
    assert.deepEqual(sink.written.map((w) => [w.index, w.key?.toString(), w.value.toString()]), [
      [0, 'web-1', `{"msg":"a\\tb é","n":[1.5,true],"host":"web-1","timestamp":${RECEIVED_AT}}`],
      [1, CLIENT, '{"timestamp":5}'],
    ]);
  });
});
