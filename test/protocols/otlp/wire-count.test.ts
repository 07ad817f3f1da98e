// Items counted on the wire (wire-count.ts, for otlp_proto forwarding) against
// protobufjs' decoded objects, which the count replaces: repeated groups,
// Metric's data oneof set twice or repeated, unknown fields, logs and spans.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Buffer } from 'node:buffer';
import { EXPORT_REQUEST } from '../../../src/protocols/otlp/proto';
import { wireItemCount } from '../../../src/protocols/otlp/wire-count';
import { Signal } from '../../../src/signals';
import { messageItemCount } from './reference/item-count';

function varint(n: number): Buffer {
  const bytes: number[] = [];
  while (n > 0x7f) {
    bytes.push((n % 128) | 0x80);
    n = Math.floor(n / 128);
  }
  bytes.push(n);
  return Buffer.from(bytes);
}
/** A length-delimited field. */
const field = (number: number, ...content: Buffer[]): Buffer => {
  const body = Buffer.concat(content);
  return Buffer.concat([varint(number * 8 + 2), varint(body.length), body]);
};
const points = (n: number): Buffer[] => Array.from({ length: n }, () => field(1, Buffer.from([0x21, 0, 0, 0, 0, 0, 0, 0xf0, 0x3f]))); // as_double = 1
const data = (kind: number, n: number): Buffer => field(kind, ...points(n));
const metric = (...parts: Buffer[]): Buffer => field(2, field(1, Buffer.from('m')), ...parts);
const request = (...metrics: Buffer[]): Buffer => field(1, field(2, ...metrics));

function decodedCount(signal: Signal, body: Buffer): number {
  return messageItemCount(signal, EXPORT_REQUEST[signal].decode(body));
}

function assertSameCount(signal: Signal, body: Buffer): number {
  const counted = wireItemCount(body, signal);
  assert.equal(counted, decodedCount(signal, body));
  return counted!;
}

describe('items counted on the wire, as protobufjs decodes them', () => {
  it('metrics: every data kind, several resources, scopes and metrics', () => {
    const body = Buffer.concat([
      request(metric(data(5, 3)), metric(data(7, 2)), metric(data(9, 1)), metric(data(10, 4)), metric(data(11, 5)), metric()),
      request(metric(data(5, 0))), field(1), field(1, field(2), field(2, metric(data(5, 6)))),
    ]);
    assert.equal(assertSameCount(Signal.Metrics, body), 21);
  });

  it('metrics: the data oneof set twice, one member repeated, unknown fields', () => {
    const unknown = Buffer.concat([field(99, Buffer.from('x')), Buffer.from([0xa8, 0x06, 0x05]), Buffer.from([0x0d, 1, 2, 3, 4])]);
    for (const parts of [
      [data(5, 2), data(7, 3)], [data(7, 3), data(5, 2)], [data(5, 2), data(7, 3), data(5, 4)], [data(5, 2), data(5, 1)],
      [data(11, 1), unknown, data(9, 2), data(11, 7)], [unknown],
    ]) {
      assertSameCount(Signal.Metrics, request(metric(...parts)));
    }
    // Points of one member split over its occurrences within one message add up.
    assertSameCount(Signal.Metrics, request(metric(field(5, ...points(2), field(2), ...points(3)))));
  });

  it('logs and spans: every item of every scope group', () => {
    const groups = Buffer.concat([field(1, field(2, field(2), field(2), field(3, Buffer.from('s'))), field(2, field(2))), field(1)]);
    assert.equal(assertSameCount(Signal.Logs, groups), 3);
    assert.equal(assertSameCount(Signal.Traces, groups), 3);
  });

  it('a tag past 32 bits is left to protobufjs', () => {
    assert.equal(wireItemCount(Buffer.concat([Buffer.from([0xfa, 0xff, 0xff, 0xff, 0x1f, 0x00])]), Signal.Metrics), undefined);
  });
});
