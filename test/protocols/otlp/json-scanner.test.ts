// The OTLP/JSON byte scanner (src/protocols/otlp/json-scanner.ts) against the
// general path it stands in front of (JSON.parse, the id and schema checks,
// the item count): on valid requests of every signal, on thousands of
// mutations of their documents and of their bytes, and on the inputs it is
// written to leave, a request forwarded as otlp_json is refused or written
// the same with the scanner as without it; and where the scanner decides, its
// count is the general path's.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Buffer } from 'node:buffer';
import { configSchema } from '../../../src/config/schema';
import { DecodeError } from '../../../src/decode/decode-error';
import type { MessageSink, RecordSink } from '../../../src/decode/sink';
import { decodeOtlp, type OtlpScanners } from '../../../src/protocols/otlp/decode';
import { OtlpJsonScanner } from '../../../src/protocols/otlp/json-scanner';
import { NOT_SCANNED } from '../../../src/decode/scan';
import type { DecoderSettings } from '../../../src/protocols/protocol';
import { Signal } from '../../../src/signals';
import { DOCUMENTS, mutate } from '../../support/otlp-json-documents';
import { random } from '../../support/random';

const config = configSchema.parse({});
const SETTINGS: DecoderSettings = {
  limits: config.limits, maxDecompressedBytes: 1 << 24, maxDecodedBytes: 1 << 25, familyTypes: new SharedArrayBuffer(0),
  otlpEncoding: { metrics: 'otlp_json', logs: 'otlp_json', traces: 'otlp_json' }, logKeyField: '',
};
/** The message nesting decode.ts allows: 16 + 3 × limits.maxValueDepth. */
const MAX_DEPTH = 16 + 3 * config.limits.maxValueDepth;
const SIGNALS = [Signal.Metrics, Signal.Logs, Signal.Traces];
const SCANNERS = SIGNALS.map((signal) => new OtlpJsonScanner(signal));
const PATHS = ['/v1/metrics', '/v1/logs', '/v1/traces'];

/** A document as an OTLP/JSON body: ids (bytes in the documents) as hex. */
function body(document: object): Buffer {
  return Buffer.from(JSON.stringify(document, (_key, value: unknown) => (value instanceof Uint8Array ? Buffer.from(value).toString('hex') : value)));
}

/** What an SDK sends: 100 points of ten metrics, gauges and cumulative sums, each point its own series. */
function sdkShapedMetrics(): object {
  const kv = (key: string, value: object): object => ({ key, value });
  const metrics = Array.from({ length: 10 }, (_, m) => {
    const dataPoints = Array.from({ length: 10 }, (_, j) => ({
      startTimeUnixNano: '1761999907341000000', timeUnixNano: '1762045907341000000', ...(m % 2 === 0 ? { asDouble: j * 1.5 } : { asInt: String(j * 10) }),
      attributes: [kv('http.route', { stringValue: `/api/v1/items/${j}` }), kv('http.response.status_code', { intValue: 200 })],
    }));
    return m % 2 === 0 ? { name: `gauge_${m}`, unit: 'By', gauge: { dataPoints } }
      : { name: `requests_${m}_total`, sum: { aggregationTemporality: 2, isMonotonic: true, dataPoints } };
  });
  return { resourceMetrics: [{
    resource: { attributes: [kv('service.name', { stringValue: 'checkout' }), kv('host.name', { stringValue: 'web-1' })] },
    scopeMetrics: [{ scope: { name: 'meter', version: '1.0.0' }, metrics }],
  }] };
}

class Messages implements RecordSink, MessageSink {
  readonly written: Array<{ topic: Signal; value: Buffer; count: number }> = [];
  append(): void {
    throw new Error('otlp_json writes whole requests, not records');
  }
  message(topic: Signal, _index: number, _key: string | null, value: string | Uint8Array, _partition: number, count: number): void {
    this.written.push({ topic, value: Buffer.from(value), count });
  }
}

/** What the route makes of a body forwarded as otlp_json: the refusal, or the result and the messages written. */
function forwarded(signal: Signal, requestBody: Buffer, scanners: OtlpScanners): string {
  const sink = new Messages();
  try {
    const result = decodeOtlp({
      signal, body: requestBody, contentType: 'application/json', contentEncoding: '', receivedAtMs: 1_800_000_000_000, client: '',
      path: PATHS[signal]!, query: '', headers: {},
    }, SETTINGS, sink, sink, scanners);
    assert.ok(sink.written.every((w) => w.value.equals(requestBody)), 'the body is forwarded byte for byte');
    return JSON.stringify({ result, written: sink.written.map((w) => [w.topic, w.count]) });
  } catch (err) {
    assert.ok(err instanceof DecodeError, String(err));
    assert.equal(sink.written.length, 0);
    return `${err.status} ${err.code}: ${err.message}`;
  }
}

/** The item count the general path gives a body, or null when it refuses the body. */
function generalCount(signal: Signal, requestBody: Buffer): number | null {
  const outcome = forwarded(signal, requestBody, {});
  if (!outcome.startsWith('{')) return null;
  return (JSON.parse(outcome) as { result: { records: number } }).result.records;
}

interface Tally { decided: number; generalAccepted: number }

/** The scanner's answer on a body: NOT_SCANNED, or the general path's count;
 * and the route's outcome the same with the scanner as without it. */
function assertSame(signal: Signal, requestBody: Buffer, tally: Tally, what: string): void {
  const counted = SCANNERS[signal]!.count(requestBody, MAX_DEPTH);
  const general = generalCount(signal, requestBody);
  if (general !== null) tally.generalAccepted++;
  if (counted !== NOT_SCANNED) {
    tally.decided++;
    assert.equal(counted, general, `${what}: the scanner counted ${counted}, the general path ${general === null ? 'refuses it' : `counts ${general}`}: ${requestBody.toString().slice(0, 300)}`);
  }
  assert.equal(forwarded(signal, requestBody, { json: SCANNERS[signal] }), forwarded(signal, requestBody, {}), what);
}

const INSERTIONS = ['"', '\\', '{', '}', '[', ']', ',', ':', ' ', '\n', '\t', '0', '7', '-', '+', '.', 'e', 'E', 'n', 'null', 'true', '\\u00e9', '\\"',
  '\\x', 'é', '\u0001', ',"x":1', ',"x":{"y":[1,{}]}', '"a"', '1e999', '0.5', 'ff'];

function mutateBytes(text: string, next: () => number): string {
  let out = text;
  for (let n = 1 + Math.floor(next() * 2); n > 0; n--) {
    const at = Math.floor(next() * (out.length + 1));
    const action = next();
    const insertion = INSERTIONS[Math.floor(next() * INSERTIONS.length)]!;
    if (action < 0.3) out = out.slice(0, at) + out.slice(at + 1);
    else if (action < 0.7) out = out.slice(0, at) + insertion + out.slice(at);
    else out = out.slice(0, at) + insertion + out.slice(at + insertion.length);
  }
  return out;
}

describe('OTLP/JSON byte scanner: the general path\'s outcome, decided without building the document', () => {
  it('decides valid requests of every signal, and an SDK-shaped 100-point request, with their counts', () => {
    for (const [signal, document] of DOCUMENTS) {
      const requestBody = body(document);
      const expected = signal === Signal.Metrics ? 6 : 1;
      assert.equal(generalCount(signal, requestBody), expected);
      assert.equal(SCANNERS[signal]!.count(requestBody, MAX_DEPTH), expected);
    }
    const sdk = body(sdkShapedMetrics());
    assert.equal(SCANNERS[Signal.Metrics]!.count(sdk, MAX_DEPTH), 100);
    assert.equal(forwarded(Signal.Metrics, sdk, { json: SCANNERS[Signal.Metrics] }), forwarded(Signal.Metrics, sdk, {}));
  });

  it('mutated documents (values of another type, keys dropped, unknown and prototype-named keys added): the same outcome', () => {
    const next = random(41);
    const tally: Tally = { decided: 0, generalAccepted: 0 };
    for (let i = 0; i < 3000; i++) {
      const [signal, document] = DOCUMENTS[i % DOCUMENTS.length]!;
      assertSame(signal, body(mutate(document, next)), tally, `mutation ${i}`);
    }
    // Both outcomes are reached often, and the scanner decides most of what the general path accepts.
    assert.ok(tally.generalAccepted > 500 && tally.generalAccepted < 2500, `${tally.generalAccepted} of 3000 accepted`);
    assert.ok(tally.decided > 0.8 * tally.generalAccepted, `the scanner decided ${tally.decided} of the ${tally.generalAccepted} accepted`);
  });

  it('mutated bytes (deleted, inserted, overwritten: quotes, escapes, brackets, numbers, literals, control and non-ASCII characters): the same outcome', () => {
    const next = random(42);
    const tally: Tally = { decided: 0, generalAccepted: 0 };
    const texts = DOCUMENTS.map(([signal, document]) => [signal, body(document).toString()] as const);
    for (let i = 0; i < 6000; i++) {
      const [signal, text] = texts[i % texts.length]!;
      assertSame(signal, Buffer.from(mutateBytes(text, next)), tally, `byte mutation ${i}`);
    }
    assert.ok(tally.generalAccepted > 600, `${tally.generalAccepted} of 6000 accepted`);
    assert.ok(tally.decided > 0.8 * tally.generalAccepted, `the scanner decided ${tally.decided} of the ${tally.generalAccepted} accepted`);
  });

  it('decides what JSON allows anywhere: blanks between tokens, escapes in string values, unknown keys with nested values, integers written 1.0 or 1e3', () => {
    const spaced = '\r\n { "resourceSpans" :\t[ { "scopeSpans" : [ { "spans" : [ { "name" : "a\\u00e9\\n\\"" , "kind" : 2.0 , "x" : [ { "y" : null } , 1e-3 , "\\/" ] ,'
      + ' "traceId" : "5B8EFFF7" , "endTimeUnixNano" : "-12345678901234567890" , "startTimeUnixNano" : 1E3 , "attributes" : [ { "key" : "k" , "value" : { "intValue" : -0 } } ] } , { } ] } ] } ] } \n';
    const tally: Tally = { decided: 0, generalAccepted: 0 };
    assertSame(Signal.Traces, Buffer.from(spaced), tally, 'blanks and escapes');
    assert.deepEqual(tally, { decided: 1, generalAccepted: 1 });
    assert.equal(SCANNERS[Signal.Traces]!.count(Buffer.from(spaced), MAX_DEPTH), 2);
  });

  it('leaves to the general path what it does not decide exactly, and writes nothing for it', () => {
    const span = (fields: string): string => `{"resourceSpans":[{"scopeSpans":[{"spans":[{${fields}}]}]}]}`;
    let deep = '"deep"';
    for (let i = 0; i < 70; i++) deep = `[${deep}]`;
    let nested = '{"stringValue":"v"}';
    for (let i = 0; i < 60; i++) nested = `{"arrayValue":{"values":[${nested}]}}`;
    const cases: ReadonlyArray<[string, string]> = [
      // accepted by the general path
      [span('"name":"a","name":"b"'), 'a known key twice (JSON.parse keeps the last)'],
      [span('"n\\u0061me":"a"'), 'an escape in a key'],
      [span(`"x":${deep}`), 'an unknown key\'s value nested 70 deep'],
      [span('"startTimeUnixNano":"\\u0031"'), 'an escape in an integer string'],
      [span('"startTimeUnixNano":"123456789012345678901"'), 'an integer string of 21 digits'],
      // refused by the general path
      [span('"traceId":null'), 'a null id'],
      [span('"traceId":"abc"'), 'an id of an odd number of hex digits'],
      [span(`"attributes":[{"key":"k","value":${nested}}]`), 'messages nested past the limit'],
      ['\ufeff' + span('"name":"a"'), 'a byte order mark'],
      [span('"name":"a",'), 'a trailing comma'],
      [span('"kind":01'), 'a number with a leading zero'],
      [span('"kind":1.5'), 'a fraction for an enum'],
      [span('"droppedAttributesCount":1e999'), 'an integer field\'s infinite number'],
      [span('"name":"a\tb"'), 'a raw tab in a string'],
      [span('"status":{"code":"STATUS_CODE_NOPE"}'), 'an enum name the enum lacks'],
      [span('"name":"a"') + 'x', 'text after the request'],
      ['[]', 'an array for the request'],
    ];
    for (const [text, what] of cases) {
      const requestBody = Buffer.from(text);
      assert.equal(SCANNERS[Signal.Traces]!.count(requestBody, MAX_DEPTH), NOT_SCANNED, what);
      assertSame(Signal.Traces, requestBody, { decided: 0, generalAccepted: 0 }, what);
    }
    const invalidUtf8 = Buffer.concat([Buffer.from(span('"name":"')), Buffer.from([0xc3, 0x28]), Buffer.from('"}]}]}]}')]);
    assert.equal(SCANNERS[Signal.Traces]!.count(invalidUtf8, MAX_DEPTH), NOT_SCANNED);
    assert.match(forwarded(Signal.Traces, invalidUtf8, { json: SCANNERS[Signal.Traces] }), /^400 invalid_utf8/);
  });
});
