// The OTLP metrics decoder against the reference normalizer
// (reference/metrics.ts, the path before labels stopped being objects): for
// the same request, in protobuf and in JSON, the same records byte for byte
// (index, key, value), the same counts and the same partial_success.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { configSchema } from '../../../src/config/schema';
import { DecodeError } from '../../../src/decode/decode-error';
import { createOtlpDecoder } from '../../../src/protocols/otlp/decode';
import { EXPORT_REQUEST } from '../../../src/protocols/otlp/proto';
import { decodeRequest } from '../../../src/protocols/otlp/request';
import type { DecoderSettings } from '../../../src/protocols/protocol';
import { Signal } from '../../../src/signals';
import { RecordRows, type RecordRow } from '../../support/record-rows';
import { decodeOtlpMetrics as referenceDecode, type MetricsRequest } from './reference/metrics';

const config = configSchema.parse({});
const RECEIVED_AT = 1_800_000_000_000;
/** Small limits, so that the corpus reaches them (names, labels, depth, records). */
const limits = { ...config.limits, maxNameLength: 24, maxLabelsPerRecord: 10, maxLabelNameLength: 20, maxLabelValueLength: 20, maxValueDepth: 2, maxRecordsPerRequest: 400 };
const settings: DecoderSettings = {
  limits, maxDecompressedBytes: 1 << 24, maxDecodedBytes: 1 << 25, familyTypes: new SharedArrayBuffer(0),
  otlpEncoding: config.otlp.encoding, logKeyField: '',
};

type Result = { rows: RecordRow[]; records: number; partial: unknown } | { refused: string };

function run(decode: (sink: RecordRows) => { records: number; partial?: unknown }): Result {
  const sink = new RecordRows();
  try {
    const { records, partial } = decode(sink);
    return { rows: sink.rows, records, partial };
  } catch (err) {
    if (err instanceof DecodeError) return { refused: `${err.code}: ${err.message}` };
    throw err;
  }
}

function reference(body: Buffer, encoding: 'proto' | 'json'): Result {
  return run((sink) => {
    const message = decodeRequest(Signal.Metrics, body, encoding, { maxDepth: 16 + 3 * limits.maxValueDepth, maxDecodedBytes: settings.maxDecodedBytes });
    const outcome = referenceDecode(message as unknown as MetricsRequest, RECEIVED_AT, limits, sink);
    return { records: outcome.records, partial: outcome.rejections.toPartial() };
  });
}

/** The route's decoder, as a pool worker makes it (protobuf points go through the wire scanner). */
const decoder = createOtlpDecoder(Signal.Metrics)(settings);

function current(body: Buffer, encoding: 'proto' | 'json'): Result {
  return run((sink) => decoder({
    body, contentType: encoding === 'proto' ? 'application/x-protobuf' : 'application/json', contentEncoding: '',
    receivedAtMs: RECEIVED_AT, client: '10.0.0.1', path: '/v1/metrics', query: '', headers: {},
  }, sink, { message: () => assert.fail('per-point decoding writes records, not messages') }));
}

/** Asserts the request gives the reference's records in both encodings; returns them. */
function assertSame(request: object): Result {
  const json = Buffer.from(JSON.stringify(request));
  const type = EXPORT_REQUEST[Signal.Metrics];
  const expected = reference(json, 'json');
  assert.deepEqual(current(json, 'json'), expected, 'OTLP/JSON');
  if (!('refused' in expected)) {
    const proto = Buffer.from(type.encode(type.fromObject(request)).finish());
    assert.deepEqual(current(proto, 'proto'), reference(proto, 'proto'), 'OTLP/protobuf');
  }
  return expected;
}

const kv = (key: string, value: object | null): object => (value === null ? { key } : { key, value });
const str = (s: string): object => ({ stringValue: s });

/** Every attribute value kind, and the values a label is made of. */
const VALUES: readonly object[] = [
  str('v'), str(''), str('é "quoted" \\ \n\u2028'), { boolValue: true }, { boolValue: false }, { intValue: '-9007199254740993' }, { intValue: 7 },
  { doubleValue: 0.1 }, { doubleValue: -0 }, { doubleValue: 1e21 }, { doubleValue: 'NaN' }, { doubleValue: 'Infinity' }, { bytesValue: 'AAEC/w==' },
  { arrayValue: { values: [str('a'), { intValue: 1 }, { doubleValue: 'NaN' }] } }, { kvlistValue: { values: [kv('k', str('v')), kv('n', null)] } },
  { arrayValue: { values: [{ arrayValue: { values: [str('too deep')] } }] } }, { arrayValue: {} }, {},
];

/** Label names that an object orders or keeps in its own way. */
const NAMES: readonly string[] = ['host', 'service.name', 'le', 'quantile', '0', '10', '2', '01', '4294967294', '4294967295', '-1', '__proto__', 'constructor', 'otel_scope_name', '', 'a-name-longer-than-20', 'ä', 'Z', 'zz'];

const resource = { attributes: [kv('service.name', str('checkout')), kv('host', str('h-é'))] };
const scope = { name: 'meter', version: '1.2', attributes: [kv('host', str('scope-host'))] };
const request = (metrics: object[], res: object | undefined = resource, sc: object | undefined = scope): object =>
  ({ resourceMetrics: [{ ...(res && { resource: res }), scopeMetrics: [{ ...(sc && { scope: sc }), metrics }] }] });

describe('OTLP metrics: the same records as the reference normalizer', () => {
  it('gauges and sums: every value kind, ints and doubles, times, flags, missing value', () => {
    const result = assertSame(request([
      { name: 'g', gauge: { dataPoints: VALUES.map((v, i) => ({ asDouble: i / 3, timeUnixNano: String(1_700_000_000_123_456_789n + BigInt(i)), attributes: [kv('v', v)] })) } },
      { name: 's', sum: { isMonotonic: true, dataPoints: [{ asInt: '9007199254740993' }, { asInt: '-1', timeUnixNano: '1' }, { flags: 1 }, {}, { asDouble: 'NaN' }, { asDouble: '-Infinity' }] } },
      { name: 'u', sum: { isMonotonic: false, dataPoints: [{ asInt: 3, attributes: [kv('x', null)] }] } },
      { name: 'none' },
    ]));
    assert.ok(!('refused' in result) && result.rows.length > 20);
  });

  it('label names: array indices, __proto__, duplicates, overrides of resource and scope labels, limits', () => {
    const points = NAMES.map((name, i) => ({ asDouble: i, attributes: [kv(name, str(`p${i}`)), kv('host', str('point')), kv(name, str(`again${i}`))] }));
    assertSame(request([{ name: 'names', gauge: { dataPoints: points } }]));
    assertSame(request([{ name: 'names', gauge: { dataPoints: points } }], { attributes: NAMES.slice(0, 6).map((n) => kv(n, str('r'))) }, { name: '', version: '', attributes: [kv('10', str('s')), kv('le', str('scope'))] }));
    assertSame(request([{ name: 'many', gauge: { dataPoints: [{ asDouble: 1, attributes: Array.from({ length: 12 }, (_, i) => kv(`k${i}`, str('v'))) }] } }]));
  });

  it('histograms, exponential histograms and summaries, with le and quantile attributes', () => {
    assertSame(request([
      { name: 'h', histogram: { dataPoints: [
        { count: '10', sum: 3.25, bucketCounts: ['1', '4', '5'], explicitBounds: [0.1, 1], attributes: [kv('le', str('mine'))] },
        { count: '2', bucketCounts: [], explicitBounds: [1] }, { count: '1', bucketCounts: ['1'], explicitBounds: [1, 2] },
        { count: '3', sum: 0, bucketCounts: ['1', '2'], explicitBounds: [-0], attributes: [kv('0', str('index'))] },
      ] } },
      { name: 'e', exponentialHistogram: { dataPoints: [
        { count: '9', sum: 20, scale: 1, zeroCount: '2', zeroThreshold: 0.001, positive: { offset: 2, bucketCounts: ['3', '0', '1'] }, negative: { offset: -3, bucketCounts: ['3', '1'] } },
        { count: '0', scale: -2 }, { count: '5', scale: 20, positive: { bucketCounts: ['5'] }, attributes: [kv('le', str('x')), kv('__proto__', str('p'))] },
      ] } },
      { name: 'q', summary: { dataPoints: [
        { count: '4', sum: 8, quantileValues: [{ quantile: 0.5, value: 1.5 }, { quantile: 0.99, value: 4 }], attributes: [kv('quantile', str('q'))] },
        { count: '0', quantileValues: [] },
      ] } },
    ]));
  });

  it('rejected points and metrics: empty and long names, too many labels, values too long or too deep', () => {
    assertSame(request([
      { name: '', gauge: { dataPoints: [{ asDouble: 1 }, { asDouble: 2 }] } },
      { name: 'x'.repeat(18), gauge: { dataPoints: [{ asDouble: 1 }] } },
      { name: 'ok', gauge: { dataPoints: [{ asDouble: 3 }, {}, { flags: 1 }, { asDouble: 1, attributes: [kv('long', str('v'.repeat(21)))] }] } },
      { name: 'deep', gauge: { dataPoints: [{ asDouble: 1, attributes: [kv('d', VALUES[15]!)] }] } },
    ]));
    assertSame(request([{ name: 'r', gauge: { dataPoints: [{ asDouble: 1 }] } }], { attributes: [kv('d', VALUES[15]!)] }));
    assertSame(request([{ name: 'r', gauge: { dataPoints: [{ asDouble: 1 }] } }], { attributes: [kv('r'.repeat(21), str('long name'))] }));
  });

  it('missing resource, scope, names and versions; several resources and scopes', () => {
    assertSame(request([{ name: 'a', gauge: { dataPoints: [{ asDouble: 1 }] } }], undefined, undefined));
    assertSame({ resourceMetrics: [
      { scopeMetrics: [{ scope: { name: 'n' }, metrics: [{ name: 'a', gauge: { dataPoints: [{ asInt: 1 }] } }] }, { scope: { version: 'v' }, metrics: [] }] },
      { resource: {}, scopeMetrics: [] }, {},
      { resource, scopeMetrics: [{ scope, metrics: [{ name: 'b', sum: { dataPoints: [{ asDouble: 2, attributes: [kv('host', str('p'))] }] } }] }] },
    ] });
  });

  it('too many records for the limit is the same refusal', () => {
    const result = assertSame(request([{ name: 'h', histogram: { dataPoints: Array.from({ length: 101 }, () => ({ count: '1', bucketCounts: ['1', '0'], explicitBounds: [1] })) } }]));
    assert.ok('refused' in result && result.refused.startsWith('too_many_records'));
  });

  it('random requests', () => {
    const value = fc.constantFrom(...VALUES);
    const attributes = fc.array(fc.record({ key: fc.oneof(fc.constantFrom(...NAMES), fc.string({ maxLength: 6 })), value }), { maxLength: 5 });
    const point = fc.record({
      attributes, timeUnixNano: fc.constantFrom('0', '1', '1700000000123456789', '18446744073709551615'),
      flags: fc.constantFrom(0, 1), value: fc.oneof(fc.constant({}), fc.double().map((d) => ({ asDouble: Number.isFinite(d) ? d : String(d) })), fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map((i) => ({ asInt: String(i) }))),
    }).map(({ value: v, ...p }) => ({ ...p, ...v }));
    const metric = fc.record({ name: fc.constantFrom('m', 'n.é', '', 'long_metric_name_x'), monotonic: fc.boolean(), points: fc.array(point, { maxLength: 4 }) })
      .map(({ name, monotonic, points }) => (monotonic ? { name, sum: { isMonotonic: true, dataPoints: points } } : { name, gauge: { dataPoints: points } }));
    const scopeOf = fc.record({ name: fc.constantFrom('', 's'), version: fc.constantFrom('', '1'), attributes });
    fc.assert(fc.property(attributes, scopeOf, fc.array(metric, { maxLength: 4 }), (resourceAttributes, sc, metrics) => {
      assertSame(request(metrics, { attributes: resourceAttributes }, sc));
    }), { numRuns: 300, seed: 25 });
  });
});
