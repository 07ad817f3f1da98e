// Items counted on an OTLP/JSON document (json-count.ts, for otlp_json
// forwarding) and by the byte scanner (json-scanner.ts), against the count on
// protobufjs' message made of it, which both replace: random requests with
// groups, scopes and items missing, null or empty, and metrics with none, one
// or several data kinds set.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { jsonItemCount } from '../../../src/protocols/otlp/json-count';
import { OtlpJsonScanner } from '../../../src/protocols/otlp/json-scanner';
import { EXPORT_REQUEST } from '../../../src/protocols/otlp/proto';
import { Signal } from '../../../src/signals';
import { random } from '../../support/random';
import { messageItemCount } from './reference/item-count';

const KINDS = ['gauge', 'sum', 'histogram', 'exponentialHistogram', 'summary'];

const SCANNERS = [Signal.Metrics, Signal.Logs, Signal.Traces].map((signal) => new OtlpJsonScanner(signal));

/** The byte scanner's count of the document sent as JSON (json-scanner.ts). */
function scannedCount(signal: Signal, document: object): number {
  return SCANNERS[signal]!.count(Buffer.from(JSON.stringify(document)), Infinity);
}

function decodedCount(signal: Signal, document: object): number {
  return messageItemCount(signal, EXPORT_REQUEST[signal].fromObject(document));
}

describe('OTLP/JSON item count', () => {
  const next = random(7);
  const int = (n: number): number => Math.floor(next() * n);
  /** A repeated field: usually n entries, sometimes empty, null or absent. */
  const repeated = (holder: Record<string, unknown>, key: string, make: () => unknown): void => {
    const roll = next();
    if (roll < 0.1) return;
    holder[key] = roll < 0.2 ? null : Array.from({ length: int(4) }, make);
  };
  const metric = (): object => {
    const m: Record<string, unknown> = { name: 'm' };
    // Kinds set in a random order: the count must not depend on the JSON key order.
    for (const kind of [...KINDS].sort(() => next() - 0.5)) {
      const roll = next();
      if (roll < 0.25) {
        const data: Record<string, unknown> = {};
        repeated(data, 'dataPoints', () => ({ asDouble: 1 }));
        m[kind] = data;
      } else if (roll < 0.35) m[kind] = null;
    }
    return m;
  };
  const request = (signal: Signal): object => {
    const [groups, scopes, items, item] = signal === Signal.Metrics ? ['resourceMetrics', 'scopeMetrics', 'metrics', metric]
      : signal === Signal.Logs ? ['resourceLogs', 'scopeLogs', 'logRecords', () => ({ severityNumber: 9 })]
        : ['resourceSpans', 'scopeSpans', 'spans', () => ({ name: 's' })] as const;
    const document: Record<string, unknown> = {};
    repeated(document, groups, () => {
      const group: Record<string, unknown> = {};
      repeated(group, scopes, () => {
        const scope: Record<string, unknown> = {};
        repeated(scope, items, item);
        return scope;
      });
      return group;
    });
    return document;
  };

  it('equals the count on the decoded message, for 3,000 random requests of every signal', () => {
    let nonZero = 0;
    for (let i = 0; i < 3000; i++) {
      const signal = [Signal.Metrics, Signal.Logs, Signal.Traces][i % 3]!;
      const document = request(signal);
      const expected = decodedCount(signal, document);
      assert.equal(jsonItemCount(signal, document as Record<string, unknown>), expected, `request ${i}: ${JSON.stringify(document)}`);
      assert.equal(scannedCount(signal, document), expected, `request ${i}, scanned: ${JSON.stringify(document)}`);
      if (expected > 0) nonZero++;
    }
    assert.ok(nonZero > 1000, `${nonZero} of 3000 requests held items`);
  });

  it('a metric with several kinds set counts the last declared (summary over sum), whatever the key order', () => {
    const document = { resourceMetrics: [{ scopeMetrics: [{ metrics: [
      { name: 'x', summary: { dataPoints: [{}] }, sum: { dataPoints: [{}, {}, {}] } },
      { name: 'y', gauge: { dataPoints: [{}, {}] }, histogram: null },
    ] }] }] };
    assert.equal(jsonItemCount(Signal.Metrics, document), 3);
    assert.equal(decodedCount(Signal.Metrics, document), 3);
    assert.equal(scannedCount(Signal.Metrics, document), 3);
  });
});
