// What the byte scanners share (protocols/native/metrics-scanner.ts and
// logs-scanner.ts, protocols/otlp/metrics-scanner.ts and json-scanner.ts): how
// a scan says a body is not one it decides, the JSON bytes and steps the JSON
// scanners read with, and how a number is read.

import type { Buffer } from 'node:buffer';

/** The body is not one a scanner decides: decode it the general way. */
export const NOT_SCANNED = -1;

/** Thrown inside a scan (never out of it) when the body is not one it decides. */
class NotScanned extends Error {}
export const NOT_SCANNED_SIGNAL: Error = new NotScanned();

export function notScanned(): never {
  throw NOT_SCANNED_SIGNAL;
}

export const QUOTE = 0x22;
export const BACKSLASH = 0x5c;
export const COMMA = 0x2c;
export const COLON = 0x3a;
export const OPEN_BRACE = 0x7b;
export const CLOSE_BRACE = 0x7d;
export const OPEN_BRACKET = 0x5b;
export const CLOSE_BRACKET = 0x5d;
export const MINUS = 0x2d;
export const PLUS = 0x2b;
export const DOT = 0x2e;
export const ZERO = 0x30;
export const NINE = 0x39;
export const EQUALS = 0x3d;

export function isDigit(b: number): boolean {
  return b >= ZERO && b <= NINE;
}

/** The index of the first byte from `at` that is not JSON whitespace. */
export function pastBlanks(body: Uint8Array, at: number): number {
  // Most bodies have no blanks between tokens: one comparison for those.
  if (at >= body.length || body[at]! > 0x20) return at;
  let i = at;
  for (;;) {
    const b = body[i];
    if (b !== 0x20 && b !== 0x0a && b !== 0x0d && b !== 0x09) return i;
    i++;
  }
}

/** The index of the closing quote of the string whose opening quote is at
 * `at`; notScanned when it holds an escape or a raw control character
 * (invalid JSON) or does not end. */
export function plainStringEnd(body: Uint8Array, at: number): number {
  const length = body.length;
  for (let i = at + 1; i < length; i++) {
    const b = body[i]!;
    if (b === QUOTE) return i;
    if (b === BACKSLASH || b < 0x20) notScanned();
  }
  return notScanned();
}

/** The number JSON.parse reads from bytes [start, end) (a JSON number's text). */
export function numberAt(body: Buffer, start: number, end: number): number {
  return Number(body.toString('latin1', start, end));
}

/** Past the colon after an object's key (blanks around it allowed); notScanned without one. */
export function pastColon(body: Uint8Array, at: number): number {
  const colon = pastBlanks(body, at);
  if (body[colon] !== COLON) notScanned();
  return pastBlanks(body, colon + 1);
}

/** `tape`, or a copy twice its size when it has no room up to `end`. */
export function tapeWithRoom(tape: Int32Array<ArrayBuffer>, end: number): Int32Array<ArrayBuffer> {
  if (end <= tape.length) return tape;
  const grown = new Int32Array(Math.max(end, tape.length * 2));
  grown.set(tape);
  return grown;
}

/** Significant digits every decimal of which a double holds exactly (DBL_DIG). */
const EXACT_DIGITS = 15;
/** Zeros after "0." before Number#toString switches to exponent notation (1e-7). */
const MAX_FIXED_LEADING_ZEROS = 5;

/** A JSON number's extent, and whether JSON.stringify writes the value
 * JSON.parse reads from it with the very same bytes (`asWritten`). */
export class ScannedNumber {
  end = 0;
  asWritten = false;

  /** Scans the number at `at`; notScanned when none starts there. */
  scan(body: Uint8Array, at: number): void {
    let i = at;
    const negative = body[i] === MINUS;
    if (negative) i++;
    const intStart = i;
    if (body[i] === ZERO) i++;
    else if (isDigit(body[i] ?? 0)) while (isDigit(body[i] ?? 0)) i++;
    else notScanned();
    const intDigits = i - intStart;
    const intIsZero = body[intStart] === ZERO;
    let fracDigits = 0;
    let fracLeadingZeros = 0;
    let fracEndsInZero = false;
    if (body[i] === DOT) {
      i++;
      const fracStart = i;
      while (isDigit(body[i] ?? 0)) i++;
      fracDigits = i - fracStart;
      if (fracDigits === 0) notScanned();
      while (fracLeadingZeros < fracDigits && body[fracStart + fracLeadingZeros] === ZERO) fracLeadingZeros++;
      fracEndsInZero = body[i - 1] === ZERO;
    }
    let exponent = false;
    const e = body[i];
    if (e === 0x65 || e === 0x45) {
      exponent = true;
      i++;
      if (body[i] === PLUS || body[i] === MINUS) i++;
      const expStart = i;
      while (isDigit(body[i] ?? 0)) i++;
      if (i === expStart) notScanned();
    }
    this.end = i;
    this.asWritten = !exponent && !fracEndsInZero && !(negative && intIsZero && fracDigits === 0)
      && (intIsZero
        ? fracDigits === 0 || (fracLeadingZeros <= MAX_FIXED_LEADING_ZEROS && fracDigits - fracLeadingZeros <= EXACT_DIGITS)
        : intDigits + fracDigits <= EXACT_DIGITS);
  }
}
