// InfluxDB line protocol → metric points (one per numeric or boolean field) and
// string fields (returned apart, never dropped).
//
//   measurement[,tag=value...] field=value[,field=value...] [timestamp]
//
// Decisions:
//  - Name: `<measurement>_<field>`; the field `value` gives `<measurement>`.
//    Names are not rewritten (line protocol allows any character; so do our records).
//  - Type: every numeric field is a gauge. Floats, integers (`1i`) and unsigned
//    (`1u`) all become a JSON double: integers beyond 2^53 lose precision.
//    Booleans become 1/0. Line protocol says nothing about monotonicity, so
//    calling anything a counter would be a guess.
//  - Tags become labels, in line order. A repeated tag key is a bad line (as in
//    InfluxDB); a repeated field key keeps the last value (as InfluxDB stores it).
//  - Timestamps: `timestamp` is in milliseconds (our records' unit), floored;
//    `timestampNs` keeps the exact nanoseconds as a decimal string, so a route
//    that wants sub-millisecond precision has it. No timestamp → receive time.
//    A timestamp before 1970 (negative) makes the line bad: records carry
//    milliseconds since the epoch, 0 or more.
//  - String fields are returned in `strings`, named like points, for the caller
//    to write as log records (see stringFieldLogRecord).
//  - A bad line does not stop the parse: the good lines are returned with the
//    first bad line (1-based number, text, reason) so the caller can write them
//    and answer InfluxDB's "partial write". Limits on names and labels make a
//    line bad the same way; too many records refuses the whole request.
//  - A quoted string field may hold a raw newline (InfluxDB 1.x accepts that), so
//    a line ends at a newline outside quotes. `\r\n` ends a line like `\n`.

export type Precision = 'ns' | 'us' | 'ms' | 's' | 'm' | 'h';
export type InfluxApi = 'v1' | 'v2';

export interface LineProtocolLimits {
  readonly maxNameLength: number;
  readonly maxLabelsPerRecord: number;
  readonly maxLabelNameLength: number;
  readonly maxLabelValueLength: number;
  /** Points plus string fields in one request. */
  readonly maxRecordsPerRequest: number;
}

export interface InfluxPoint {
  readonly name: string;
  readonly value: number;
  readonly type: 'gauge';
  /** Milliseconds since the epoch, floored. */
  readonly timestamp: number;
  /** Nanoseconds since the epoch, exact, as a decimal integer. */
  readonly timestampNs: string;
  readonly labels: Record<string, string>;
}

export interface InfluxStringField {
  readonly name: string;
  readonly value: string;
  readonly timestamp: number;
  readonly timestampNs: string;
  readonly labels: Record<string, string>;
}

export interface BadLine {
  /** 1-based number of the line's first physical line in the body. */
  readonly line: number;
  /** The line, cut to MAX_QUOTED_LINE characters. */
  readonly text: string;
  readonly reason: string;
}

export interface LineProtocolResult {
  readonly points: InfluxPoint[];
  readonly strings: InfluxStringField[];
  /** Lines that parsed (comments and blank lines not counted). */
  readonly goodLines: number;
  readonly badLines: number;
  readonly firstBadLine: BadLine | undefined;
}

/** A request refused as a whole: nothing in it is to be written. */
export class LineProtocolError extends Error {
  readonly kind: 'invalid_precision' | 'too_many_records';

  constructor(kind: LineProtocolError['kind'], message: string) {
    super(message);
    this.name = 'LineProtocolError';
    this.kind = kind;
  }
}

export const MAX_QUOTED_LINE = 256;

const PRECISIONS: Readonly<Record<InfluxApi, Readonly<Record<string, Precision>>>> = {
  // InfluxDB 1.x: n, u, ms, s, m, h (ns/us are accepted too by its parser).
  v1: { '': 'ns', n: 'ns', ns: 'ns', u: 'us', us: 'us', ms: 'ms', s: 's', m: 'm', h: 'h' },
  v2: { '': 'ns', ns: 'ns', us: 'us', ms: 'ms', s: 's' },
};

/** The precision a request's `precision` parameter names; absent means ns. */
export function parsePrecision(value: string | undefined, api: InfluxApi): Precision {
  const names = PRECISIONS[api];
  const precision = Object.hasOwn(names, value ?? '') ? names[value ?? ''] : undefined;
  if (precision === undefined) {
    const allowed = api === 'v1' ? 'n, u, ms, s, m, h' : 'ns, us, ms, s';
    throw new LineProtocolError('invalid_precision', `invalid precision ${JSON.stringify(value)}: use one of ${allowed}`);
  }
  return precision;
}

/** A string field as a log record (the shape of our /logs records: an object with a timestamp). */
export function stringFieldLogRecord(field: InfluxStringField): { timestamp: number; name: string; value: string; labels: Record<string, string> } {
  return { timestamp: field.timestamp, name: field.name, value: field.value, labels: field.labels };
}

const NEWLINE = 10;
const RETURN = 13;
const SPACE = 32;
const TAB = 9;
const QUOTE = 34;
const HASH = 35;
const COMMA = 44;
const EQUALS = 61;
const BACKSLASH = 92;

class BadLineReason extends Error {}

function bad(reason: string): never {
  throw new BadLineReason(reason);
}

const INT64_MAX = 9223372036854775807n;
const INT64_MIN = -9223372036854775808n;
const UINT64_MAX = 18446744073709551615n;
const NS_PER: Readonly<Record<Precision, bigint>> = { ns: 1n, us: 1_000n, ms: 1_000_000n, s: 1_000_000_000n, m: 60_000_000_000n, h: 3_600_000_000_000n };
const INTEGER = /^-?[0-9]+i$/;
const UNSIGNED = /^[0-9]+u$/;
const FLOAT = /^-?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$/;
const TIMESTAMP = /^-?[0-9]+$/;
const BOOLEANS: ReadonlyMap<string, number> = new Map([
  ['t', 1], ['T', 1], ['true', 1], ['True', 1], ['TRUE', 1], ['f', 0], ['F', 0], ['false', 0], ['False', 0], ['FALSE', 0],
]);

interface Timestamp { ms: number; ns: string }

function timestampOf(digits: string, precision: Precision): Timestamp {
  const ns = BigInt(digits) * NS_PER[precision];
  if (ns > INT64_MAX || ns < INT64_MIN) bad('timestamp out of range');
  if (ns < 0n) bad('timestamp before 1970 (negative): records take milliseconds since the epoch, 0 or more');
  return { ms: Number(ns / 1_000_000n), ns: ns.toString() };
}

function fieldValue(token: string): number | undefined {
  const first = token.charCodeAt(0);
  if (first === 116 || first === 84 || first === 102 || first === 70) return BOOLEANS.get(token); // t T f F
  const last = token.charCodeAt(token.length - 1);
  if (last === 105 /* i */) {
    if (!INTEGER.test(token)) bad(`invalid integer ${quote(token)}`);
    const n = BigInt(token.slice(0, -1));
    if (n > INT64_MAX || n < INT64_MIN) bad(`integer ${quote(token)} out of range`);
    return Number(n);
  }
  if (last === 117 /* u */) {
    if (!UNSIGNED.test(token)) bad(`invalid unsigned integer ${quote(token)}`);
    const n = BigInt(token.slice(0, -1));
    if (n > UINT64_MAX) bad(`unsigned integer ${quote(token)} out of range`);
    return Number(n);
  }
  if (!FLOAT.test(token)) return undefined;
  const value = Number(token);
  if (!Number.isFinite(value)) bad(`float ${quote(token)} out of range`);
  return value;
}

function quote(text: string): string {
  return JSON.stringify(text.length > 64 ? `${text.slice(0, 64)}…` : text);
}

interface ParsedLine {
  measurement: string;
  /** Tag keys and values, in line order. */
  tagKeys: string[];
  tagValues: string[];
  fields: Map<string, number | string>;
  timestamp: Timestamp | undefined;
}

/** Parses one body; see the module comment for what comes out. */
class LineProtocolParser {
  private readonly text: string;
  private pos = 0;
  private lineNumber = 1;

  constructor(text: string) {
    this.text = text;
  }

  parse(precision: Precision, receivedAtMs: number, limits: LineProtocolLimits): LineProtocolResult {
    const points: InfluxPoint[] = [];
    const strings: InfluxStringField[] = [];
    const received: Timestamp = { ms: receivedAtMs, ns: (BigInt(receivedAtMs) * 1_000_000n).toString() };
    let goodLines = 0;
    let badLines = 0;
    let firstBadLine: BadLine | undefined;
    while (this.skipToLine()) {
      const start = this.pos;
      const startLine = this.lineNumber;
      try {
        const line = this.line(precision);
        const records = checkLimits(line, limits);
        if (points.length + strings.length + records > limits.maxRecordsPerRequest) {
          throw new LineProtocolError('too_many_records',
            `line ${startLine}: request holds more than ${limits.maxRecordsPerRequest} records`);
        }
        this.endLine();
        emit(line, line.timestamp ?? received, points, strings);
        goodLines++;
      } catch (err) {
        if (!(err instanceof BadLineReason)) throw err;
        this.skipRestOfLine();
        badLines++;
        firstBadLine ??= { line: startLine, text: this.lineText(start), reason: err.message };
      }
    }
    return { points, strings, goodLines, badLines, firstBadLine };
  }

  /** Skips blank lines, leading blanks and comments; false at the end of the body. */
  private skipToLine(): boolean {
    const text = this.text;
    while (this.pos < text.length) {
      const c = text.charCodeAt(this.pos);
      if (c === SPACE || c === TAB || c === RETURN) this.pos++;
      else if (c === NEWLINE) { this.pos++; this.lineNumber++; }
      else if (c === HASH) this.skipRestOfLine();
      else return true;
    }
    return false;
  }

  /** Moves past the next newline (used after a bad line: quotes no longer count). */
  private skipRestOfLine(): void {
    const next = this.text.indexOf('\n', this.pos);
    this.pos = next < 0 ? this.text.length : next + 1;
    if (next >= 0) this.lineNumber++;
  }

  private lineText(start: number): string {
    let end = this.text.indexOf('\n', start);
    if (end < 0) end = this.text.length;
    if (end > start && this.text.charCodeAt(end - 1) === RETURN) end--;
    const line = this.text.slice(start, Math.min(end, start + MAX_QUOTED_LINE));
    return end - start > MAX_QUOTED_LINE ? `${line}…` : line;
  }

  private atLineEnd(): boolean {
    const c = this.text.charCodeAt(this.pos);
    return this.pos >= this.text.length || c === NEWLINE || (c === RETURN && this.isLineEndAfterReturn());
  }

  private isLineEndAfterReturn(): boolean {
    return this.pos + 1 >= this.text.length || this.text.charCodeAt(this.pos + 1) === NEWLINE;
  }

  private endLine(): void {
    if (this.text.charCodeAt(this.pos) === RETURN) this.pos++;
    if (this.pos < this.text.length) { this.pos++; this.lineNumber++; }
  }

  /** Parses a line up to its end (the newline is left for endLine). */
  private line(precision: Precision): ParsedLine {
    const measurement = this.key(false, 'measurement');
    if (measurement === '') bad('missing measurement');
    const tagKeys: string[] = [];
    const tagValues: string[] = [];
    while (this.text.charCodeAt(this.pos) === COMMA) {
      this.pos++;
      const key = this.key(true, 'tag key');
      if (key === '') bad('missing tag key');
      if (this.text.charCodeAt(this.pos) !== EQUALS) bad(`missing tag value for tag ${quote(key)}`);
      this.pos++;
      const value = this.key(true, 'tag value');
      if (value === '') bad(`missing tag value for tag ${quote(key)}`);
      if (this.text.charCodeAt(this.pos) === EQUALS) bad(`invalid tag format: unescaped "=" in the value of tag ${quote(key)}`);
      if (tagKeys.includes(key)) bad(`duplicate tag ${quote(key)}`);
      tagKeys.push(key);
      tagValues.push(value);
    }
    if (!this.skipSpaces()) bad('missing fields');
    const fields = this.fields();
    const timestamp = this.skipSpaces() ? this.timestamp(precision) : undefined;
    this.skipSpaces();
    if (!this.atLineEnd()) bad('invalid timestamp: unexpected text after the timestamp');
    return { measurement, tagKeys, tagValues, fields, timestamp };
  }

  /** Skips spaces; true when at least one was skipped and the line goes on. */
  private skipSpaces(): boolean {
    const start = this.pos;
    while (this.text.charCodeAt(this.pos) === SPACE) this.pos++;
    return this.pos > start && !this.atLineEnd();
  }

  /**
   * A measurement (escapes: comma, space) or a tag key/value or field key
   * (escapes: comma, equals sign, space), up to an unescaped comma, space or
   * equals sign. A backslash before any other character is kept as is.
   */
  private key(equalsEnds: boolean, what: string): string {
    const text = this.text;
    let out = '';
    let from = this.pos;
    while (!this.atLineEnd()) {
      const c = text.charCodeAt(this.pos);
      if (c === COMMA || c === SPACE || (equalsEnds && c === EQUALS)) break;
      if (c === BACKSLASH) {
        const next = text.charCodeAt(this.pos + 1);
        if (next === COMMA || next === SPACE || (next === EQUALS && equalsEnds)) {
          out += text.slice(from, this.pos);
          from = this.pos + 1;
          this.pos += 2;
          continue;
        }
        if (next === NEWLINE) bad(`${what} ends in a backslash`);
      }
      this.pos++;
    }
    return out + text.slice(from, this.pos);
  }

  private fields(): Map<string, number | string> {
    const fields = new Map<string, number | string>();
    for (;;) {
      const key = this.key(true, 'field key');
      if (key === '') bad('missing field key');
      if (this.text.charCodeAt(this.pos) !== EQUALS) bad(`missing field value for field ${quote(key)}`);
      this.pos++;
      fields.set(key, this.text.charCodeAt(this.pos) === QUOTE ? this.stringValue() : this.numberValue(key));
      if (this.text.charCodeAt(this.pos) !== COMMA) return fields;
      this.pos++;
    }
  }

  /** A double-quoted string: `\"` and `\\` are escapes, any other backslash is kept. */
  private stringValue(): string {
    const text = this.text;
    const opening = { pos: this.pos, line: this.lineNumber };
    let out = '';
    let from = ++this.pos;
    for (;;) {
      if (this.pos >= text.length) {
        // Resume after the opening quote's line, not at the end of the body.
        this.pos = opening.pos;
        this.lineNumber = opening.line;
        bad('unbalanced quotes: string field value has no closing quote');
      }
      const c = text.charCodeAt(this.pos);
      if (c === QUOTE) break;
      if (c === NEWLINE) this.lineNumber++;
      if (c === BACKSLASH) {
        const next = text.charCodeAt(this.pos + 1);
        if (next === QUOTE || next === BACKSLASH) {
          out += text.slice(from, this.pos);
          from = this.pos + 1;
          this.pos += 2;
          continue;
        }
      }
      this.pos++;
    }
    out += text.slice(from, this.pos);
    this.pos++;
    const c = text.charCodeAt(this.pos);
    if (!(c === COMMA || c === SPACE || this.atLineEnd())) bad('invalid field format: text after a string field value');
    return out;
  }

  private numberValue(key: string): number {
    const start = this.pos;
    while (!this.atLineEnd()) {
      const c = this.text.charCodeAt(this.pos);
      if (c === COMMA || c === SPACE) break;
      this.pos++;
    }
    const token = this.text.slice(start, this.pos);
    if (token === '') bad(`missing field value for field ${quote(key)}`);
    const value = fieldValue(token);
    if (value === undefined) bad(`invalid field format: ${quote(token)} for field ${quote(key)} is not a number, boolean or string`);
    return value;
  }

  private timestamp(precision: Precision): Timestamp {
    const start = this.pos;
    while (!this.atLineEnd() && this.text.charCodeAt(this.pos) !== SPACE) this.pos++;
    const token = this.text.slice(start, this.pos);
    if (!TIMESTAMP.test(token) || token.length > 21) bad(`invalid timestamp ${quote(token)}`);
    return timestampOf(token, precision);
  }
}

function pointName(measurement: string, field: string): string {
  return field === 'value' ? measurement : `${measurement}_${field}`;
}

/** Checks a parsed line against the limits; returns how many records it makes. */
function checkLimits(line: ParsedLine, limits: LineProtocolLimits): number {
  if (line.tagKeys.length > limits.maxLabelsPerRecord) bad(`more than ${limits.maxLabelsPerRecord} tags`);
  for (let i = 0; i < line.tagKeys.length; i++) {
    const key = line.tagKeys[i]!;
    const value = line.tagValues[i]!;
    if (key.length > limits.maxLabelNameLength) bad(`tag key ${quote(key)} longer than ${limits.maxLabelNameLength}`);
    if (value.length > limits.maxLabelValueLength) bad(`value of tag ${quote(key)} longer than ${limits.maxLabelValueLength}`);
  }
  for (const field of line.fields.keys()) {
    const name = pointName(line.measurement, field);
    if (name.length > limits.maxNameLength) bad(`name ${quote(name)} longer than ${limits.maxNameLength}`);
  }
  return line.fields.size;
}

function labelsOf(line: ParsedLine): Record<string, string> {
  const labels: Record<string, string> = {};
  for (let i = 0; i < line.tagKeys.length; i++) {
    const key = line.tagKeys[i]!;
    // A tag called __proto__ is data: assigning it would set the object's prototype.
    if (key === '__proto__') Object.defineProperty(labels, key, { value: line.tagValues[i], enumerable: true, writable: true, configurable: true });
    else labels[key] = line.tagValues[i]!;
  }
  return labels;
}

function emit(line: ParsedLine, time: Timestamp, points: InfluxPoint[], strings: InfluxStringField[]): void {
  for (const [field, value] of line.fields) {
    const name = pointName(line.measurement, field);
    // Each record gets its own labels object: the caller may add to one.
    const labels = labelsOf(line);
    if (typeof value === 'number') points.push({ name, value, type: 'gauge', timestamp: time.ms, timestampNs: time.ns, labels });
    else strings.push({ name, value, timestamp: time.ms, timestampNs: time.ns, labels });
  }
}

/** Parses a line protocol body (UTF-8). Throws only LineProtocolError. */
export function parseLineProtocol(body: string | Uint8Array, precision: Precision, receivedAtMs: number, limits: LineProtocolLimits): LineProtocolResult {
  const text = typeof body === 'string' ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8');
  return new LineProtocolParser(text).parse(precision, receivedAtMs, limits);
}
