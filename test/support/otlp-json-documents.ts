// OTLP export requests of every signal with every kind of field set, as
// protobufjs' fromObject takes them (ids as bytes), and random mutations of
// them: a value swapped for one of another type, a key dropped, an unknown or
// prototype-named key added. For the tests that hold a check of OTLP/JSON to
// the one it replaced or to the general path.
import { Signal } from '../../src/signals';

const attrs = [
  { key: 's', value: { stringValue: 'x' } }, { key: 'i', value: { intValue: '7' } }, { key: 'd', value: { doubleValue: 1.5 } },
  { key: 'b', value: { boolValue: true } }, { key: 'y', value: { bytesValue: 'AQI=' } },
  { key: 'a', value: { arrayValue: { values: [{ stringValue: 'v' }, { kvlistValue: { values: [{ key: 'k', value: { intValue: 1 } }] } }] } } },
];
const exemplar = { timeUnixNano: '1700000000000000000', asDouble: 2, filteredAttributes: attrs.slice(0, 2), traceId: new Uint8Array(16), spanId: new Uint8Array(8) };
const base = { attributes: attrs, startTimeUnixNano: '1', timeUnixNano: 1700000000000000000, exemplars: [exemplar], flags: 0 };
const point = { ...base, asDouble: '2.5' };

export const DOCUMENTS: ReadonlyArray<[Signal, object]> = [
  [Signal.Metrics, { resourceMetrics: [{
    resource: { attributes: attrs, droppedAttributesCount: 0 }, schemaUrl: '',
    scopeMetrics: [{ scope: { name: 'n', version: '1', attributes: attrs }, metrics: [
      { name: 'g', unit: 'By', description: '', gauge: { dataPoints: [point, { ...base, asInt: '-3' }] } },
      { name: 's', sum: { aggregationTemporality: 'AGGREGATION_TEMPORALITY_CUMULATIVE', isMonotonic: true, dataPoints: [point] } },
      { name: 'h', histogram: { aggregationTemporality: 2, dataPoints: [{ ...point, count: '3', sum: 1.5, bucketCounts: ['1', 2], explicitBounds: [1, 'Infinity'], min: 0, max: 'NaN' }] } },
      { name: 'e', exponentialHistogram: { aggregationTemporality: 1, dataPoints: [{ ...point, scale: 2, zeroCount: 1, positive: { offset: -1, bucketCounts: [1, '2'] }, negative: { offset: 0, bucketCounts: [] }, zeroThreshold: 0 }] } },
      { name: 'q', summary: { dataPoints: [{ ...point, count: 2, sum: 3, quantileValues: [{ quantile: 0.5, value: 1 }, { quantile: '0.99', value: '2e3' }] }] } },
    ] }],
  }] }],
  [Signal.Logs, { resourceLogs: [{ resource: { attributes: attrs }, scopeLogs: [{ scope: { name: 'l' }, logRecords: [{
    timeUnixNano: '1700000000000000000', observedTimeUnixNano: 0, severityNumber: 9, severityText: 'INFO',
    body: { kvlistValue: { values: attrs } }, attributes: attrs, flags: 1, traceId: new Uint8Array(16), spanId: new Uint8Array(8), eventName: 'e',
  }] }] }] }],
  [Signal.Traces, { resourceSpans: [{ resource: { attributes: attrs }, scopeSpans: [{ scope: { name: 't' }, spans: [{
    traceId: new Uint8Array(16), spanId: new Uint8Array(8), parentSpanId: new Uint8Array(0), traceState: '', name: 'op', kind: 2,
    startTimeUnixNano: '1', endTimeUnixNano: '2', attributes: attrs, droppedAttributesCount: 0,
    events: [{ timeUnixNano: '1', name: 'ev', attributes: attrs }], links: [{ traceId: new Uint8Array(16), spanId: new Uint8Array(8), attributes: attrs, flags: 1 }],
    status: { code: 2, message: 'm' },
  }] }] }] }],
];

const REPLACEMENTS: unknown[] = [
  null, 'abc', '', '12', '-7', '1.5', 'NaN', '-Infinity', '1e5', '99999999999999999999999', 'toString', 'SPAN_KIND_CLIENT',
  0, -1, 1.5, 2 ** 60, Number.NaN, true, false, {}, [], [1], [{}], [null], { key: 'k' }, new Uint8Array(2),
  // base64 at the edges of what protobufjs decodes
  'A', 'AB=', 'A=B', 'ABC=x', 'QUJD', 'a-b_', 'AQ==',
];
const EXTRA_KEYS = ['unknownKey', '__proto__', 'toString', 'constructor', 'hasOwnProperty', '0'];

/** Every object and array in the document, with the keys or indexes in it. */
function containers(node: unknown, into: Array<Record<string, unknown> | unknown[]> = []): Array<Record<string, unknown> | unknown[]> {
  if (node === null || typeof node !== 'object' || node instanceof Uint8Array) return into;
  into.push(node as Record<string, unknown>);
  for (const value of Object.values(node)) containers(value, into);
  return into;
}

export function mutate(document: object, next: () => number): object {
  const copy = structuredClone(document);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!;
  for (let n = 1 + Math.floor(next() * 3); n > 0; n--) {
    const holder = pick(containers(copy));
    const keys = Object.keys(holder);
    const action = next();
    if (action < 0.7 && keys.length > 0) {
      (holder as Record<string, unknown>)[pick(keys)] = structuredClone(pick(REPLACEMENTS));
    } else if (action < 0.85 && keys.length > 0 && !Array.isArray(holder)) {
      delete holder[pick(keys)];
    } else if (!Array.isArray(holder)) {
      Object.defineProperty(holder, pick(EXTRA_KEYS), { value: structuredClone(pick(REPLACEMENTS)), enumerable: true, writable: true, configurable: true });
    }
  }
  return copy;
}

