// Splunk HEC: concatenated event objects and raw lines → log records or
// metric points; HEC's own answers with its codes and event numbers.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  decodeHecEvents, decodeHecRaw, HEC, HecDecodeError, healthAnswer, hecAnswer, hecText, hecToken, parseHecTime,
  type HecContext, type HecLimits, type HecRecord,
} from '../../../src/protocols/splunk-hec';
import { capturedRequests } from '../../support/client-captures';

const CONTEXT: HecContext = { receivedAtMs: 1_700_000_000_123, defaults: {}, channel: undefined, maxDepth: 8 };
const LIMITS: HecLimits = { maxRecords: 100, maxEventBytes: 4096 };

function refusal(run: () => unknown): HecDecodeError {
  try {
    run();
  } catch (error) {
    assert.ok(error instanceof HecDecodeError, `expected a HecDecodeError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected a refusal');
}

const logs = (records: HecRecord[]) => records.map((r) => (r.kind === 'log' ? r.record : assert.fail('expected a log record')));

describe('splunk hec: event bodies', () => {
  it('splits concatenated objects with or without whitespace, braces inside strings included', () => {
    const records = logs(decodeHecEvents('{"event":"a}{"}{"event":"b"}\n\n  {"event":{"msg":"c\\"}"}}', CONTEXT, LIMITS));
    assert.deepEqual(records.map((r) => r.body), ['a}{', 'b', { msg: 'c"}' }]);
  });

  it('maps time, host, source, sourcetype, index and fields onto the log record', () => {
    const [record] = logs(decodeHecEvents(JSON.stringify({
      time: 1796580338.946567, host: 'web-1', source: 'app', sourcetype: '_json', index: 'main', event: 'hello', fields: { region: 'eu', tags: ['a', 'b'] },
    }), { ...CONTEXT, channel: 'c0ffee00-0000-0000-0000-000000000000' }, LIMITS));
    assert.deepEqual(record, {
      timestamp: 1_796_580_338_946, time_unix_nano: '1796580338946567000', body: 'hello',
      attributes: { region: 'eu', tags: ['a', 'b'] }, host: 'web-1', source: 'app', sourcetype: '_json', index: 'main',
      channel: 'c0ffee00-0000-0000-0000-000000000000',
    });
  });

  it('takes the receive time without time, query-string defaults unless the event overrides them', () => {
    const [a, b] = logs(decodeHecEvents('{"event":"x"}{"event":"y","host":"own"}', { ...CONTEXT, defaults: { host: 'q', index: 'qi' } }, LIMITS));
    assert.deepEqual([a!.timestamp, a!.time_unix_nano, a!.host, a!.index], [CONTEXT.receivedAtMs, undefined, 'q', 'qi']);
    assert.deepEqual([b!.host, b!.index], ['own', 'qi']);
  });

  it('answers HEC codes naming the event: 12 no event, 13 blank, 6 bad JSON/time/type, 15 nested fields, 5 empty body', () => {
    const cases: Array<[string, number, number | undefined]> = [
      ['{"event":"ok"}{"time":1}', 12, 1],
      ['{"event":"ok"}{"event":null}', 12, 1],
      ['{"event":""}', 13, 0],
      ['{"event":{}}', 13, 0],
      ['{"event":"ok"}{"event":"x",}', 6, 1],
      ['{"event":"ok"} [1]', 6, 1],
      ['{"event":"ok"}{"event":"x"', 6, 1],
      ['{"event":"x","time":"yesterday"}', 6, 0],
      ['{"event":"x","time":-1}', 6, 0],
      ['{"event":"x","host":5}', 6, 0],
      ['{"event":"x","fields":[]}', 6, 0],
      ['{"event":"x","fields":{"a":{"b":1}}}', 15, 0],
      ['  \n ', 5, undefined],
    ];
    for (const [body, code, n] of cases) {
      const error = refusal(() => decodeHecEvents(body, CONTEXT, LIMITS));
      assert.deepEqual([error.status.code, error.eventNumber], [code, n], body);
      assert.equal(error.answer().status, 400, body);
      assert.equal(error.answer().body['invalid-event-number'], n, body);
    }
  });

  it('refuses more events than the limit and an event over the size limit with 413', () => {
    assert.equal(decodeHecEvents('{"event":1}{"event":2}', CONTEXT, { ...LIMITS, maxRecords: 2 }).length, 2);
    assert.equal(refusal(() => decodeHecEvents('{"event":1}{"event":2}{"event":3}', CONTEXT, { ...LIMITS, maxRecords: 2 })).status.http, 413);
    assert.equal(refusal(() => decodeHecEvents(JSON.stringify({ event: 'x'.repeat(100) }), CONTEXT, { ...LIMITS, maxEventBytes: 50 })).status.http, 413);
  });

  it('refuses events nested deeper than maxDepth as invalid data', () => {
    const deep = JSON.stringify({ event: { a: { b: { c: 1 } } } });
    assert.equal(decodeHecEvents(deep, { ...CONTEXT, maxDepth: 4 }, LIMITS).length, 1);
    assert.equal(refusal(() => decodeHecEvents(deep, { ...CONTEXT, maxDepth: 3 }, LIMITS)).status.code, 6);
  });
});

describe('splunk hec: event size', () => {
  it('refuses an event by its UTF-8 bytes, whatever its characters', () => {
    for (const char of ['x', 'é', '日', '😀']) {
      for (let length = 1000; length <= 4100; length += 7) {
        const text = JSON.stringify({ event: char.repeat(Math.floor(length / char.length)) });
        const tooLarge = Buffer.byteLength(text) > LIMITS.maxEventBytes;
        if (tooLarge) assert.equal(refusal(() => decodeHecEvents(text, CONTEXT, LIMITS)).status, HEC.eventTooLarge, `${char} × ${length}`);
        else assert.equal(decodeHecEvents(text, CONTEXT, LIMITS).length, 1, `${char} × ${length}`);
      }
    }
  });
});

describe('splunk hec: metric events', () => {
  it('turns the single form (metric_name + _value) into a gauge point labelled by fields and metadata', () => {
    const records = decodeHecEvents(JSON.stringify({ time: 10.5, host: 'h', event: 'metric', fields: { metric_name: 'cpu.idle', _value: '99.5', region: 'eu' } }), CONTEXT, LIMITS);
    assert.deepEqual(records, [{ kind: 'metric', point: { name: 'cpu.idle', value: 99.5, type: 'gauge', timestamp: 10_500, labels: { host: 'h', region: 'eu' } } }]);
  });

  it('turns the multi form (metric_name:<name> per value) into one point per metric', () => {
    const records = decodeHecEvents(JSON.stringify({ time: 1, event: 'metric', fields: { 'metric_name:cpu.idle': 99.1, 'metric_name:cpu.usr': 0.5, cpu: 0 } }), CONTEXT, LIMITS);
    assert.deepEqual(records.map((r) => (r.kind === 'metric' ? [r.point.name, r.point.value, r.point.labels] : r.kind)), [
      ['cpu.idle', 99.1, { cpu: '0' }], ['cpu.usr', 0.5, { cpu: '0' }],
    ]);
  });

  it('keeps "event":"metric" without metric fields as a log, and refuses a metric without a numeric value', () => {
    assert.equal(decodeHecEvents('{"event":"metric","fields":{"a":"b"}}', CONTEXT, LIMITS)[0]!.kind, 'log');
    const error = refusal(() => decodeHecEvents('{"event":"ok"}{"event":"metric","fields":{"metric_name":"m","_value":"high"}}', CONTEXT, LIMITS));
    assert.deepEqual([error.status.code, error.eventNumber], [6, 1]);
  });
});

describe('splunk hec: raw bodies', () => {
  it('makes one log record per non-blank line, with the channel and query defaults', () => {
    const records = logs(decodeHecRaw('first line\r\n\nsecond line\n', { ...CONTEXT, channel: 'ch-1', defaults: { sourcetype: 'syslog' } }, LIMITS));
    assert.deepEqual(records, [
      { timestamp: CONTEXT.receivedAtMs, body: 'first line', attributes: {}, sourcetype: 'syslog', channel: 'ch-1' },
      { timestamp: CONTEXT.receivedAtMs, body: 'second line', attributes: {}, sourcetype: 'syslog', channel: 'ch-1' },
    ]);
  });

  it('answers 10 without a channel, 5 for an empty body', () => {
    assert.equal(refusal(() => decodeHecRaw('x', CONTEXT, LIMITS)).status.code, 10);
    assert.equal(refusal(() => decodeHecRaw('\n \n', { ...CONTEXT, channel: 'c' }, LIMITS)).status.code, 5);
  });
});

describe('splunk hec: time', () => {
  it('converts seconds through their decimal text, exactly', () => {
    assert.deepEqual(parseHecTime(1.005), { ms: 1005, nanos: '1005000000' });
    assert.deepEqual(parseHecTime('1796580338.946567123999'), { ms: 1_796_580_338_946, nanos: '1796580338946567123' });
    assert.deepEqual(parseHecTime(1e-7), { ms: 0, nanos: '100' });
    assert.equal(parseHecTime('12abc'), undefined);
    assert.equal(parseHecTime(true), undefined);
  });

  it('gives what exact integer arithmetic on the digits gives, for any seconds and fraction', () => {
    const reference = (text: string): { ms: number; nanos: string } | undefined => {
      const match = /^([0-9]{1,11})(?:\.([0-9]{1,9})[0-9]*)?$/.exec(text.trim());
      if (match === null) return undefined;
      const nanos = BigInt(match[1]!) * 1_000_000_000n + BigInt((match[2] ?? '').padEnd(9, '0'));
      return { ms: Number(nanos / 1_000_000n), nanos: nanos.toString() };
    };
    const digits = (min: number, max: number) => fc.stringMatching(new RegExp(`^[0-9]{${min},${max}}$`));
    fc.assert(fc.property(digits(1, 12), fc.option(digits(0, 12)), (seconds, fraction) => {
      const text = fraction === null ? seconds : `${seconds}.${fraction}`;
      assert.deepEqual(parseHecTime(text), reference(text));
    }), { numRuns: 5000 });
    fc.assert(fc.property(fc.double({ min: 0, max: 1e12, noNaN: true }), (seconds) => {
      const text = String(seconds);
      assert.deepEqual(parseHecTime(seconds), reference(/e/i.test(text) ? seconds.toFixed(9) : text));
    }), { numRuns: 5000 });
  });
});

describe('splunk hec: answers', () => {
  it('renders HEC bodies with Splunk codes', () => {
    assert.deepEqual(hecAnswer(HEC.success), { status: 200, body: { text: 'Success', code: 0 } });
    assert.deepEqual(hecAnswer(HEC.serverBusy), { status: 503, body: { text: 'Server is busy', code: 9 } });
    assert.deepEqual(hecAnswer(HEC.invalidDataFormat, 3), { status: 400, body: { text: 'Invalid data format', code: 6, 'invalid-event-number': 3 } });
    assert.deepEqual(healthAnswer(true), { status: 200, body: { text: 'HEC is healthy', code: 17 } });
    assert.equal(healthAnswer(false).status, 503);
  });

  it('reads Authorization: Splunk <token>, answering 401 code 2 without one and 401 code 3 for another scheme', () => {
    assert.deepEqual(hecToken('Splunk abc-123'), { ok: true, token: 'abc-123' });
    assert.deepEqual(hecToken(undefined), { ok: false, answer: { status: 401, body: { text: 'Token is required', code: 2 } } });
    assert.deepEqual(hecToken('Bearer abc'), { ok: false, answer: { status: 401, body: { text: 'Invalid authorization', code: 3 } } });
    assert.deepEqual(hecAnswer(HEC.invalidToken), { status: 403, body: { text: 'Invalid token', code: 4 } });
  });
});

describe('splunk hec: Fluent Bit 5.1.1 captures', () => {
  const client = 'fluent-bit-5.1.1';
  for (const request of capturedRequests(client, 'services_collector_event-')) {
    it(`decodes ${request.file}`, () => {
      assert.ok(hecToken(request.headers['authorization']).ok);
      const records = logs(decodeHecEvents(hecText(request.body), CONTEXT, LIMITS));
      assert.ok(records.length > 0);
      for (const record of records) {
        assert.deepEqual(record.body, { message: 'capture splunk event', level: 'info' });
        assert.ok(record.timestamp > 1_796_580_000_000 && record.time_unix_nano !== undefined);
      }
    });
  }
});

describe('splunk hec: hostile bodies (fuzzed)', () => {
  const onlyOwn = (run: () => unknown): void => {
    try {
      run();
    } catch (error) {
      if (!(error instanceof HecDecodeError)) throw error;
    }
  };
  it('arbitrary text as event and raw bodies raises nothing but HecDecodeError', () => {
    const piece = fc.oneof(fc.string(), fc.json(), fc.constantFrom('{', '}', '"', '\\', '{"event":', '"metric"', ',"fields":{"metric_name":"m","_value":1}}', '{"event":"x"}'));
    fc.assert(fc.property(fc.array(piece, { maxLength: 8 }), (pieces) => {
      const body = pieces.join('');
      onlyOwn(() => decodeHecEvents(body, CONTEXT, LIMITS));
      onlyOwn(() => decodeHecRaw(body, { ...CONTEXT, channel: 'c' }, LIMITS));
    }), { numRuns: 3000 });
  });

  it('arbitrary event objects raise nothing but HecDecodeError', () => {
    const event = fc.record({
      time: fc.oneof(fc.double(), fc.string(), fc.constant(null)), host: fc.oneof(fc.string(), fc.integer()),
      event: fc.oneof(fc.string(), fc.constant('metric'), fc.jsonValue()),
      fields: fc.oneof(fc.dictionary(fc.oneof(fc.string(), fc.constant('metric_name'), fc.constant('_value'), fc.string().map((s) => `metric_name:${s}`)), fc.jsonValue()), fc.jsonValue()),
    }, { requiredKeys: [] });
    fc.assert(fc.property(fc.array(event, { maxLength: 5 }), (events) => {
      onlyOwn(() => decodeHecEvents(events.map((e) => JSON.stringify(e)).join(''), CONTEXT, LIMITS));
    }), { numRuns: 2000 });
    fc.assert(fc.property(fc.uint8Array({ maxLength: 128 }), (bytes) => onlyOwn(() => decodeHecEvents(hecText(bytes), CONTEXT, LIMITS))), { numRuns: 1000 });
  });
});
