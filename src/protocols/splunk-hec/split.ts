// HEC event bodies are JSON objects one after another — `{"event":"a"}{"event":"b"}`
// — with or without whitespace between them (not an array, not NDJSON). This
// finds where each top-level object starts and ends by tracking nesting and
// strings, so each can be handed to JSON.parse on its own.
import { HEC } from './answers';
import { HecDecodeError } from './errors';

const OPEN_BRACE = 0x7b, CLOSE_BRACE = 0x7d, OPEN_BRACKET = 0x5b, CLOSE_BRACKET = 0x5d, QUOTE = 0x22, BACKSLASH = 0x5c;

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

/** The end (exclusive) of the object starting at `start`, or -1 if unterminated. */
function objectEnd(text: string, start: number): number {
  let depth = 0;
  let inString = false;
  for (let i = start; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
    } else if (c === QUOTE) {
      inString = true;
    } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      depth++;
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
      if (--depth === 0) return i + 1;
    }
  }
  return -1;
}

/** Each top-level object's text, in order; `maxEvents` bounds the count. */
export function splitEvents(text: string, maxEvents: number): string[] {
  const events: string[] = [];
  let pos = 0;
  for (;;) {
    while (pos < text.length && isSpace(text.charCodeAt(pos))) pos++;
    if (pos >= text.length) return events;
    if (events.length === maxEvents) throw new HecDecodeError(HEC.tooLarge, `more than ${maxEvents} events in one request`);
    if (text.charCodeAt(pos) !== OPEN_BRACE) throw new HecDecodeError(HEC.invalidDataFormat, 'expected a JSON object', events.length);
    const end = objectEnd(text, pos);
    if (end < 0) throw new HecDecodeError(HEC.invalidDataFormat, 'unterminated JSON object', events.length);
    events.push(text.slice(pos, end));
    pos = end;
  }
}
