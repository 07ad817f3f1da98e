// A pass over protobuf bytes before protobufjs decodes them. protobufjs
// recurses once per nested message and allocates an object per message with
// no bound on either, so a small hostile body (thousands of nested AnyValues,
// millions of empty repeated entries) would overflow the stack or exhaust the
// worker's heap. This walk is iterative, follows the schema, and refuses:
//  - malformed wire data (truncation, over-long varints, lengths past the end,
//    group or reserved wire types, a wire type that does not fit the field) → 400;
//  - strings that are not UTF-8 (protobufjs would replace the bad bytes) → 400;
//  - nesting deeper than maxDepth → 400;
//  - an estimated decoded size (objects and repeated values) over maxDecodedBytes → 413.
// No protobuf library offers these limits, hence hand-written.
import { isUtf8 } from 'node:buffer';
import protobuf from 'protobufjs';
import { DecodeError } from '../../decode/decode-error';

/** Rough V8 heap bytes of one decoded message object, and of one repeated
 * value: a 64-bit integer becomes a Long object, others an array slot. */
// Measured: 20,000 gauge points with 3 attributes each decode to ~700 bytes
// per point, ~100 per message object; 112 leaves some margin.
const MESSAGE_BYTES = 112;
const SCALAR_BYTES = 16;
const LONG_BYTES = 56;
const LONG_TYPES = new Set(['int64', 'uint64', 'sint64', 'fixed64', 'sfixed64']);

function valueBytes(field: protobuf.Field): number {
  return LONG_TYPES.has(field.type) ? LONG_BYTES : SCALAR_BYTES;
}

const VARINT_TYPES = new Set(['int32', 'int64', 'uint32', 'uint64', 'sint32', 'sint64', 'bool']);
const FIXED64_TYPES = new Set(['fixed64', 'sfixed64', 'double']);
const FIXED32_TYPES = new Set(['fixed32', 'sfixed32', 'float']);

function expectedWireType(field: protobuf.Field): number {
  if (field.resolvedType instanceof protobuf.Enum || VARINT_TYPES.has(field.type)) return 0;
  if (FIXED64_TYPES.has(field.type)) return 1;
  if (FIXED32_TYPES.has(field.type)) return 5;
  return 2;
}

export interface WireLimits {
  readonly maxDepth: number;
  readonly maxDecodedBytes: number;
}

/** What the walk needs of a field, worked out once per schema field (reading
 * protobufjs' reflection per field on the wire was half the walk's time). */
interface FieldRule {
  readonly name: string;
  readonly wireType: number;
  readonly repeated: boolean;
  /** Message fields: the message's rules. */
  readonly message: MessageRules | undefined;
  readonly isString: boolean;
  /** Decoded bytes per repeated value. */
  readonly valueBytes: number;
}

interface MessageRules {
  readonly name: string;
  /** By field number. */
  readonly fields: ReadonlyArray<FieldRule | undefined>;
}

const rulesByType = new Map<protobuf.Type, MessageRules>();

function rulesOf(type: protobuf.Type): MessageRules {
  const known = rulesByType.get(type);
  if (known !== undefined) return known;
  const fields: Array<FieldRule | undefined> = [];
  const rules: MessageRules = { name: type.name, fields };
  rulesByType.set(type, rules); // before the fields: the schema is recursive (AnyValue)
  for (const field of type.fieldsArray) {
    fields[field.id] = {
      name: field.name, wireType: expectedWireType(field), repeated: field.repeated,
      message: field.resolvedType instanceof protobuf.Type ? rulesOf(field.resolvedType) : undefined,
      isString: field.type === 'string', valueBytes: valueBytes(field),
    };
  }
  return rules;
}

interface Frame {
  readonly rules: MessageRules;
  readonly end: number;
}

function malformed(message: string): DecodeError {
  return new DecodeError('invalid_protobuf', `body is not a valid protobuf message: ${message}`);
}

/** Checks the request; returns the deepest message nesting in it (the request alone: 1). */
export function checkWire(bytes: Uint8Array, root: protobuf.Type, limits: WireLimits): number {
  let pos = 0;
  let deepest = 1;
  let decodedBytes = MESSAGE_BYTES;
  const stack: Frame[] = [{ rules: rulesOf(root), end: bytes.length }];

  const varint = (end: number): number => {
    let value = 0;
    for (let i = 0, scale = 1; i < 10; i++, scale *= 128) {
      if (pos >= end) throw malformed(`truncated varint at byte ${pos}`);
      const byte = bytes[pos++]!;
      value += (byte & 0x7f) * scale;
      if ((byte & 0x80) === 0) return value;
    }
    throw malformed(`varint longer than 10 bytes at byte ${pos}`);
  };
  const skip = (n: number, frameEnd: number): void => {
    if (n > frameEnd - pos) throw malformed(`field of ${n} bytes at byte ${pos} runs past the end of its message`);
    pos += n;
  };

  while (stack.length > 0) {
    const frame = stack[stack.length - 1]!;
    if (pos === frame.end) {
      stack.pop();
      continue;
    }
    const tagAt = pos;
    const tag = varint(frame.end);
    const fieldNumber = Math.floor(tag / 8);
    const wireType = tag % 8;
    if (fieldNumber === 0) throw malformed(`field number 0 at byte ${tagAt}`);
    const field = frame.rules.fields[fieldNumber];
    if (field !== undefined) {
      const expected = field.wireType;
      const packed = wireType === 2 && field.repeated && expected !== 2;
      if (wireType !== expected && !packed) {
        throw malformed(`${frame.rules.name}.${field.name} (field ${fieldNumber}) has wire type ${wireType}, expected ${expected} (byte ${tagAt})`);
      }
    }
    switch (wireType) {
      case 0: varint(frame.end); break;
      case 1: skip(8, frame.end); break;
      case 5: skip(4, frame.end); break;
      case 2: {
        const length = varint(frame.end);
        if (length > frame.end - pos) throw malformed(`length ${length} at byte ${tagAt} runs past the end of its message`);
        if (field?.message !== undefined) {
          if (stack.length >= limits.maxDepth) {
            throw new DecodeError('too_deep', `messages nested deeper than ${limits.maxDepth} levels (byte ${tagAt})`);
          }
          decodedBytes += MESSAGE_BYTES;
          stack.push({ rules: field.message, end: pos + length });
          if (stack.length > deepest) deepest = stack.length;
        } else {
          if (field?.repeated && field.wireType !== 2) decodedBytes += field.valueBytes * packedCount(bytes, pos, length, field.wireType);
          if (field?.isString && !isAscii(bytes, pos, length) && !isUtf8(bytes.subarray(pos, pos + length))) {
            throw new DecodeError('invalid_utf8', `${frame.rules.name}.${field.name} (byte ${tagAt}) is not valid UTF-8`);
          }
          pos += length;
        }
        break;
      }
      default: throw malformed(`wire type ${wireType} at byte ${tagAt} (groups and types 6, 7 are not used by OTLP)`);
    }
    if (field?.repeated && wireType !== 2) decodedBytes += field.valueBytes;
    if (decodedBytes > limits.maxDecodedBytes) {
      throw new DecodeError('decoded_too_large', `the request would take more than ${limits.maxDecodedBytes} bytes of memory decoded (too many items); send smaller batches`);
    }
  }
  return deepest;
}

/** Whether a short run of bytes is ASCII (so UTF-8), looked at in place: most
 * attribute keys and values are, and a view for isUtf8 costs more than this. */
function isAscii(bytes: Uint8Array, from: number, length: number): boolean {
  if (length > 64) return false;
  for (let i = from; i < from + length; i++) if (bytes[i]! >= 0x80) return false;
  return true;
}

/** Values in a packed repeated field of `length` bytes. */
function packedCount(bytes: Uint8Array, from: number, length: number, wireType: number): number {
  if (wireType === 1) return Math.ceil(length / 8);
  if (wireType === 5) return Math.ceil(length / 4);
  let count = 0;
  for (let i = from; i < from + length; i++) if ((bytes[i]! & 0x80) === 0) count++;
  return count;
}
