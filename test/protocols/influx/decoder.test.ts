// The line protocol decoders (/write, /api/v2/write, /metrics as text/plain):
// records, signals, keys, destination labels, partial writes, refusals.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { configSchema } from '../../../src/config/schema';
import type { RecordSink } from '../../../src/decode/sink';
import { createInfluxDecoder } from '../../../src/protocols/influx/decoder';
import { createMetricsDecoder, startsAsJson } from '../../../src/protocols/metrics-body';
import { JSON_ANSWERS } from '../../../src/protocols/native/answers';
import type { Decoded, Decoder, DecoderSettings, ProtocolRequest } from '../../../src/protocols/protocol';
import { Signal } from '../../../src/signals';
import { refusal } from '../../support/refusal';

const config = configSchema.parse({});
const RECEIVED_AT = 1_800_000_000_000;
const settings: DecoderSettings = {
  limits: config.limits, maxDecompressedBytes: 1 << 20, maxDecodedBytes: 1 << 25, otlpEncoding: config.otlp.encoding, logKeyField: '',
  familyTypes: new SharedArrayBuffer(0),
};

interface Written { signal: Signal; index: number; key: string | null; value: Record<string, unknown> }

class Collect implements RecordSink {
  readonly written: Written[] = [];
  append(signal: Signal, index: number, key: string | null, value: string): void {
    this.written.push({ signal, index, key, value: JSON.parse(value) as Record<string, unknown> });
  }
}

function request(body: string | Buffer, query = '', contentType = 'text/plain; charset=utf-8', contentEncoding = ''): ProtocolRequest {
  return {
    body: Buffer.from(body), contentType, contentEncoding, receivedAtMs: RECEIVED_AT, client: '10.0.0.1', path: '/write', query, headers: {},
  };
}

function run(decoder: Decoder, req: ProtocolRequest): { decoded: Decoded; sink: Collect } {
  const sink = new Collect();
  const decoded = decoder(req, sink, { message: () => assert.fail('no direct messages') });
  return { decoded, sink };
}

const v1 = createInfluxDecoder('v1')(settings);
const v2 = createInfluxDecoder('v2')(settings);
const metrics = createMetricsDecoder(settings);

describe('influx decoder: /write and /api/v2/write', () => {
  it('one metric record per numeric or boolean field, the native record shape, keyed by series; db and rp as labels', () => {
    const body = 'cpu,host=a usage_idle=99.5,value=3i,up=true 1700000000123456789\n';
    const { decoded, sink } = run(v1, request(body, 'db=telegraf&rp=autogen&precision=n'));
    assert.deepEqual(decoded, { records: 3, directMessages: 0 });
    const labels = { host: 'a', influx_db: 'telegraf', influx_rp: 'autogen' };
    assert.deepEqual(sink.written, [
      { signal: Signal.Metrics, index: 0, key: 'cpu_usage_idle{host="a",influx_db="telegraf",influx_rp="autogen"}', value: { name: 'cpu_usage_idle', value: 99.5, type: 'gauge', timestamp: 1700000000123, labels } },
      { signal: Signal.Metrics, index: 1, key: 'cpu{host="a",influx_db="telegraf",influx_rp="autogen"}', value: { name: 'cpu', value: 3, type: 'gauge', timestamp: 1700000000123, labels } },
      { signal: Signal.Metrics, index: 2, key: 'cpu_up{host="a",influx_db="telegraf",influx_rp="autogen"}', value: { name: 'cpu_up', value: 1, type: 'gauge', timestamp: 1700000000123, labels } },
    ]);
  });

  it('v2: org and bucket as labels, precision from the query, gzip bodies, receive time when a line has none', () => {
    const body = gzipSync('mem used=5u 1700000000\nmem free=1\n');
    const { sink } = run(v2, request(body, 'org=o&bucket=b&precision=s', 'text/plain', 'gzip'));
    assert.deepEqual(sink.written.map((w) => [w.value['name'], w.value['timestamp'], w.value['labels']]), [
      ['mem_used', 1700000000000, { influx_org: 'o', influx_bucket: 'b' }],
      ['mem_free', RECEIVED_AT, { influx_org: 'o', influx_bucket: 'b' }],
    ]);
  });

  it('a destination label replaces a tag of the same name; empty parameters add no label', () => {
    const { sink } = run(v1, request('m,influx_db=mine,db=kept v=1 0', 'db=theirs&rp='));
    assert.deepEqual(sink.written[0]!.value['labels'], { influx_db: 'theirs', db: 'kept' });
  });

  it('string fields become log records on the logs signal, {timestamp, name, value, labels}, after the metrics', () => {
    const { decoded, sink } = run(v2, request('log,host=a msg="disk \\"full\\"",code=7i 5000000', 'bucket=b&precision=us'));
    assert.equal(decoded.records, 2);
    assert.deepEqual(sink.written[1], {
      signal: Signal.Logs, index: 1, key: 'log_msg{host="a",influx_bucket="b"}',
      value: { timestamp: 5000, name: 'log_msg', value: 'disk "full"', labels: { host: 'a', influx_bucket: 'b' } },
    });
    assert.equal(sink.written[0]!.signal, Signal.Metrics);
  });

  it('sub-millisecond timestamps are floored to the millisecond; a timestamp before 1970 makes its line bad', () => {
    const { decoded, sink } = run(v1, request('m v=1 1999999\nm v=2 -5\n'));
    assert.deepEqual(sink.written.map((w) => w.value['timestamp']), [1]);
    assert.equal(decoded.partial?.rejected, 1);
    assert.match(decoded.partial!.message, /unable to parse 'm v=2 -5': timestamp before 1970/);
  });

  it('bad lines: the good ones are written and reported as partial, with the first bad line in the detail', () => {
    const body = 'm v=1\nm v=oops\nm v=3\nbad\n';
    const { decoded, sink } = run(v1, request(body));
    assert.deepEqual(sink.written.map((w) => w.value['value']), [1, 3]);
    assert.equal(decoded.records, 2);
    assert.deepEqual(decoded.partial, { rejected: 2, message: decoded.partial!.message, code: 'partial_write' });
    assert.match(decoded.partial!.message, /^unable to parse 'm v=oops': invalid field format.*\(line 2\)$/);
    assert.deepEqual(decoded.detail, { badLine: { line: 2, text: 'm v=oops', reason: (decoded.detail!['badLine'] as { reason: string }).reason } });
  });

  it('refuses a body with no good line, only comments, a bad precision, bad UTF-8 or too many records', () => {
    const none = refusal(() => run(v1, request('nope\nnope again')));
    assert.deepEqual([none.code, none.status, none.message], ['invalid_line_protocol', 400, "unable to parse 'nope': missing fields (line 1)"]);
    assert.equal(refusal(() => run(v1, request('# only a comment\n\n'))).code, 'empty_body');
    assert.equal(refusal(() => run(v2, request('m v=1', 'precision=h'))).code, 'invalid_parameter');
    assert.equal(refusal(() => run(v1, request('m v=1', 'precision=x'))).code, 'invalid_parameter');
    assert.equal(refusal(() => run(v1, request(Buffer.from([0x6d, 0x20, 0x76, 0x3d, 0x31, 0xff])))).code, 'invalid_utf8');
    assert.equal(refusal(() => run(v1, request(gzipSync(Buffer.alloc(2 << 20, 'm v=1\n')), '', 'text/plain', 'gzip'))).code, 'decompressed_too_large');
    const small = createInfluxDecoder('v1')({ ...settings, limits: { ...settings.limits, maxRecordsPerRequest: 2 } });
    assert.equal(refusal(() => run(small, request('m a=1,b=2,c=3'))).code, 'too_many_records');
  });

  it('the destination labels count against limits.maxLabelsPerRecord', () => {
    const tight = createInfluxDecoder('v1')({ ...settings, limits: { ...settings.limits, maxLabelsPerRecord: 2 } });
    const { decoded, sink } = run(tight, request('m,a=1 v=1\nm,a=1,b=2 v=2', 'db=d'));
    assert.equal(sink.written.length, 1);
    assert.match(decoded.partial!.message, /more than 1 tags/);
  });
});

describe('influx decoder: line protocol on /metrics', () => {
  it('text/plain line protocol is taken (no destination labels, precision from the query)', () => {
    const { decoded, sink } = run(metrics, request('cpu,host=a idle=1 1700000000', 'precision=s'));
    assert.equal(decoded.records, 1);
    assert.deepEqual(sink.written[0]!.value, { name: 'cpu_idle', value: 1, type: 'gauge', timestamp: 1700000000000, labels: { host: 'a' } });
  });

  it('JSON stays JSON and as strict as before, declared as JSON or as text/plain', () => {
    const json = '{"name":"m","value":1,"timestamp":5}';
    for (const type of ['application/json', 'text/plain', '']) {
      assert.equal(run(metrics, request(` \n${json}`, '', type)).sink.written[0]!.value['name'], 'm');
      assert.equal(refusal(() => run(metrics, request('{"name":"m","value":"x"}', '', type))).code, 'invalid_record');
    }
    assert.equal(refusal(() => run(metrics, request('m v=1', '', 'application/json'))).code, 'invalid_json');
    assert.equal(run(metrics, request(gzipSync(json), '', 'text/plain', 'gzip')).sink.written.length, 1);
    assert.equal(run(metrics, request(gzipSync('m v=1'), '', 'text/plain', 'gzip')).sink.written.length, 1);
    assert.equal(startsAsJson(Buffer.from('\ufeff[1]')), true);
    assert.equal(startsAsJson(Buffer.from('\t\r\n m v=1')), false);
  });

  it('a partial write on /metrics answers 400 partial_write with what was written', () => {
    const { decoded } = run(metrics, request('m v=1\nm v=\n'));
    const reply = JSON_ANSWERS.success(decoded.records, decoded.partial, decoded.detail);
    assert.equal(reply.status, 400);
    assert.deepEqual(JSON.parse(String(reply.body)), {
      error: 'partial_write', message: decoded.partial!.message, accepted: 1, refused: 1, badLine: decoded.detail!['badLine'],
    });
    assert.deepEqual(JSON_ANSWERS.success(3, undefined, undefined), { status: 200, body: '{"accepted":3}', contentType: 'application/json' });
  });
});
