// collectd write_http Command format (PUTVAL lines): identifiers, times, unknown values, types table.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { looksLikePutval, parsePutval } from '../../../src/protocols/collectd/command';
import { dataSourcesOf } from '../../../src/protocols/collectd/types-db';
import { CollectdError, type CollectdLimits } from '../../../src/protocols/collectd/value-list';

const limits: CollectdLimits = { maxNameLength: 256, maxLabelsPerRecord: 64, maxLabelNameLength: 128, maxLabelValueLength: 2048, maxRecordsPerRequest: 100_000 };
const NOW = 1_700_000_000_999;

function points(body: string) {
  return parsePutval(body, NOW, limits).points.map((p) => [p.name, p.value, p.type, p.timestamp, p.labels]);
}

describe('collectd PUTVAL', () => {
  it('reads identifier, interval and values; names and types come from the types table', () => {
    assert.deepEqual(points('PUTVAL leeloo/interface-eth0/if_octets interval=10.000 1280959128.123:100:200\r\n'), [
      ['collectd_interface_if_octets_rx_total', 100, 'counter', 1280959128123, { instance: 'leeloo', interface: 'eth0' }],
      ['collectd_interface_if_octets_tx_total', 200, 'counter', 1280959128123, { instance: 'leeloo', interface: 'eth0' }],
    ]);
    assert.deepEqual(points('PUTVAL leeloo/cpu-0/cpu-idle 1280959128:5'), [['collectd_cpu_total', 5, 'counter', 1280959128000, { instance: 'leeloo', cpu: '0', type: 'idle' }]]);
    assert.deepEqual(points('PUTVAL h/memory/memory-used N:1.5e3'), [['collectd_memory', 1500, 'gauge', NOW, { instance: 'h', memory: 'used' }]]);
    assert.deepEqual(points('PUTVAL h/load/load N:1:2:3').map((p) => p[0]), ['collectd_load_shortterm', 'collectd_load_midterm', 'collectd_load_longterm']);
  });

  it('an unknown type: "value" for one value, value0..n for more, gauges; a known type with another count too', () => {
    assert.deepEqual(points('PUTVAL h/p/mystery N:1').map((p) => [p[0], p[2]]), [['collectd_p_mystery', 'gauge']]);
    assert.deepEqual(points('PUTVAL h/p/mystery N:1:2').map((p) => p[0]), ['collectd_p_mystery_value0', 'collectd_p_mystery_value1']);
    assert.deepEqual(dataSourcesOf('cpu', 2).map((s) => s.name), ['value0', 'value1']);
    assert.deepEqual(dataSourcesOf('df', 2), [{ name: 'used', type: 'gauge' }, { name: 'free', type: 'gauge' }]);
  });

  it('a dash splits plugin and type instances at its first occurrence only; host may hold dashes', () => {
    assert.deepEqual(points('PUTVAL my-host/df-root-fs/df_complex-free-x N:1').map((p) => p[4]), [{ instance: 'my-host', df: 'root-fs', type: 'free-x' }]);
  });

  it('takes a quoted identifier with spaces and escapes', () => {
    assert.deepEqual(points('PUTVAL "my host/exec-a \\"b\\"/gauge-x" N:1').map((p) => p[4]), [{ instance: 'my host', exec: 'a "b"', type: 'x' }]);
  });

  it('U and nan are unknown values: left out and counted', () => {
    const result = parsePutval('PUTVAL h/load/load N:U:nan:3\nPUTVAL h/memory/memory-used N:-nan', NOW, limits);
    assert.deepEqual(result.points.map((p) => [p.name, p.value]), [['collectd_load_longterm', 3]]);
    assert.equal(result.unknownValues, 3);
    assert.equal(result.valueLists, 2);
  });

  it('several value lists on one line', () => {
    assert.deepEqual(points('PUTVAL h/memory/memory-used 10:1 20:2').map((p) => [p[1], p[3]]), [[1, 10000], [2, 20000]]);
  });

  const bad: Array<[string, RegExp]> = [
    ['PUTNOTIF severity=okay time=1 message=x', /unknown command "PUTNOTIF"/],
    ['PUTVAL', /without an identifier/],
    ['PUTVAL h/p N:1', /is not host\/plugin\[-instance\]\/type\[-instance\]/],
    ['PUTVAL h//t N:1', /empty host, plugin or type/],
    ['PUTVAL h/p/t', /without values/],
    ['PUTVAL h/p/t N', /are not <time>:<value>/],
    ['PUTVAL h/p/t N:x', /value "x" is not a number or U/],
    ['PUTVAL h/p/t -5:1', /time "-5" is not N or seconds/],
    ['PUTVAL "h/p/t N:1', /unbalanced quotes/],
  ];
  for (const [line, reason] of bad) {
    it(`refuses ${JSON.stringify(line)} alone`, () => {
      const result = parsePutval(`PUTVAL h/memory/memory-used N:1\r\n${line}\r\nPUTVAL h/memory/memory-free N:2\r\n`, NOW, limits);
      assert.deepEqual(result.points.map((p) => p.value), [1, 2]);
      assert.equal(result.badEntries, 1);
      assert.equal(result.firstBadEntry!.where, `line 2 '${line}'`);
      assert.match(result.firstBadEntry!.reason, reason);
    });
  }

  it('refuses the request past maxRecordsPerRequest', () => {
    assert.throws(() => parsePutval('PUTVAL h/load/load N:1:2:3', NOW, { ...limits, maxRecordsPerRequest: 2 }),
      (err: unknown) => err instanceof CollectdError && err.kind === 'too_many_records');
  });

  it('recognises Command bodies', () => {
    assert.equal(looksLikePutval('PUTVAL h/p/t N:1\r\n'), true);
    assert.equal(looksLikePutval(Buffer.from('\n  PUTVAL h/p/t N:1')), true);
    assert.equal(looksLikePutval('cpu usage=1'), false);
    assert.equal(looksLikePutval('PUTVALUE x'), false);
    assert.equal(looksLikePutval(new Uint8Array(0)), false);
  });

  it('fuzz: arbitrary text never throws anything but CollectdError', () => {
    const unit = fc.constantFrom(...'PUTVAL h/p-t:N U1.e-"\\ \r\n='.split(''));
    const check = (body: string): void => {
      try {
        for (const point of parsePutval(body, NOW, { ...limits, maxRecordsPerRequest: 20 }).points) assert.ok(Number.isFinite(point.value));
      } catch (err) {
        if (!(err instanceof CollectdError)) throw err;
      }
    };
    fc.assert(fc.property(fc.string({ unit, maxLength: 60 }).map((s) => `PUTVAL ${s}`), check), { numRuns: 2000 });
    fc.assert(fc.property(fc.string({ maxLength: 100 }), check), { numRuns: 500 });
  });
});
