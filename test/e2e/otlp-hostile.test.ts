// Hostile OTLP/HTTP input against the running daemon (/v1/metrics, /v1/logs,
// /v1/traces): truncated protobuf, wrong wire types, absurd lengths, 11-byte
// varints, AnyValues nested thousands deep, more records than the limit,
// compression bombs, broken gzip, bad JSON. Each is refused with 400, 413 or
// 415 and a google.rpc.Status in the request's encoding (415: JSON); the
// daemon never answers 5xx and never exits, and valid requests still reach
// Kafka afterwards. A property test mutates valid protobuf bodies per signal.
//
// Malformed protobuf bodies are written by hand (protobufjs will not write
// them): `len(field, ...payload)` is a length-delimited field, `tag(field,
// wireType)` a bare tag. Every request holds one ResourceX entry (field 1),
// and the same field numbers lead to a record in all three signals:
// request.1 → ResourceX.2 (ScopeX) → ScopeX.2 (Metric | LogRecord | Span), and
// request.1 → ResourceX.1 (Resource) → Resource.1 (KeyValue).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { deflateSync, gzipSync } from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { compressSync } from 'snappy';
import { TopicReader, type ConsumedRecord } from '../support/consumer';
import { Daemon } from '../support/daemon';
import { MockKafka } from '../support/mock-kafka';
import { rawRequest } from '../support/raw-http';
import { EXPORT_REQUEST, EXPORT_RESPONSE, REJECTED_FIELD, RPC_STATUS } from '../../src/protocols/otlp/proto';
import { SIGNAL_NAMES, Signal } from '../../src/signals';

const SIGNALS: readonly Signal[] = [Signal.Metrics, Signal.Logs, Signal.Traces];
const PATH: Readonly<Record<Signal, string>> = { [Signal.Metrics]: '/v1/metrics', [Signal.Logs]: '/v1/logs', [Signal.Traces]: '/v1/traces' };
const TOPIC: Readonly<Record<Signal, string>> = { [Signal.Metrics]: 'otlp-h-metrics', [Signal.Logs]: 'otlp-h-logs', [Signal.Traces]: 'otlp-h-traces' };
/** The repeated field of ScopeX that holds the records, and the record's JSON name, per signal. */
const JSON_KEYS: Readonly<Record<Signal, { resource: string; scope: string; records: string }>> = {
  [Signal.Metrics]: { resource: 'resourceMetrics', scope: 'scopeMetrics', records: 'metrics' },
  [Signal.Logs]: { resource: 'resourceLogs', scope: 'scopeLogs', records: 'logRecords' },
  [Signal.Traces]: { resource: 'resourceSpans', scope: 'scopeSpans', records: 'spans' },
};

const MAX_RECORDS = 100;
const MAX_DECOMPRESSED_BYTES = 8 * 1024 * 1024;
const MAX_BODY_BYTES = 4 * 1024 * 1024;
const REQUEST_DEADLINE_MS = 60_000;

const PROTOBUF = { 'content-type': 'application/x-protobuf' };
const JSON_TYPE = { 'content-type': 'application/json' };
type BodyEncoding = 'protobuf' | 'json';

const TRACE_ID_HEX = '5b8efff798038103d269b633813fc60c';
const SPAN_ID_HEX = 'eee19b7ec3c1b174';
const nowNanos = (): string => `${BigInt(Date.now()) * 1_000_000n}`;

// ---------------------------------------------------------------- protobuf by hand

function varint(value: number): Buffer {
  const bytes: number[] = [];
  let v = value;
  while (v >= 0x80) {
    bytes.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  bytes.push(v);
  return Buffer.from(bytes);
}

const WIRE = { varint: 0, fixed64: 1, len: 2, startGroup: 3, endGroup: 4, fixed32: 5, invalid6: 6, invalid7: 7 } as const;

function tag(field: number, wireType: number): Buffer {
  return varint(field * 8 + wireType);
}

function len(field: number, ...payload: Uint8Array[]): Buffer {
  const bytes = Buffer.concat(payload);
  return Buffer.concat([tag(field, WIRE.len), varint(bytes.length), bytes]);
}

function str(field: number, text: string): Buffer {
  return len(field, Buffer.from(text));
}

/** KeyValue{key, value: AnyValue (already encoded)}. */
function keyValue(key: string, anyValue: Uint8Array): Buffer {
  return Buffer.concat([str(1, key), len(2, anyValue)]);
}

/** AnyValue{array_value{values: [AnyValue{…}]}} `depth` levels around a string leaf, written outside-in without re-copying. */
function nestedArrayValue(depth: number): Buffer {
  const leaf = str(1, 'leaf');
  const headers: Buffer[] = [];
  let size = leaf.length;
  for (let i = 0; i < depth; i++) {
    const values = Buffer.concat([tag(1, WIRE.len), varint(size)]); // ArrayValue.values
    size += values.length;
    const array = Buffer.concat([tag(5, WIRE.len), varint(size)]); // AnyValue.array_value
    size += array.length;
    headers.push(values, array);
  }
  return Buffer.concat([...headers.reverse(), leaf]);
}

/** AnyValue{kvlist_value{values: [KeyValue{key: "k", value: …}]}} `depth` levels deep. */
function nestedKvlistValue(depth: number): Buffer {
  let value = str(1, 'leaf');
  for (let i = 0; i < depth; i++) value = len(6, len(1, keyValue('k', value)));
  return value;
}

/** The payload of a body's single top-level ResourceX entry (field 1). */
function entryPayload(body: Uint8Array): Buffer {
  assert.equal(body[0], 0x0a, 'body starts with field 1, length-delimited');
  let length = 0;
  let pos = 1;
  for (let scale = 1; ; scale *= 128) {
    const byte = body[pos++]!;
    length += (byte & 0x7f) * scale;
    if ((byte & 0x80) === 0) break;
  }
  assert.equal(pos + length, body.length, 'body holds exactly one ResourceX entry');
  return Buffer.from(body.subarray(pos));
}

/** `valid` (one ResourceX entry) with more ResourceX fields appended inside that same entry. */
function withinEntry(valid: Uint8Array, ...extraFields: Uint8Array[]): Buffer {
  return len(1, entryPayload(valid), ...extraFields);
}

/** ResourceX fields holding one Resource with one attribute. */
function resourceAttribute(anyValue: Uint8Array): Buffer {
  return len(1, len(1, keyValue('hostile', anyValue)));
}

/** ResourceX fields holding one ScopeX with one record (Metric | LogRecord | Span) of these bytes. */
function scopeRecord(record: Uint8Array): Buffer {
  return len(2, len(2, record));
}

/** A string field of the record message, per signal: Metric.name, LogRecord.severity_text, Span.name. */
const RECORD_STRING_FIELD: Readonly<Record<Signal, number>> = { [Signal.Metrics]: 1, [Signal.Logs]: 3, [Signal.Traces]: 5 };

/** zstd through the zstd command (Debian package zstd): Node 20's zlib has none. */
function zstd(data: Uint8Array): Buffer {
  return execFileSync('zstd', ['-c', '-q'], { input: data, maxBuffer: 64 * 1024 * 1024 });
}

// ---------------------------------------------------------------- valid requests

type KeyValueObject = { key: string; value: Record<string, unknown> };

function attrs(entries: Record<string, string | number | boolean>): KeyValueObject[] {
  return Object.entries(entries).map(([key, v]) => ({
    key,
    value: typeof v === 'string' ? { stringValue: v } : typeof v === 'boolean' ? { boolValue: v } : Number.isInteger(v) ? { intValue: v } : { doubleValue: v },
  }));
}

/** An Export*ServiceRequest (protobufjs object form) with one resource, one scope and `count` records named after `marker`. */
function requestObject(signal: Signal, marker: string, count = 1): Record<string, unknown> {
  const time = nowNanos();
  const resource = { attributes: attrs({ 'service.name': 'otlp-hostile', 'host.name': 'h1' }) };
  const scope = { name: 'otlp-hostile', version: '1.0.0' };
  const spanId = (i: number): Buffer => Buffer.from(`${SPAN_ID_HEX.slice(0, 8)}${i.toString(16).padStart(8, '0')}`, 'hex');
  switch (signal) {
    case Signal.Metrics:
      return { resourceMetrics: [{ resource, scopeMetrics: [{ scope, metrics: [{
        name: marker, unit: '1',
        gauge: { dataPoints: Array.from({ length: count }, (_, i) => ({ timeUnixNano: time, asDouble: i + 0.5, attributes: attrs({ i }) })) },
      }] }] }] };
    case Signal.Logs:
      return { resourceLogs: [{ resource, scopeLogs: [{ scope, logRecords: Array.from({ length: count }, (_, i) => ({
        timeUnixNano: time, severityNumber: 9, severityText: 'INFO', body: { stringValue: marker }, attributes: attrs({ i }),
        traceId: Buffer.from(TRACE_ID_HEX, 'hex'), spanId: spanId(i),
      })) }] }] };
    case Signal.Traces:
      return { resourceSpans: [{ resource, scopeSpans: [{ scope, spans: Array.from({ length: count }, (_, i) => ({
        traceId: Buffer.from(TRACE_ID_HEX, 'hex'), spanId: spanId(i), name: marker, kind: 2,
        startTimeUnixNano: time, endTimeUnixNano: time, attributes: attrs({ i }), status: { code: 1 },
      })) }] }] };
  }
}

/** Every kind of AnyValue, for the fuzz bodies. */
function richAttributes(): KeyValueObject[] {
  return [
    ...attrs({ s: 'text-é', i: -42, d: 2.5, b: true }),
    { key: 'bytes', value: { bytesValue: Buffer.from([0, 1, 2, 255]) } },
    { key: 'arr', value: { arrayValue: { values: [{ stringValue: 'a' }, { intValue: 7 }, { arrayValue: { values: [{ boolValue: false }] } }] } } },
    { key: 'kv', value: { kvlistValue: { values: [{ key: 'inner', value: { doubleValue: 1e-9 } }] } } },
  ];
}

/** A fixed time for the fuzz bodies, so that a seed replays byte for byte (2025-11-02). */
const FUZZ_TIME_NANOS = '1762045907341000000';

/** A larger valid request touching most message types of the signal (the fuzz mutates these). */
function richRequestObject(signal: Signal): Record<string, unknown> {
  const time = FUZZ_TIME_NANOS;
  const resource = { attributes: richAttributes() };
  const scope = { name: 'fuzz', version: '2', attributes: attrs({ scoped: 'yes' }) };
  const attributes = richAttributes();
  switch (signal) {
    case Signal.Metrics:
      return { resourceMetrics: [{ resource, scopeMetrics: [{ scope, metrics: [
        { name: 'fuzz_gauge', gauge: { dataPoints: [{ timeUnixNano: time, asDouble: 1.5, attributes }, { timeUnixNano: time, asInt: 3 }] } },
        { name: 'fuzz_sum', sum: { isMonotonic: true, aggregationTemporality: 2, dataPoints: [{ timeUnixNano: time, asInt: 10, attributes: attrs({ a: 'b' }) }] } },
        { name: 'fuzz_hist', histogram: { aggregationTemporality: 2, dataPoints: [{ timeUnixNano: time, count: 6, sum: 12.5, bucketCounts: [1, 2, 3], explicitBounds: [1, 5] }] } },
        { name: 'fuzz_exp', exponentialHistogram: { dataPoints: [{ timeUnixNano: time, count: 4, scale: 1, zeroCount: 1, positive: { offset: -1, bucketCounts: [1, 2] } }] } },
        { name: 'fuzz_summary', summary: { dataPoints: [{ timeUnixNano: time, count: 2, sum: 3, quantileValues: [{ quantile: 0.5, value: 1 }, { quantile: 0.99, value: 2 }] }] } },
      ] }] }] };
    case Signal.Logs:
      return { resourceLogs: [{ resource, scopeLogs: [{ scope, logRecords: [
        { timeUnixNano: time, observedTimeUnixNano: time, severityNumber: 17, severityText: 'ERROR', body: { kvlistValue: { values: attributes } },
          attributes, traceId: Buffer.from(TRACE_ID_HEX, 'hex'), spanId: Buffer.from(SPAN_ID_HEX, 'hex'), flags: 1, eventName: 'fuzz.event' },
        { observedTimeUnixNano: time, body: { stringValue: 'second' } },
      ] }] }] };
    case Signal.Traces:
      return { resourceSpans: [{ resource, scopeSpans: [{ scope, spans: [{
        traceId: Buffer.from(TRACE_ID_HEX, 'hex'), spanId: Buffer.from(SPAN_ID_HEX, 'hex'), parentSpanId: Buffer.from('0102030405060708', 'hex'),
        traceState: 'a=b', name: 'fuzz-span', kind: 3, startTimeUnixNano: time, endTimeUnixNano: time, attributes, flags: 257,
        events: [{ timeUnixNano: time, name: 'ev', attributes: attrs({ e: 1 }) }],
        links: [{ traceId: Buffer.from(TRACE_ID_HEX, 'hex'), spanId: Buffer.from('0807060504030201', 'hex'), attributes: attrs({ l: true }) }],
        status: { code: 2, message: 'boom' },
      }] }] }] };
  }
}

function encode(signal: Signal, object: Record<string, unknown>): Buffer {
  const type = EXPORT_REQUEST[signal];
  return Buffer.from(type.encode(type.fromObject(object)).finish());
}

/** A request like requestObject's in OTLP/JSON (hex ids, 64-bit integers as strings); `extra` is merged into each record. */
function jsonRequest(signal: Signal, marker: string, extra: Record<string, unknown> = {}, count = 1): string {
  const time = nowNanos();
  const keys = JSON_KEYS[signal];
  const spanId = (i: number): string => `${SPAN_ID_HEX.slice(0, 8)}${i.toString(16).padStart(8, '0')}`;
  const records: Array<Record<string, unknown>> = signal === Signal.Metrics
    ? [{ name: marker, gauge: { dataPoints: Array.from({ length: count }, (_, i) => ({ timeUnixNano: time, asDouble: i + 0.5, attributes: [{ key: 'i', value: { intValue: String(i) } }] })) } }]
    : Array.from({ length: count }, (_, i) => (signal === Signal.Logs
      ? { timeUnixNano: time, severityNumber: 9, body: { stringValue: marker }, traceId: TRACE_ID_HEX, spanId: spanId(i) }
      : { traceId: TRACE_ID_HEX, spanId: spanId(i), name: marker, kind: 2, startTimeUnixNano: time, endTimeUnixNano: time }));
  return JSON.stringify({ [keys.resource]: [{
    resource: { attributes: [{ key: 'service.name', value: { stringValue: 'otlp-hostile' } }] },
    [keys.scope]: [{ scope: { name: 'otlp-hostile' }, [keys.records]: records.map((r) => ({ ...r, ...extra })) }],
  }] });
}

// ---------------------------------------------------------------- answers

interface Reply {
  status: number;
  contentType: string;
  body: Buffer;
}

interface RpcStatus {
  code: number;
  message: string;
}

/** Reads the google.rpc.Status of an error answer in `encoding`; throws (assert) when it is not one. */
function rpcStatus(reply: Reply, encoding: BodyEncoding): RpcStatus {
  let code: unknown;
  let message: unknown;
  if (encoding === 'protobuf') {
    assert.match(reply.contentType, /^application\/x-protobuf/, `Content-Type of a protobuf Status: ${reply.contentType}`);
    const decoded = RPC_STATUS.toObject(RPC_STATUS.decode(reply.body), { defaults: true }) as { code?: unknown; message?: unknown };
    ({ code, message } = decoded);
  } else {
    assert.match(reply.contentType, /^application\/json/, `Content-Type of a JSON Status: ${reply.contentType}`);
    const parsed: unknown = JSON.parse(reply.body.toString('utf8'));
    assert.ok(typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed), 'a JSON Status is an object');
    ({ code, message } = parsed as { code?: unknown; message?: unknown });
  }
  assert.ok(typeof code === 'number' && Number.isInteger(code) && code > 0 && code <= 16, `Status.code is a google.rpc.Code other than OK: ${String(code)}`);
  assert.ok(typeof message === 'string', `Status.message is a string: ${String(message)}`);
  assert.match(message, /^[a-z][a-z0-9_]*: \S/, 'Status.message starts with metricstream\'s error code');
  return { code, message };
}

/** The Export*ServiceResponse of a 200, decoded from the request's encoding. */
function exportResponse(signal: Signal, reply: Reply, encoding: BodyEncoding): Record<string, unknown> {
  if (encoding === 'json') {
    assert.match(reply.contentType, /^application\/json/);
    return JSON.parse(reply.body.toString('utf8')) as Record<string, unknown>;
  }
  assert.match(reply.contentType, /^application\/x-protobuf/);
  const type = EXPORT_RESPONSE[signal];
  return type.toObject(type.decode(reply.body), { longs: Number }) as Record<string, unknown>;
}

function rejectedItems(signal: Signal, response: Record<string, unknown>): number {
  const partial = response['partialSuccess'] as Record<string, unknown> | undefined;
  return Number(partial?.[REJECTED_FIELD[signal]] ?? 0);
}

function hex(bytes: Uint8Array, max = 160): string {
  const text = Buffer.from(bytes.subarray(0, max)).toString('hex');
  return bytes.length > max ? `${text}… (${bytes.length} bytes)` : text;
}

function describeReply(reply: Reply): string {
  const text = /json/.test(reply.contentType) ? reply.body.toString('utf8').slice(0, 300) : hex(reply.body);
  return `${reply.status} ${reply.contentType} ${text}`;
}

/** A refusal case: what is sent, and the statuses and error code expected. */
interface Case {
  name: string;
  signal: Signal;
  body: Uint8Array | string;
  headers: Record<string, string>;
  /** Statuses accepted (usually one). */
  status: readonly number[];
  /** The error code the Status message must start with, when the contract names it. */
  error?: string;
  /** The encoding of the answer's Status, when not the request's (a wrong Content-Type: JSON). */
  answer?: BodyEncoding;
  /** A 200 is accepted only if its partialSuccess rejects at least one item. */
  partialOk?: boolean;
}

describe('OTLP/HTTP hostile input', () => {
  let kafka: MockKafka;
  let daemon: Daemon;
  const statusesSeen = new Map<number, number>();

  before(async () => {
    kafka = await MockKafka.start({ topics: { [TOPIC[Signal.Metrics]]: 4, [TOPIC[Signal.Logs]]: 4, [TOPIC[Signal.Traces]]: 4 } });
    daemon = await Daemon.start({
      METRICSTREAM_BROKERS: kafka.bootstrap,
      METRICSTREAM_KAFKA_TOPICS_METRICS: TOPIC[Signal.Metrics],
      METRICSTREAM_KAFKA_TOPICS_LOGS: TOPIC[Signal.Logs],
      METRICSTREAM_KAFKA_TOPICS_TRACES: TOPIC[Signal.Traces],
      METRICSTREAM_LIMITS_MAX_RECORDS_PER_REQUEST: String(MAX_RECORDS),
      METRICSTREAM_INGEST_MAX_BODY_BYTES: String(MAX_BODY_BYTES),
      METRICSTREAM_INGEST_MAX_DECOMPRESSED_BYTES: String(MAX_DECOMPRESSED_BYTES),
    });
  });

  after(async () => {
    process.stdout.write(`# otlp-hostile: all answers by status: ${JSON.stringify(Object.fromEntries([...statusesSeen].sort(([a], [b]) => a - b)))}\n`);
    assert.equal((await daemon.stop()).code, 0);
    await kafka.stop();
  });

  async function send(signal: Signal, body: Uint8Array | string, headers: Record<string, string>): Promise<Reply> {
    const res = await fetch(`${daemon.ingestUrl}${PATH[signal]}`, { method: 'POST', body, headers, signal: AbortSignal.timeout(REQUEST_DEADLINE_MS) });
    const reply = { status: res.status, contentType: res.headers.get('content-type') ?? '', body: Buffer.from(await res.arrayBuffer()) };
    statusesSeen.set(reply.status, (statusesSeen.get(reply.status) ?? 0) + 1);
    return reply;
  }

  /** Sends each case; returns a line per case answered otherwise than expected (all cases run). */
  async function mismatches(cases: readonly Case[]): Promise<string[]> {
    const failures: string[] = [];
    for (const c of cases) {
      const sent = typeof c.body === 'string' ? c.body.slice(0, 200) : hex(c.body);
      let reply: Reply;
      try {
        reply = await send(c.signal, c.body, c.headers);
      } catch (err) {
        failures.push(`${c.signal} ${c.name}: no answer (${(err as Error).message}); sent ${sent}`);
        continue;
      }
      if (!c.status.includes(reply.status)) {
        failures.push(`${c.signal} ${c.name}: expected ${c.status.join('/')}, got ${describeReply(reply)}; sent ${sent}`);
        continue;
      }
      const encoding = c.answer ?? (c.headers['content-type'] === PROTOBUF['content-type'] ? 'protobuf' : 'json');
      if (reply.status === 200) {
        if (c.partialOk === true && rejectedItems(c.signal, exportResponse(c.signal, reply, encoding)) === 0) {
          failures.push(`${c.signal} ${c.name}: 200 without a partialSuccess rejecting it: ${describeReply(reply)}`);
        }
        continue;
      }
      try {
        const status = rpcStatus(reply, encoding);
        if (c.error !== undefined && !status.message.startsWith(`${c.error}: `)) {
          failures.push(`${c.signal} ${c.name}: expected error ${c.error}, got "${status.message}"`);
        }
      } catch (err) {
        failures.push(`${c.signal} ${c.name}: answer ${describeReply(reply)} is not a ${encoding} google.rpc.Status: ${(err as Error).message}`);
      }
    }
    return failures;
  }

  async function assertAlive(): Promise<void> {
    assert.equal(daemon.child.exitCode, null, 'daemon process still running');
    assert.equal(daemon.child.signalCode, null, 'daemon process not killed');
    const health = await fetch(`${daemon.adminUrl}/healthz`, { signal: AbortSignal.timeout(REQUEST_DEADLINE_MS) });
    assert.equal(health.status, 200);
  }

  it('a valid request cut at every offset: 400 invalid_protobuf with a protobuf Status', { timeout: 300_000 }, async () => {
    const cases: Case[] = [];
    for (const signal of SIGNALS) {
      const simple = encode(signal, requestObject(signal, `cut_${signal}`));
      const rich = encode(signal, richRequestObject(signal));
      // Every prefix of the simple body; every 7th prefix of the rich one.
      const cuts = [
        ...Array.from({ length: simple.length - 1 }, (_, i) => ({ body: simple, at: i + 1 })),
        ...Array.from({ length: Math.floor((rich.length - 1) / 7) }, (_, i) => ({ body: rich, at: 1 + i * 7 })),
      ];
      for (const { body, at } of cuts) {
        cases.push({ name: `cut at ${at} of ${body.length}`, signal, body: body.subarray(0, at), headers: PROTOBUF, status: [400], error: 'invalid_protobuf' });
      }
    }
    assert.deepEqual(await mismatches(cases), []);
    process.stdout.write(`# truncated protobuf: ${cases.length} cuts\n`);
    await assertAlive();
  });

  it('wrong wire types, absurd lengths, 11-byte varints: 400 invalid_protobuf', { timeout: 120_000 }, async () => {
    const cases: Case[] = [];
    const proto = (signal: Signal, name: string, body: Uint8Array): void => {
      cases.push({ name, signal, body, headers: PROTOBUF, status: [400], error: 'invalid_protobuf' });
    };
    const elevenByteVarint = Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]);
    for (const signal of SIGNALS) {
      const valid = encode(signal, requestObject(signal, `wire_${signal}`));
      const payload = entryPayload(valid);
      const stringField = RECORD_STRING_FIELD[signal];
      // Wrong wire types.
      proto(signal, 'field 1 (a message) with wire type 7 and a huge varint', Buffer.concat([tag(1, WIRE.invalid7), varint(2 ** 32 - 1), valid]));
      proto(signal, 'unknown field 15 with wire type 6', Buffer.concat([valid, tag(15, WIRE.invalid6), Buffer.from([0])]));
      proto(signal, 'stray end-group for field 1', Buffer.concat([valid, tag(1, WIRE.endGroup)]));
      proto(signal, 'start-group for field 1 never ended', Buffer.concat([valid, tag(1, WIRE.startGroup)]));
      proto(signal, `record string field ${stringField} with wire type 7`,
        withinEntry(valid, scopeRecord(Buffer.concat([tag(stringField, WIRE.invalid7), varint(5), Buffer.from('hello')]))));
      proto(signal, `record string field ${stringField} with wire type 5 (fixed32)`,
        withinEntry(valid, scopeRecord(Buffer.concat([tag(stringField, WIRE.fixed32), varint(5), Buffer.from('hello')]))));
      // Lengths past the end.
      proto(signal, 'top-level length 2^32-1', Buffer.concat([tag(1, WIRE.len), varint(2 ** 32 - 1), Buffer.from('abc')]));
      proto(signal, 'top-level length one more than the body', Buffer.concat([tag(1, WIRE.len), varint(payload.length + 1), payload]));
      proto(signal, 'attribute key length 100 with 1 byte left in the body',
        withinEntry(valid, len(1, len(1, Buffer.concat([tag(1, WIRE.len), varint(100), Buffer.from('k')])))));
      proto(signal, 'Resource longer than its ResourceX entry (into the next entry)',
        Buffer.concat([len(1, tag(1, WIRE.len), varint(40), keyValue('k', str(1, 'v'))), valid]));
      proto(signal, 'record length past its scope', withinEntry(valid, len(2, Buffer.concat([tag(2, WIRE.len), varint(200), str(RECORD_STRING_FIELD[signal], 'x')]))));
      // Varints of 11 bytes.
      proto(signal, '11-byte varint as the top-level length', Buffer.concat([tag(1, WIRE.len), elevenByteVarint, Buffer.from('x')]));
      proto(signal, '11-byte varint as the top-level tag', Buffer.concat([elevenByteVarint, valid]));
      proto(signal, '11-byte varint in AnyValue.int_value (int64)', withinEntry(valid, resourceAttribute(Buffer.concat([tag(3, WIRE.varint), elevenByteVarint]))));
      // protobufjs reads a uint32 as 5 bytes and skips 5 more unchecked: the 11th byte would be read as a tag.
      proto(signal, '11-byte varint in Resource.dropped_attributes_count (uint32)',
        withinEntry(valid, len(1, tag(2, WIRE.varint), Buffer.alloc(10, 0x80), Buffer.from([0x10, 0x01]))));
    }
    assert.deepEqual(await mismatches(cases), []);
    await assertAlive();
  });

  it('AnyValue nested thousands deep: 400, in protobuf and in JSON', { timeout: 120_000 }, async () => {
    const cases: Case[] = [];
    for (const signal of SIGNALS) {
      const valid = encode(signal, requestObject(signal, `deep_${signal}`));
      for (const depth of [5_000, 100_000]) {
        cases.push({ name: `array in array ${depth} deep (resource attribute)`, signal, body: withinEntry(valid, resourceAttribute(nestedArrayValue(depth))), headers: PROTOBUF, status: [400] });
      }
      cases.push({ name: 'kvlist in kvlist 3000 deep (resource attribute)', signal, body: withinEntry(valid, resourceAttribute(nestedKvlistValue(3_000))), headers: PROTOBUF, status: [400] });
      const deepJson = '{"arrayValue":{"values":['.repeat(5_000) + '{"stringValue":"leaf"}' + ']}}'.repeat(5_000);
      const json = jsonRequest(signal, `deep_json_${signal}`).replace('"resource":{"attributes":[', `"resource":{"attributes":[{"key":"deep","value":${deepJson}},`);
      cases.push({ name: 'JSON array in array 5000 deep (resource attribute)', signal, body: json, headers: JSON_TYPE, status: [400] });
    }
    // A log body is an AnyValue too.
    const logBody = Buffer.concat([tag(1, WIRE.fixed64), Buffer.alloc(8), len(5, nestedArrayValue(5_000))]);
    cases.push({ name: 'log body array in array 5000 deep', signal: Signal.Logs, body: withinEntry(encode(Signal.Logs, requestObject(Signal.Logs, 'deep_body')), scopeRecord(logBody)), headers: PROTOBUF, status: [400] });
    assert.deepEqual(await mismatches(cases), []);
    await assertAlive();
  });

  it('more records than limits.maxRecordsPerRequest: 413 too_many_records; exactly the limit: 200; huge repeated fields: 413', { timeout: 120_000 }, async () => {
    const cases: Case[] = [];
    const million = 1_000_000;
    for (const signal of SIGNALS) {
      cases.push({ name: `${MAX_RECORDS} records (the limit)`, signal, body: encode(signal, requestObject(signal, `limit_${signal}`, MAX_RECORDS)), headers: PROTOBUF, status: [200] });
      cases.push({ name: `${MAX_RECORDS + 1} records`, signal, body: encode(signal, requestObject(signal, `over_${signal}`, MAX_RECORDS + 1)), headers: PROTOBUF, status: [413], error: 'too_many_records' });
      cases.push({ name: `${MAX_RECORDS * 50} records`, signal, body: encode(signal, requestObject(signal, `far_over_${signal}`, MAX_RECORDS * 50)), headers: PROTOBUF, status: [413], error: 'too_many_records' });
      // A million empty records (2 bytes each): logs and spans are records even when empty; data points without a value are counted too.
      const emptyRecords = signal === Signal.Metrics
        ? scopeRecord(Buffer.concat([str(1, 'empty_points'), len(5, Buffer.alloc(2 * million, 0).fill(Buffer.from([0x0a, 0x00])))]))
        : len(2, Buffer.alloc(2 * million).fill(Buffer.from([0x12, 0x00])));
      cases.push({ name: `${million} empty records`, signal, body: withinEntry(encode(signal, requestObject(signal, `empty_${signal}`)), emptyRecords), headers: PROTOBUF, status: [413] });
      // A million empty ResourceX entries: no records at all, but a million objects to decode.
      cases.push({ name: `${million} empty ResourceX entries`, signal, body: Buffer.alloc(2 * million).fill(Buffer.from([0x0a, 0x00])), headers: PROTOBUF, status: [200, 413] });
      cases.push({ name: `${MAX_RECORDS + 1} records in JSON`, signal, body: jsonRequest(signal, `over_json_${signal}`, {}, MAX_RECORDS + 1), headers: JSON_TYPE, status: [413], error: 'too_many_records' });
    }
    // One data point that expands to far more records than the limit: histogram buckets and exponential buckets.
    const time = nowNanos();
    const bounds = Array.from({ length: MAX_RECORDS * 20 }, (_, i) => i + 1);
    cases.push({ name: `histogram point with ${bounds.length + 1} buckets`, signal: Signal.Metrics, headers: PROTOBUF, status: [413], body: encode(Signal.Metrics, { resourceMetrics: [{ scopeMetrics: [{ metrics: [{ name: 'wide_histogram', histogram: { aggregationTemporality: 2, dataPoints: [{ timeUnixNano: time, count: bounds.length + 1, bucketCounts: [...bounds.map(() => 1), 1], explicitBounds: bounds }] } }] }] }] }) });
    cases.push({ name: '1,000,000 exponential buckets in one point', signal: Signal.Metrics, headers: PROTOBUF, status: [413], body: encode(Signal.Metrics, { resourceMetrics: [{ scopeMetrics: [{ metrics: [{ name: 'wide_exponential', exponentialHistogram: { aggregationTemporality: 2, dataPoints: [{ timeUnixNano: time, count: million, scale: 0, positive: { offset: 0, bucketCounts: new Array<number>(million).fill(1) } }] } }] }] }] }) });
    assert.deepEqual(await mismatches(cases), []);
    await assertAlive();
  });

  it('compression: gzip/deflate/zstd bombs 413 decompressed_too_large, broken streams 400, snappy and brotli 415 in the request\'s encoding', { timeout: 120_000 }, async () => {
    const zeros = Buffer.alloc(64 * 1024 * 1024);
    const gzipBomb = gzipSync(zeros);
    const deflateBomb = deflateSync(zeros);
    const zstdBomb = zstd(zeros);
    const cases: Case[] = [];
    for (const signal of SIGNALS) {
      const valid = encode(signal, requestObject(signal, `zip_${signal}`));
      const gz = (extra: Record<string, string>, encoding: string): Record<string, string> => ({ ...extra, 'content-encoding': encoding });
      for (const [headers, encoding] of [[PROTOBUF, 'protobuf'], [JSON_TYPE, 'json']] as const) {
        cases.push({ name: `gzip bomb (${encoding})`, signal, body: gzipBomb, headers: gz(headers, 'gzip'), status: [413], error: 'decompressed_too_large' });
        cases.push({ name: `deflate bomb (${encoding})`, signal, body: deflateBomb, headers: gz(headers, 'deflate'), status: [413], error: 'decompressed_too_large' });
        cases.push({ name: `not gzip (${encoding})`, signal, body: Buffer.from('definitely not gzip'), headers: gz(headers, 'gzip'), status: [400] });
        cases.push({ name: `not deflate (${encoding})`, signal, body: Buffer.from('definitely not deflate'), headers: gz(headers, 'deflate'), status: [400] });
        cases.push({ name: `zstd bomb (${encoding})`, signal, body: zstdBomb, headers: gz(headers, 'zstd'), status: [413], error: 'decompressed_too_large' });
        cases.push({ name: `not zstd (${encoding})`, signal, body: Buffer.from('definitely not zstd'), headers: gz(headers, 'zstd'), status: [400] });
      }
      const validZstd = zstd(valid);
      cases.push({ name: 'zstd cut in half', signal, body: validZstd.subarray(0, validZstd.length >> 1), headers: gz(PROTOBUF, 'zstd'), status: [400] });
      cases.push({ name: 'valid zstd of a truncated protobuf', signal, body: zstd(valid.subarray(0, valid.length - 3)), headers: gz(PROTOBUF, 'zstd'), status: [400], error: 'invalid_protobuf' });
      const validGzip = gzipSync(valid);
      cases.push({ name: 'gzip cut in half', signal, body: validGzip.subarray(0, validGzip.length >> 1), headers: gz(PROTOBUF, 'gzip'), status: [400] });
      const badCrc = Buffer.from(validGzip);
      badCrc[badCrc.length - 6] ^= 0xff;
      cases.push({ name: 'gzip with a wrong CRC', signal, body: badCrc, headers: gz(PROTOBUF, 'gzip'), status: [400] });
      cases.push({ name: 'valid gzip of a truncated protobuf', signal, body: gzipSync(valid.subarray(0, valid.length - 3)), headers: gz(PROTOBUF, 'gzip'), status: [400], error: 'invalid_protobuf' });
      // OTLP/HTTP has gzip (and metricstream deflate), not snappy or brotli; the Content-Type is known, so the Status is protobuf.
      cases.push({ name: 'invalid snappy', signal, body: Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f, 0x00, 0x01]), headers: gz(PROTOBUF, 'snappy'), status: [415], error: 'unsupported_content_encoding' });
      cases.push({ name: 'valid snappy', signal, body: compressSync(valid), headers: gz(PROTOBUF, 'snappy'), status: [415], error: 'unsupported_content_encoding' });
      cases.push({ name: 'snappy in JSON', signal, body: compressSync(jsonRequest(signal, 'snappy')), headers: gz(JSON_TYPE, 'snappy'), status: [415], error: 'unsupported_content_encoding' });
      cases.push({ name: 'brotli', signal, body: valid, headers: gz(PROTOBUF, 'br'), status: [415], error: 'unsupported_content_encoding' });
    }
    assert.deepEqual(await mismatches(cases), []);
    await assertAlive();
  });

  it('a Content-Length over ingest.maxBodyBytes: 413 body_too_large as a protobuf Status, before the body is read', { timeout: 60_000 }, async () => {
    for (const signal of SIGNALS) {
      const reply = await rawRequest(daemon.ingestUrl, `POST ${PATH[signal]} HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-protobuf\r\nContent-Length: ${64 * 1024 * 1024}`);
      const name = SIGNAL_NAMES[signal];
      assert.equal(reply.status, 413, name);
      assert.match(reply.head, /content-type: application\/x-protobuf/i, name);
      assert.match(reply.body, /body_too_large: /, name);
    }
    await assertAlive();
  });

  it('JSON: bad hex ids, wrong shapes, malformed text: 400 with a JSON Status', { timeout: 60_000 }, async () => {
    const cases: Case[] = [];
    const json = (signal: Signal, name: string, body: string, error?: string): void => {
      cases.push({ name, signal, body, headers: JSON_TYPE, status: [400], ...(error === undefined ? {} : { error }) });
    };
    json(Signal.Traces, 'traceId not hex', jsonRequest(Signal.Traces, 'bad_hex', { traceId: 'zz'.repeat(16) }));
    json(Signal.Traces, 'traceId of odd length', jsonRequest(Signal.Traces, 'bad_hex', { traceId: TRACE_ID_HEX.slice(1) }));
    cases.push({ name: 'traceId of 15 bytes (hex, wrong length: the span may be rejected alone)', signal: Signal.Traces, body: jsonRequest(Signal.Traces, 'bad_length', { traceId: TRACE_ID_HEX.slice(2) }), headers: JSON_TYPE, status: [400, 200], partialOk: true });
    json(Signal.Traces, 'traceId in base64 (protobuf JSON mapping, not OTLP/JSON)', jsonRequest(Signal.Traces, 'bad_hex', { traceId: Buffer.from(TRACE_ID_HEX, 'hex').toString('base64') }));
    json(Signal.Traces, 'spanId not hex', jsonRequest(Signal.Traces, 'bad_hex', { spanId: 'not-a-span-id!!!' }));
    json(Signal.Traces, 'parentSpanId not hex', jsonRequest(Signal.Traces, 'bad_hex', { parentSpanId: 'xyz' }));
    json(Signal.Traces, 'traceId a number', jsonRequest(Signal.Traces, 'bad_hex', { traceId: 12345 }));
    json(Signal.Traces, 'link traceId not hex', jsonRequest(Signal.Traces, 'bad_hex', { links: [{ traceId: 'g'.repeat(32), spanId: SPAN_ID_HEX }] }));
    json(Signal.Logs, 'log traceId not hex', jsonRequest(Signal.Logs, 'bad_hex', { traceId: 'q'.repeat(32) }));
    json(Signal.Logs, 'log spanId of odd length', jsonRequest(Signal.Logs, 'bad_hex', { spanId: 'abc' }));
    json(Signal.Metrics, 'exemplar traceId not hex', jsonRequest(Signal.Metrics, 'bad_hex', {
      gauge: { dataPoints: [{ timeUnixNano: nowNanos(), asDouble: 1, exemplars: [{ asDouble: 1, traceId: 'not hex', spanId: SPAN_ID_HEX }] }] },
    }));
    json(Signal.Traces, 'resourceSpans: "x"', '{"resourceSpans":"x"}');
    json(Signal.Metrics, 'resourceMetrics: 5', '{"resourceMetrics":5}');
    json(Signal.Logs, 'scopeLogs: "x"', '{"resourceLogs":[{"scopeLogs":"x"}]}');
    json(Signal.Metrics, 'dataPoints: "x"', '{"resourceMetrics":[{"scopeMetrics":[{"metrics":[{"name":"m","gauge":{"dataPoints":"x"}}]}]}]}');
    json(Signal.Traces, 'spans: [1, 2]', '{"resourceSpans":[{"scopeSpans":[{"spans":[1,2]}]}]}');
    json(Signal.Logs, 'attributes: {}', jsonRequest(Signal.Logs, 'shape', { attributes: { a: 1 } }));
    // Values the protobuf JSON mapping does not allow for the field's type.
    json(Signal.Metrics, 'timeUnixNano "soon"', jsonRequest(Signal.Metrics, 'shape', { gauge: { dataPoints: [{ timeUnixNano: 'soon', asDouble: 1 }] } }));
    json(Signal.Metrics, 'asDouble "abc"', jsonRequest(Signal.Metrics, 'shape', { gauge: { dataPoints: [{ timeUnixNano: nowNanos(), asDouble: 'abc' }] } }));
    json(Signal.Logs, 'timeUnixNano {}', jsonRequest(Signal.Logs, 'shape', { timeUnixNano: {} }));
    for (const signal of SIGNALS) {
      json(signal, 'a JSON string', '"x"', 'invalid_json');
      json(signal, 'null', 'null', 'invalid_json');
      json(signal, 'a number', '42', 'invalid_json');
      json(signal, 'truncated JSON', jsonRequest(signal, 'cut').slice(0, 40), 'invalid_json');
      json(signal, 'not JSON at all', '<xml/>', 'invalid_json');
    }
    assert.deepEqual(await mismatches(cases), []);
    await assertAlive();
  });

  it('wrong Content-Type: 415 with a JSON Status', { timeout: 60_000 }, async () => {
    const cases: Case[] = [];
    for (const signal of SIGNALS) {
      const valid = encode(signal, requestObject(signal, `type_${signal}`));
      for (const type of ['application/xml', 'application/grpc', 'application/protobuf; proto=other', 'text/plain', 'multipart/form-data; boundary=x', 'application/json; charset=iso-8859-1']) {
        cases.push({ name: `Content-Type ${type}`, signal, body: valid, headers: { 'content-type': type }, status: [415], answer: 'json' });
      }
    }
    assert.deepEqual(await mismatches(cases), []);
    await assertAlive();
  });

  const mutation = fc.record({
    edits: fc.array(fc.record({
      at: fc.nat(),
      op: fc.constantFrom('replace', 'insert', 'delete', 'truncate', 'flip-bit'),
      byte: fc.integer({ min: 0, max: 255 }),
    }), { minLength: 1, maxLength: 8 }),
    layer: fc.constantFrom('identity', 'gzip', 'mutate-gzip'),
  });

  function mutate(source: Buffer, edits: ReadonlyArray<{ at: number; op: string; byte: number }>): Buffer {
    let bytes = Buffer.from(source);
    for (const { at, op, byte } of edits) {
      const i = bytes.length === 0 ? 0 : at % bytes.length;
      if (op === 'replace' && bytes.length > 0) bytes[i] = byte;
      else if (op === 'flip-bit' && bytes.length > 0) bytes[i] ^= 1 << (byte % 8);
      else if (op === 'insert') bytes = Buffer.concat([bytes.subarray(0, i), Buffer.from([byte]), bytes.subarray(i)]);
      else if (op === 'delete') bytes = Buffer.concat([bytes.subarray(0, i), bytes.subarray(i + 1)]);
      else if (op === 'truncate') bytes = bytes.subarray(0, i);
    }
    return bytes;
  }

  for (const [n, signal] of SIGNALS.entries()) {
    it(`fuzz ${signal}: mutated valid protobuf bodies get 200, 400 or 413 with a well-formed answer, never a 5xx`, { timeout: 300_000 }, async () => {
      const valid = encode(signal, richRequestObject(signal));
      // The unmutated body is accepted whole: otherwise the fuzz would only mutate something already refused.
      const base = await send(signal, valid, PROTOBUF);
      assert.equal(base.status, 200, `${signal}: unmutated fuzz body ${hex(valid, 4096)}: ${describeReply(base)}`);
      assert.equal(rejectedItems(signal, exportResponse(signal, base, 'protobuf')), 0, `${signal}: unmutated fuzz body: ${describeReply(base)}`);
      const counts = new Map<string, number>();
      await fc.assert(fc.asyncProperty(mutation, async ({ edits, layer }) => {
        const headers: Record<string, string> = { ...PROTOBUF };
        let body: Buffer;
        if (layer === 'identity') body = mutate(valid, edits);
        else {
          headers['content-encoding'] = 'gzip';
          body = layer === 'gzip' ? gzipSync(mutate(valid, edits)) : mutate(gzipSync(valid), edits);
        }
        const reply = await send(signal, body, headers);
        assert.ok([200, 400, 413].includes(reply.status), `${describeReply(reply)} for ${layer} body ${hex(body, 4096)}`);
        let outcome = String(reply.status);
        if (reply.status === 200) {
          if (rejectedItems(signal, exportResponse(signal, reply, 'protobuf')) > 0) outcome = '200 partial';
        } else {
          outcome += ` ${rpcStatus(reply, 'protobuf').message.split(':')[0]}`;
        }
        counts.set(outcome, (counts.get(outcome) ?? 0) + 1);
      }), { numRuns: 200, seed: 20261124 + n });
      process.stdout.write(`# otlp fuzz outcomes ${signal}: ${JSON.stringify(Object.fromEntries([...counts].sort()))}\n`);
      assert.equal([...counts.values()].reduce((a, b) => a + b, 0), 200);
      await assertAlive();
    });
  }

  it('after all of it: the process is up, no 5xx was ever answered, and valid requests reach Kafka', { timeout: 120_000 }, async () => {
    await assertAlive();
    const metrics = await fetch(`${daemon.adminUrl}/metrics`, { signal: AbortSignal.timeout(REQUEST_DEADLINE_MS) }).then((r) => r.text());
    const serverErrors = metrics.split('\n').filter((l) => /^metricstream_http_requests_total\{.*status="5\d\d".*\} [1-9]/.test(l));
    assert.deepEqual(serverErrors, [], 'no request was answered with a 5xx');
    assert.deepEqual([...statusesSeen.keys()].filter((s) => s >= 500), []);

    const run = Date.now().toString(36);
    const markerOf = (signal: Signal, encoding: BodyEncoding): string => `otlp_hostile_after_${signal}_${encoding}_${run}`;
    const readers = await Promise.all(SIGNALS.map((signal) => TopicReader.open(kafka.bootstrap, TOPIC[signal])));
    try {
      for (const signal of SIGNALS) {
        for (const encoding of ['protobuf', 'json'] as const) {
          const marker = markerOf(signal, encoding);
          const reply = encoding === 'protobuf'
            ? await send(signal, gzipSync(encode(signal, requestObject(signal, marker))), { ...PROTOBUF, 'content-encoding': 'gzip' })
            : await send(signal, jsonRequest(signal, marker), JSON_TYPE);
          assert.equal(reply.status, 200, `${signal} ${encoding}: ${describeReply(reply)}`);
          assert.equal(exportResponse(signal, reply, encoding)['partialSuccess'], undefined, `${signal} ${encoding}: nothing rejected`);
        }
      }
      const carries = (signal: Signal, record: ConsumedRecord, marker: string): boolean => {
        const value = JSON.parse(record.value) as Record<string, unknown>;
        return (signal === Signal.Logs ? value['body'] : value['name']) === marker;
      };
      for (const [i, signal] of SIGNALS.entries()) {
        const reader = readers[i]!;
        for (const encoding of ['protobuf', 'json'] as const) {
          const marker = markerOf(signal, encoding);
          const deadline = Date.now() + 30_000;
          while (!reader.records.some((r) => carries(signal, r, marker)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
          assert.ok(reader.records.some((r) => carries(signal, r, marker)), `${signal} ${encoding}: record ${marker} not in topic ${TOPIC[signal]} within 30 s`);
        }
      }
    } finally {
      await Promise.all(readers.map((r) => r.close()));
    }
    await assertAlive();
  });
});

// The wire check ahead of protobufjs must know the whole schema from the first
// request on: a worker that has decoded only gauges must still accept sums and
// histograms (whose aggregation_temporality is an enum, a varint on the wire).
describe('OTLP/HTTP protobuf: valid requests are accepted whatever the worker decoded before', () => {
  let kafka: MockKafka;
  let daemon: Daemon;

  before(async () => {
    kafka = await MockKafka.start({ topics: { [TOPIC[Signal.Metrics]]: 1 } });
    daemon = await Daemon.start({ METRICSTREAM_BROKERS: kafka.bootstrap, METRICSTREAM_KAFKA_TOPICS_METRICS: TOPIC[Signal.Metrics], METRICSTREAM_WORKERS: '1' });
  });

  after(async () => {
    assert.equal((await daemon.stop()).code, 0);
    await kafka.stop();
  });

  it('one worker: a gauge, then a sum, a histogram, an exponential histogram and a summary all get 200', { timeout: 60_000 }, async () => {
    const time = nowNanos();
    const kinds: Array<[string, Record<string, unknown>]> = [
      ['gauge', { gauge: { dataPoints: [{ timeUnixNano: time, asDouble: 1 }] } }],
      ['sum', { sum: { aggregationTemporality: 2, isMonotonic: true, dataPoints: [{ timeUnixNano: time, asInt: 5 }] } }],
      ['histogram', { histogram: { aggregationTemporality: 2, dataPoints: [{ timeUnixNano: time, count: 3, sum: 4, bucketCounts: [1, 2], explicitBounds: [1] }] } }],
      ['exponential histogram', { exponentialHistogram: { aggregationTemporality: 1, dataPoints: [{ timeUnixNano: time, count: 2, scale: 0, positive: { offset: 0, bucketCounts: [1, 1] } }] } }],
      ['summary', { summary: { dataPoints: [{ timeUnixNano: time, count: 1, sum: 1, quantileValues: [{ quantile: 0.5, value: 1 }] }] } }],
    ];
    const answers: string[] = [];
    for (const [kind, data] of kinds) {
      const body = encode(Signal.Metrics, { resourceMetrics: [{ scopeMetrics: [{ metrics: [{ name: `order_${kind.replace(' ', '_')}`, ...data }] }] }] });
      const res = await fetch(`${daemon.ingestUrl}${PATH[Signal.Metrics]}`, { method: 'POST', body, headers: PROTOBUF, signal: AbortSignal.timeout(REQUEST_DEADLINE_MS) });
      const reply = { status: res.status, contentType: res.headers.get('content-type') ?? '', body: Buffer.from(await res.arrayBuffer()) };
      answers.push(`${kind}: ${reply.status === 200 && rejectedItems(Signal.Metrics, exportResponse(Signal.Metrics, reply, 'protobuf')) === 0 ? 'accepted' : `${describeReply(reply)} for ${hex(body)}`}`);
    }
    assert.deepEqual(answers, kinds.map(([kind]) => `${kind}: accepted`));
  });
});
