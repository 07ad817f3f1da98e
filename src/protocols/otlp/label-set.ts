// A metric record's labels, kept as parallel name and value lists instead of
// an object, written straight into the record's JSON and its series key.
// Building a labels object per data point (copying the resource's and scope's
// labels, then JSON.stringify and seriesKey over it) was half the CPU of an
// OTLP point (bench/otlp-cpu.ts); here a scope's labels are rendered once and
// each point adds its own.
//
// The output is byte for byte what the object gave (metricRecord and
// seriesKey of src/protocols/native/metrics.ts and src/decode/series-key.ts):
// names in the order a JavaScript object keeps its keys (array-index names
// first, ascending; then the others in first-insertion order, a later value
// replacing an earlier one in place), and "__proto__" dropped, as assigning a
// string to it on an object does.
import { jsonNumber, type MetricType } from '../native/metrics';
import type { Config } from '../../config/schema';
import { anyValueToLabel, RejectedItem, type KeyValue } from './values';

/** 2^32 - 2, the largest array index. */
const MAX_ARRAY_INDEX = 4_294_967_294;

/** A name an object would place first (a canonical array index). */
function isArrayIndex(name: string): boolean {
  if (name.length === 0) return false;
  const first = name.charCodeAt(0);
  if (first < 0x30 || first > 0x39 || name.length > 10) return false;
  if (first === 0x30) return name.length === 1;
  for (let i = 1; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return false;
  }
  return Number(name) <= MAX_ARRAY_INDEX;
}

export class LabelSet {
  readonly names: string[];
  readonly values: string[];
  #indexNames: number;
  /** The set this one was copied from while its labels are still this one's
   * first ones, unchanged: its rendering is reused (a scope's labels, rendered
   * once, start every point's). */
  #base: LabelSet | undefined;
  #json: string | undefined;
  /** Names sorted (UTF-16 order, as Array.prototype.sort), and their `name="value"` parts. */
  #sortedNames: string[] | undefined;
  #sortedParts: string[] | undefined;
  /** Copied from: its renderings are shared, so it no longer changes. */
  #copied = false;

  private constructor(names: string[], values: string[], indexNames: number, base: LabelSet | undefined) {
    this.names = names;
    this.values = values;
    this.#indexNames = indexNames;
    this.#base = base;
  }

  static empty(): LabelSet {
    return new LabelSet([], [], 0, undefined);
  }

  /** A copy to add to; this set's rendering is reused by it. */
  copy(): LabelSet {
    this.#copied = true;
    return new LabelSet(this.names.slice(), this.values.slice(), this.#indexNames, this.#indexNames === 0 ? this : undefined);
  }

  get size(): number {
    return this.names.length;
  }

  /** labels[name] = value on an object. */
  set(name: string, value: string): void {
    if (this.#copied) throw new Error('a label set that was copied does not change');
    const at = this.names.indexOf(name);
    if (at >= 0) {
      if (this.values[at] === value) return;
      this.values[at] = value;
      if (this.#base !== undefined && at < this.#base.size) this.#base = undefined;
    } else {
      if (name === '__proto__') return;
      this.names.push(name);
      this.values.push(value);
      if (isArrayIndex(name)) {
        this.#indexNames++;
        this.#base = undefined;
      }
    }
    this.#json = undefined;
    this.#sortedNames = undefined;
    this.#sortedParts = undefined;
  }

  /** Adds attributes (a later key replaces an earlier one). */
  addAttributes(attributes: readonly KeyValue[], maxDepth: number): void {
    for (let i = 0; i < attributes.length; i++) {
      const kv = attributes[i]!;
      this.set(kv.key, anyValueToLabel(kv.value, maxDepth));
    }
  }

  /** Positions in object key order. */
  #order(): number[] {
    const order = this.names.map((_, i) => i);
    if (this.#indexNames === 0) return order;
    const index = (i: number): number => (isArrayIndex(this.names[i]!) ? Number(this.names[i]) : -1);
    const indices = order.filter((i) => index(i) >= 0).sort((a, b) => index(a) - index(b));
    return [...indices, ...order.filter((i) => index(i) < 0)];
  }

  /** What the record writer refuses of a point's labels, checked in object key order. */
  check(limits: Config['limits']): void {
    if (this.names.length > limits.maxLabelsPerRecord - 2) {
      throw new RejectedItem(`more than ${limits.maxLabelsPerRecord - 2} attributes (resource, scope and point together)`);
    }
    const order = this.#indexNames === 0 ? undefined : this.#order();
    for (let k = 0; k < this.names.length; k++) {
      const i = order === undefined ? k : order[k]!;
      const name = this.names[i]!;
      if (name.length === 0 || name.length > limits.maxLabelNameLength) {
        throw new RejectedItem(`attribute key of length ${name.length} outside 1..${limits.maxLabelNameLength}`);
      }
      if (this.values[i]!.length > limits.maxLabelValueLength) {
        throw new RejectedItem(`attribute ${name} longer than ${limits.maxLabelValueLength}`);
      }
    }
  }

  /** The labels object's JSON, without its braces. */
  json(): string {
    if (this.#json !== undefined) return this.#json;
    const base = this.#base;
    let json = base === undefined ? '' : base.json();
    const from = base === undefined ? 0 : base.size;
    const order = this.#indexNames === 0 ? undefined : this.#order();
    for (let k = from; k < this.names.length; k++) {
      const i = order === undefined ? k : order[k]!;
      if (k > 0) json += ',';
      json += JSON.stringify(this.names[i]) + ':' + JSON.stringify(this.values[i]);
    }
    return (this.#json = json);
  }

  #sort(): void {
    const base = this.#base;
    const from = base === undefined ? 0 : base.size;
    // This set's own names, sorted (a point adds a few: insertion sort).
    const own: number[] = [];
    for (let i = from; i < this.names.length; i++) {
      const name = this.names[i]!;
      let at = own.length;
      while (at > 0 && this.names[own[at - 1]!]! > name) at--;
      own.splice(at, 0, i);
    }
    const names: string[] = [];
    const parts: string[] = [];
    const baseNames = base === undefined ? [] : base.#sortedNamesOf();
    const baseParts = base === undefined ? [] : base.#sortedParts!;
    let b = 0;
    for (const i of own) {
      const name = this.names[i]!;
      while (b < baseNames.length && baseNames[b]! < name) {
        names.push(baseNames[b]!);
        parts.push(baseParts[b++]!);
      }
      names.push(name);
      parts.push(name + '=' + JSON.stringify(this.values[i]));
    }
    while (b < baseNames.length) {
      names.push(baseNames[b]!);
      parts.push(baseParts[b++]!);
    }
    this.#sortedNames = names;
    this.#sortedParts = parts;
  }

  #sortedNamesOf(): string[] {
    if (this.#sortedNames === undefined) this.#sort();
    return this.#sortedNames!;
  }

  /** The series key (seriesKey of src/decode/series-key.ts: names sorted, values as JSON strings). */
  seriesKey(metricName: string): string {
    if (this.names.length === 0) return metricName;
    if (this.#sortedParts === undefined) this.#sort();
    return metricName + '{' + this.#sortedParts!.join(',') + '}';
  }
}

/** The Kafka value of one metric point, as metricRecord writes it. */
export function recordJson(name: string, value: number, type: MetricType, timestamp: number, labels: LabelSet): string {
  return '{"name":' + JSON.stringify(name) + ',"value":' + JSON.stringify(jsonNumber(value)) + ',"type":"' + type
    + '","timestamp":' + JSON.stringify(timestamp) + ',"labels":{' + labels.json() + '}}';
}
