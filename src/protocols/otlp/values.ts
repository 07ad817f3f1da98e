// OTLP common values as protobufjs decodes them (reflection messages read in
// place: defaults sit on the prototype, the set member of a oneof is named by
// its virtual property), and their JSON renderings in Kafka records.
import { Buffer } from 'node:buffer';
import { jsonNumber } from '../native/metrics';

/** 64-bit integers as protobufjs gives them: a Long-like {low, high}, or a number. */
export type Int64 = number | { readonly low: number; readonly high: number; readonly unsigned: boolean };

export interface AnyValue {
  readonly value?: 'stringValue' | 'boolValue' | 'intValue' | 'doubleValue' | 'arrayValue' | 'kvlistValue' | 'bytesValue';
  readonly stringValue: string;
  readonly boolValue: boolean;
  readonly intValue: Int64;
  readonly doubleValue: number;
  readonly arrayValue: { readonly values: readonly AnyValue[] } | null;
  readonly kvlistValue: { readonly values: readonly KeyValue[] } | null;
  readonly bytesValue: Uint8Array;
}

export interface KeyValue {
  readonly key: string;
  readonly value: AnyValue | null;
}

export interface Scope {
  readonly name: string;
  readonly version: string;
  readonly attributes: readonly KeyValue[];
}

export interface Resource {
  readonly attributes: readonly KeyValue[];
}

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** Thrown for an item the request carries but cannot be written; the item is
 * counted in the OTLP partial_success and the rest of the request goes on. */
export class RejectedItem extends Error {
  override readonly name = 'RejectedItem';
}

export function int64ToBigInt(value: Int64): bigint {
  if (typeof value === 'number') return BigInt(Math.trunc(value));
  const bits = (BigInt(value.high >>> 0) << 32n) | BigInt(value.low >>> 0);
  return value.unsigned ? bits : BigInt.asIntN(64, bits);
}

/** A number when exact, else the decimal text (JSON numbers lose bits past 2^53). */
function int64ToJson(value: Int64): number | string {
  if (typeof value === 'number') return value;
  const big = int64ToBigInt(value);
  return big >= BigInt(Number.MIN_SAFE_INTEGER) && big <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(big) : big.toString();
}

export function int64ToNumber(value: Int64): number {
  return typeof value === 'number' ? value : Number(int64ToBigInt(value));
}

/** Unix nanoseconds → whole milliseconds; 0 stays 0 ("not set"). */
export function nanosToMs(value: Int64): number {
  if (typeof value === 'number') return Math.floor(value / 1e6);
  if (value.high === 0 && value.low === 0) return 0;
  return Number(int64ToBigInt(value) / 1_000_000n);
}

export function nanosText(value: Int64): string {
  return int64ToBigInt(value).toString();
}

/** Bytes as hex; an absent field reads as protobufjs' default (an empty array). */
export function hex(bytes: Uint8Array | readonly number[] | null | undefined): string {
  if (bytes === null || bytes === undefined || bytes.length === 0) return '';
  return (bytes instanceof Uint8Array ? Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength) : Buffer.from(bytes)).toString('hex');
}

/** The JSON form of an AnyValue; nesting beyond maxDepth rejects the item. */
export function anyValueToJson(v: AnyValue | null, maxDepth: number, depth = 1): JsonValue {
  if (v === null || v === undefined) return null;
  if (depth > maxDepth) throw new RejectedItem(`value nested deeper than ${maxDepth} levels`);
  switch (v.value) {
    case 'stringValue': return v.stringValue;
    case 'boolValue': return v.boolValue;
    case 'intValue': return int64ToJson(v.intValue);
    case 'doubleValue': return jsonNumber(v.doubleValue);
    case 'bytesValue': return Buffer.from(v.bytesValue).toString('base64');
    case 'arrayValue': return (v.arrayValue?.values ?? []).map((item) => anyValueToJson(item, maxDepth, depth + 1));
    case 'kvlistValue': return attributesToJson(v.kvlistValue?.values ?? [], maxDepth, depth + 1);
    default: return null;
  }
}

export function attributesToJson(attributes: readonly KeyValue[], maxDepth: number, depth = 1): { [key: string]: JsonValue } {
  const out: { [key: string]: JsonValue } = {};
  for (const kv of attributes) out[kv.key] = anyValueToJson(kv.value, maxDepth, depth);
  return out;
}

/** An AnyValue as a metric label value. */
export function anyValueToLabel(v: AnyValue | null, maxDepth: number): string {
  if (v === null || v === undefined) return '';
  switch (v.value) {
    case 'stringValue': return v.stringValue;
    case 'boolValue': return v.boolValue ? 'true' : 'false';
    case 'intValue': return int64ToBigInt(v.intValue).toString();
    case 'doubleValue': return String(v.doubleValue);
    case 'bytesValue': return Buffer.from(v.bytesValue).toString('base64');
    case 'arrayValue':
    case 'kvlistValue': return JSON.stringify(anyValueToJson(v, maxDepth));
    default: return '';
  }
}

/** Adds attributes to labels (a later key replaces an earlier one). */
export function addLabels(labels: Record<string, string>, attributes: readonly KeyValue[], maxDepth: number): void {
  for (const kv of attributes) labels[kv.key] = anyValueToLabel(kv.value, maxDepth);
}

