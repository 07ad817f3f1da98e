// The /metrics fast path (src/protocols/native/metrics-scanner.ts) against the
// general path it stands in front of: over a generated corpus of valid and
// invalid bodies, the /metrics decoder given a sink that takes encoded records
// (so the scanner runs first) and given one that does not (the general path
// alone, as before the scanner) write the same record bytes or refuse with the
// same code, message and record.
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { describe, it } from 'node:test';
import { configSchema, type Config } from '../../../src/config/schema';
import { createMetricsDecoder } from '../../../src/protocols/metrics-body';
import { NOT_SCANNED } from '../../../src/decode/scan';
import { MetricsScanner } from '../../../src/protocols/native/metrics-scanner';
import type { DecoderSettings, ProtocolRequest } from '../../../src/protocols/protocol';
import { random } from '../../support/random';
import { assertSameOutcomes, damaged, EncodedSink } from '../../support/scanner-differential';

const RECEIVED_AT = 1_762_045_999_999;
const DEFAULT_LIMITS = configSchema.parse({}).limits;
/** Limits small enough for the generator to reach both sides of each. */
const SMALL_LIMITS: Config['limits'] = {
  ...DEFAULT_LIMITS, maxNameLength: 6, maxLabelsPerRecord: 3, maxLabelNameLength: 4, maxLabelValueLength: 5, maxRecordsPerRequest: 4,
};

function settingsWith(limits: Config['limits']): DecoderSettings {
  return {
    limits, maxDecompressedBytes: 1 << 22, maxDecodedBytes: 1 << 24, logKeyField: '',
    otlpEncoding: configSchema.parse({}).otlp.encoding, familyTypes: new SharedArrayBuffer(0),
  };
}

function requestOf(body: Buffer): ProtocolRequest {
  return { body, contentType: 'application/json', contentEncoding: '', receivedAtMs: RECEIVED_AT, client: '127.0.0.1', path: '/metrics', query: '', headers: {} };
}

// JSON texts (already encoded) the generator picks from; valid and not.
const NAMES = [
  '"cpu"', '"a"', '"http_requests_total"', '"é"', '"日本"', '"😀x"', '""', '"abcdef"', '"abcdefg"', '"ééééé"', '"éééééé"', '"ééééééé"',
  '"\\u0041"', '"a\\"b"', '"a\\\\b"', '"a\\/b"', '"a\\nb"', '"\\ud83d\\ude00"', '"\\ud83d"', '"a\u007fb"', '"a\u2028b"', '"\uE000"', '"\uFFFF"',
  '1', 'null', 'true', '["a"]', '{}',
];
const NUMBERS = [
  '0', '-0', '1', '-1', '42', '1.5', '-1.5', '1.50', '0.5', '0.05', '0.000001', '0.0000001', '0.00000123', '1e3', '1E+3', '1e-3', '-1.5e-7',
  '2.5e0', '123456789012345', '1234567890123456', '12345678901234567890', '100000000000000000000', '1000000000000000000000', '0.1', '0.30000000000000004',
  '9007199254740993', '123456789.12345', '123456789.123456', '1e400', '-1e400', '1e-400', '-1e-400', '0.0', '-0.0', '1.0', '5e-324', '1.7976931348623157e308',
  '00', '01', '-01', '1.', '.5', '+1', '-', '1e', '1e+', '0x10', 'NaN', 'Infinity', 'true', 'null', '"1"', '[1]', '{}',
];
const TIMESTAMPS = [
  '0', '-0', '1', '1.0', '1.5', '-1', '1e3', '1762045907000', '1762045907000.0', '1e400', '9007199254740993', '9007199254740992000', '1e-400', '1e21',
  '"5"', 'null', '-1e-400', '12.5e1',
];
const TYPES = ['"gauge"', '"counter"', '"histogram"', '"summary"', '"Gauge"', '""', '"g\\u0061uge"', '"gauge "', '1', 'null'];
const LABEL_NAMES = [
  '"host"', '"code"', '"a"', '"b"', '"B"', '"_"', '"ab"', '"abcd"', '"abcde"', '"é"', '"éééé"', '"ééééé"', '"日"', '"\uE000"', '"\uFFFD"', '"😀"',
  '"0"', '"1"', '"10"', '"01"', '"-1"', '"4294967295"', '"__proto__"', '"constructor"', '"toString"', '""', '"\\u0061"', '"a\\"b"', '"h\\u00e9"', '"a b"',
];
const LABEL_VALUES = [
  '"web-1"', '"200"', '""', '"é"', '"ééééé"', '"éééééé"', '"12345"', '"123456"', '"😀😀"', '"a\\"b"', '"\\u00e9"', '"tab\\there"', '"a/b"', '"\\/"',
  '"\u2028"', '1', 'null', 'true', '{}', '[]',
];
const BATCH_TIMESTAMPS = ['1762045907341', '0', '-0', '1.0', '1.5', '-1', '1e3', '9007199254740991', '9007199254740992', '"1"', 'null'];

function pick<T>(rand: () => number, items: readonly T[]): T {
  return items[Math.floor(rand() * items.length)]!;
}

/** Whitespace between tokens: usually none or one blank, sometimes a run of
 * all four, rarely characters JSON does not take as blanks. */
function blank(rand: () => number): string {
  const r = rand();
  if (r < 0.6) return '';
  if (r < 0.8) return pick(rand, [' ', '\n', '\t', '\r']);
  if (r < 0.995) return ' \t\r\n  \n'.slice(0, 1 + Math.floor(rand() * 6));
  return pick(rand, ['\f', '\u00a0', '\v', '\ufeff']);
}

/** An object from its members (`"key":value` texts), with blanks, sometimes broken. */
function object(rand: () => number, members: string[]): string {
  const b = () => blank(rand);
  let text = `{${b()}${members.map((m) => m.replace(':', `${b()}:${b()}`)).join(`${b()},${b()}`)}${b()}}`;
  if (rand() < 0.01 && members.length > 0) text = text.replace(/}$/, ',}');
  return text;
}

function labels(rand: () => number, canonical: boolean): string {
  const count = Math.floor(rand() * 5);
  const members: string[] = [];
  for (let i = 0; i < count; i++) {
    const name = canonical ? pick(rand, LABEL_NAMES.slice(0, 7)) : pick(rand, LABEL_NAMES);
    members.push(`${name}:${canonical ? pick(rand, LABEL_VALUES.slice(0, 5)) : pick(rand, LABEL_VALUES)}`);
  }
  return object(rand, members);
}

/** One metric: mostly well formed (so that the scanner decides many), with
 * every field sometimes drawn from the whole list of odd texts. */
function metric(rand: () => number): string {
  const odd = rand() < 0.35;
  const members: string[] = [];
  const field = (name: string, canonicalTexts: readonly string[], allTexts: readonly string[], presence: number): void => {
    if (rand() < presence) members.push(`"${name}":${pick(rand, odd && rand() < 0.5 ? allTexts : canonicalTexts)}`);
  };
  field('name', NAMES.slice(0, 6), NAMES, 0.98);
  field('value', NUMBERS.slice(0, 24), NUMBERS, 0.98);
  field('type', TYPES.slice(0, 4), TYPES, 0.5);
  field('timestamp', TIMESTAMPS.slice(0, 8), TIMESTAMPS, 0.4);
  if (rand() < 0.8) members.push(`"labels":${labels(rand, !(odd && rand() < 0.5))}`);
  if (odd && rand() < 0.1) members.push(pick(rand, ['"extra":1', '"name":"again"', '"value":2', '"__proto__":{}', '"labels":{}', '"Name":"x"']));
  // Key order does not matter to the schema: shuffle.
  for (let i = members.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [members[i], members[j]] = [members[j]!, members[i]!];
  }
  return object(rand, members);
}

function body(rand: () => number): Buffer {
  const b = () => blank(rand);
  const metrics = Array.from({ length: Math.floor(rand() * 6) }, () => metric(rand));
  const list = `[${b()}${metrics.join(`${b()},${b()}`)}${b()}]`;
  const shape = rand();
  let text: string;
  if (shape < 0.35) text = list;
  else if (shape < 0.75) {
    const members = [`"metrics":${list}`];
    if (rand() < 0.6) members.push(`"batch_timestamp":${pick(rand, rand() < 0.7 ? BATCH_TIMESTAMPS.slice(0, 1) : BATCH_TIMESTAMPS)}`);
    if (rand() < 0.03) members.push(pick(rand, ['"extra":1', '"metrics":[]', '"batch_timestamp":1']));
    if (rand() < 0.5) members.reverse();
    text = object(rand, members);
  } else if (shape < 0.87) text = metrics[0] ?? '{}';
  else if (shape < 0.93) text = metrics.join('\n') || '\n';
  else if (shape < 0.95) text = pick(rand, ['{"metrics":{}}', '{"batch_timestamp":5}', '{}', '[]', '[1]', '[[]]', 'null', '"x"', '[{"values":[1],"dstypes":["gauge"],"dsnames":["value"],"time":1,"interval":10,"host":"h","plugin":"p","type":"t"}]']);
  else text = list;
  return damaged(rand, Buffer.from(`${b()}${text}${b()}`), ['x', '}', ']', ',', '{}', '\n{"name":"n","value":1}'], [0xff, 0xc3, 0x00, 0x01, 0x1f, 0x80]);
}

function assertSameOutcome(limits: Config['limits'], bodies: Iterable<Buffer>): { bodies: number; scanned: number } {
  return assertSameOutcomes(createMetricsDecoder(settingsWith(limits)), requestOf, (bytes) => scannerTakes(limits, bytes), bodies);
}

function scannerTakes(limits: Config['limits'], bytes: Buffer): boolean {
  return new MetricsScanner(limits).decode(bytes, RECEIVED_AT, new EncodedSink()) !== NOT_SCANNED;
}

function* corpus(seed: number, size: number): Generator<Buffer> {
  const rand = random(seed);
  for (let i = 0; i < size; i++) yield body(rand);
}

describe('/metrics fast path: the same records and refusals as the general path', () => {
  it('a generated corpus, default limits', () => {
    const { bodies, scanned } = assertSameOutcome(DEFAULT_LIMITS, corpus(1, 6000));
    // The comparison means something only if the scanner decided a good part of it.
    assert.ok(scanned > bodies / 4, `scanner decided ${scanned} of ${bodies} bodies`);
  });

  it('a generated corpus, limits small enough to be crossed', () => {
    const { bodies, scanned } = assertSameOutcome(SMALL_LIMITS, corpus(2, 6000));
    assert.ok(scanned > bodies / 10, `scanner decided ${scanned} of ${bodies} bodies`);
  });

  it('every number form, alone and as a timestamp and batch timestamp', () => {
    const bodies = [
      ...NUMBERS.map((n) => `[{"name":"n","value":${n}}]`),
      ...NUMBERS.map((n) => `[{"name":"n","value":1,"timestamp":${n}}]`),
      ...NUMBERS.map((n) => `{"batch_timestamp":${n},"metrics":[{"name":"n","value":1}]}`),
      ...TIMESTAMPS.map((n) => `{"metrics":[{"name":"n","value":1}],"batch_timestamp":${n}}`),
    ];
    assertSameOutcome(DEFAULT_LIMITS, bodies.map((b) => Buffer.from(b)));
  });

  it('every label name and value, and each pair of names in both orders', () => {
    const bodies: string[] = [];
    for (const name of LABEL_NAMES) for (const value of LABEL_VALUES) bodies.push(`[{"name":"n","value":1,"labels":{${name}:${value}}}]`);
    for (const a of LABEL_NAMES) for (const b of LABEL_NAMES) bodies.push(`[{"name":"n","value":1,"labels":{${a}:"x",${b}:"y"}}]`);
    assertSameOutcome(DEFAULT_LIMITS, bodies.map((b) => Buffer.from(b)));
    assertSameOutcome(SMALL_LIMITS, bodies.map((b) => Buffer.from(b)));
  });

  it('lengths at and past each limit, in bytes and in code points', () => {
    const limits = DEFAULT_LIMITS;
    const bodies: string[] = [];
    for (const char of ['n', 'é', '日', '😀']) {
      for (const extra of [-1, 0, 1]) {
        bodies.push(JSON.stringify([{ name: char.repeat(limits.maxNameLength + extra), value: 1 }]));
        bodies.push(JSON.stringify([{ name: 'n', value: 1, labels: { [char.repeat(limits.maxLabelNameLength + extra)]: 'v' } }]));
        bodies.push(JSON.stringify([{ name: 'n', value: 1, labels: { l: char.repeat(limits.maxLabelValueLength + extra) } }]));
      }
    }
    for (const extra of [-1, 0, 1]) {
      const count = limits.maxLabelsPerRecord + extra;
      bodies.push(JSON.stringify([{ name: 'n', value: 1, labels: Object.fromEntries(Array.from({ length: count }, (_, i) => [`l${i}`, 'v'])) }]));
    }
    assertSameOutcome(limits, bodies.map((b) => Buffer.from(b)));
    const records = (n: number) => Buffer.from(JSON.stringify(Array.from({ length: n }, (_, i) => ({ name: 'n', value: i }))));
    assertSameOutcome(SMALL_LIMITS, [records(SMALL_LIMITS.maxRecordsPerRequest), records(SMALL_LIMITS.maxRecordsPerRequest + 1)]);
  });

  it('the benchmark\'s body and canonical bodies are decided by the scanner', () => {
    const bench = JSON.stringify({
      batch_timestamp: 1_762_045_907_341,
      metrics: Array.from({ length: 100 }, (_, i) => ({ name: 'http_requests_total', value: i, type: 'counter', labels: { host: `web-${i % 50}`, code: '200' } })),
    });
    const spaced = JSON.stringify([{ name: 'cpü', value: -12.25, timestamp: 5, labels: { zone: 'é', az: '1' } }, { name: 'm', value: 0.001 }], null, 2);
    for (const text of [bench, spaced, '{"name":"one","value":1e3}', '[]']) {
      const bytes = Buffer.from(text);
      assert.ok(scannerTakes(DEFAULT_LIMITS, bytes), text.slice(0, 80));
      assertSameOutcome(DEFAULT_LIMITS, [bytes]);
    }
  });

  it('a body larger than the tapes hold, then a small one: the same records', () => {
    const large = Buffer.from(JSON.stringify(Array.from({ length: 3000 }, (_, i) => ({
      name: `m${i % 7}`, value: i / 8, labels: { c: `${i}`, a: 'x', b: 'é'.repeat(i % 5) },
    }))));
    assert.ok(scannerTakes(DEFAULT_LIMITS, large));
    assertSameOutcome(DEFAULT_LIMITS, [large, Buffer.from('[{"name":"after","value":1,"labels":{"z":"1","y":"2"}}]'), large]);
  });

  it('the records are written from the bytes as sent, in the documented form', () => {
    const sink = new EncodedSink();
    const count = new MetricsScanner(DEFAULT_LIMITS).decode(
      Buffer.from('{ "metrics": [ {"labels": {"b": "2", "a": "é"}, "value": 1.50, "name": "m"} ] }'), RECEIVED_AT, sink);
    assert.equal(count, 1);
    assert.deepEqual(sink.written.map((w) => [w.index, w.key?.toString(), w.value.toString()]), [
      [0, 'm{a="é",b="2"}', `{"name":"m","value":1.5,"type":"gauge","timestamp":${RECEIVED_AT},"labels":{"b":"2","a":"é"}}`],
    ]);
  });
});
