// collectd write_http JSON: names, labels, types, unknown values, bad value lists, detection.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { decodeCollectdJson, isCollectdJson, parseCollectdJson } from '../../../src/protocols/collectd/json';
import { CollectdError, type CollectdLimits } from '../../../src/protocols/collectd/value-list';

const limits: CollectdLimits = { maxNameLength: 256, maxLabelsPerRecord: 64, maxLabelNameLength: 128, maxLabelValueLength: 2048, maxRecordsPerRequest: 100_000 };
const NOW = 1_700_000_000_999;

function valueList(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    values: [1901474177], dstypes: ['derive'], dsnames: ['value'], time: 1280959128.123, interval: 10,
    host: 'leeloo', plugin: 'cpu', plugin_instance: '0', type: 'cpu', type_instance: 'idle', ...overrides,
  };
}

describe('collectd JSON', () => {
  it('names after collectd_exporter: plugin == type gives collectd_<type>, derive gets _total and is a counter', () => {
    const result = decodeCollectdJson([valueList()], NOW, limits);
    assert.deepEqual(result.points, [
      { name: 'collectd_cpu_total', value: 1901474177, type: 'counter', timestamp: 1280959128123, labels: { instance: 'leeloo', cpu: '0', type: 'idle' } },
    ]);
    assert.equal(result.valueLists, 1);
  });

  const naming: Array<[string, Record<string, unknown>, Array<[string, string, Record<string, string>]>]> = [
    ['gauge, plugin == type, type_instance goes to the plugin label when there is no plugin_instance',
      { plugin: 'memory', plugin_instance: '', type: 'memory', type_instance: 'used', dstypes: ['gauge'], values: [5] },
      [['collectd_memory', 'gauge', { instance: 'leeloo', memory: 'used' }]]],
    ['several data sources: _<dsname> each, "value" left out',
      { plugin: 'load', plugin_instance: '', type: 'load', type_instance: '', values: [1, 2, 3], dstypes: ['gauge', 'gauge', 'gauge'], dsnames: ['shortterm', 'midterm', 'longterm'] },
      [['collectd_load_shortterm', 'gauge', { instance: 'leeloo' }], ['collectd_load_midterm', 'gauge', { instance: 'leeloo' }], ['collectd_load_longterm', 'gauge', { instance: 'leeloo' }]]],
    ['plugin != type: collectd_<plugin>_<type>_<dsname>_total for derive',
      { plugin: 'interface', plugin_instance: 'eth0', type: 'if_octets', type_instance: '', values: [1, 2], dstypes: ['derive', 'derive'], dsnames: ['rx', 'tx'] },
      [['collectd_interface_if_octets_rx_total', 'counter', { instance: 'leeloo', interface: 'eth0' }], ['collectd_interface_if_octets_tx_total', 'counter', { instance: 'leeloo', interface: 'eth0' }]]],
    ['counter: _total; absolute: a counter without _total',
      { plugin: 'p', plugin_instance: '', type: 't', type_instance: '', values: [1, 2], dstypes: ['counter', 'absolute'], dsnames: ['c', 'a'] },
      [['collectd_p_t_c_total', 'counter', { instance: 'leeloo' }], ['collectd_p_t_a', 'counter', { instance: 'leeloo' }]]],
    ['unsafe characters become _ in names and label names; label values are kept',
      { plugin: 'my-plugin', plugin_instance: 'a/b c', type: 'df.complex', type_instance: 'x-y', dstypes: ['gauge'] },
      [['collectd_my_plugin_df_complex', 'gauge', { instance: 'leeloo', my_plugin: 'a/b c', type: 'x-y' }]]],
    ['no host: no instance label', { host: '', dstypes: ['gauge'] }, [['collectd_cpu', 'gauge', { cpu: '0', type: 'idle' }]]],
  ];
  for (const [title, overrides, expected] of naming) {
    it(title, () => {
      const result = decodeCollectdJson([valueList(overrides)], NOW, limits);
      assert.deepEqual(result.points.map((p) => [p.name, p.type, p.labels]), expected);
    });
  }

  it('leaves out unknown (null) values without inventing one, and counts them', () => {
    const result = decodeCollectdJson([valueList({ values: [null, 2], dstypes: ['gauge', 'gauge'], dsnames: ['a', 'b'], plugin: 'p', type: 't' })], NOW, limits);
    assert.deepEqual(result.points.map((p) => [p.name, p.value]), [['collectd_p_t_b', 2]]);
    assert.equal(result.unknownValues, 1);
    assert.equal(result.valueLists, 1);
  });

  it('takes the receive time when time is absent or 0', () => {
    const result = decodeCollectdJson([valueList({ time: undefined }), valueList({ time: 0 })], NOW, limits);
    assert.deepEqual(result.points.map((p) => p.timestamp), [NOW, NOW]);
  });

  const invalid: Array<[string, unknown, RegExp]> = [
    ['not an object', 5, /must be a JSON object/],
    ['no values', valueList({ values: [] }), /"values" must be a non-empty array/],
    ['dstypes of another length', valueList({ dstypes: ['gauge', 'gauge'] }), /"dstypes" must be an array as long as "values"/],
    ['an unknown dstype', valueList({ dstypes: ['rate'] }), /dstypes\[0\] must be one of/],
    ['an empty dsname', valueList({ dsnames: [''] }), /dsnames\[0\] must be a non-empty string/],
    ['a string value', valueList({ values: ['1'] }), /values\[0\] must be a number or null/],
    ['a negative time', valueList({ time: -1 }), /"time" must be a non-negative number/],
    ['no plugin', valueList({ plugin: '' }), /"plugin" must not be empty/],
    ['a numeric host', valueList({ host: 1 }), /"host" must be a string/],
  ];
  for (const [title, entry, reason] of invalid) {
    it(`refuses a value list with ${title}, alone`, () => {
      const result = decodeCollectdJson([valueList(), entry, valueList()], NOW, limits);
      assert.equal(result.points.length, 2);
      assert.equal(result.badEntries, 1);
      assert.match(result.firstBadEntry!.where, /^value list 1/);
      assert.match(result.firstBadEntry!.reason, reason);
    });
  }

  it('describes a refused value list by its identifier', () => {
    const result = decodeCollectdJson([valueList({ dsnames: [''] })], NOW, limits);
    assert.equal(result.firstBadEntry!.where, 'value list 0 (leeloo/cpu-0/cpu-idle)');
  });

  it('limits: names and label values refuse the value list; too many records refuse the request', () => {
    const small = decodeCollectdJson([valueList({ host: 'x'.repeat(20) }), valueList()], NOW, { ...limits, maxLabelValueLength: 10 });
    assert.equal(small.points.length, 1);
    assert.match(small.firstBadEntry!.reason, /label instance longer than 10/);
    assert.match(decodeCollectdJson([valueList()], NOW, { ...limits, maxNameLength: 5 }).firstBadEntry!.reason, /longer than 5/);
    assert.throws(() => decodeCollectdJson([valueList(), valueList()], NOW, { ...limits, maxRecordsPerRequest: 1 }),
      (err: unknown) => err instanceof CollectdError && err.kind === 'too_many_records');
  });

  it('refuses a body that is not JSON or not an array', () => {
    for (const body of ['{', '{"values":[1]}', 'null']) {
      assert.throws(() => parseCollectdJson(body, NOW, limits), (err: unknown) => err instanceof CollectdError && err.kind === 'invalid_body', body);
    }
  });

  it('tells collectd bodies from native metrics', () => {
    assert.equal(isCollectdJson([valueList()]), true);
    for (const other of [[], [{ name: 'm', value: 1 }], { metrics: [] }, [null], 'x', [[1]]]) assert.equal(isCollectdJson(other), false, JSON.stringify(other));
  });

  it('fuzz: arbitrary JSON never throws anything but CollectdError', () => {
    const entry = fc.record({
      values: fc.array(fc.oneof(fc.double(), fc.constant(null), fc.string()), { maxLength: 3 }),
      dstypes: fc.array(fc.constantFrom('gauge', 'derive', 'counter', 'absolute', 'x'), { maxLength: 3 }),
      dsnames: fc.array(fc.string({ maxLength: 5 }), { maxLength: 3 }),
      time: fc.oneof(fc.double(), fc.constant(undefined)),
      host: fc.oneof(fc.string(), fc.integer()),
      plugin: fc.string({ maxLength: 5 }), type: fc.string({ maxLength: 5 }),
      plugin_instance: fc.string({ maxLength: 5 }), type_instance: fc.string({ maxLength: 5 }),
    }, { requiredKeys: [] });
    fc.assert(fc.property(fc.oneof(fc.array(fc.oneof(entry, fc.jsonValue())), fc.jsonValue()), (body) => {
      try {
        const result = decodeCollectdJson(body, NOW, { ...limits, maxRecordsPerRequest: 20 });
        for (const point of result.points) {
          assert.ok(Number.isFinite(point.value));
          assert.match(point.name, /^[a-zA-Z_:][a-zA-Z0-9_:]*$/);
          for (const label of Object.keys(point.labels)) assert.match(label, /^[a-zA-Z_][a-zA-Z0-9_]*$/);
        }
      } catch (err) {
        if (!(err instanceof CollectdError)) throw err;
      }
    }), { numRuns: 2000 });
  });
});
