// What the byte scanners share (protocols/native/metrics-scanner.ts,
// protocols/otlp/metrics-scanner.ts, protocols/otlp/json-scanner.ts): how a
// scan says a body is not one it decides, and the JSON bytes and steps the
// two JSON scanners read with.

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

/** Past the colon after an object's key (blanks around it allowed); notScanned without one. */
export function pastColon(body: Uint8Array, at: number): number {
  const colon = pastBlanks(body, at);
  if (body[colon] !== COLON) notScanned();
  return pastBlanks(body, colon + 1);
}
