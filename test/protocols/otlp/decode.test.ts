// OTLP decoding in the worker: protobuf and JSON requests → metric, log and
// span records; partial rejections; forwarding encodings; the wire check.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { configSchema } from '../../../src/config/schema';
import { EXPORT_REQUEST } from '../../../src/protocols/otlp/proto';
import { Signal } from '../../../src/signals';
import { decodeOtlp } from '../../../src/protocols/otlp/decode';
import { OtlpJsonScanner } from '../../../src/protocols/otlp/json-scanner';
import type { DecoderSettings } from '../../../src/protocols/protocol';
import { checkWire } from '../../../src/protocols/otlp/wire-check';
import type { MessageSink, RecordSink } from '../../../src/decode/sink';
import { refusal } from '../../support/refusal';

const config = configSchema.parse({});
const RECEIVED_AT = 1_800_000_000_000;
const TRACE = '5b8efff798038103d269b633813fc60c';
const SPAN = 'eee19b7ec3c1b174';

interface Written { topic: Signal; index: number; key: string | null; value: string | Uint8Array; count: number }

class Collect implements RecordSink, MessageSink {
  readonly written: Written[] = [];
  append(topic: Signal, index: number, key: string | null, value: string): void {
    this.written.push({ topic, index, key, value, count: 1 });
  }
  message(topic: Signal, index: number, key: string | null, value: string | Uint8Array, _partition: number, count: number): void {
    this.written.push({ topic, index, key, value, count });
  }
  json(): Array<Record<string, unknown>> {
    return this.written.map((w) => JSON.parse(String(w.value)) as Record<string, unknown>);
  }
}

/** The path, query and headers no OTLP decoder reads. */
const NO_TARGET = { path: '/v1/metrics', query: '', headers: {} };

function settings(overrides: Partial<DecoderSettings> = {}): DecoderSettings {
  return {
    limits: config.limits, maxDecompressedBytes: 1 << 24, maxDecodedBytes: 1 << 25, familyTypes: new SharedArrayBuffer(0),
    otlpEncoding: config.otlp.encoding, logKeyField: '', ...overrides,
  };
}

const kv = (key: string, value: object): object => ({ key, value });

function proto(signal: Signal, request: object): Buffer {
  const type = EXPORT_REQUEST[signal];
  return Buffer.from(type.encode(type.fromObject(request)).finish());
}

/** Decodes `request` sent as protobuf and as OTLP/JSON; both must give the same records. */
function decodeBoth(signal: Signal, jsonRequest: object, options: Partial<DecoderSettings> = {}): { sink: Collect; partial: unknown } {
  const jsonSink = new Collect();
  const fromJson = decodeOtlp({ signal, body: Buffer.from(JSON.stringify(jsonRequest)), contentType: 'application/json', contentEncoding: '', receivedAtMs: RECEIVED_AT, client: '10.0.0.1', ...NO_TARGET }, settings(options), jsonSink, jsonSink);
  // The protobuf body is built from the same JSON document (ids converted by the daemon's own JSON path).
  const message = EXPORT_REQUEST[signal].decode(protoFromJson(signal, jsonRequest));
  const protoSink = new Collect();
  const fromProto = decodeOtlp({ signal, body: Buffer.from(EXPORT_REQUEST[signal].encode(message).finish()), contentType: 'application/x-protobuf', contentEncoding: '', receivedAtMs: RECEIVED_AT, client: '10.0.0.1', ...NO_TARGET }, settings(options), protoSink, protoSink);
  assert.deepEqual(protoSink.written, jsonSink.written, 'protobuf and JSON encodings give the same records');
  assert.deepEqual(fromProto, fromJson);
  return { sink: jsonSink, partial: fromJson.partial };
}

/** The request as protobuf, through the daemon's otlp_proto forwarding of a JSON body. */
function protoFromJson(signal: Signal, jsonRequest: object): Uint8Array {
  const sink = new Collect();
  decodeOtlp({ signal, body: Buffer.from(JSON.stringify(jsonRequest)), contentType: 'application/json', contentEncoding: '', receivedAtMs: RECEIVED_AT, client: '', ...NO_TARGET },
    settings({ otlpEncoding: { metrics: 'otlp_proto', logs: 'otlp_proto', traces: 'otlp_proto' } }), sink, sink);
  return sink.written[0]!.value as Uint8Array;
}

const resource = { attributes: [kv('service.name', { stringValue: 'checkout' }), kv('host', { stringValue: 'h-é' })] };
const scope = { name: 'meter', version: '1.2', attributes: [kv('host', { stringValue: 'scope-host' })] };
const metricsRequest = (metrics: object[]): object => ({ resourceMetrics: [{ resource, scopeMetrics: [{ scope, metrics }] }] });

describe('OTLP metrics → metric records', () => {
  it('gauge and sum points: value, type by monotonicity, ms timestamp, resource < scope < point labels, series key', () => {
    const { sink, partial } = decodeBoth(Signal.Metrics, metricsRequest([
      { name: 'temp', gauge: { dataPoints: [{ asDouble: 21.5, timeUnixNano: '1700000000123999999', attributes: [kv('room', { stringValue: 'a' })] }] } },
      { name: 'reqs', sum: { isMonotonic: true, aggregationTemporality: 2, dataPoints: [{ asInt: '42', attributes: [kv('host', { stringValue: 'point-host' }), kv('ok', { boolValue: true })] }] } },
      { name: 'queue', sum: { isMonotonic: false, dataPoints: [{ asInt: '-3', timeUnixNano: '1700000000000000000' }] } },
    ]));
    assert.equal(partial, undefined);
    const labels = { 'service.name': 'checkout', host: 'scope-host', otel_scope_name: 'meter', otel_scope_version: '1.2' };
    assert.deepEqual(sink.json(), [
      { name: 'temp', value: 21.5, type: 'gauge', timestamp: 1700000000123, labels: { ...labels, room: 'a' } },
      { name: 'reqs', value: 42, type: 'counter', timestamp: RECEIVED_AT, labels: { ...labels, host: 'point-host', ok: 'true' } },
      { name: 'queue', value: -3, type: 'gauge', timestamp: 1700000000000, labels },
    ]);
    assert.equal(sink.written[0]!.key, 'temp{host="scope-host",otel_scope_name="meter",otel_scope_version="1.2",room="a",service.name="checkout"}');
    assert.ok(sink.written.every((w) => w.topic === Signal.Metrics));
    assert.deepEqual(sink.written.map((w) => w.index), [0, 1, 2]);
  });

  it('histogram → cumulative _bucket{le} with +Inf = count, _sum, _count', () => {
    const { sink } = decodeBoth(Signal.Metrics, metricsRequest([
      { name: 'latency', histogram: { aggregationTemporality: 2, dataPoints: [{ count: '10', sum: 3.25, bucketCounts: ['1', '4', '5'], explicitBounds: [0.1, 1], timeUnixNano: '1700000000000000000' }] } },
    ]));
    const rows = sink.json().map((r) => [r['name'], (r['labels'] as Record<string, string>)['le'], r['value'], r['type']]);
    assert.deepEqual(rows, [
      ['latency_bucket', '0.1', 1, 'histogram'], ['latency_bucket', '1', 5, 'histogram'], ['latency_bucket', '+Inf', 10, 'histogram'],
      ['latency_sum', undefined, 3.25, 'histogram'], ['latency_count', undefined, 10, 'histogram'],
    ]);
  });

  it('exponential histogram → le bounds from scale and offset: negative buckets, zero bucket, positive buckets', () => {
    // scale 1: base √2. positive offset 2 → buckets (2, 2√2], (2√2, 4]; negative offset 0 → [-√2, -1).
    const { sink } = decodeBoth(Signal.Metrics, metricsRequest([
      { name: 'size', exponentialHistogram: { dataPoints: [{ count: '9', sum: 20, scale: 1, zeroCount: '2', zeroThreshold: 0.001, positive: { offset: 2, bucketCounts: ['3', '0', '1'] }, negative: { offset: 0, bucketCounts: ['3'] } }] } },
    ]));
    const rows = sink.json().map((r) => [r['name'], (r['labels'] as Record<string, string>)['le'], r['value']]);
    assert.deepEqual(rows, [
      ['size_bucket', '-1', 3], ['size_bucket', '0.001', 5], ['size_bucket', String(2 ** 1.5), 8], ['size_bucket', String(2 ** 2.5), 9],
      ['size_bucket', '+Inf', 9], ['size_sum', undefined, 20], ['size_count', undefined, 9],
    ]);
  });

  it('summary → <name>{quantile}, _sum, _count', () => {
    const { sink } = decodeBoth(Signal.Metrics, metricsRequest([
      { name: 'rpc', summary: { dataPoints: [{ count: '4', sum: 8, quantileValues: [{ quantile: 0.5, value: 1.5 }, { quantile: 0.99, value: 4 }] }] } },
    ]));
    assert.deepEqual(sink.json().map((r) => [r['name'], (r['labels'] as Record<string, string>)['quantile'], r['value'], r['type']]), [
      ['rpc', '0.5', 1.5, 'summary'], ['rpc', '0.99', 4, 'summary'], ['rpc_sum', undefined, 8, 'summary'], ['rpc_count', undefined, 4, 'summary'],
    ]);
  });

  it('refuses bad points alone (partial success) and writes the rest; a point flagged "no recorded value" is NaN', () => {
    const { sink, partial } = decodeBoth(Signal.Metrics, metricsRequest([
      { name: '', gauge: { dataPoints: [{ asDouble: 1 }, { asDouble: 2 }] } },
      { name: 'ok', gauge: { dataPoints: [{ asDouble: 3 }, {}, { flags: 1 }] } },
      { name: 'h', histogram: { dataPoints: [{ count: '1', bucketCounts: ['1'], explicitBounds: [1, 2] }] } },
      { name: 'long', gauge: { dataPoints: [{ asDouble: 4, attributes: [kv('k'.repeat(200), { stringValue: 'v' })] }] } },
    ]));
    assert.deepEqual(partial, { rejected: 5, message: 'metric name is empty (first of 5 rejected)' });
    assert.deepEqual(sink.json().map((r) => [r['name'], r['value']]), [['ok', 3], ['ok', 'NaN']]);
  });

  it('more points than limits.maxRecordsPerRequest is a 413', () => {
    const points = Array.from({ length: 11 }, (_, i) => ({ asDouble: i }));
    const err = refusal(() => decodeBoth(Signal.Metrics, metricsRequest([{ name: 'm', gauge: { dataPoints: points } }]),
      { limits: { ...config.limits, maxRecordsPerRequest: 10 } }));
    assert.equal(err.status, 413);
    assert.equal(err.code, 'too_many_records');
  });
});

describe('OTLP logs → log records', () => {
  const request = {
    resourceLogs: [{
      resource: { attributes: [kv('service.name', { stringValue: 'api' })] },
      scopeLogs: [{
        scope: { name: 'logger', version: '3' },
        logRecords: [{
          timeUnixNano: '1700000000123456789', observedTimeUnixNano: '1700000000200000000', severityNumber: 17, severityText: 'ERROR',
          body: { kvlistValue: { values: [kv('msg', { stringValue: 'failed' }), kv('big', { intValue: '9007199254740993' }), kv('raw', { bytesValue: 'AAE=' })] } },
          attributes: [kv('user', { stringValue: 'u1' }), kv('tags', { arrayValue: { values: [{ stringValue: 'a' }, { doubleValue: 0.5 }] } })],
          traceId: TRACE, spanId: SPAN, flags: 1, eventName: 'login.failed',
        }, { body: { stringValue: 'plain' } }],
      }],
    }],
  };

  it('every field: times, severity, body and attributes as JSON, resource, scope, hex trace context', () => {
    const { sink, partial } = decodeBoth(Signal.Logs, request);
    assert.equal(partial, undefined);
    const [first, second] = sink.json();
    assert.deepEqual(first, {
      timestamp: 1700000000123, observed_timestamp: 1700000000200,
      time_unix_nano: '1700000000123456789', observed_time_unix_nano: '1700000000200000000',
      severity_number: 17, severity_text: 'ERROR',
      body: { msg: 'failed', big: '9007199254740993', raw: 'AAE=' },
      attributes: { user: 'u1', tags: ['a', 0.5] },
      resource: { 'service.name': 'api' }, scope: { name: 'logger', version: '3', attributes: {} },
      trace_id: TRACE, span_id: SPAN, flags: 1, dropped_attributes_count: 0, event_name: 'login.failed',
    });
    assert.equal(second!['timestamp'], RECEIVED_AT);
    assert.equal(second!['body'], 'plain');
    assert.equal(second!['trace_id'], '');
    assert.deepEqual(sink.written.map((w) => [w.topic, w.key]), [[Signal.Logs, '10.0.0.1'], [Signal.Logs, '10.0.0.1']]);
  });

  it('kafka.logKeyField keys by the attribute, then the resource attribute', () => {
    assert.deepEqual(decodeBoth(Signal.Logs, request, { logKeyField: 'user' }).sink.written.map((w) => w.key), ['u1', '10.0.0.1']);
    assert.deepEqual(decodeBoth(Signal.Logs, request, { logKeyField: 'service.name' }).sink.written.map((w) => w.key), ['api', 'api']);
  });

  it('a body nested deeper than limits.maxValueDepth is refused alone', () => {
    let deep: object = { stringValue: 'x' };
    for (let i = 0; i < 5; i++) deep = { arrayValue: { values: [deep] } };
    const { sink, partial } = decodeBoth(Signal.Logs, { resourceLogs: [{ scopeLogs: [{ logRecords: [{ body: deep }, { body: { stringValue: 'ok' } }] }] }] },
      { limits: { ...config.limits, maxValueDepth: 3 } });
    assert.deepEqual(partial, { rejected: 1, message: 'log record 0: value nested deeper than 3 levels' });
    assert.deepEqual(sink.json().map((r) => r['body']), ['ok']);
  });
});

describe('OTLP spans → span records', () => {
  it('ids, parent, kind, times, duration, status, events, links; keyed by trace id; bad ids refused alone', () => {
    const { sink, partial } = decodeBoth(Signal.Traces, {
      resourceSpans: [{
        resource: { attributes: [kv('service.name', { stringValue: 'web' })] },
        scopeSpans: [{
          scope: { name: 'tracer' },
          spans: [{
            traceId: TRACE, spanId: SPAN, parentSpanId: '0102030405060708', traceState: 'k=v', name: 'GET /cart', kind: 3,
            startTimeUnixNano: '1700000000000000001', endTimeUnixNano: '1700000000250000001',
            attributes: [kv('http.status_code', { intValue: '503' })],
            events: [{ timeUnixNano: '1700000000100000000', name: 'retry', attributes: [kv('n', { intValue: 2 })] }],
            links: [{ traceId: 'aa'.repeat(16), spanId: 'bb'.repeat(8), attributes: [] }],
            status: { code: 2, message: 'upstream down' }, flags: 257,
          }, { traceId: 'abcd', spanId: SPAN, name: 'short id' }],
        }],
      }],
    });
    assert.deepEqual(partial, { rejected: 1, message: 'span 1: trace_id must be 16 bytes, got 2' });
    assert.deepEqual(sink.json(), [{
      trace_id: TRACE, span_id: SPAN, parent_span_id: '0102030405060708', trace_state: 'k=v', name: 'GET /cart', kind: 'client',
      timestamp: 1700000000000, start_time_unix_nano: '1700000000000000001', end_time_unix_nano: '1700000000250000001', duration_ns: 250000000,
      status: { code: 'error', message: 'upstream down' }, attributes: { 'http.status_code': 503 },
      resource: { 'service.name': 'web' }, scope: { name: 'tracer', version: '', attributes: {} },
      events: [{ name: 'retry', timestamp: 1700000000100, time_unix_nano: '1700000000100000000', attributes: { n: 2 } }],
      links: [{ trace_id: 'aa'.repeat(16), span_id: 'bb'.repeat(8), trace_state: '', attributes: {} }],
      flags: 257, dropped_attributes_count: 0, dropped_events_count: 0, dropped_links_count: 0,
    }]);
    assert.equal(sink.written[0]!.key, TRACE);
    assert.equal(sink.written[0]!.topic, Signal.Traces);
  });

  it('JSON values of the wrong type are a 400 naming the field, not coerced', () => {
    const cases: Array<[object, RegExp]> = [
      [{ asDouble: 'abc' }, /dataPoints\[0\]\.asDouble: a number expected, got "abc"/],
      [{ asDouble: 1, timeUnixNano: 'soon' }, /dataPoints\[0\]\.timeUnixNano: an integer/],
      [{ asDouble: 1, attributes: {} }, /dataPoints\[0\]\.attributes: an array expected/],
    ];
    for (const [point, message] of cases) {
      const err = refusal(() => decodeBoth(Signal.Metrics, metricsRequest([{ name: 'm', gauge: { dataPoints: [point] } }])));
      assert.deepEqual([err.status, err.code], [400, 'invalid_json']);
      assert.match(err.message, message);
    }
    // Numbers as text are valid OTLP/JSON (proto3's JSON mapping).
    assert.deepEqual(decodeBoth(Signal.Metrics, metricsRequest([{ name: 'm', gauge: { dataPoints: [{ asDouble: '2.5' }, { asInt: 7 }] } }])).sink.json().map((r) => r['value']), [2.5, 7]);
  });

  it('a protobuf string that is not UTF-8 is a 400 naming the field', () => {
    const body = proto(Signal.Traces, { resourceSpans: [{ scopeSpans: [{ spans: [{ traceId: Buffer.from(TRACE, 'hex'), spanId: Buffer.from(SPAN, 'hex'), name: 'ab' }] }] }] });
    const at = body.indexOf(Buffer.from('ab'));
    body[at] = 0xff;
    const err = refusal(() => decodeOtlp({ signal: Signal.Traces, body, contentType: 'application/x-protobuf', contentEncoding: '', receivedAtMs: RECEIVED_AT, client: '', ...NO_TARGET }, settings(), new Collect(), new Collect()));
    assert.deepEqual([err.status, err.code], [400, 'invalid_utf8']);
    assert.match(err.message, /Span\.name/);
  });

  it('a JSON id that is not hex is a 400 naming the field', () => {
    const err = refusal(() => decodeBoth(Signal.Traces, { resourceSpans: [{ scopeSpans: [{ spans: [{ traceId: 'zz', spanId: SPAN }] }] }] }));
    assert.equal(err.status, 400);
    assert.equal(err.code, 'invalid_id');
    assert.match(err.message, /resourceSpans\.scopeSpans\.spans\.traceId/);
  });
});

describe('OTLP forwarding (otlp_proto / otlp_json)', () => {
  const request = { resourceSpans: [{ scopeSpans: [{ spans: [{ traceId: TRACE, spanId: SPAN, name: 'a', startTimeUnixNano: '1700000000000000001' }, { traceId: TRACE, spanId: SPAN, name: 'b' }] }] }] };
  // As the route's decoder runs it: JSON bodies forwarded as they are go through the byte scanner first.
  const jsonScanner = new OtlpJsonScanner(Signal.Traces);
  const forward = (encoding: 'otlp_proto' | 'otlp_json', body: Buffer, contentType: string): Written => {
    const sink = new Collect();
    const result = decodeOtlp({ signal: Signal.Traces, body, contentType, contentEncoding: '', receivedAtMs: RECEIVED_AT, client: '', ...NO_TARGET },
      settings({ otlpEncoding: { metrics: 'records', logs: 'records', traces: encoding } }), sink, sink, { json: jsonScanner });
    assert.deepEqual(result, { records: 2, directMessages: 1, partial: undefined });
    assert.equal(sink.written.length, 1);
    return sink.written[0]!;
  };

  it('a request in the wanted encoding is forwarded byte for byte, one keyless message counting its spans', () => {
    const json = Buffer.from(JSON.stringify(request));
    const written = forward('otlp_json', json, 'application/json');
    assert.deepEqual(Buffer.from(written.value as Uint8Array), json);
    assert.deepEqual([written.topic, written.key, written.count], [Signal.Traces, null, 2]);
  });

  it('a JSON request forwarded as it is (otlp_json) is checked as one decoded is: bad ids, types and base64 refused, as is nesting the wire check refuses', () => {
    const span = request.resourceSpans[0]!.scopeSpans[0]!.spans[0]!;
    const withSpan = (over: object): object => ({ resourceSpans: [{ scopeSpans: [{ spans: [{ ...span, ...over }] }] }] });
    const outcome = (encoding: 'records' | 'otlp_json', document: object): string => {
      const sink = new Collect();
      const err = refusal(() => decodeOtlp({ signal: Signal.Traces, body: Buffer.from(JSON.stringify(document)), contentType: 'application/json', contentEncoding: '',
        receivedAtMs: RECEIVED_AT, client: '', ...NO_TARGET }, settings({ otlpEncoding: { metrics: 'records', logs: 'records', traces: encoding } }), sink, sink, { json: jsonScanner }));
      assert.equal(sink.written.length, 0);
      return `${err.status} ${err.code}: ${err.message}`;
    };
    const cases: Array<[object, RegExp]> = [
      [withSpan({ traceId: 'not-hex' }), /^400 invalid_id: resourceSpans\.scopeSpans\.spans\.traceId/],
      [withSpan({ name: 5 }), /^400 invalid_json: resourceSpans\[0\]\.scopeSpans\[0\]\.spans\[0\]\.name: a string expected/],
      [withSpan({ attributes: [kv('b', { bytesValue: 'AQ-=' })] }), /^400 invalid_json: .*attributes\[0\]\.value\.bytesValue: a base64 string expected/],
      [withSpan({ attributes: [kv('b', { bytesValue: 'A' })] }), /a base64 string expected/],
      [withSpan({ startTimeUnixNano: 'soon' }), /startTimeUnixNano: an integer/],
    ];
    for (const [document, expected] of cases) {
      const forwarded = outcome('otlp_json', document);
      assert.match(forwarded, expected);
      assert.equal(forwarded, outcome('records', document), 'the same refusal as when decoded into records');
    }
    // 200 levels of AnyValue → ArrayValue: past the 16 + 3 × maxValueDepth (32) messages the wire check allows.
    let value: object = { stringValue: 'deep' };
    for (let i = 0; i < 200; i++) value = { arrayValue: { values: [value] } };
    assert.match(outcome('otlp_json', withSpan({ attributes: [kv('deep', value)] })), /^400 too_deep: .*messages nested deeper than 112 levels/);
  });

  it('JSON → otlp_proto and protobuf → otlp_json convert, keeping hex ids and nanosecond times', () => {
    const asProto = forward('otlp_proto', Buffer.from(JSON.stringify(request)), 'application/json').value as Uint8Array;
    const decoded = EXPORT_REQUEST[Signal.Traces].toObject(EXPORT_REQUEST[Signal.Traces].decode(asProto), { longs: String, bytes: String }) as
      { resourceSpans: Array<{ scopeSpans: Array<{ spans: Array<{ traceId: string; name: string; startTimeUnixNano: string }> }> }> };
    const span = decoded.resourceSpans[0]!.scopeSpans[0]!.spans[0]!;
    assert.equal(Buffer.from(span.traceId, 'base64').toString('hex'), TRACE);
    assert.equal(span.startTimeUnixNano, '1700000000000000001');

    const asJson = JSON.parse(Buffer.from(forward('otlp_json', Buffer.from(asProto), 'application/x-protobuf').value as Uint8Array).toString()) as typeof decoded;
    const again = asJson.resourceSpans[0]!.scopeSpans[0]!.spans[0]!;
    assert.deepEqual([again.traceId, again.name, again.startTimeUnixNano], [TRACE, 'a', '1700000000000000001']);
  });
});

describe('OTLP protobuf wire check', () => {
  const limits = { maxDepth: 72, maxDecodedBytes: 1 << 24 };
  const type = EXPORT_REQUEST[Signal.Logs];
  const valid = proto(Signal.Logs, { resourceLogs: [{ scopeLogs: [{ logRecords: [{ body: { stringValue: 'hello' }, severityNumber: 9 }] }] }] });

  it('accepts a valid request, and refuses it cut short at every byte', () => {
    checkWire(valid, type, limits);
    for (let cut = 1; cut < valid.length; cut++) {
      const err = refusal(() => checkWire(valid.subarray(0, cut), type, limits));
      assert.equal(err.status, 400, `cut at ${cut}`);
    }
  });

  it('refuses a wrong wire type, an 11-byte varint, a length past the end, and group wire types', () => {
    const cases: Array<[string, number[]]> = [
      ['resource_logs as a varint', [0x08, 0x01]],
      ['11-byte varint', [0x08, ...Array<number>(10).fill(0xff), 0x01]],
      ['length past the end', [0x0a, 0x7f, 0x00]],
      ['start group', [0x0b]],
    ];
    for (const [what, bytes] of cases) {
      const err = refusal(() => checkWire(Uint8Array.from(bytes), type, limits));
      assert.deepEqual([err.status, err.code], [400, 'invalid_protobuf'], what);
    }
  });

  it('refuses nesting deeper than maxDepth without recursing (100,000 levels)', () => {
    // body = AnyValue{array_value = ArrayValue{values = AnyValue{…}}}: built inside out.
    let nested = Buffer.from([0x0a, 0x00]); // AnyValue{string_value = ""}
    for (let i = 0; i < 50_000; i++) {
      nested = Buffer.concat([Buffer.from([0x0a]), varint(nested.length), nested]); // ArrayValue.values
      nested = Buffer.concat([Buffer.from([0x2a]), varint(nested.length), nested]); // AnyValue.array_value
    }
    const record = Buffer.concat([Buffer.from([0x2a]), varint(nested.length), nested]); // LogRecord.body
    const scopeLogs = Buffer.concat([Buffer.from([0x12]), varint(record.length), record]);
    const resourceLogs = Buffer.concat([Buffer.from([0x12]), varint(scopeLogs.length), scopeLogs]);
    const body = Buffer.concat([Buffer.from([0x0a]), varint(resourceLogs.length), resourceLogs]);
    const err = refusal(() => checkWire(body, type, limits));
    assert.deepEqual([err.status, err.code], [400, 'too_deep']);
  });

  it('refuses a request whose decoded objects would exceed maxDecodedBytes (413)', () => {
    // 100,000 empty log records: 2 bytes each on the wire, an object each once decoded.
    const records = Buffer.alloc(200_000);
    for (let i = 0; i < records.length; i += 2) records[i] = 0x12;
    const scopeLogs = Buffer.concat([Buffer.from([0x12]), varint(records.length), records]);
    const body = Buffer.concat([Buffer.from([0x0a]), varint(scopeLogs.length), scopeLogs]);
    checkWire(body, type, { maxDepth: 72, maxDecodedBytes: 1 << 26 });
    const err = refusal(() => checkWire(body, type, { maxDepth: 72, maxDecodedBytes: 1 << 20 }));
    assert.deepEqual([err.status, err.code], [413, 'decoded_too_large']);
  });
});

function varint(n: number): Buffer {
  const bytes: number[] = [];
  while (n > 0x7f) {
    bytes.push((n & 0x7f) | 0x80);
    n = Math.floor(n / 128);
  }
  bytes.push(n);
  return Buffer.from(bytes);
}
