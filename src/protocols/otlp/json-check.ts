// OTLP/JSON values checked against the schema before protobufjs converts
// them: its fromObject coerces instead of refusing ("abc" → NaN for a double,
// "soon" → 0 for a time), which would write wrong data without a word. Walks
// iteratively (no recursion on hostile nesting). Unknown keys are ignored, as
// the OTLP/JSON rules require; ids have already become bytes (request.ts).
// What each field accepts is worked out once per schema type, and the path a
// refusal names is put together only when there is a refusal: reading
// protobufjs' reflection and building a path string per value were most of
// this walk's time, itself the largest part of an OTLP/JSON request's decode
// (bench/otlp-cpu.ts).
import protobuf from 'protobufjs';
import { DecodeError } from '../../decode/decode-error';

const INT64 = new Set(['int64', 'uint64', 'sint64', 'fixed64', 'sfixed64']);
const INT32 = new Set(['int32', 'uint32', 'sint32', 'fixed32', 'sfixed32']);
const FLOAT = new Set(['double', 'float']);
const INTEGER_TEXT = /^-?\d{1,20}$/;
const BASE64_RUN = /^[A-Za-z0-9+/]*/;
export const FLOAT_TEXT = /^(?:NaN|-?Infinity|-?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)$/;

export const enum Kind { Message, Enum, Integer, Float, Bool, String, Bytes, Any }

export interface FieldRule {
  readonly repeated: boolean;
  readonly kind: Kind;
  /** Kind.Message: the message's rules. */
  readonly message: TypeRules | undefined;
  /** Kind.Enum: the enum's names ("in" them, as protobufjs' fromObject reads them). */
  readonly enumValues: Readonly<Record<string, number>> | undefined;
}

/** Rules by JSON key; a key no field has is ignored. */
export type TypeRules = ReadonlyMap<string, FieldRule>;

const rulesByType = new Map<protobuf.Type, Map<string, FieldRule>>();

function kindOf(field: protobuf.Field): Kind {
  if (field.resolvedType instanceof protobuf.Type) return Kind.Message;
  if (field.resolvedType instanceof protobuf.Enum) return Kind.Enum;
  if (INT64.has(field.type) || INT32.has(field.type)) return Kind.Integer;
  if (FLOAT.has(field.type)) return Kind.Float;
  if (field.type === 'bool') return Kind.Bool;
  if (field.type === 'string') return Kind.String;
  if (field.type === 'bytes') return Kind.Bytes;
  return Kind.Any;
}

/** The rules of a type's fields by JSON key, worked out once per type. */
export function rulesOf(type: protobuf.Type): TypeRules {
  const known = rulesByType.get(type);
  if (known !== undefined) return known;
  const rules = new Map<string, FieldRule>();
  rulesByType.set(type, rules); // before the fields: the schema is recursive (AnyValue)
  for (const [name, field] of Object.entries(type.fields)) {
    const kind = kindOf(field);
    rules.set(name, {
      repeated: field.repeated, kind,
      message: kind === Kind.Message ? rulesOf(field.resolvedType as protobuf.Type) : undefined,
      enumValues: kind === Kind.Enum ? (field.resolvedType as protobuf.Enum).values : undefined,
    });
  }
  return rules;
}

function scalarProblem(rule: FieldRule, value: unknown): string | null {
  switch (rule.kind) {
    case Kind.Enum:
      if (Number.isInteger(value) || (typeof value === 'string' && value in rule.enumValues!)) return null;
      return 'an enum number expected';
    case Kind.Integer:
      if (Number.isInteger(value) || (typeof value === 'string' && INTEGER_TEXT.test(value))) return null;
      return 'an integer (number or decimal string) expected';
    case Kind.Float:
      if (typeof value === 'number' || (typeof value === 'string' && FLOAT_TEXT.test(value))) return null;
      return 'a number expected';
    case Kind.Bool: return typeof value === 'boolean' ? null : 'true or false expected';
    case Kind.String: return typeof value === 'string' ? null : 'a string expected';
    case Kind.Bytes: return (typeof value === 'string' && isBase64(value)) || value instanceof Uint8Array ? null : 'a base64 string expected';
    default: return null;
  }
}

/** What protobufjs' base64 decoder takes: the standard alphabet, a final
 * group of 2–4 characters, and from a "=" after its second on, anything
 * (ignored); it throws on the rest. */
function isBase64(text: string): boolean {
  const length = BASE64_RUN.exec(text)![0].length;
  if (length === text.length) return length % 4 !== 1;
  return text.charCodeAt(length) === 0x3d && length % 4 > 1;
}

function describe(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 40 ? text.slice(0, 40) + '…' : text;
}

/** Where a value sits: its key in the object holding it, its index when
 * the field is repeated (-1 otherwise), and where that object sits. */
interface Place {
  readonly parent: Place | null;
  readonly key: string;
  readonly index: number;
}

/** "resourceMetrics[0].scopeMetrics[0].metrics[2].gauge.dataPoints[1].asDouble" */
function pathOf(place: Place): string {
  const parts: string[] = [];
  for (let p: Place | null = place; p !== null; p = p.parent) parts.push(p.index >= 0 ? `${p.key}[${p.index}]` : p.key);
  return parts.reverse().join('.');
}

function refuse(parent: Place | null, key: string, index: number, problem: string, value: unknown): never {
  throw new DecodeError('invalid_json', `${pathOf({ parent, key, index })}: ${problem}, got ${describe(value)}`);
}

/** An object still to check: the object, its type's rules, where it sits, how deep. */
type Pending = [Record<string, unknown>, TypeRules, Place | null, number];

/** maxDepth (messages, the request being 1) refuses deeper nesting as the
 * wire check does for protobuf; without it, protobufjs' conversion that
 * follows bounds it. */
export function checkJson(document: object, root: protobuf.Type, maxDepth = Infinity): void {
  const stack: Pending[] = [[document as Record<string, unknown>, rulesOf(root), null, 1]];
  while (stack.length > 0) {
    const [node, rules, place, depth] = stack.pop()!;
    if (depth > maxDepth) throw new DecodeError('too_deep', `${pathOf(place!)}: messages nested deeper than ${maxDepth} levels`);
    for (const key of Object.keys(node)) {
      const rule = rules.get(key);
      const value = node[key];
      if (rule === undefined || value === null) continue;
      if (!rule.repeated) {
        checkItem(rule, value, place, key, -1, depth, stack);
        continue;
      }
      if (!Array.isArray(value)) refuse(place, key, -1, 'an array expected', value);
      for (let i = 0; i < value.length; i++) checkItem(rule, value[i], place, key, i, depth, stack);
    }
  }
}

function checkItem(rule: FieldRule, item: unknown, parent: Place | null, key: string, index: number, depth: number, stack: Pending[]): void {
  if (rule.kind === Kind.Message) {
    if (item === null || typeof item !== 'object' || Array.isArray(item)) refuse(parent, key, index, 'an object expected', item);
    stack.push([item as Record<string, unknown>, rule.message!, { parent, key, index }, depth + 1]);
    return;
  }
  const problem = scalarProblem(rule, item);
  if (problem !== null) refuse(parent, key, index, problem, item);
}
