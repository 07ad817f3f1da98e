// The collectd route's decoder (/collectd) and /metrics recognising collectd's
// bodies: what collectd 5.12 sent becomes the same records on both paths;
// unknown values are counted, a bad value list is a partial write, native
// metrics stay strictly validated.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { configSchema } from '../../../src/config/schema';
import { createCollectdDecoder } from '../../../src/protocols/collectd/decoder';
import { createMetricsDecoder } from '../../../src/protocols/metrics-body';
import type { Decoded, Decoder, DecoderSettings } from '../../../src/protocols/protocol';
import type { RecordSink } from '../../../src/decode/sink';
import { capturedRequests } from '../../support/client-captures';
import { refusal } from '../../support/refusal';

const settings: DecoderSettings = {
  limits: configSchema.parse({}).limits, maxDecompressedBytes: 1 << 20, maxDecodedBytes: 1 << 24, logKeyField: '',
  otlpEncoding: configSchema.parse({}).otlp.encoding, familyTypes: new SharedArrayBuffer(0),
};
const NOW = 1_700_000_000_000;

class Collect implements RecordSink {
  readonly records: Array<{ key: string | null; value: { name: string; type: string; value: number; labels: Record<string, string> } }> = [];
  append(_signal: number, _index: number, key: string | null, value: string): void {
    this.records.push({ key, value: JSON.parse(value) as Collect['records'][number]['value'] });
  }
}

function run(decoder: Decoder, body: string | Buffer, contentType: string): { decoded: Decoded; sink: Collect } {
  const sink = new Collect();
  const request = { body: Buffer.from(body), contentType, contentEncoding: '', receivedAtMs: NOW, client: '127.0.0.1', path: '/', query: '', headers: {} };
  return { decoded: decoder(request, sink, { message: () => assert.fail('no direct messages') }), sink };
}

const collectd = createCollectdDecoder(settings);
const metrics = createMetricsDecoder(settings);

describe('collectd on /collectd and /metrics', () => {
  const seen: Collect['records'] = [];
  for (const request of capturedRequests('collectd-5.12.0', 'collectd')) {
    it(`${request.file}: written whole, the same records on both routes`, () => {
      const contentType = request.headers['content-type']!;
      const onCollectd = run(collectd, request.body, contentType);
      const onMetrics = run(metrics, request.body, contentType);
      assert.equal(onCollectd.decoded.partial, undefined);
      assert.ok(onCollectd.decoded.records > 0);
      assert.equal(onCollectd.decoded.records, onCollectd.sink.records.length);
      assert.deepEqual(onMetrics.sink.records, onCollectd.sink.records);
      assert.deepEqual(onMetrics.decoded.detail, onCollectd.decoded.detail);
      seen.push(...onCollectd.sink.records);
    });
  }

  it('the captures hold typed, labelled counters and gauges', () => {
    const load = seen.find((r) => r.value.name === 'collectd_load_shortterm');
    assert.equal(load?.value.type, 'gauge');
    assert.equal(load?.key, 'collectd_load_shortterm{instance="capture-host"}');
    assert.ok(seen.some((r) => r.value.name === 'collectd_cpu_total' && r.value.type === 'counter'));
  });

  it('unknown values (null, U) are not written and are counted in the answer detail', () => {
    const json = JSON.stringify([{ values: [null, 2], dstypes: ['gauge', 'gauge'], dsnames: ['a', 'b'], time: 1, interval: 1, host: 'h', plugin: 'p', type: 't' }]);
    const { decoded, sink } = run(collectd, json, 'application/json');
    assert.deepEqual([decoded.records, decoded.detail], [1, { unknownValues: 1 }]);
    assert.deepEqual(sink.records.map((r) => r.value.name), ['collectd_p_t_b']);
    const putval = run(metrics, 'PUTVAL h/load/load interval=1 1:U:0.5:0.25\r\n', 'text/plain');
    assert.deepEqual([putval.decoded.records, putval.decoded.detail], [2, { unknownValues: 1 }]);
  });

  it('a bad value list or line is refused alone: the rest is written, the answer is partial', () => {
    const good = { values: [1], dstypes: ['gauge'], dsnames: ['value'], time: 1, host: 'h', plugin: 'memory', type: 'memory', type_instance: 'used' };
    const { decoded, sink } = run(collectd, JSON.stringify([good, { ...good, values: ['x'] }, good]), 'application/json');
    assert.equal(sink.records.length, 2);
    assert.equal(decoded.partial?.rejected, 1);
    assert.match(decoded.partial?.message ?? '', /1 not written; the first, value list 1 \(h\/memory\/memory-used\): values\[0\] must be a number or null/);
    const lines = run(metrics, 'PUTVAL h/memory/memory-used 1:5\nPUTVAL nonsense\n', 'text/plain');
    assert.equal(lines.decoded.records, 1);
    assert.match(lines.decoded.partial?.message ?? '', /line 2 'PUTVAL nonsense'/);
  });

  it('a body that is not collectd JSON on /collectd is refused whole (400)', () => {
    assert.equal(refusal(() => run(collectd, '{"name":"x"}', 'application/json')).code, 'invalid_json');
    assert.equal(refusal(() => run(collectd, 'not json', 'text/plain')).code, 'invalid_json');
  });

  it('/metrics keeps validating native metrics strictly', () => {
    assert.equal(refusal(() => run(metrics, '[{"name":"a","value":"x"}]', 'application/json')).code, 'invalid_record');
    assert.equal(refusal(() => run(metrics, '[{"values":[1],"name":"a"}]', 'application/json')).code, 'invalid_record');
    assert.equal(run(metrics, '[{"name":"a","value":1}]', 'application/json').decoded.records, 1);
    // Not a PUTVAL and not JSON: text/plain is then read as line protocol, which refuses it.
    assert.equal(refusal(() => run(metrics, 'PUTVALX h/p/t 1:1', 'text/plain')).code, 'invalid_line_protocol');
    assert.equal(refusal(() => run(metrics, 'PUTVALX h/p/t 1:1', 'application/json')).code, 'invalid_json');
  });
});
