// remote_write decoding: snappy + protobuf → one metric record per sample.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compressSync } from 'snappy';
import { configSchema } from '../../../src/config/schema';
import { WriteRequest, decodeRemoteWrite, snappyDeclaredLength } from '../../../src/protocols/remote-write/decode';
import { FamilyTypeTable } from '../../../src/protocols/remote-write/family-types';
import type { RecordSink } from '../../../src/decode/sink';
import { refusal } from '../../support/refusal';

const limits = configSchema.parse({}).limits;

class Collect implements RecordSink {
  readonly records: Array<{ index: number; key: string | null; value: Record<string, unknown> }> = [];
  append(_topic: number, index: number, key: string | null, value: string): void {
    this.records.push({ index, key, value: JSON.parse(value) as Record<string, unknown> });
  }
}

function body(request: object): Buffer {
  return compressSync(Buffer.from(WriteRequest.encode(WriteRequest.fromObject(request)).finish()));
}

describe('remote_write', () => {
  it('writes one record per sample: name from __name__, other labels, timestamp, type from metadata', () => {
    const sink = new Collect();
    const n = decodeRemoteWrite(body({
      timeseries: [
        { labels: [{ name: '__name__', value: 'http_requests_total' }, { name: 'job', value: 'api' }, { name: 'code', value: '200' }],
          samples: [{ value: 10, timestamp: 1762045907000 }, { value: 12, timestamp: 1762045908000 }] },
        { labels: [{ name: '__name__', value: 'temp' }], samples: [{ value: NaN, timestamp: 5 }, { value: Infinity, timestamp: 6 }] },
      ],
      metadata: [{ type: 1, metricFamilyName: 'http_requests_total' }],
    }), 1 << 20, limits, sink, new FamilyTypeTable());
    assert.equal(n, 4);
    assert.deepEqual(sink.records[0], {
      index: 0, key: 'http_requests_total{code="200",job="api"}',
      value: { name: 'http_requests_total', value: 10, type: 'counter', timestamp: 1762045907000, labels: { job: 'api', code: '200' } },
    });
    assert.equal(sink.records[1]!.value['timestamp'], 1762045908000);
    assert.deepEqual(sink.records.slice(2).map((r) => [r.index, r.key, r.value['value'], r.value['type']]), [[2, 'temp', 'NaN', 'gauge'], [3, 'temp', '+Inf', 'gauge']]);
  });

  it('accepts a metadata-only request with 0 records', () => {
    assert.equal(decodeRemoteWrite(body({ metadata: [{ type: 2, metricFamilyName: 'x' }] }), 1 << 20, limits, new Collect(), new FamilyTypeTable()), 0);
  });

  it('refuses bad data with 400 and bombs with 413, before decompressing', () => {
    assert.equal(refusal(() => decodeRemoteWrite(Buffer.from('not snappy at all'), 1 << 20, limits, new Collect(), new FamilyTypeTable())).code, 'bad_compression');
    const truncated = compressSync(Buffer.from(WriteRequest.encode(WriteRequest.fromObject({ timeseries: [{ labels: [{ name: '__name__', value: 'abcdef' }] }] })).finish()).subarray(0, 6));
    assert.equal(refusal(() => decodeRemoteWrite(truncated, 1 << 20, limits, new Collect(), new FamilyTypeTable())).code, 'invalid_protobuf');
    const noName = body({ timeseries: [{ labels: [{ name: 'job', value: 'x' }], samples: [{ value: 1, timestamp: 1 }] }] });
    const missing = refusal(() => decodeRemoteWrite(noName, 1 << 20, limits, new Collect(), new FamilyTypeTable()));
    assert.equal(missing.status, 400);
    assert.match(missing.message, /series 0: __name__ missing/);
    const big = compressSync(Buffer.alloc(2 << 20));
    assert.equal(snappyDeclaredLength(big), 2 << 20);
    const bomb = refusal(() => decodeRemoteWrite(big, 1 << 20, limits, new Collect(), new FamilyTypeTable()));
    assert.equal(bomb.status, 413);
    assert.equal(bomb.code, 'decompressed_too_large');
    const many = body({ timeseries: [{ labels: [{ name: '__name__', value: 'm' }], samples: Array.from({ length: 11 }, (_, i) => ({ value: i, timestamp: i })) }] });
    assert.equal(refusal(() => decodeRemoteWrite(many, 1 << 20, { ...limits, maxRecordsPerRequest: 10 }, new Collect(), new FamilyTypeTable())).status, 413);
  });

  it('types samples from metadata sent in an earlier request (1.0 senders send it apart), by family and suffix', () => {
    const table = new FamilyTypeTable();
    decodeRemoteWrite(body({ metadata: [
      { type: 1, metricFamilyName: 'system_cpu_time_seconds' }, { type: 3, metricFamilyName: 'latency_seconds' }, { type: 2, metricFamilyName: 'temp' },
    ] }), 1 << 20, limits, new Collect(), table);
    const sink = new Collect();
    const series = (name: string) => ({ labels: [{ name: '__name__', value: name }], samples: [{ value: 1, timestamp: 1 }] });
    decodeRemoteWrite(body({ timeseries: ['system_cpu_time_seconds_total', 'latency_seconds_bucket', 'latency_seconds_sum', 'temp', 'other'].map(series) }),
      1 << 20, limits, sink, table);
    assert.deepEqual(sink.records.map((r) => r.value['type']), ['counter', 'histogram', 'histogram', 'gauge', 'gauge']);
  });

  it('metadata in the request itself types its samples by suffix too', () => {
    const sink = new Collect();
    decodeRemoteWrite(body({
      timeseries: [{ labels: [{ name: '__name__', value: 'rpc_count' }], samples: [{ value: 1, timestamp: 1 }] }],
      metadata: [{ type: 5, metricFamilyName: 'rpc' }],
    }), 1 << 20, limits, sink, new FamilyTypeTable());
    assert.equal(sink.records[0]!.value['type'], 'summary');
  });
});
