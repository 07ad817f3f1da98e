// The byte scanners' differential tests (test/protocols/native/*-scanner.test.ts):
// a route's decoder run with a sink that takes records as strings only (so it
// takes its general path) and with one that also takes them encoded (so the
// scanner in front of it runs) must write the same record bytes or refuse
// with the same code, message and record.
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { DecodeError } from '../../src/decode/decode-error';
import type { EncodedRecordSink, RecordSink } from '../../src/decode/sink';
import type { Decoder, ProtocolRequest } from '../../src/protocols/protocol';
import type { Signal } from '../../src/signals';

export interface Written { signal: Signal; index: number; key: Buffer | null; value: Buffer }

/** The general path's sink: strings only. */
export class StringSink implements RecordSink {
  readonly written: Written[] = [];
  append(signal: Signal, index: number, key: string | null, value: string): void {
    this.written.push({ signal, index, key: key === null ? null : Buffer.from(key), value: Buffer.from(value) });
  }
}

/** A sink that also takes encoded records, so the scanner runs. */
export class EncodedSink extends StringSink implements EncodedRecordSink {
  appendEncoded(signal: Signal, index: number, bytes: Uint8Array, keyBytes: number, valueBytes: number): void {
    const copy = Buffer.from(bytes.subarray(0, keyBytes + valueBytes));
    this.written.push({ signal, index, key: keyBytes === 0 ? null : copy.subarray(0, keyBytes), value: copy.subarray(keyBytes) });
  }
}

export type Outcome = { records: number; written: Written[] } | { code: string; message: string; record: number | undefined };

/** What `decoder` makes of `request` into `sink`: its records, or its refusal. */
export function outcome(decoder: Decoder, request: ProtocolRequest, sink: StringSink): Outcome {
  try {
    const decoded = decoder(request, sink, { message: () => assert.fail('no direct messages') });
    return { records: decoded.records, written: sink.written };
  } catch (err) {
    if (!(err instanceof DecodeError)) throw err;
    return { code: err.code, message: err.message, record: err.record };
  }
}

/** Asserts the same outcome both ways for each body; counts the bodies and those `scannerTakes`. */
export function assertSameOutcomes(
  decoder: Decoder, requestOf: (body: Buffer) => ProtocolRequest, scannerTakes: (body: Buffer) => boolean, bodies: Iterable<Buffer>,
): { bodies: number; scanned: number } {
  let count = 0;
  let scanned = 0;
  for (const body of bodies) {
    const got = outcome(decoder, requestOf(body), new EncodedSink());
    const expected = outcome(decoder, requestOf(body), new StringSink());
    assert.deepEqual(got, expected, `body ${JSON.stringify(body.toString('latin1'))}`);
    count++;
    if (scannerTakes(body)) scanned++;
  }
  return { bodies: count, scanned };
}

/** Sometimes damages a generated body: cut short, a tail appended, a byte
 * order mark put before it, or one byte replaced. */
export function damaged(rand: () => number, bytes: Buffer, tails: readonly string[], replacements: readonly number[]): Buffer {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(rand() * items.length)]!;
  const damage = rand();
  if (damage < 0.03) return bytes.subarray(0, Math.floor(rand() * bytes.length));
  if (damage < 0.04) return Buffer.concat([bytes, Buffer.from(pick(tails))]);
  if (damage < 0.045) return Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), bytes]);
  if (damage < 0.05 && bytes.length > 2) {
    const copy = Buffer.from(bytes);
    copy[Math.floor(rand() * copy.length)] = pick(replacements);
    return copy;
  }
  return bytes;
}
