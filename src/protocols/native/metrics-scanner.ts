// The /metrics fast path: one pass over the body's bytes that validates a
// native metrics document in its common shape and writes each record's Kafka
// key and value as bytes, without building a JavaScript object, string or
// schema check per record.
//
// Why hand-rolled: measured with bench/json-decode-cost.ts (100-metric arrays
// of ~110-byte metrics, 2 cores shared with other load), a pool worker's task
// cost ~3.7 µs of CPU per record through JSON.parse, the ajv validator,
// JSON.stringify of the record and seriesKey — more than half of the
// daemon's CPU per record — and ~1.5 µs through this scanner, ring write
// included (most of what is left is this byte-by-byte scan and copy).
//
// It decides only what it can decide exactly. A body it accepts gives
// byte-for-byte the records of the general path (metrics.ts: JSON.parse, ajv,
// metricRecord, seriesKey); anything else — invalid JSON, a record the schema
// refuses, NDJSON, collectd's JSON, an escape in a string, a duplicate key, a
// label name JavaScript would order differently, too many records — returns
// NOT_SCANNED before anything is written, and the caller runs the general
// path, which answers it (its errors are the only errors). The differential
// test (test/protocols/native/metrics-scanner.test.ts) holds the two equal.
import type { Config } from '../../config/schema';
import { Signal } from '../../signals';
import { ByteOut } from '../../decode/byte-out';
import {
  CLOSE_BRACE, CLOSE_BRACKET, COMMA, COLON, DOT, EQUALS, MINUS, NOT_SCANNED, NOT_SCANNED_SIGNAL, OPEN_BRACE, OPEN_BRACKET, QUOTE,
  ScannedNumber, isDigit, notScanned, numberAt, pastBlanks, pastColon, plainStringEnd, tapeWithRoom,
} from '../../decode/scan';
import type { EncodedRecordSink } from '../../decode/sink';


const EMPTY = Buffer.alloc(0);
const TYPES = ['gauge', 'counter', 'histogram', 'summary'].map((t) => Buffer.from(t));
const GAUGE = 1;

const enum Key { Name = 1, Value = 2, Type = 4, Timestamp = 8, Labels = 16 }
const NAME = Buffer.from('name');
const VALUE = Buffer.from('value');
const TYPE = Buffer.from('type');
const TIMESTAMP = Buffer.from('timestamp');
const LABELS = Buffer.from('labels');
const METRICS = Buffer.from('metrics');
const BATCH_TIMESTAMP = Buffer.from('batch_timestamp');

// The record value's fixed parts, in metricRecord's field order (the OTLP scanner writes them too).
export const V_NAME = Buffer.from('{"name":"');
export const V_VALUE = Buffer.from('","value":');
export const V_TYPE = Buffer.from(',"type":"');
export const V_TIMESTAMP = Buffer.from('","timestamp":');
export const V_LABELS = Buffer.from(',"labels":{');
export const V_END = Buffer.from('}}');

// One record's slots on the tape. A number's text is its bytes [start, end)
// when they are already how JSON.stringify writes it, else numbers[index].
const enum Slot {
  NameStart, NameEnd, ValueStart, ValueEnd, ValueText, Type, TimestampStart, TimestampEnd, TimestampText,
  FirstLabel, LabelCount, Start, End,
}
const SLOTS = 13;
/** A label's slots: key [start, end), value [start, end). */
const LABEL_SLOTS = 4;
/** Records and labels the tapes hold without growing; a request that grew
 * them gives the room back after it, so a large body's tape is not kept. */
const KEPT_RECORDS = 1024;
const KEPT_LABELS = 4096;
const KEPT_OUT_BYTES = 64 * 1024;
/** No text of its own: the number is written as its bytes. */
const AS_WRITTEN = -1;
const ABSENT = -1;

type Limits = Pick<Config['limits'], 'maxNameLength' | 'maxLabelsPerRecord' | 'maxLabelNameLength' | 'maxLabelValueLength' | 'maxRecordsPerRequest'>;


/** Code points in UTF-8 bytes [start, end) (what ajv's minLength/maxLength count). */
function codePoints(bytes: Uint8Array, start: number, end: number): number {
  let n = 0;
  for (let i = start; i < end; i++) if ((bytes[i]! & 0xc0) !== 0x80) n++;
  return n;
}

function sameBytes(bytes: Uint8Array, start: number, end: number, other: Uint8Array): boolean {
  if (end - start !== other.length) return false;
  for (let i = 0; i < other.length; i++) if (bytes[start + i] !== other[i]) return false;
  return true;
}

/** Byte order of [aStart, aEnd) and [bStart, bEnd): UTF-16 order (Array#sort's)
 * for keys without code points from U+E000 up, which the scan sends away. */
function compareBytes(bytes: Uint8Array, aStart: number, aEnd: number, bStart: number, bEnd: number): number {
  const n = Math.min(aEnd - aStart, bEnd - bStart);
  for (let i = 0; i < n; i++) {
    const d = bytes[aStart + i]! - bytes[bStart + i]!;
    if (d !== 0) return d;
  }
  return (aEnd - aStart) - (bEnd - bStart);
}

export class MetricsScanner {
  /** Always a Buffer (never another Uint8Array), so that every byte read here sees one kind of array. */
  #body: Buffer = EMPTY;
  #at = 0;
  #records = 0;
  #tape = new Int32Array(SLOTS * KEPT_RECORDS);
  #labels = 0;
  #labelTape = new Int32Array(LABEL_SLOTS * KEPT_LABELS);
  /** Each record's labels in key order, as indexes into the label tape. */
  #sorted = new Int32Array(KEPT_LABELS);
  /** Texts of numbers not written as sent (JSON.stringify's form). */
  #numbers: string[] = [];
  #batchTimestamp = '';
  readonly #out = new ByteOut(KEPT_OUT_BYTES);
  /** The last number scanned: its end, whether it is written as sent. */
  readonly #scannedNumber = new ScannedNumber();

  constructor(private readonly limits: Limits) {}

  /** Writes the body's records into `sink` and returns how many; or
   * NOT_SCANNED, having written nothing, when the general path must decide. */
  decode(body: Buffer, receivedAtMs: number, sink: EncodedRecordSink): number {
    try {
      if (!this.#scan(body, receivedAtMs)) return NOT_SCANNED;
      const records = this.#records;
      for (let r = 0; r < records; r++) {
        const keyBytes = this.#encode(r);
        sink.appendEncoded(Signal.Metrics, r, this.#out.bytes, keyBytes, this.#out.at - keyBytes);
      }
      return records;
    } finally {
      this.#body = EMPTY; // not kept alive until the next request
      this.#shrink();
    }
  }

  #shrink(): void {
    if (this.#tape.length > SLOTS * KEPT_RECORDS) this.#tape = new Int32Array(SLOTS * KEPT_RECORDS);
    if (this.#labelTape.length > LABEL_SLOTS * KEPT_LABELS) this.#labelTape = new Int32Array(LABEL_SLOTS * KEPT_LABELS);
    if (this.#sorted.length > KEPT_LABELS) this.#sorted = new Int32Array(KEPT_LABELS);
    this.#out.shrink();
  }

  /** Validates the whole body onto the tape; false when the general path must decide. */
  #scan(body: Buffer, receivedAtMs: number): boolean {
    if (!Number.isFinite(receivedAtMs)) return false;
    this.#body = body;
    this.#at = 0;
    this.#records = 0;
    this.#labels = 0;
    this.#numbers.length = 0;
    this.#batchTimestamp = '';
    try {
      this.#document();
    } catch (err) {
      if (err === NOT_SCANNED_SIGNAL) return false;
      throw err;
    }
    if (this.#batchTimestamp === '') this.#batchTimestamp = String(receivedAtMs);
    return true;
  }

  #document(): void {
    this.#skipBlanks();
    const open = this.#body[this.#at];
    if (open === OPEN_BRACKET) this.#metricList();
    else if (open === OPEN_BRACE) {
      // A batch object's first key is one of its own; a single metric's is a metric field.
      const first = this.#peekFirstKey();
      if (first === METRICS || first === BATCH_TIMESTAMP) this.#batch();
      else this.#metric();
    } else notScanned();
    this.#skipBlanks();
    if (this.#at !== this.#body.length) notScanned();
  }

  /** The first key of the object at #at when it is `metrics` or `batch_timestamp`, else null. */
  #peekFirstKey(): Buffer | null {
    const saved = this.#at;
    this.#at++;
    this.#skipBlanks();
    let key: Buffer | null = null;
    if (this.#body[this.#at] === QUOTE) {
      const start = this.#at + 1;
      const end = this.#string();
      if (sameBytes(this.#body, start, end, METRICS)) key = METRICS;
      else if (sameBytes(this.#body, start, end, BATCH_TIMESTAMP)) key = BATCH_TIMESTAMP;
    }
    this.#at = saved;
    return key;
  }

  /** `{"metrics": [...], "batch_timestamp": N}`, each key once, metrics required. */
  #batch(): void {
    const body = this.#body;
    this.#at++;
    let seenMetrics = false;
    let seenTimestamp = false;
    do {
      this.#skipBlanks();
      if (body[this.#at] !== QUOTE) notScanned();
      const keyStart = this.#at + 1;
      const keyEnd = this.#string();
      this.#colon();
      if (!seenMetrics && sameBytes(body, keyStart, keyEnd, METRICS)) {
        seenMetrics = true;
        if (body[this.#at] !== OPEN_BRACKET) notScanned();
        this.#metricList();
      } else if (!seenTimestamp && sameBytes(body, keyStart, keyEnd, BATCH_TIMESTAMP)) {
        seenTimestamp = true;
        this.#batchTimestamp = this.#batchTimestampText();
      } else notScanned();
      this.#skipBlanks();
    } while (this.#comma());
    if (body[this.#at] !== CLOSE_BRACE || !seenMetrics) notScanned();
    this.#at++;
  }

  /** batch_timestamp as JSON.stringify writes it: a safe integer, not negative. */
  #batchTimestampText(): string {
    const start = this.#at;
    this.#number();
    const end = this.#scannedNumber.end;
    if (this.#scannedNumber.asWritten && this.#body[start] !== MINUS && !this.#hasFraction(start, end)) {
      return Buffer.from(this.#body.buffer, this.#body.byteOffset + start, end - start).toString('latin1');
    }
    const n = numberAt(this.#body, start, end);
    if (!(Number.isSafeInteger(n) && n >= 0)) notScanned();
    return String(n);
  }

  /** `[metric, ...]` at #at. */
  #metricList(): void {
    const body = this.#body;
    this.#at++;
    this.#skipBlanks();
    if (body[this.#at] === CLOSE_BRACKET) {
      this.#at++;
      return;
    }
    do {
      this.#skipBlanks();
      if (body[this.#at] !== OPEN_BRACE) notScanned();
      this.#metric();
      this.#skipBlanks();
    } while (this.#comma());
    if (body[this.#at] !== CLOSE_BRACKET) notScanned();
    this.#at++;
  }

  /** One metric object at #at onto the tape, validated as the schema of metrics.ts does. */
  #metric(): void {
    const r = this.#records;
    if (r >= this.limits.maxRecordsPerRequest) notScanned();
    const slot = this.#tapeSlot(r);
    const tape = this.#tape;
    const body = this.#body;
    tape[slot + Slot.Start] = this.#at;
    tape[slot + Slot.Type] = GAUGE;
    tape[slot + Slot.TimestampStart] = ABSENT;
    tape[slot + Slot.FirstLabel] = this.#labels;
    tape[slot + Slot.LabelCount] = 0;
    this.#at++;
    let seen = 0;
    this.#skipBlanks();
    if (body[this.#at] === CLOSE_BRACE) notScanned();
    do {
      this.#skipBlanks();
      if (body[this.#at] !== QUOTE) notScanned();
      const keyStart = this.#at + 1;
      const keyEnd = this.#string();
      const key = this.#metricKey(keyStart, keyEnd);
      if ((seen & key) !== 0) notScanned();
      seen |= key;
      this.#colon();
      this.#field(key, slot);
      this.#skipBlanks();
    } while (this.#comma());
    if (body[this.#at] !== CLOSE_BRACE || (seen & (Key.Name | Key.Value)) !== (Key.Name | Key.Value)) notScanned();
    this.#at++;
    tape[slot + Slot.End] = this.#at;
    this.#records = r + 1;
  }

  #metricKey(start: number, end: number): Key {
    const body = this.#body;
    switch (end - start) {
      case 4:
        if (sameBytes(body, start, end, NAME)) return Key.Name;
        if (sameBytes(body, start, end, TYPE)) return Key.Type;
        break;
      case 5:
        if (sameBytes(body, start, end, VALUE)) return Key.Value;
        break;
      case 6:
        if (sameBytes(body, start, end, LABELS)) return Key.Labels;
        break;
      case 9:
        if (sameBytes(body, start, end, TIMESTAMP)) return Key.Timestamp;
        break;
    }
    return notScanned();
  }

  #field(key: Key, slot: number): void {
    const tape = this.#tape;
    const body = this.#body;
    switch (key) {
      case Key.Name: {
        if (body[this.#at] !== QUOTE) notScanned();
        const start = this.#at + 1;
        const end = this.#string();
        const length = end - start;
        if (length === 0 || (length > this.limits.maxNameLength && codePoints(body, start, end) > this.limits.maxNameLength)) notScanned();
        tape[slot + Slot.NameStart] = start;
        tape[slot + Slot.NameEnd] = end;
        return;
      }
      case Key.Value: {
        const start = this.#at;
        this.#number();
        const end = this.#scannedNumber.end;
        tape[slot + Slot.ValueStart] = start;
        tape[slot + Slot.ValueEnd] = end;
        if (this.#scannedNumber.asWritten) tape[slot + Slot.ValueText] = AS_WRITTEN;
        else {
          const n = numberAt(body, start, end);
          if (!Number.isFinite(n)) notScanned();
          tape[slot + Slot.ValueText] = this.#numbers.push(String(n)) - 1;
        }
        return;
      }
      case Key.Type: {
        if (body[this.#at] !== QUOTE) notScanned();
        const start = this.#at + 1;
        const end = this.#string();
        let type = 0;
        while (type < TYPES.length && !sameBytes(body, start, end, TYPES[type]!)) type++;
        if (type === TYPES.length) notScanned();
        tape[slot + Slot.Type] = type + 1;
        return;
      }
      case Key.Timestamp: {
        const start = this.#at;
        this.#number();
        const end = this.#scannedNumber.end;
        tape[slot + Slot.TimestampStart] = start;
        tape[slot + Slot.TimestampEnd] = end;
        if (this.#scannedNumber.asWritten) {
          // As written: finite; an integer ≥ 0 unless signed or with a fraction.
          if (body[start] === MINUS || this.#hasFraction(start, end)) notScanned();
          tape[slot + Slot.TimestampText] = AS_WRITTEN;
        } else {
          const n = numberAt(body, start, end);
          if (!(Number.isFinite(n) && n % 1 === 0 && n >= 0)) notScanned();
          tape[slot + Slot.TimestampText] = this.#numbers.push(String(n)) - 1;
        }
        return;
      }
      case Key.Labels:
        this.#labelsOf(slot);
        return;
    }
  }

  /** The labels object at #at: string values, names sorted for the key, no repeats. */
  #labelsOf(slot: number): void {
    const body = this.#body;
    const limits = this.limits;
    if (body[this.#at] !== OPEN_BRACE) notScanned();
    this.#at++;
    this.#skipBlanks();
    const first = this.#labels;
    if (body[this.#at] === CLOSE_BRACE) {
      this.#at++;
      return;
    }
    do {
      this.#skipBlanks();
      if (body[this.#at] !== QUOTE) notScanned();
      const keyStart = this.#at + 1;
      const keyEnd = this.#string();
      this.#checkLabelName(keyStart, keyEnd);
      this.#colon();
      if (body[this.#at] !== QUOTE) notScanned();
      const valueStart = this.#at + 1;
      const valueEnd = this.#string();
      if (valueEnd - valueStart > limits.maxLabelValueLength && codePoints(body, valueStart, valueEnd) > limits.maxLabelValueLength) notScanned();
      if (this.#labels - first >= limits.maxLabelsPerRecord) notScanned();
      const at = this.#labelSlot(this.#labels);
      const labels = this.#labelTape;
      labels[at] = keyStart;
      labels[at + 1] = keyEnd;
      labels[at + 2] = valueStart;
      labels[at + 3] = valueEnd;
      this.#insertSorted(first, this.#labels);
      this.#labels++;
      this.#skipBlanks();
    } while (this.#comma());
    if (body[this.#at] !== CLOSE_BRACE) notScanned();
    this.#at++;
    this.#tape[slot + Slot.FirstLabel] = first;
    this.#tape[slot + Slot.LabelCount] = this.#labels - first;
  }

  /** A label name as the schema takes it, and one whose place JavaScript
   * gives by insertion (not an array index) and whose byte order is its
   * UTF-16 order (no code point from U+E000 up, lead bytes 0xEE-0xF4). */
  #checkLabelName(start: number, end: number): void {
    const body = this.#body;
    const length = end - start;
    if (length === 0 || isDigit(body[start]!)) notScanned();
    for (let i = start; i < end; i++) if (body[i]! >= 0xee) notScanned();
    if (length > this.limits.maxLabelNameLength && codePoints(body, start, end) > this.limits.maxLabelNameLength) notScanned();
  }

  /** Inserts label `label` into the record's sorted order (labels first..label-1 already sorted); a repeated name is the general path's. */
  #insertSorted(first: number, label: number): void {
    if (this.#sorted.length <= label) {
      const grown = new Int32Array(this.#sorted.length * 2);
      grown.set(this.#sorted);
      this.#sorted = grown;
    }
    const sorted = this.#sorted;
    const labels = this.#labelTape;
    const body = this.#body;
    const keyStart = labels[label * LABEL_SLOTS]!;
    const keyEnd = labels[label * LABEL_SLOTS + 1]!;
    let j = label;
    while (j > first) {
      const other = sorted[j - 1]! * LABEL_SLOTS;
      const order = compareBytes(body, labels[other]!, labels[other + 1]!, keyStart, keyEnd);
      if (order === 0) notScanned();
      if (order < 0) break;
      sorted[j] = sorted[j - 1]!;
      j--;
    }
    sorted[j] = label;
  }

  /** A string at #at (its opening quote): returns the index of its closing
   * quote and moves past it. Escapes and raw control characters (invalid
   * JSON) are the general path's. */
  #string(): number {
    const end = plainStringEnd(this.#body, this.#at);
    this.#at = end + 1;
    return end;
  }

  /** A JSON number at #at, read into #scannedNumber: its end, and whether
   * JSON.stringify would write its value with the very same bytes. */
  #number(): void {
    this.#scannedNumber.scan(this.#body, this.#at);
    this.#at = this.#scannedNumber.end;
  }

  #hasFraction(start: number, end: number): boolean {
    for (let i = start; i < end; i++) if (this.#body[i] === DOT) return true;
    return false;
  }

  #skipBlanks(): void {
    this.#at = pastBlanks(this.#body, this.#at);
  }

  #colon(): void {
    this.#at = pastColon(this.#body, this.#at);
  }

  /** Moves past a comma at #at, if there is one. */
  #comma(): boolean {
    if (this.#body[this.#at] !== COMMA) return false;
    this.#at++;
    return true;
  }

  #tapeSlot(record: number): number {
    const slot = record * SLOTS;
    this.#tape = tapeWithRoom(this.#tape, slot + SLOTS);
    return slot;
  }

  #labelSlot(label: number): number {
    const slot = label * LABEL_SLOTS;
    this.#labelTape = tapeWithRoom(this.#labelTape, slot + LABEL_SLOTS);
    return slot;
  }

  /** Writes record r's key then value into #out from 0; returns the key's length (#out.at ends the value). */
  #encode(r: number): number {
    const tape = this.#tape;
    const slot = r * SLOTS;
    // Every part of the key and the value is at most the bytes it came from,
    // twice (the name and the labels appear in both), plus fixed parts and
    // number texts: room for that, and the record is written without checks.
    const span = tape[slot + Slot.End]! - tape[slot + Slot.Start]!;
    this.#out.at = 0;
    this.#out.reserve(2 * span + 256 + this.#batchTimestamp.length);
    const body = this.#body;
    const nameStart = tape[slot + Slot.NameStart]!;
    const nameEnd = tape[slot + Slot.NameEnd]!;
    const first = tape[slot + Slot.FirstLabel]!;
    const count = tape[slot + Slot.LabelCount]!;
    const labels = this.#labelTape;
    // Key: name{a="1",b="2"} with names sorted, or the name alone.
    this.#out.copy(body, nameStart, nameEnd);
    if (count > 0) {
      this.#out.byte(OPEN_BRACE);
      for (let j = 0; j < count; j++) {
        const at = this.#sorted[first + j]! * LABEL_SLOTS;
        if (j > 0) this.#out.byte(COMMA);
        this.#out.copy(body, labels[at]!, labels[at + 1]!);
        this.#out.byte(EQUALS);
        this.#out.byte(QUOTE);
        this.#out.copy(body, labels[at + 2]!, labels[at + 3]!);
        this.#out.byte(QUOTE);
      }
      this.#out.byte(CLOSE_BRACE);
    }
    const keyBytes = this.#out.at;
    // Value: {"name":…,"value":…,"type":…,"timestamp":…,"labels":{…}} (metricRecord).
    this.#out.copy(V_NAME, 0, V_NAME.length);
    this.#out.copy(body, nameStart, nameEnd);
    this.#out.copy(V_VALUE, 0, V_VALUE.length);
    this.#numberText(tape[slot + Slot.ValueText]!, tape[slot + Slot.ValueStart]!, tape[slot + Slot.ValueEnd]!);
    this.#out.copy(V_TYPE, 0, V_TYPE.length);
    const type = TYPES[tape[slot + Slot.Type]! - 1]!;
    this.#out.copy(type, 0, type.length);
    this.#out.copy(V_TIMESTAMP, 0, V_TIMESTAMP.length);
    if (tape[slot + Slot.TimestampStart] === ABSENT) this.#out.ascii(this.#batchTimestamp);
    else this.#numberText(tape[slot + Slot.TimestampText]!, tape[slot + Slot.TimestampStart]!, tape[slot + Slot.TimestampEnd]!);
    this.#out.copy(V_LABELS, 0, V_LABELS.length);
    for (let j = 0; j < count; j++) {
      const at = (first + j) * LABEL_SLOTS;
      if (j > 0) this.#out.byte(COMMA);
      this.#out.byte(QUOTE);
      this.#out.copy(body, labels[at]!, labels[at + 1]!);
      this.#out.byte(QUOTE);
      this.#out.byte(COLON);
      this.#out.byte(QUOTE);
      this.#out.copy(body, labels[at + 2]!, labels[at + 3]!);
      this.#out.byte(QUOTE);
    }
    this.#out.copy(V_END, 0, V_END.length);
    return keyBytes;
  }

  #numberText(text: number, start: number, end: number): void {
    if (text === AS_WRITTEN) this.#out.copy(this.#body, start, end);
    else this.#out.ascii(this.#numbers[text]!);
  }
}
