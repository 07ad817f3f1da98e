// The OTLP/JSON check as it was before src/protocols/otlp/json-check.ts compiled
// its rules per type and named paths only on refusal; the reference the faster
// check must match, refusal message for refusal message
// (json-check-equivalence.test.ts).
//
// OTLP/JSON values checked against the schema before protobufjs converts
// them: its fromObject coerces instead of refusing ("abc" → NaN for a double,
// "soon" → 0 for a time), which would write wrong data without a word. Walks
// iteratively (no recursion on hostile nesting). Unknown keys are ignored, as
// the OTLP/JSON rules require; ids have already become bytes (request.ts).
import protobuf from 'protobufjs';
import { DecodeError } from '../../../../src/decode/decode-error';

const INT64 = new Set(['int64', 'uint64', 'sint64', 'fixed64', 'sfixed64']);
const INT32 = new Set(['int32', 'uint32', 'sint32', 'fixed32', 'sfixed32']);
const FLOAT = new Set(['double', 'float']);
const INTEGER_TEXT = /^-?\d{1,20}$/;
const FLOAT_TEXT = /^(?:NaN|-?Infinity|-?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)$/;

function scalarProblem(field: protobuf.Field, value: unknown): string | null {
  const type = field.type;
  if (field.resolvedType instanceof protobuf.Enum) {
    if (Number.isInteger(value) || (typeof value === 'string' && value in field.resolvedType.values)) return null;
    return 'an enum number expected';
  }
  if (INT64.has(type) || INT32.has(type)) {
    if (Number.isInteger(value) || (typeof value === 'string' && INTEGER_TEXT.test(value))) return null;
    return 'an integer (number or decimal string) expected';
  }
  if (FLOAT.has(type)) {
    if (typeof value === 'number' || (typeof value === 'string' && FLOAT_TEXT.test(value))) return null;
    return 'a number expected';
  }
  if (type === 'bool') return typeof value === 'boolean' ? null : 'true or false expected';
  if (type === 'string') return typeof value === 'string' ? null : 'a string expected';
  if (type === 'bytes') return (typeof value === 'string' && protobufjsDecodesBase64(value)) || value instanceof Uint8Array ? null : 'a base64 string expected';
  return null;
}

function describe(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 40 ? text.slice(0, 40) + '…' : text;
}

export function checkJson(document: object, root: protobuf.Type): void {
  const stack: Array<[object, protobuf.Type, string]> = [[document, root, '']];
  while (stack.length > 0) {
    const [node, type, path] = stack.pop()!;
    for (const [key, value] of Object.entries(node)) {
      const field = type.fields[key];
      if (field === undefined || value === null) continue;
      const where = path === '' ? key : `${path}.${key}`;
      const items: unknown[] = field.repeated ? (Array.isArray(value) ? value : []) : [value];
      if (field.repeated && !Array.isArray(value)) throw new DecodeError('invalid_json', `${where}: an array expected, got ${describe(value)}`);
      for (let i = 0; i < items.length; i++) {
        const item = items[i];
        const at = field.repeated ? `${where}[${i}]` : where;
        if (field.resolvedType instanceof protobuf.Type) {
          if (item === null || typeof item !== 'object' || Array.isArray(item)) {
            throw new DecodeError('invalid_json', `${at}: an object expected, got ${describe(item)}`);
          }
          stack.push([item, field.resolvedType, at]);
          continue;
        }
        const problem = scalarProblem(field, item);
        if (problem !== null) throw new DecodeError('invalid_json', `${at}: ${problem}, got ${describe(item)}`);
      }
    }
  }
}

/** Whether protobufjs' own base64 decoder, which fromObject runs on a bytes field's string, takes it. */
function protobufjsDecodesBase64(text: string): boolean {
  try {
    protobuf.util.base64.decode(text, new Uint8Array(protobuf.util.base64.length(text)), 0);
    return true;
  } catch {
    return false;
  }
}
