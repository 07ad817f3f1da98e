// The OTLP/protobuf metrics wire scanner against the reference normalizer
// (protobufjs' decode, then reference/metrics.ts): the requests it decides give
// the same records byte for byte (histograms' buckets, summaries' quantiles included), whatever the order of fields on the wire
// and with non-repeated fields sent twice; the shapes it leaves to the
// general path come back NOT_SCANNED with nothing written.
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import protobuf from 'protobufjs';
import { configSchema } from '../../../src/config/schema';
import { NOT_SCANNED } from '../../../src/decode/scan';
import { OtlpMetricsScanner } from '../../../src/protocols/otlp/metrics-scanner';
import { EXPORT_REQUEST } from '../../../src/protocols/otlp/proto';
import { checkWire } from '../../../src/protocols/otlp/wire-check';
import { Signal } from '../../../src/signals';
import { RecordRows, type RecordRow } from '../../support/record-rows';
import { random } from '../../support/random';
import { decodeOtlpMetrics as referenceDecode, type MetricsRequest } from './reference/metrics';

const config = configSchema.parse({});
const RECEIVED_AT = 1_800_000_000_000;
const limits = { ...config.limits, maxNameLength: 40, maxLabelsPerRecord: 20, maxLabelNameLength: 32, maxLabelValueLength: 20, maxRecordsPerRequest: 400 };
const TYPE = EXPORT_REQUEST[Signal.Metrics];

const scanner = new OtlpMetricsScanner(limits);

function scanned(body: Buffer): { written: number; rows: RecordRow[] } {
  checkWire(body, TYPE, { maxDepth: 100, maxDecodedBytes: 1 << 26 });
  const sink = new RecordRows();
  return { written: scanner.decode(body, RECEIVED_AT, sink), rows: sink.rows };
}

function reference(body: Buffer): { records: number; rows: RecordRow[]; partial: unknown } {
  const sink = new RecordRows();
  const outcome = referenceDecode(TYPE.decode(body) as unknown as MetricsRequest, RECEIVED_AT, limits, sink);
  return { records: outcome.records, rows: sink.rows, partial: outcome.rejections.toPartial() };
}

/** Asserts the scanner decides the body and writes the reference's records. */
function assertScanned(body: Buffer): RecordRow[] {
  const expected = reference(body);
  assert.equal(expected.partial, undefined, 'the reference refuses nothing of a request the scanner decides');
  const { written, rows } = scanned(body);
  assert.equal(written, expected.records);
  assert.deepEqual(rows, expected.rows);
  return rows;
}

function assertLeft(request: object | Buffer): void {
  const body = Buffer.isBuffer(request) ? request : encode(request);
  const { written, rows } = scanned(body);
  assert.equal(written, NOT_SCANNED);
  assert.deepEqual(rows, []);
}

const encode = (request: object): Buffer => Buffer.from(TYPE.encode(TYPE.fromObject(request)).finish());

// --- Wire rewriting: the same message with its fields in another order, and
// non-repeated fields sent twice (a decoder keeps the last).

function varint(value: number): number[] {
  const out: number[] = [];
  while (value >= 0x80) {
    out.push((value % 0x80) | 0x80);
    value = Math.floor(value / 0x80);
  }
  out.push(value);
  return out;
}

interface WireField { readonly tag: number; readonly raw: Buffer; readonly type: protobuf.Type | undefined; readonly repeated: boolean }

function fieldsOf(bytes: Buffer, type: protobuf.Type): WireField[] {
  const reader = protobuf.Reader.create(bytes);
  const fields: WireField[] = [];
  while (reader.pos < reader.len) {
    const at = reader.pos;
    const tag = reader.uint32();
    const field = type.fieldsById[tag >>> 3];
    reader.skipType(tag & 7);
    const nested = field?.resolvedType instanceof protobuf.Type ? field.resolvedType : undefined;
    fields.push({ tag, raw: bytes.subarray(at, reader.pos), type: nested, repeated: field?.repeated ?? true });
  }
  return fields;
}

/** The message's payload after its tag and length. */
function payload(raw: Buffer): Buffer {
  const reader = protobuf.Reader.create(raw);
  reader.uint32();
  const length = reader.uint32();
  return raw.subarray(reader.pos, reader.pos + length);
}

/** Rewrites a message: every level's fields shuffled, and now and then a
 * non-repeated field sent first as another value (an earlier copy the decoder replaces). */
function rewrite(bytes: Buffer, type: protobuf.Type, next: () => number, decoy: Buffer | undefined = undefined): Buffer {
  const parts = fieldsOf(bytes, type).map((f) => {
    if (f.type === undefined) return f.raw;
    const inner = rewrite(payload(f.raw), f.type, next);
    return Buffer.concat([Buffer.from(varint(f.tag)), Buffer.from(varint(inner.length)), inner]);
  });
  for (let i = parts.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [parts[i], parts[j]] = [parts[j]!, parts[i]!];
  }
  return Buffer.concat(decoy === undefined ? parts : [decoy, ...parts]);
}

/** Each non-repeated string or message field of the message sent twice: first an
 * empty one, then the real one (so the last one is what counts). */
function withDecoys(bytes: Buffer, type: protobuf.Type): Buffer {
  const parts: Buffer[] = [];
  for (const f of fieldsOf(bytes, type)) {
    if (f.type !== undefined) {
      const inner = withDecoys(payload(f.raw), f.type);
      // A oneof member sent twice over is not a decoy (another member would be).
      const field = type.fieldsById[f.tag >>> 3]!;
      if (!f.repeated && field.partOf === null) parts.push(Buffer.from([...varint(f.tag), 0]));
      parts.push(Buffer.concat([Buffer.from(varint(f.tag)), Buffer.from(varint(inner.length)), inner]));
    } else {
      if (!f.repeated && (f.tag & 7) === 2 && type.fieldsById[f.tag >>> 3]?.type === 'string') parts.push(Buffer.from([...varint(f.tag), 1, 0x78]));
      parts.push(f.raw);
    }
  }
  return Buffer.concat(parts);
}

// --- Requests the scanner decides.

const kv = (key: string, value: object | null): object => (value === null ? { key } : { key, value });

/** Attribute values a label is written from as they are. */
const VALUES: readonly object[] = [
  { stringValue: 'v' }, { stringValue: '' }, { stringValue: 'é ünïcode 😀' }, { stringValue: 'x'.repeat(20) }, { boolValue: true }, { boolValue: false },
  { intValue: 7 }, { intValue: '-9007199254740993' }, { intValue: '562949953421311' }, { intValue: '562949953421312' }, { intValue: '-1' },
  { doubleValue: 0.1 }, { doubleValue: -0 }, { doubleValue: 1e21 }, { doubleValue: 'NaN' }, { doubleValue: '-Infinity' }, {},
];
const NAMES: readonly string[] = ['host', 'service.name', 'le', 'quantile', 'otel_scope_name', 'otel_scope_version', 'a', 'Z', 'zz', '10x', '01', '4294967295', 'constructor'];

const value = fc.option(fc.constantFrom(...VALUES), { nil: null, freq: 8 });
const attributes = fc.array(fc.record({ key: fc.constantFrom(...NAMES), value }).map(({ key, value: v }) => kv(key, v)), { maxLength: 4 });
const point = fc.record({
  attributes,
  timeUnixNano: fc.constantFrom('0', '1', '999999', '1000000', '1700000000123456789', '1700000000999999999', '18446744073709551615', '4294967295999999'),
  value: fc.oneof(
    fc.double().map((d) => ({ asDouble: Number.isFinite(d) ? d : String(d) })),
    fc.constantFrom('Infinity', '-Infinity', 'NaN', -0, 1e21, 5e-324, 0.1).map((d) => ({ asDouble: d })),
    fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map((i) => ({ asInt: String(i) })),
    fc.constant({ flags: 1 }), fc.constant({ asInt: '0', flags: 1 }),
  ),
}).map(({ value: v, ...p }) => ({ ...p, ...v }));
const u64 = fc.oneof(fc.constantFrom('0', '1', '9007199254740993', '18446744073709551615'), fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }).map(String));
const histogramPoint = fc.record({
  attributes, timeUnixNano: fc.constantFrom('0', '1700000000123456789'), count: u64, flags: fc.constantFrom(0, 1),
  sum: fc.option(fc.constantFrom(0, -0, 3.25, 1e21, 'NaN', 'Infinity'), { nil: undefined }),
  bounds: fc.array(fc.oneof(fc.double({ noNaN: true }), fc.constantFrom(-0, 0.005, 1e-7, 'NaN')), { maxLength: 5 }),
  counted: fc.boolean(), min: fc.option(fc.double(), { nil: undefined }),
}).chain(({ bounds, counted, sum, min, ...p }) => fc.array(u64, { minLength: bounds.length + 1, maxLength: bounds.length + 1 }).map((bucketCounts) => ({
  ...p, explicitBounds: bounds.map((b) => (typeof b === 'number' && !Number.isFinite(b) ? String(b) : b)), bucketCounts: counted ? bucketCounts : [],
  ...(sum === undefined ? {} : { sum }), ...(min === undefined || !Number.isFinite(min) ? {} : { min }),
})));
const summaryPoint = fc.record({
  attributes, timeUnixNano: fc.constantFrom('0', '1700000000123456789'), count: u64,
  sum: fc.option(fc.constantFrom(0, 8.5, -0, 'NaN', '-Infinity'), { nil: undefined }),
  quantileValues: fc.array(fc.record({
    quantile: fc.option(fc.constantFrom(0, 0.5, 0.99, 1, 1e-7), { nil: undefined }), value: fc.option(fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.constantFrom('NaN', 'Infinity')), { nil: undefined }),
  }).map((q) => Object.fromEntries(Object.entries(q).filter(([, v]) => v !== undefined))), { maxLength: 4 }),
}).map(({ sum, ...p }) => (sum === undefined ? p : { ...p, sum }));
const buckets = fc.option(fc.record({ offset: fc.integer({ min: -6, max: 6 }), bucketCounts: fc.array(fc.oneof(fc.constantFrom('0', '0', '1'), u64), { maxLength: 5 }) }), { nil: undefined });
const exponentialPoint = fc.record({
  attributes, timeUnixNano: fc.constantFrom('0', '1700000000123456789'), count: u64, scale: fc.integer({ min: -4, max: 8 }),
  zeroCount: fc.constantFrom('0', '1', '3', '18446744073709551615'), zeroThreshold: fc.constantFrom(0, 1e-9, 0.5),
  sum: fc.option(fc.constantFrom(0, 20.5, 'NaN'), { nil: undefined }), positive: buckets, negative: buckets,
}).map((p) => Object.fromEntries(Object.entries(p).filter(([, v]) => v !== undefined)));
const metric = fc.oneof(
  fc.record({ name: fc.constantFrom('m', 'n.é', 'a_metric_name'), kind: fc.constantFrom('gauge', 'counter', 'updown'), points: fc.array(point, { maxLength: 4 }) })
    .map(({ name, kind, points }) => (kind === 'gauge' ? { name, unit: 'By', gauge: { dataPoints: points } }
      : { name, description: 'd', sum: { isMonotonic: kind === 'counter', aggregationTemporality: 2, dataPoints: points } })),
  fc.record({ name: fc.constantFrom('h', 'http.server.duration'), points: fc.array(histogramPoint, { maxLength: 3 }) })
    .map(({ name, points }) => ({ name, unit: 's', histogram: { aggregationTemporality: 2, dataPoints: points } })),
  fc.record({ name: fc.constantFrom('e', 'http.client.duration'), points: fc.array(exponentialPoint, { maxLength: 3 }) })
    .map(({ name, points }) => ({ name, exponentialHistogram: { aggregationTemporality: 1, dataPoints: points } })),
  fc.record({ name: fc.constantFrom('q', 'rpc_latency'), points: fc.array(summaryPoint, { maxLength: 3 }) })
    .map(({ name, points }) => ({ name, summary: { dataPoints: points } })),
);
const scope = fc.option(fc.record({ name: fc.constantFrom('', 's', 'io.opentelemetry.é'), version: fc.constantFrom('', '1.2.3'), attributes }), { nil: undefined });
const resource = fc.option(fc.record({ attributes, droppedAttributesCount: fc.constantFrom(0, 2) }), { nil: undefined });
const request = fc.array(fc.record({
  resource, schemaUrl: fc.constantFrom('', 'https://opentelemetry.io/schemas/1.26.0'),
  scopeMetrics: fc.array(fc.record({ scope, metrics: fc.array(metric, { maxLength: 3 }) }), { maxLength: 3 }),
}), { maxLength: 3 }).map((resourceMetrics) => ({ resourceMetrics }));

describe('OTLP metrics wire scanner', () => {
  it('decides an SDK-shaped request: 100 points, resource, scope and point labels', () => {
    const dataPoints = (m: number) => Array.from({ length: 10 }, (_, j) => ({
      startTimeUnixNano: '1761999907341000000', timeUnixNano: '1762045907341000000', ...(m % 2 === 0 ? { asDouble: j * 1.5 } : { asInt: String(j * 10) }),
      attributes: [kv('http.route', { stringValue: `/api/v1/items/${j}` }), kv('http.request.method', { stringValue: 'GET' }), kv('http.response.status_code', { intValue: 200 })],
    }));
    const rows = assertScanned(encode({ resourceMetrics: [{
      resource: { attributes: [kv('service.name', { stringValue: 'checkout' }), kv('host.name', { stringValue: 'web-1' })] },
      scopeMetrics: [{ scope: { name: 'bench', version: '1.0.0' }, metrics: Array.from({ length: 10 }, (_, m) => (m % 2 === 0
        ? { name: `app_gauge_${m}`, gauge: { dataPoints: dataPoints(m) } }
        : { name: `app_requests_${m}_total`, sum: { isMonotonic: true, aggregationTemporality: 2, dataPoints: dataPoints(m) } })) }],
    }] }));
    assert.equal(rows.length, 100);
    assert.equal(rows[1]![1], 'app_gauge_0{host.name="web-1",http.request.method="GET",http.response.status_code="200",http.route="/api/v1/items/1",otel_scope_name="bench",otel_scope_version="1.0.0",service.name="checkout"}');
    assert.equal(rows[1]![2], '{"name":"app_gauge_0","value":1.5,"type":"gauge","timestamp":1762045907341,"labels":{"service.name":"checkout","host.name":"web-1","otel_scope_name":"bench","otel_scope_version":"1.0.0","http.route":"/api/v1/items/1","http.request.method":"GET","http.response.status_code":"200"}}');
    assert.match(rows[10]![2], /^\{"name":"app_requests_1_total","value":0,"type":"counter",/);
  });

  it('random requests of the shapes it decides (gauges, sums, histograms, exponential histograms, summaries), as encoded, with fields in any order, and with fields sent twice', () => {
    let seed = 0;
    fc.assert(fc.property(request, (r) => {
      const body = encode(r);
      assertScanned(body);
      assertScanned(rewrite(body, TYPE, random(++seed)));
      assertScanned(withDecoys(body, TYPE));
    }), { numRuns: 400, seed: 25 });
  });

  it('leaves to the general path what it does not decide, having written nothing', () => {
    const gauge = (attrs: object[], p: object = { asDouble: 1 }) =>
      ({ resourceMetrics: [{ scopeMetrics: [{ metrics: [{ name: 'ok', gauge: { dataPoints: [{ asDouble: 2 }] } }, { name: 'g', gauge: { dataPoints: [{ ...p, attributes: attrs }] } }] }] }] });
    assertLeft({ resourceMetrics: [{ scopeMetrics: [{ metrics: [{ name: 'h', histogram: { dataPoints: [{ count: '1', bucketCounts: ['1', '0'], explicitBounds: [] }] } }] }] }] });
    // 100 histogram points of 1 bound count 400 records (bounds + 3 each): 300 written, but the request is refused whole.
    assertLeft({ resourceMetrics: [{ scopeMetrics: [{ metrics: [{ name: 'h', histogram: { dataPoints: Array.from({ length: 101 }, () => ({ count: '1', explicitBounds: [1] })) } }] }] }] });
    assertLeft(gauge([kv('k', { kvlistValue: { values: [] } })]));
    assertLeft(gauge([kv('k', { arrayValue: { values: [] } })]));
    assertLeft(gauge([kv('k', { bytesValue: 'AAE=' })]));
    assertLeft(gauge([kv('k', { stringValue: 'a "quote"' })]));
    assertLeft(gauge([kv('k', { stringValue: 'line\n' })]));
    assertLeft(gauge([kv('ä', { stringValue: 'v' })]));
    assertLeft(gauge([kv('0', { stringValue: 'v' })]));
    assertLeft(gauge([kv('4294967294', { stringValue: 'v' })]));
    assertLeft(gauge([kv('__proto__', { stringValue: 'v' })]));
    assertLeft(gauge([kv('', { stringValue: 'v' })]));
    assertLeft(gauge([kv('k', { stringValue: 'v'.repeat(21) })]));
    assertLeft(gauge(Array.from({ length: 19 }, (_, i) => kv(`k${i}`, { stringValue: 'v' }))));
    assertLeft(gauge([], {})); // no value, no flag: refused on its own
    assertLeft({ resourceMetrics: [{ scopeMetrics: [{ metrics: [{ name: '', gauge: { dataPoints: [{ asDouble: 1 }] } }] }] }] });
    assertLeft({ resourceMetrics: [{ scopeMetrics: [{ metrics: [{ name: 'x'.repeat(34), gauge: { dataPoints: [{ asDouble: 1 }] } }] }] }] });
    assertLeft({ resourceMetrics: [{ scopeMetrics: [{ metrics: [{ name: 'many', gauge: { dataPoints: Array.from({ length: 401 }, () => ({ asDouble: 1 })) } }] }] }] });
    assertLeft({ resourceMetrics: [{ scopeMetrics: [{ scope: { name: 'a\\b' }, metrics: [{ name: 'm', gauge: { dataPoints: [{ asDouble: 1 }] } }] }] }] });
  });

  it('leaves wire encodings protobufjs reads its own way: both value members, the data oneof twice, a 7-byte varint', () => {
    const metric = (inner: number[]): Buffer => {
      const m = Buffer.from([0x0a, 1, 0x6d, ...inner]);
      const sm = Buffer.from([0x12, ...varint(m.length), ...m]);
      const rm = Buffer.from([0x12, ...varint(sm.length), ...sm]);
      return Buffer.from([0x0a, ...varint(rm.length), ...rm]);
    };
    const gauge = (point: number[]): number[] => {
      const g = [0x0a, ...varint(point.length), ...point];
      return [0x2a, ...varint(g.length), ...g];
    };
    const double = [0x21, 0, 0, 0, 0, 0, 0, 0xf0, 0x3f]; // as_double 1
    const int = [0x31, 1, 0, 0, 0, 0, 0, 0, 0]; // as_int 1
    assertScanned(metric(gauge(double)));
    assertLeft(metric(gauge([...double, ...int])));
    assertLeft(metric([...gauge(double), ...gauge(double)]));
    assertLeft(metric(gauge([...double, 0x40, 0x81, 0x80, 0x80, 0x80, 0x80, 0x80, 0]))); // flags in 7 bytes
  });

  it('histogram buckets and bounds packed, unpacked, or both in one point', () => {
    const fixed64 = (n: number): number[] => [...Buffer.from(new BigUint64Array([BigInt(n)]).buffer)];
    const f64 = (d: number): number[] => [...Buffer.from(new Float64Array([d]).buffer)];
    const histogram = (point: number[]): Buffer => {
      const h = [0x0a, ...varint(point.length), ...point];
      const m = [0x0a, 1, 0x68, 0x4a, ...varint(h.length), ...h];
      const sm = [0x12, ...varint(m.length), ...m];
      const rm = [0x12, ...varint(sm.length), ...sm];
      return Buffer.from([0x0a, ...varint(rm.length), ...rm]);
    };
    const count = [0x21, ...fixed64(6)];
    const unpackedCounts = [1, 2, 3].flatMap((n) => [0x31, ...fixed64(n)]);
    const unpackedBounds = [0.5, 1].flatMap((d) => [0x39, ...f64(d)]);
    const packed = (tag: number, bytes: number[]): number[] => [tag, ...varint(bytes.length), ...bytes];
    const rows = assertScanned(histogram([...count, ...unpackedCounts, ...unpackedBounds]));
    assert.deepEqual(rows.map((r) => JSON.parse(r[2]).value), [1, 3, 6, 6]);
    assertScanned(histogram([...count, ...packed(0x32, [...fixed64(1), ...fixed64(2)]), 0x31, ...fixed64(3), 0x39, ...f64(0.5), ...packed(0x3a, f64(1))]));
    assertLeft(histogram([...count, ...packed(0x3a, [...f64(0.5), 0])])); // a packed field that is not whole values
  });
});
