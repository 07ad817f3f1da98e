// OTLP/JSON export requests checked and their items counted in one pass over
// the body's bytes, for forwarding the body as it is (otlp_json): no string,
// object or array is built.
//
// Why hand-rolled: the general path (request.ts: checkedJsonRequest, then
// json-count.ts) spends about two thirds of its ~290 µs per 100-point request
// in JSON.parse building a document that is only checked, counted and thrown
// away (bench/otlp-cpu.ts); no JSON library validates against a protobuf
// schema without building it.
//
// It decides only what it can decide exactly. A body it accepts is one the
// general path accepts, with the same item count: the same schema rules
// (json-check.ts' rulesOf), the same id rule (request.ts' ID_PATHS), the same
// count (json-count.ts' ENVELOPE and data oneof order). Anything else — invalid
// JSON or UTF-8, a value the schema refuses, an escape in a key or in a
// number, id or base64 string, a known key twice, nesting past the limit —
// returns NOT_SCANNED, and the caller runs the general path, which answers it
// (its errors are the only errors). test/protocols/otlp/json-scanner.test.ts
// holds the two equal.
import { Buffer, isUtf8 } from 'node:buffer';
import type protobuf from 'protobufjs';
import { Signal } from '../../signals';
import {
  BACKSLASH, CLOSE_BRACE, CLOSE_BRACKET, COMMA, DOT, EQUALS, MINUS, NOT_SCANNED, NOT_SCANNED_SIGNAL, OPEN_BRACE, OPEN_BRACKET, PLUS, QUOTE, ZERO,
  isDigit, notScanned, numberAt, pastBlanks, pastColon,
} from '../../decode/scan';
import { FLOAT_TEXT, Kind, rulesOf, type FieldRule, type TypeRules } from './json-check';
import { ENVELOPE, METRIC_KINDS_LAST_FIRST } from './json-count';
import { EXPORT_REQUEST } from './proto';
import { ID_PATHS } from './request';

/** What #body holds between requests, so a body is not kept alive until the next one. */
const EMPTY = Buffer.alloc(0);
const TRUE = Buffer.from('true');
const FALSE = Buffer.from('false');
const NULL = Buffer.from('null');

/** Containers an unknown key's value may nest before the general path decides it. */
const MAX_SKIPPED_DEPTH = 64;
/** Integer digits whose value is finite for certain (a double reaches 1.8e308). */
const FINITE_DIGITS = 300;

/** What a field adds to its message's item count. */
const enum Tally {
  None,
  /** The field's messages' counts (the envelope: groups, scopes, items). */
  Sum,
  /** Its entries (a data kind's dataPoints). */
  Entries,
  /** One member of Metric's data oneof: the message's count is the last declared member's. */
  Member,
}

interface Field {
  readonly key: Buffer;
  /** This field's bit in a message's seen mask. */
  readonly bit: number;
  readonly rule: FieldRule;
  /** Kind.Bytes fields that carry trace or span ids (hex, not base64). */
  readonly id: boolean;
  readonly tally: Tally;
  /** Tally.Member: declaration order (the highest set one counts). */
  readonly rank: number;
  /** Kind.Message: the message's shape. */
  shape: Shape | undefined;
}

interface Shape {
  /** Fields by the length of their key. */
  readonly byLength: ReadonlyArray<readonly Field[] | undefined>;
  /** Whether the message is one item (a log record, a span). */
  readonly isItem: boolean;
}

function isHex(b: number): boolean {
  return isDigit(b) || (b >= 0x41 && b <= 0x46) || (b >= 0x61 && b <= 0x66);
}

function isBase64Letter(b: number): boolean {
  return (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a) || isDigit(b) || b === PLUS || b === 0x2f;
}

/** How the signal's messages count and which of their fields are ids, by type
 * and JSON key, worked out from the tables the general path counts and checks with. */
interface Roles {
  readonly tallies: Map<protobuf.Type, Map<string, [Tally, number]>>;
  readonly ids: Map<protobuf.Type, Set<string>>;
  readonly items: Set<protobuf.Type>;
}

function fieldType(type: protobuf.Type, key: string): protobuf.Type {
  const field = type.fields[key];
  if (field === undefined || field.resolvedType === null) throw new Error(`OTLP schema: ${type.name} has no message field ${key}`);
  return field.resolvedType as protobuf.Type;
}

function rolesOf(signal: Signal): Roles {
  const roles: Roles = { tallies: new Map(), ids: new Map(), items: new Set() };
  const tally = (type: protobuf.Type, key: string, role: Tally, rank = 0): void => {
    const known = roles.tallies.get(type) ?? new Map<string, [Tally, number]>();
    known.set(key, [role, rank]);
    roles.tallies.set(type, known);
  };
  let type = EXPORT_REQUEST[signal];
  for (const key of ENVELOPE[signal]) {
    tally(type, key, Tally.Sum);
    type = fieldType(type, key);
  }
  if (signal !== Signal.Metrics) roles.items.add(type);
  else {
    const declared = [...METRIC_KINDS_LAST_FIRST].reverse();
    declared.forEach((kind, rank) => {
      tally(type, kind, Tally.Member, rank);
      tally(fieldType(type, kind), 'dataPoints', Tally.Entries);
    });
  }
  for (const path of ID_PATHS[signal]) {
    let holder = EXPORT_REQUEST[signal];
    for (const key of path.slice(0, -1)) holder = fieldType(holder, key);
    const ids = roles.ids.get(holder) ?? new Set<string>();
    ids.add(path[path.length - 1]!);
    roles.ids.set(holder, ids);
  }
  return roles;
}

/** The shapes of a signal's messages from the root (each type once: the schema is recursive). */
function shapeOf(type: protobuf.Type, roles: Roles, shapes = new Map<protobuf.Type, Shape>()): Shape {
  const known = shapes.get(type);
  if (known !== undefined) return known;
  const rules: TypeRules = rulesOf(type);
  const byLength: Field[][] = [];
  const shape: Shape = { byLength, isItem: roles.items.has(type) };
  shapes.set(type, shape);
  if (rules.size > 30) throw new Error(`OTLP schema: ${type.name} has more fields than a seen mask holds`);
  let bit = 1;
  for (const [key, rule] of rules) {
    const [tally, rank] = roles.tallies.get(type)?.get(key) ?? [Tally.None, 0];
    const field: Field = { key: Buffer.from(key), bit, rule, id: roles.ids.get(type)?.has(key) ?? false, tally, rank, shape: undefined };
    bit <<= 1;
    (byLength[field.key.length] ??= []).push(field);
    if (rule.kind === Kind.Message) field.shape = shapeOf(type.fields[key]!.resolvedType as protobuf.Type, roles, shapes);
  }
  return shape;
}

export class OtlpJsonScanner {
  readonly #root: Shape;
  #body: Buffer = EMPTY;
  #at = 0;
  #maxDepth = 0;
  /** Whether the last string scanned held an escape. */
  #escaped = false;
  /** Whether the last number scanned had neither fraction nor exponent. */
  #plainInteger = false;

  constructor(signal: Signal) {
    this.#root = shapeOf(EXPORT_REQUEST[signal], rolesOf(signal));
  }

  /** The request's items (data points, log records, spans), having checked
   * it as the general path would with maxDepth (messages, the request being
   * 1); or NOT_SCANNED when the general path must decide. */
  count(body: Buffer, maxDepth: number): number {
    if (!isUtf8(body)) return NOT_SCANNED;
    this.#body = body;
    this.#at = 0;
    this.#maxDepth = maxDepth;
    try {
      this.#skipBlanks();
      if (body[this.#at] !== OPEN_BRACE) return NOT_SCANNED;
      const items = this.#message(this.#root, 1);
      this.#skipBlanks();
      return this.#at === body.length ? items : NOT_SCANNED;
    } catch (err) {
      if (err === NOT_SCANNED_SIGNAL) return NOT_SCANNED;
      throw err;
    } finally {
      this.#body = EMPTY;
    }
  }

  /** The object at #at as a message of `shape`; returns its item count. */
  #message(shape: Shape, depth: number): number {
    if (depth > this.#maxDepth) notScanned();
    const body = this.#body;
    this.#at++;
    this.#skipBlanks();
    if (body[this.#at] === CLOSE_BRACE) {
      this.#at++;
      return shape.isItem ? 1 : 0;
    }
    let seen = 0;
    let items = 0;
    let memberRank = -1;
    let memberItems = 0;
    do {
      this.#skipBlanks();
      if (body[this.#at] !== QUOTE) notScanned();
      const keyStart = this.#at + 1;
      const keyEnd = this.#string();
      if (this.#escaped) notScanned();
      this.#colon();
      const field = this.#field(shape, keyStart, keyEnd);
      if (field === undefined) this.#skipValue(0);
      else {
        if ((seen & field.bit) !== 0) notScanned();
        seen |= field.bit;
        const counted = this.#fieldValue(field, depth);
        if (field.tally === Tally.Member) {
          if (counted >= 0 && field.rank > memberRank) {
            memberRank = field.rank;
            memberItems = counted;
          }
        } else if (field.tally !== Tally.None && counted > 0) items += counted;
      }
      this.#skipBlanks();
    } while (this.#comma());
    if (body[this.#at] !== CLOSE_BRACE) notScanned();
    this.#at++;
    return (shape.isItem ? 1 : 0) + items + memberItems;
  }

  #field(shape: Shape, start: number, end: number): Field | undefined {
    const candidates = shape.byLength[end - start];
    if (candidates === undefined) return undefined;
    const body = this.#body;
    outer: for (const field of candidates) {
      const key = field.key;
      for (let i = 0; i < key.length; i++) if (body[start + i] !== key[i]) continue outer;
      return field;
    }
    return undefined;
  }

  /** A known field's value at #at; returns what it adds to the count, or -1 for null. */
  #fieldValue(field: Field, depth: number): number {
    const body = this.#body;
    if (body[this.#at] === NULL[0]) {
      // checkJson passes over null; the id check refuses it.
      this.#literal(NULL);
      if (field.id) notScanned();
      return -1;
    }
    if (!field.rule.repeated) {
      if (field.rule.kind === Kind.Message) {
        if (body[this.#at] !== OPEN_BRACE) notScanned();
        return this.#message(field.shape!, depth + 1);
      }
      this.#scalar(field);
      return 0;
    }
    if (body[this.#at] !== OPEN_BRACKET) notScanned();
    this.#at++;
    this.#skipBlanks();
    if (body[this.#at] === CLOSE_BRACKET) {
      this.#at++;
      return 0;
    }
    let counted = 0;
    do {
      this.#skipBlanks();
      if (field.rule.kind === Kind.Message) {
        if (body[this.#at] !== OPEN_BRACE) notScanned();
        const items = this.#message(field.shape!, depth + 1);
        counted += field.tally === Tally.Entries ? 1 : items;
      } else {
        if (body[this.#at] === NULL[0] && field.rule.kind !== Kind.Any) notScanned();
        this.#scalar(field);
      }
      this.#skipBlanks();
    } while (this.#comma());
    if (body[this.#at] !== CLOSE_BRACKET) notScanned();
    this.#at++;
    return counted;
  }

  /** A value that is not a message, checked as json-check.ts' scalarProblem and request.ts' id rule check it. */
  #scalar(field: Field): void {
    const body = this.#body;
    const first = body[this.#at];
    switch (field.rule.kind) {
      case Kind.String:
        if (first !== QUOTE) notScanned();
        this.#string();
        return;
      case Kind.Integer:
        if (first === QUOTE) this.#integerText();
        else this.#integer();
        return;
      case Kind.Float:
        if (first === QUOTE) this.#floatText();
        else this.#number();
        return;
      case Kind.Enum:
        if (first === QUOTE) this.#enumName(field.rule.enumValues!);
        else this.#integer();
        return;
      case Kind.Bool:
        this.#literal(first === TRUE[0] ? TRUE : FALSE);
        return;
      case Kind.Bytes:
        if (first !== QUOTE) notScanned();
        if (field.id) this.#hexText();
        else this.#base64Text();
        return;
      default:
        this.#skipValue(0);
    }
  }

  /** A number whose value is an integer (Number.isInteger). */
  #integer(): void {
    const start = this.#at;
    this.#number();
    const digits = this.#at - start;
    if (this.#plainInteger && digits <= FINITE_DIGITS) return;
    if (!Number.isInteger(numberAt(this.#body, start, this.#at))) notScanned();
  }

  /** A string of 1–20 decimal digits, perhaps after a minus (json-check.ts' INTEGER_TEXT). */
  #integerText(): void {
    const body = this.#body;
    const start = this.#at + 1;
    const end = this.#string();
    if (this.#escaped) notScanned();
    const digitsStart = body[start] === MINUS ? start + 1 : start;
    if (end === digitsStart || end - digitsStart > 20) notScanned();
    for (let i = digitsStart; i < end; i++) if (!isDigit(body[i]!)) notScanned();
  }

  #floatText(): void {
    const start = this.#at + 1;
    const end = this.#string();
    if (this.#escaped || !FLOAT_TEXT.test(this.#body.toString('latin1', start, end))) notScanned();
  }

  /** An enum's name, looked up as protobufjs' fromObject and json-check.ts look it up ("in"). */
  #enumName(values: Readonly<Record<string, number>>): void {
    const body = this.#body;
    const start = this.#at + 1;
    const end = this.#string();
    if (this.#escaped) notScanned();
    for (let i = start; i < end; i++) if (body[i]! >= 0x80) notScanned();
    if (!(body.toString('latin1', start, end) in values)) notScanned();
  }

  /** Hex of whole bytes (request.ts' id rule). */
  #hexText(): void {
    const body = this.#body;
    const start = this.#at + 1;
    const end = this.#string();
    if (this.#escaped || (end - start) % 2 !== 0) notScanned();
    for (let i = start; i < end; i++) if (!isHex(body[i]!)) notScanned();
  }

  /** What protobufjs' base64 decoder takes (json-check.ts' isBase64). */
  #base64Text(): void {
    const body = this.#body;
    const start = this.#at + 1;
    const end = this.#string();
    if (this.#escaped) notScanned();
    let run = start;
    while (run < end && isBase64Letter(body[run]!)) run++;
    const length = run - start;
    if (run === end ? length % 4 === 1 : body[run] !== EQUALS || length % 4 <= 1) notScanned();
  }

  /** Any JSON value at #at (an unknown key's), nested at most MAX_SKIPPED_DEPTH deep. */
  #skipValue(depth: number): void {
    const body = this.#body;
    const first = body[this.#at];
    if (first === QUOTE) this.#string();
    else if (first === OPEN_BRACE || first === OPEN_BRACKET) {
      if (depth >= MAX_SKIPPED_DEPTH) notScanned();
      const close = first === OPEN_BRACE ? CLOSE_BRACE : CLOSE_BRACKET;
      this.#at++;
      this.#skipBlanks();
      if (body[this.#at] === close) {
        this.#at++;
        return;
      }
      do {
        this.#skipBlanks();
        if (close === CLOSE_BRACE) {
          if (body[this.#at] !== QUOTE) notScanned();
          this.#string();
          this.#colon();
        }
        this.#skipValue(depth + 1);
        this.#skipBlanks();
      } while (this.#comma());
      if (body[this.#at] !== close) notScanned();
      this.#at++;
    } else if (first === TRUE[0]) this.#literal(TRUE);
    else if (first === FALSE[0]) this.#literal(FALSE);
    else if (first === NULL[0]) this.#literal(NULL);
    else this.#number();
  }

  #literal(word: Buffer): void {
    const body = this.#body;
    for (let i = 0; i < word.length; i++) if (body[this.#at + i] !== word[i]) notScanned();
    this.#at += word.length;
  }

  /** A string at #at (its opening quote): returns the index of its closing
   * quote, moves past it and sets #escaped. Raw control characters and
   * escapes JSON does not have are invalid JSON: the general path's. */
  #string(): number {
    const body = this.#body;
    const length = body.length;
    let escaped = false;
    let i = this.#at + 1;
    while (i < length) {
      const b = body[i]!;
      if (b === QUOTE) {
        this.#at = i + 1;
        this.#escaped = escaped;
        return i;
      }
      if (b < 0x20) notScanned();
      if (b === BACKSLASH) {
        escaped = true;
        i = this.#escape(i + 1);
      } else i++;
    }
    return notScanned();
  }

  /** The escape after a backslash at i - 1: returns the index after it. */
  #escape(i: number): number {
    const body = this.#body;
    switch (body[i]) {
      case QUOTE: case BACKSLASH: case 0x2f: case 0x62: case 0x66: case 0x6e: case 0x72: case 0x74:
        return i + 1;
      case 0x75:
        for (let j = i + 1; j <= i + 4; j++) if (!isHex(body[j] ?? 0)) notScanned();
        return i + 5;
      default:
        return notScanned();
    }
  }

  /** A JSON number at #at; moves past it and sets #plainInteger. */
  #number(): void {
    const body = this.#body;
    let i = this.#at;
    if (body[i] === MINUS) i++;
    if (body[i] === ZERO) i++;
    else if (isDigit(body[i] ?? 0)) while (isDigit(body[i] ?? 0)) i++;
    else notScanned();
    let plain = true;
    if (body[i] === DOT) {
      plain = false;
      i++;
      if (!isDigit(body[i] ?? 0)) notScanned();
      while (isDigit(body[i] ?? 0)) i++;
    }
    const e = body[i];
    if (e === 0x65 || e === 0x45) {
      plain = false;
      i++;
      if (body[i] === PLUS || body[i] === MINUS) i++;
      if (!isDigit(body[i] ?? 0)) notScanned();
      while (isDigit(body[i] ?? 0)) i++;
    }
    this.#at = i;
    this.#plainInteger = plain;
  }

  #skipBlanks(): void {
    this.#at = pastBlanks(this.#body, this.#at);
  }

  #colon(): void {
    this.#at = pastColon(this.#body, this.#at);
  }

  #comma(): boolean {
    if (this.#body[this.#at] !== COMMA) return false;
    this.#at++;
    return true;
  }
}
