// InfluxDB line protocol: escaping, field types, precisions, partial writes, limits.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  LineProtocolError, parseLineProtocol, parsePrecision, stringFieldLogRecord,
  type LineProtocolLimits, type LineProtocolResult, type Precision,
} from '../../../src/protocols/influx/line-protocol';

const limits: LineProtocolLimits = { maxNameLength: 256, maxLabelsPerRecord: 64, maxLabelNameLength: 128, maxLabelValueLength: 2048, maxRecordsPerRequest: 100_000 };
const NOW = 1_700_000_000_999;

function parse(body: string, precision: Precision = 'ns', lim: LineProtocolLimits = limits): LineProtocolResult {
  return parseLineProtocol(body, precision, NOW, lim);
}

/** [name, value, labels] of each point. */
function summary(result: LineProtocolResult): Array<[string, number, Record<string, string>]> {
  return result.points.map((p) => [p.name, p.value, p.labels]);
}

function reasonOf(body: string, lim: LineProtocolLimits = limits): string {
  const result = parse(body, 'ns', lim);
  assert.equal(result.points.length + result.strings.length, 0, `expected ${JSON.stringify(body)} to be refused`);
  assert.ok(result.firstBadLine !== undefined);
  return result.firstBadLine.reason;
}

describe('line protocol: names, tags and fields', () => {
  it('writes one gauge per numeric field, named <measurement>_<field>, the field "value" named <measurement>', () => {
    const result = parse('cpu,host=a,region=eu usage_idle=99.5,value=3i 1700000000123456789');
    assert.deepEqual(result.points, [
      { name: 'cpu_usage_idle', value: 99.5, type: 'gauge', timestamp: 1700000000123, timestampNs: '1700000000123456789', labels: { host: 'a', region: 'eu' } },
      { name: 'cpu', value: 3, type: 'gauge', timestamp: 1700000000123, timestampNs: '1700000000123456789', labels: { host: 'a', region: 'eu' } },
    ]);
    assert.equal(result.goodLines, 1);
    assert.equal(result.firstBadLine, undefined);
  });

  it('keeps tags in line order and gives each point its own labels object', () => {
    const result = parse('m,z=1,a=2 x=1,y=2');
    assert.deepEqual(Object.keys(result.points[0]!.labels), ['z', 'a']);
    assert.notEqual(result.points[0]!.labels, result.points[1]!.labels);
  });

  const escaping: Array<[string, string, string, Record<string, string>]> = [
    ['measurement: comma and space escaped', 'my\\,meas\\ ure x=1', 'my,meas ure_x', {}],
    ['measurement: an equals sign needs no escape', 'a=b x=1', 'a=b_x', {}],
    ['measurement: other backslashes are kept', 'c:\\temp x=1', 'c:\\temp_x', {}],
    ['tag key and value: comma, equals sign and space', 'm,t\\ a\\,g\\==v\\ a\\,l\\=ue x=1', 'm_x', { 't a,g=': 'v a,l=ue' }],
    ['tag value: backslash before another character is kept', 'm,path=C:\\dir x=1', 'm_x', { path: 'C:\\dir' }],
    ['field key: comma, equals sign and space', 'm f\\ i\\,e\\=ld=1', 'm_f i,e=ld', {}],
    ['measurement may hold a quote', 'm"q x=1', 'm"q_x', {}],
  ];
  for (const [title, line, name, labels] of escaping) {
    it(`escaping — ${title}`, () => {
      assert.deepEqual(summary(parse(line)), [[name, 1, labels]]);
    });
  }

  it('tolerates a tag named __proto__ (labels are plain data)', () => {
    const point = parse('m,__proto__=x v=1').points[0]!;
    assert.deepEqual(Object.entries(point.labels), [['__proto__', 'x']]);
    assert.equal(Object.getPrototypeOf(point.labels), Object.prototype);
  });

  it('refuses a repeated tag key; a repeated field keeps the last value', () => {
    assert.match(reasonOf('m,a=1,a=2 v=1'), /duplicate tag "a"/);
    assert.deepEqual(summary(parse('m v=1,v=2')), [['m_v', 2, {}]]);
  });
});

describe('line protocol: field types', () => {
  const values: Array<[string, number]> = [
    ['1', 1], ['-1.5', -1.5], ['1.', 1], ['.5', 0.5], ['1e3', 1000], ['-2.5E-3', -0.0025], ['1.5e+2', 150],
    ['42i', 42], ['-42i', -42], ['9223372036854775807i', 9223372036854775807], ['-9223372036854775808i', -9223372036854775808],
    ['0u', 0], ['18446744073709551615u', 18446744073709551615],
    ...['t', 'T', 'true', 'True', 'TRUE'].map((b): [string, number] => [b, 1]),
    ...['f', 'F', 'false', 'False', 'FALSE'].map((b): [string, number] => [b, 0]),
  ];
  for (const [text, value] of values) {
    it(`${text} → ${value}`, () => assert.deepEqual(summary(parse(`m value=${text}`)), [['m', value, {}]]));
  }

  const invalid: Array<[string, RegExp]> = [
    ['9223372036854775808i', /out of range/], ['-1u', /invalid unsigned/], ['18446744073709551616u', /out of range/],
    ['1.5i', /invalid integer/], ['tRUE', /invalid field format/], ['toString', /invalid field format/], ['constructor', /invalid field format/], ['yes', /invalid field format/], ['NaN', /invalid field format/],
    ['Inf', /invalid field format/], ['+1', /invalid field format/], ['1e999', /out of range/], ['0x10', /invalid field format/],
  ];
  for (const [text, reason] of invalid) {
    it(`refuses ${text}`, () => assert.match(reasonOf(`m v=${text}`), reason));
  }

  it('returns string fields apart, unescaping \\" and \\\\ and keeping other backslashes', () => {
    const result = parse('log,host=a msg="he said \\"hi\\" \\\\o/ C:\\dir",level="info",n=1i 1700000000000000000');
    assert.deepEqual(summary(result), [['log_n', 1, { host: 'a' }]]);
    assert.deepEqual(result.strings.map((s) => [s.name, s.value]), [['log_msg', 'he said "hi" \\o/ C:\\dir'], ['log_level', 'info']]);
    assert.deepEqual(stringFieldLogRecord(result.strings[0]!), { timestamp: 1700000000000, name: 'log_msg', value: 'he said "hi" \\o/ C:\\dir', labels: { host: 'a' } });
  });

  it('takes commas, spaces, equals signs and newlines inside a string field', () => {
    const result = parse('m s="a, b=c\nd",v=1 5000000\nm v=2 6000000');
    assert.deepEqual(result.strings.map((s) => s.value), ['a, b=c\nd']);
    assert.deepEqual(result.points.map((p) => [p.value, p.timestamp]), [[1, 5], [2, 6]]);
  });

  it('a line of only string fields writes no points and is a good line', () => {
    const result = parse('m s="x"');
    assert.equal(result.points.length, 0);
    assert.equal(result.strings.length, 1);
    assert.equal(result.goodLines, 1);
  });
});

describe('line protocol: timestamps and precision', () => {
  const cases: Array<[Precision, string, number, string]> = [
    ['ns', '1700000000123456789', 1700000000123, '1700000000123456789'],
    ['us', '1700000000123456', 1700000000123, '1700000000123456000'],
    ['ms', '1700000000123', 1700000000123, '1700000000123000000'],
    ['s', '1700000000', 1700000000000, '1700000000000000000'],
    ['m', '28333333', 1699999980000, '1699999980000000000'],
    ['h', '472222', 1699999200000, '1699999200000000000'],
    ['ns', '1999999', 1, '1999999'],
    ['ns', '0', 0, '0'],
  ];
  for (const [precision, ts, ms, ns] of cases) {
    it(`${ts} at ${precision} → ${ms} ms, ${ns} ns`, () => {
      const point = parse(`m v=1 ${ts}`, precision).points[0]!;
      assert.equal(point.timestamp, ms);
      assert.equal(point.timestampNs, ns);
    });
  }

  it('takes the receive time when the line has none', () => {
    const point = parse('m v=1').points[0]!;
    assert.equal(point.timestamp, NOW);
    assert.equal(point.timestampNs, `${NOW}000000`);
    assert.equal(parseLineProtocol('m v=1', 'ns', 0, limits).points[0]!.timestampNs, '0');
  });

  it('refuses timestamps outside int64 nanoseconds and malformed ones', () => {
    assert.match(reasonOf('m v=1 9223372036854775808'), /out of range/);
    assert.equal(parse('m v=1 9223372036854775', 'ms').points.length, 0);
    assert.match(reasonOf('m v=1 12a'), /invalid timestamp/);
    assert.match(reasonOf('m v=1 1.5'), /invalid timestamp/);
    assert.match(reasonOf('m v=1 1 2'), /unexpected text after the timestamp/);
  });

  it('makes a line with a timestamp before 1970 bad (records take ms ≥ 0)', () => {
    assert.match(reasonOf('m v=1 -1'), /before 1970 \(negative\)/);
    assert.equal(parse('m v=1 -1000001\nm v=2 0').points.length, 1);
  });

  it('reads the precision parameters of v1 and v2', () => {
    assert.deepEqual(['n', 'u', 'ms', 's', 'm', 'h', undefined].map((p) => parsePrecision(p, 'v1')), ['ns', 'us', 'ms', 's', 'm', 'h', 'ns']);
    assert.deepEqual(['ns', 'us', 'ms', 's', undefined].map((p) => parsePrecision(p, 'v2')), ['ns', 'us', 'ms', 's', 'ns']);
    for (const [p, api] of [['m', 'v2'], ['h', 'v2'], ['n', 'v2'], ['x', 'v1'], ['NS', 'v1'], ['toString', 'v1'], ['__proto__', 'v2']] as const) {
      assert.throws(() => parsePrecision(p, api), (err: unknown) => err instanceof LineProtocolError && err.kind === 'invalid_precision', `${p} on ${api}`);
    }
  });
});

describe('line protocol: lines, comments and partial writes', () => {
  it('skips comments, blank lines and leading blanks; takes CRLF and trailing spaces', () => {
    const body = '# a comment\r\n\r\n   \n  m v=1 1000000\r\n\tm v=2  \r\n# m v=3\nm v=4 4000000   ';
    assert.deepEqual(parse(body).points.map((p) => [p.value, p.timestamp]), [[1, 1], [2, NOW], [4, 4]]);
  });

  it('writes the good lines and reports the first bad line (number, text, reason) and how many were bad', () => {
    const body = 'm v=1\nm,host=a\n\nm v=2\nm v=oops\r\nm v=3';
    const result = parse(body);
    assert.deepEqual(result.points.map((p) => p.value), [1, 2, 3]);
    assert.equal(result.goodLines, 3);
    assert.equal(result.badLines, 2);
    assert.deepEqual(result.firstBadLine, { line: 2, text: 'm,host=a', reason: 'missing fields' });
  });

  it('counts physical lines past a string field holding a newline', () => {
    assert.equal(parse('m s="a\nb"\nm v=x').firstBadLine?.line, 3);
  });

  it('resumes after the line of an unbalanced quote instead of losing the rest of the body', () => {
    const result = parse('m s="never closed\nm v=1\nm v=2');
    assert.deepEqual(result.firstBadLine, { line: 1, text: 'm s="never closed', reason: 'unbalanced quotes: string field value has no closing quote' });
    assert.deepEqual(result.points.map((p) => p.value), [1, 2]);
  });

  it('cuts a long bad line in the report', () => {
    const text = parse(`m v=x${'y'.repeat(1000)}`).firstBadLine!.text;
    assert.equal(text.length, 257);
    assert.ok(text.endsWith('…'));
  });

  const malformed: Array<[string, RegExp]> = [
    ['m', /missing fields/], ['m ', /missing fields/], [',t=1 v=1', /missing measurement/], ['m,=1 v=1', /missing tag key/],
    ['m,t v=1', /missing tag value/], ['m,t= v=1', /missing tag value/], ['m,t=a=b v=1', /invalid tag format/],
    ['m =1', /missing field key/], ['m v', /missing field value/], ['m v=', /missing field value/], ['m v=1,', /missing field key/],
    ['m v="x"y', /text after a string field value/], ['m v=1,w', /missing field value/],
  ];
  for (const [line, reason] of malformed) {
    it(`refuses ${JSON.stringify(line)}`, () => assert.match(reasonOf(line), reason));
  }
});

describe('line protocol: limits', () => {
  it('makes a line bad when its name, tag count, tag key or tag value is over the limit', () => {
    const small = { ...limits, maxNameLength: 5, maxLabelsPerRecord: 1, maxLabelNameLength: 3, maxLabelValueLength: 4 };
    assert.match(reasonOf('m abcde=1', small), /name "m_abcde" longer than 5/);
    assert.match(reasonOf('m,a=1,b=2 v=1', small), /more than 1 tags/);
    assert.match(reasonOf('m,abcd=1 v=1', small), /tag key "abcd" longer than 3/);
    assert.match(reasonOf('m,a=12345 v=1', small), /value of tag "a" longer than 4/);
    const mixed = parse('m,a=12345 v=1\nm,a=1 v=2', 'ns', small);
    assert.deepEqual(mixed.points.map((p) => p.value), [2]);
    assert.equal(mixed.firstBadLine?.line, 1);
  });

  it('refuses the whole request past maxRecordsPerRequest (points and string fields count), naming the line', () => {
    const lim = { ...limits, maxRecordsPerRequest: 3 };
    assert.equal(parse('m a=1,b=2\nm s="x"', 'ns', lim).points.length, 2);
    assert.throws(() => parse('m a=1,b=2\nm s="x",c=3', 'ns', lim),
      (err: unknown) => err instanceof LineProtocolError && err.kind === 'too_many_records' && /line 2/.test(err.message));
  });
});

describe('line protocol: fuzz', () => {
  const assertOnlyOwnErrors = (body: string | Uint8Array): void => {
    try {
      const result = parseLineProtocol(body, 'ns', NOW, { ...limits, maxRecordsPerRequest: 50 });
      for (const point of result.points) {
        assert.equal(typeof point.value, 'number');
        assert.ok(Number.isFinite(point.value));
        assert.ok(Number.isSafeInteger(point.timestamp));
      }
      assert.equal(result.badLines > 0, result.firstBadLine !== undefined);
    } catch (err) {
      if (!(err instanceof LineProtocolError)) throw err;
    }
  };

  it('arbitrary strings and bytes never throw anything but LineProtocolError', () => {
    const alphabet = fc.constantFrom(...'m, =\\"\n\r\t #1i0u.e-+tTfF'.split(''));
    fc.assert(fc.property(fc.string({ unit: alphabet, maxLength: 80 }), assertOnlyOwnErrors), { numRuns: 3000 });
    fc.assert(fc.property(fc.string({ maxLength: 200 }), assertOnlyOwnErrors), { numRuns: 500 });
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), assertOnlyOwnErrors), { numRuns: 500 });
  });

  it('reads back what was escaped, for any measurement, tag and field text', () => {
    const text = fc.string({ minLength: 1, maxLength: 12 }).filter((s) => !/[\n\r\\]/.test(s) && !s.startsWith('#') && !/^[ \t]/.test(s));
    const escapeKey = (s: string): string => s.replace(/([,= ])/g, '\\$1');
    const escapeMeasurement = (s: string): string => s.replace(/([, ])/g, '\\$1');
    const escapeString = (s: string): string => s.replace(/(["\\])/g, '\\$1');
    fc.assert(fc.property(text, text, text, text, fc.double({ noNaN: true, noDefaultInfinity: true }).filter((v) => !Object.is(v, -0)), fc.string({ maxLength: 20 }),
      (measurement, tagKey, tagValue, field, value, str) => {
        fc.pre(field !== 's');
        const line = `${escapeMeasurement(measurement)},${escapeKey(tagKey)}=${escapeKey(tagValue)} ${escapeKey(field)}=${value},s="${escapeString(str)}" 123`;
        const result = parse(line);
        assert.equal(result.firstBadLine, undefined, line);
        assert.deepEqual(summary(result), [[field === 'value' ? measurement : `${measurement}_${field}`, value, { [tagKey]: tagValue }]]);
        assert.equal(result.strings[0]!.value, str);
      }), { numRuns: 1000 });
  });
});
