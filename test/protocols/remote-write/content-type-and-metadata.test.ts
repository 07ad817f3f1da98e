// remote_write: which message a Content-Type names; the 1.0 family types table.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { remoteWriteMessageOf } from '../../../src/protocols/remote-write/content-type';
import { FAMILY_SLOTS, FamilyTypeTable, familyTypeOf } from '../../../src/protocols/remote-write/family-types';

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

describe('remote_write 1.0 family types (shared table)', () => {
  it('types series by family name and by the suffixes that belong to the family type', () => {
    const table = new FamilyTypeTable();
    table.remember('http_requests_total', 'counter');
    table.remember('system_cpu_time_seconds', 'counter');
    table.remember('latency_seconds', 'histogram');
    table.remember('rpc', 'summary');
    table.remember('temp', 'gauge');
    const expected: Array<[string, string | undefined]> = [
      ['http_requests_total', 'counter'], ['system_cpu_time_seconds_total', 'counter'],
      ['latency_seconds_bucket', 'histogram'], ['latency_seconds_sum', 'histogram'], ['latency_seconds_count', 'histogram'],
      ['rpc_sum', 'summary'], ['rpc_count', 'summary'], ['rpc_bucket', undefined],
      ['temp', 'gauge'], ['temp_total', undefined], ['unknown', undefined],
    ];
    for (const [series, type] of expected) assert.equal(table.typeOf(series), type, series);
  });

  it('a table over the same buffer (another thread) sees what one remembered', () => {
    const one = new FamilyTypeTable();
    const other = new FamilyTypeTable(one.shared);
    one.remember('node_cpu_seconds_total', 'counter');
    assert.equal(other.typeOf('node_cpu_seconds_total'), 'counter');
    assert.throws(() => new FamilyTypeTable(new SharedArrayBuffer(8)), RangeError);
  });

  it('is bounded: a family whose slot another takes is forgotten, and counted', () => {
    const table = new FamilyTypeTable();
    // More families than slots: some must share a slot.
    for (let i = 0; i < FAMILY_SLOTS + 1_000; i++) table.remember(`family_${i}`, 'counter');
    assert.ok(table.replaced >= 1_000, `${table.replaced} replaced`);
    const last = `family_${FAMILY_SLOTS + 999}`;
    assert.equal(table.typeOf(last), 'counter');
    let forgotten = 0;
    for (let i = 0; i < FAMILY_SLOTS + 1_000; i++) if (table.typeOf(`family_${i}`) === undefined) forgotten++;
    assert.equal(forgotten, table.replaced);
  });

  it('a family set again takes the newer type, without counting a replacement', () => {
    const table = new FamilyTypeTable();
    table.remember('x', 'gauge');
    table.remember('x', 'counter');
    assert.equal(table.typeOf('x'), 'counter');
    assert.equal(table.replaced, 0);
  });

  it('maps the MetricMetadata enum', () => {
    assert.deepEqual([0, 1, 2, 3, 4, 5, 6, 7].map(familyTypeOf), [undefined, 'counter', 'gauge', 'histogram', 'histogram', 'summary', undefined, undefined]);
  });
});
