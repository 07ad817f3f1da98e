// remote_write: which message a Content-Type names; the 1.0 metadata cache.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { remoteWriteMessageOf } from '../../../src/protocols/remote-write/content-type';
import { MetadataCache, familyTypeOf } from '../../../src/protocols/remote-write/metadata-cache';

describe('remote_write Content-Type', () => {
  const cases: Array<[string | undefined, string]> = [
    [undefined, '1.0'],
    ['', '1.0'],
    ['application/x-protobuf', '1.0'],
    ['application/x-protobuf;proto=prometheus.WriteRequest', '1.0'],
    ['application/x-protobuf;proto=io.prometheus.write.v2.Request', '2.0'],
    ['Application/X-Protobuf; Proto="io.prometheus.write.v2.Request"', '2.0'],
    ['application/x-protobuf;proto=io.prometheus.write.v3.Request', 'unsupported'],
    ['application/json', 'unsupported'],
  ];
  for (const [contentType, version] of cases) {
    it(`${JSON.stringify(contentType)} → ${version}`, () => assert.equal(remoteWriteMessageOf(contentType).version, version));
  }

  it('says which protos are understood when refusing one', () => {
    const answer = remoteWriteMessageOf('application/x-protobuf;proto=foo.Bar');
    assert.equal(answer.version, 'unsupported');
    assert.match((answer as { reason: string }).reason, /proto=foo\.Bar is not supported: send prometheus\.WriteRequest or io\.prometheus\.write\.v2\.Request/);
  });
});

describe('remote_write 1.0 metadata cache', () => {
  it('types series by family name and by the suffixes that belong to the family type', () => {
    const cache = new MetadataCache(10);
    cache.remember('http_requests_total', 'counter');
    cache.remember('system_cpu_time_seconds', 'counter');
    cache.remember('latency_seconds', 'histogram');
    cache.remember('rpc', 'summary');
    cache.remember('temp', 'gauge');
    const expected: Array<[string, string | undefined]> = [
      ['http_requests_total', 'counter'], ['system_cpu_time_seconds_total', 'counter'],
      ['latency_seconds_bucket', 'histogram'], ['latency_seconds_sum', 'histogram'], ['latency_seconds_count', 'histogram'],
      ['rpc_sum', 'summary'], ['rpc_count', 'summary'], ['rpc_bucket', undefined],
      ['temp', 'gauge'], ['temp_total', undefined], ['unknown', undefined],
    ];
    for (const [series, type] of expected) assert.equal(cache.typeOf(series), type, series);
  });

  it('is bounded: past maxEntries the least recently set family is forgotten', () => {
    const cache = new MetadataCache(2);
    cache.remember('a', 'counter');
    cache.remember('b', 'gauge');
    cache.remember('a', 'counter');
    cache.remember('c', 'gauge');
    assert.equal(cache.size, 2);
    assert.equal(cache.typeOf('b'), undefined);
    assert.equal(cache.typeOf('a'), 'counter');
    assert.equal(cache.typeOf('c'), 'gauge');
    assert.throws(() => new MetadataCache(0), RangeError);
  });

  it('a family set again takes the newer type', () => {
    const cache = new MetadataCache(2);
    cache.remember('x', 'gauge');
    cache.remember('x', 'counter');
    assert.equal(cache.typeOf('x'), 'counter');
  });

  it('maps the MetricMetadata enum', () => {
    assert.deepEqual([0, 1, 2, 3, 4, 5, 6, 7].map(familyTypeOf), [undefined, 'counter', 'gauge', 'histogram', 'histogram', 'summary', undefined, undefined]);
  });
});
