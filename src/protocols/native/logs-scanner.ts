// The /logs fast path: one pass over the body's bytes that checks NDJSON, a
// JSON array of log objects or one object, and writes each record's Kafka key
// and value as bytes, without building the objects JSON.parse makes and
// JSON.stringify walks again.
//
// Why hand-rolled: no JSON library re-emits a document in JSON.stringify's
// exact form without building it. The general path (decoder.ts → logs.ts)
// parses every line, walks each record for its depth, and stringifies it; for
// the 1,000-line bodies log shippers send, those objects are most of a pool
// worker's time and young generation (bench/otlp-cpu.ts, "/logs" cases).
//
// It decides only what it can decide exactly. A record's value is its bytes
// without the blanks between tokens, plus `"timestamp":<received>` at the end
// when it has none: that is what JSON.stringify(JSON.parse(line)) writes
// whenever every string's escapes are ones JSON.stringify writes alike, every
// number is written as JSON.stringify writes its value, no object repeats a
// key and no key is an array index (JavaScript puts those first). Anything
// else — invalid JSON, a record that is not an object or nests too deep,
// \u and \/ escapes, repeated keys, too many records, an empty array —
// returns NOT_SCANNED before anything is written, and the general path,
// whose errors are the only errors, decides. The differential test
// (test/protocols/native/logs-scanner.test.ts) holds the two equal.
import { Buffer } from 'node:buffer';
import { Signal } from '../../signals';
import { ByteOut } from '../../decode/byte-out';
import {
  BACKSLASH, CLOSE_BRACE, CLOSE_BRACKET, COLON, COMMA, NOT_SCANNED, NOT_SCANNED_SIGNAL, OPEN_BRACE, OPEN_BRACKET, QUOTE,
  ScannedNumber, isDigit, notScanned, numberAt, plainStringEnd, tapeWithRoom,
} from '../../decode/scan';
import type { EncodedRecordSink } from '../../decode/sink';
import type { LogOptions } from './logs';

const EMPTY = Buffer.alloc(0);
const SPACE = 0x20;
const TAB = 0x09;
const NEWLINE = 0x0a;
const RETURN = 0x0d;
const TIMESTAMP = Buffer.from('timestamp');
const TIMESTAMP_FIELD = Buffer.from('"timestamp":');
const TRUE = Buffer.from('true');
const FALSE = Buffer.from('false');
const NULL = Buffer.from('null');

/** A record's slots on the tape: its value's [start, end) in #out, its key's source. */
const enum Slot { ValueStart, ValueEnd, KeyStart, KeyEnd }
const SLOTS = 4;
/** Key sources other than body bytes [KeyStart, KeyEnd). */
const KEY_CLIENT = -1;
/** KeyStart ≤ KEY_TEXT: the key is #texts[KEY_TEXT - KeyStart]. */
const KEY_TEXT = -2;
/** Keys one object may have here; past that, comparing each with the others
 * costs more than the general path. */
const MAX_KEYS_PER_OBJECT = 64;
const KEPT_RECORDS = 1024;
const KEPT_OUT_BYTES = 256 * 1024;
const KEPT_RECORD_BYTES = 16 * 1024;

/** Escapes JSON.stringify writes as they are (it writes other control characters as \u00XX, and "/" bare). */
function isKeptEscape(b: number): boolean {
  return b === QUOTE || b === BACKSLASH || b === 0x62 /* b */ || b === 0x66 /* f */ || b === 0x6e /* n */ || b === 0x72 /* r */ || b === 0x74 /* t */;
}

function sameBytes(bytes: Uint8Array, start: number, end: number, other: Uint8Array, otherStart: number, otherEnd: number): boolean {
  if (end - start !== otherEnd - otherStart) return false;
  for (let i = 0; i < end - start; i++) if (bytes[start + i] !== other[otherStart + i]) return false;
  return true;
}

export class LogsScanner {
  /** Always a Buffer (never another Uint8Array), so that every byte read here sees one kind of array. */
  #body: Buffer = EMPTY;
  #at = 0;
  #records = 0;
  #tape = new Int32Array(SLOTS * KEPT_RECORDS);
  /** Every record's value, one after another. */
  readonly #out = new ByteOut(KEPT_OUT_BYTES);
  /** One record's key then value, as the sink takes it. */
  readonly #laidOut = new ByteOut(KEPT_RECORD_BYTES);
  /** The keys of the objects being scanned, outermost first: [start, end) pairs. */
  readonly #keys = new Int32Array(2 * MAX_KEYS_PER_OBJECT * 8);
  #keyTop = 0;
  /** Key texts not found as body bytes (numbers JSON.stringify writes otherwise). */
  #texts: string[] = [];
  /** Whether a newline separated two tokens of the record being scanned. */
  #newlineInside = false;
  readonly #number = new ScannedNumber();
  readonly #keyField: Buffer;
  readonly #keyIsTimestamp: boolean;

  constructor(private readonly options: LogOptions) {
    this.#keyField = Buffer.from(options.keyField);
    this.#keyIsTimestamp = options.keyField === 'timestamp';
  }

  /** Writes the body's records into `sink` and returns how many; or
   * NOT_SCANNED, having written nothing, when the general path must decide.
   * `body` must be valid UTF-8 (the caller checks). */
  decode(body: Buffer, receivedAtMs: number, client: string, sink: EncodedRecordSink): number {
    try {
      if (!Number.isSafeInteger(receivedAtMs) || client === '' || this.options.maxDepth < 1 || !this.#scan(body, String(receivedAtMs))) return NOT_SCANNED;
      const clientBytes = Buffer.from(client);
      for (let r = 0; r < this.#records; r++) {
        const keyBytes = this.#encode(r, clientBytes);
        sink.appendEncoded(Signal.Logs, r, this.#laidOut.bytes, keyBytes, this.#laidOut.at - keyBytes);
      }
      return this.#records;
    } finally {
      this.#body = EMPTY; // not kept alive until the next request
      this.#texts.length = 0;
      if (this.#tape.length > SLOTS * KEPT_RECORDS) this.#tape = new Int32Array(SLOTS * KEPT_RECORDS);
      this.#out.shrink();
      this.#laidOut.shrink();
    }
  }

  /** Validates the whole body, writing the records' values into #out; false when the general path must decide. */
  #scan(body: Buffer, timestamp: string): boolean {
    this.#body = body;
    this.#at = 0;
    this.#records = 0;
    this.#keyTop = 0;
    this.#out.at = 0;
    try {
      this.#document(timestamp);
    } catch (err) {
      if (err === NOT_SCANNED_SIGNAL) return false;
      throw err;
    }
    return true;
  }

  /** An array of records, one record, or NDJSON: parseJsonValues' three shapes. */
  #document(timestamp: string): void {
    const body = this.#body;
    this.#skipBlanks();
    if (body[this.#at] === OPEN_BRACKET) {
      this.#at++;
      this.#skipBlanks();
      do {
        this.#skipBlanks();
        this.#record(timestamp);
        this.#skipBlanks();
      } while (this.#comma());
      if (body[this.#at] !== CLOSE_BRACKET) notScanned();
      this.#at++;
      this.#skipBlanks();
      if (this.#at !== body.length) notScanned();
      return;
    }
    this.#newlineInside = false;
    this.#record(timestamp);
    const end = this.#at;
    const firstSpansLines = this.#newlineInside;
    this.#skipBlanks();
    if (this.#at === body.length) return; // one JSON document
    // NDJSON: JSON.parse of the whole body fails, so parseJsonValues reads it
    // line by line; each line must then hold one whole record.
    if (firstSpansLines) notScanned();
    this.#at = end;
    for (;;) {
      if (!this.#endOfLine()) notScanned();
      this.#skipBlanks();
      if (this.#at === body.length) return;
      this.#newlineInside = false;
      this.#record(timestamp);
      if (this.#newlineInside) notScanned();
    }
  }

  /** Past the blanks after a line's record to the end of its line (true), or false when something else follows on it. */
  #endOfLine(): boolean {
    const body = this.#body;
    let i = this.#at;
    while (body[i] === SPACE || body[i] === TAB || body[i] === RETURN) i++;
    this.#at = i;
    return i === body.length || body[i] === NEWLINE;
  }

  /** One log record (an object) at #at: its value into #out, its key's source onto the tape. */
  #record(timestamp: string): void {
    if (this.#body[this.#at] !== OPEN_BRACE) notScanned();
    const r = this.#records;
    if (r >= this.options.maxRecords) notScanned();
    const slot = this.#tapeSlot(r);
    const tape = this.#tape;
    const out = this.#out;
    // Room for the rest of the body as it is, and this record's timestamp:
    // values are their bytes without blanks (a number written otherwise
    // reserves its own room).
    out.reserve(this.#body.length - this.#at + TIMESTAMP_FIELD.length + timestamp.length + 2);
    tape[slot + Slot.ValueStart] = out.at;
    tape[slot + Slot.KeyStart] = KEY_CLIENT;
    const hasTimestamp = this.#object(1, slot);
    if (!hasTimestamp) {
      // JSON.stringify writes the added key last: before the closing brace.
      out.at--;
      if (out.bytes[out.at - 1] !== OPEN_BRACE) out.byte(COMMA);
      out.copy(TIMESTAMP_FIELD, 0, TIMESTAMP_FIELD.length);
      out.ascii(timestamp);
      out.byte(CLOSE_BRACE);
      // logs.ts adds the timestamp before it reads the key field.
      if (this.#keyIsTimestamp) {
        tape[slot + Slot.KeyStart] = KEY_TEXT - this.#texts.length;
        this.#texts.push(timestamp);
      }
    }
    tape[slot + Slot.ValueEnd] = out.at;
    this.#records = r + 1;
  }

  /** The object at #at, at nesting `depth` (the record is 1), copied without
   * blanks; for the record itself (`slot` ≥ 0), notes its key field and
   * returns whether it has a timestamp. */
  #object(depth: number, slot: number): boolean {
    const body = this.#body;
    const out = this.#out;
    out.byte(OPEN_BRACE);
    this.#at++;
    this.#skipBlanks();
    let hasTimestamp = false;
    if (body[this.#at] === CLOSE_BRACE) {
      this.#at++;
      out.byte(CLOSE_BRACE);
      return false;
    }
    const firstKey = this.#keyTop;
    do {
      this.#skipBlanks();
      if (body[this.#at] !== QUOTE) notScanned();
      const keyStart = this.#at + 1;
      const keyEnd = this.#plainString();
      this.#addKey(firstKey, keyStart, keyEnd);
      out.copy(body, keyStart - 1, keyEnd + 1);
      this.#colon();
      out.byte(COLON);
      if (slot >= 0) {
        if (sameBytes(body, keyStart, keyEnd, TIMESTAMP, 0, TIMESTAMP.length)) hasTimestamp = true;
        if (this.#keyField.length > 0 && sameBytes(body, keyStart, keyEnd, this.#keyField, 0, this.#keyField.length)) this.#keyValue(slot);
      }
      this.#value(depth);
      this.#skipBlanks();
      if (body[this.#at] === COMMA) out.byte(COMMA);
    } while (this.#comma());
    if (body[this.#at] !== CLOSE_BRACE) notScanned();
    this.#at++;
    out.byte(CLOSE_BRACE);
    this.#keyTop = firstKey;
    return hasTimestamp;
  }

  /** Records a key of the object whose keys start at `firstKey`; a repeated
   * key, or one JavaScript orders as an array index, is the general path's. */
  #addKey(firstKey: number, start: number, end: number): void {
    const body = this.#body;
    let allDigits = end > start;
    for (let i = start; i < end && allDigits; i++) allDigits = isDigit(body[i]!);
    if (allDigits) notScanned();
    const keys = this.#keys;
    const top = this.#keyTop;
    if (top - firstKey >= 2 * MAX_KEYS_PER_OBJECT || top + 2 > keys.length) notScanned();
    for (let k = firstKey; k < top; k += 2) if (sameBytes(body, keys[k]!, keys[k + 1]!, body, start, end)) notScanned();
    keys[top] = start;
    keys[top + 1] = end;
    this.#keyTop = top + 2;
  }

  /** The record's key field's value at #at: where the record's Kafka key comes from (keyOf in logs.ts). */
  #keyValue(slot: number): void {
    const body = this.#body;
    const tape = this.#tape;
    const b = body[this.#at];
    if (b === QUOTE) {
      const saved = this.#at;
      const end = this.#plainString();
      this.#at = saved;
      if (end === saved + 1) notScanned(); // an empty key is the general path's
      tape[slot + Slot.KeyStart] = saved + 1;
      tape[slot + Slot.KeyEnd] = end;
    } else if (b === 0x74 /* t */ || b === 0x66 /* f */) {
      tape[slot + Slot.KeyStart] = KEY_TEXT - this.#texts.length;
      this.#texts.push(b === 0x74 ? 'true' : 'false'); // String(true), String(false)
    } else if (b === 0x2d /* - */ || isDigit(b ?? 0)) {
      const number = this.#number;
      number.scan(body, this.#at);
      tape[slot + Slot.KeyStart] = KEY_TEXT - this.#texts.length;
      this.#texts.push(String(numberAt(body, this.#at, number.end)));
    } else tape[slot + Slot.KeyStart] = KEY_CLIENT; // null, objects and arrays key by client
  }

  /** Any JSON value at #at, copied. */
  #value(depth: number): void {
    const body = this.#body;
    const out = this.#out;
    const b = body[this.#at];
    switch (b) {
      case QUOTE: {
        const start = this.#at;
        this.#string();
        out.copy(body, start, this.#at);
        return;
      }
      case OPEN_BRACE:
        if (depth + 1 > this.options.maxDepth) notScanned();
        this.#object(depth + 1, -1);
        return;
      case OPEN_BRACKET:
        if (depth + 1 > this.options.maxDepth) notScanned();
        this.#array(depth + 1);
        return;
      case 0x74: this.#literal(TRUE); return;
      case 0x66: this.#literal(FALSE); return;
      case 0x6e: this.#literal(NULL); return;
      default: {
        const number = this.#number;
        const start = this.#at;
        number.scan(body, start);
        this.#at = number.end;
        if (number.asWritten) out.copy(body, start, number.end);
        else {
          const n = numberAt(body, start, number.end);
          if (!Number.isFinite(n)) notScanned(); // JSON.stringify writes null
          const text = String(n);
          out.reserve(text.length + body.length - this.#at + TIMESTAMP_FIELD.length + 32);
          out.ascii(text);
        }
      }
    }
  }

  #array(depth: number): void {
    const body = this.#body;
    const out = this.#out;
    out.byte(OPEN_BRACKET);
    this.#at++;
    this.#skipBlanks();
    if (body[this.#at] === CLOSE_BRACKET) {
      this.#at++;
      out.byte(CLOSE_BRACKET);
      return;
    }
    do {
      this.#skipBlanks();
      this.#value(depth);
      this.#skipBlanks();
      if (body[this.#at] === COMMA) out.byte(COMMA);
    } while (this.#comma());
    if (body[this.#at] !== CLOSE_BRACKET) notScanned();
    this.#at++;
    out.byte(CLOSE_BRACKET);
  }

  #literal(literal: Buffer): void {
    const body = this.#body;
    if (!sameBytes(body, this.#at, this.#at + literal.length, literal, 0, literal.length)) notScanned();
    this.#at += literal.length;
    this.#out.copy(literal, 0, literal.length);
  }

  /** A string at #at whose escapes JSON.stringify writes alike; moves past it. */
  #string(): void {
    const body = this.#body;
    const length = body.length;
    let i = this.#at + 1;
    while (i < length) {
      const b = body[i]!;
      if (b === QUOTE) {
        this.#at = i + 1;
        return;
      }
      if (b < 0x20) notScanned();
      if (b === BACKSLASH) {
        if (!isKeptEscape(body[i + 1] ?? 0)) notScanned();
        i++;
      }
      i++;
    }
    notScanned();
  }

  /** A string at #at without escapes (a key, or a key field's value): returns
   * the index of its closing quote and moves past it. */
  #plainString(): number {
    const end = plainStringEnd(this.#body, this.#at);
    this.#at = end + 1;
    return end;
  }

  /** Past JSON's blanks, noting a newline among them. */
  #skipBlanks(): void {
    const body = this.#body;
    let i = this.#at;
    if (i >= body.length || body[i]! > SPACE) return;
    for (;;) {
      const b = body[i];
      if (b === NEWLINE) this.#newlineInside = true;
      else if (b !== SPACE && b !== TAB && b !== RETURN) break;
      i++;
    }
    this.#at = i;
  }

  #colon(): void {
    this.#skipBlanks();
    if (this.#body[this.#at] !== COLON) notScanned();
    this.#at++;
    this.#skipBlanks();
  }

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

  /** Lays record r's key then value out in #laidOut; returns the key's length. */
  #encode(r: number, client: Buffer): number {
    const tape = this.#tape;
    const slot = r * SLOTS;
    const valueStart = tape[slot + Slot.ValueStart]!;
    const valueEnd = tape[slot + Slot.ValueEnd]!;
    const keyStart = tape[slot + Slot.KeyStart]!;
    const record = this.#laidOut;
    record.at = 0;
    if (keyStart === KEY_CLIENT) {
      record.reserve(client.length + valueEnd - valueStart);
      record.copy(client, 0, client.length);
    } else if (keyStart <= KEY_TEXT) {
      const text = this.#texts[KEY_TEXT - keyStart]!;
      record.reserve(text.length + valueEnd - valueStart);
      record.ascii(text);
    } else {
      const keyEnd = tape[slot + Slot.KeyEnd]!;
      record.reserve(keyEnd - keyStart + valueEnd - valueStart);
      record.copy(this.#body, keyStart, keyEnd);
    }
    const keyBytes = record.at;
    record.copy(this.#out.bytes, valueStart, valueEnd);
    return keyBytes;
  }
}
