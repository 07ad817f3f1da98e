// Loki stream label sets as text, `{job="api", env="prod"}`: the syntax of a
// Prometheus label set (PromQL selector without matchers other than `=`).
// Names are `[a-zA-Z_][a-zA-Z0-9_]*` or, as Prometheus 3 allows, a quoted
// string; values are double-quoted strings with Go's escapes (\" \\ \n \t
// \r \a \b \f \v \' \xHH below 0x80, \uHHHH, \UHHHHHHHH).
//
// The canonical form, which keys a stream's records, has the labels sorted by
// name and written `{a="x", b="y"}` (Prometheus' and Loki's own rendering),
// so the same stream sent with its labels in any order or spacing maps to the
// same Kafka key and so to one partition.

export type LabelPairs = ReadonlyArray<readonly [name: string, value: string]>;

export class LabelSyntaxError extends Error {}

const NAME_START = /[a-zA-Z_]/;
const NAME_PART = /[a-zA-Z0-9_]/;
const SIMPLE_ESCAPES: Readonly<Record<string, string>> = {
  '"': '"', '\\': '\\', "'": "'", n: '\n', r: '\r', t: '\t', a: '\x07', b: '\b', f: '\f', v: '\v',
};

class Cursor {
  pos = 0;
  constructor(readonly text: string) {}

  skipSpace(): void {
    while (this.pos < this.text.length && /\s/.test(this.text[this.pos]!)) this.pos++;
  }

  peek(): string | undefined {
    return this.text[this.pos];
  }

  expect(char: string): void {
    if (this.text[this.pos] !== char) throw this.fail(`expected '${char}'`);
    this.pos++;
  }

  fail(what: string): LabelSyntaxError {
    const found = this.pos < this.text.length ? `'${this.text[this.pos]}'` : 'the end';
    return new LabelSyntaxError(`${what} at offset ${this.pos}, found ${found}`);
  }
}

function readName(c: Cursor): string {
  if (c.peek() === '"') return readQuoted(c);
  const start = c.pos;
  if (!NAME_START.test(c.peek() ?? '')) throw c.fail('expected a label name');
  c.pos++;
  while (NAME_PART.test(c.peek() ?? '')) c.pos++;
  return c.text.slice(start, c.pos);
}

function readHex(c: Cursor, digits: number): number {
  const hex = c.text.slice(c.pos, c.pos + digits);
  if (!new RegExp(`^[0-9a-fA-F]{${digits}}$`).test(hex)) throw c.fail(`expected ${digits} hex digits`);
  c.pos += digits;
  return parseInt(hex, 16);
}

function readEscape(c: Cursor): string {
  const kind = c.peek();
  if (kind === undefined) throw c.fail('unfinished escape');
  c.pos++;
  const simple = SIMPLE_ESCAPES[kind];
  if (simple !== undefined) return simple;
  const code = kind === 'x' ? readHex(c, 2) : kind === 'u' ? readHex(c, 4) : kind === 'U' ? readHex(c, 8) : -1;
  // \xHH is a byte in Go; only the ASCII ones stand alone as characters.
  if (code < 0 || (kind === 'x' && code >= 0x80)) throw c.fail(`unsupported escape '\\${kind}'`);
  if (code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) throw c.fail('escape is not a Unicode scalar value');
  return String.fromCodePoint(code);
}

function readQuoted(c: Cursor): string {
  c.expect('"');
  let out = '';
  for (;;) {
    const ch = c.peek();
    if (ch === undefined || ch === '\n') throw c.fail('unterminated string');
    c.pos++;
    if (ch === '"') return out;
    out += ch === '\\' ? readEscape(c) : ch;
  }
}

/** Parses `{name="value", ...}`; a trailing comma is allowed, as in PromQL. */
export function parseLabels(text: string): LabelPairs {
  const c = new Cursor(text);
  const pairs: Array<[string, string]> = [];
  c.skipSpace();
  c.expect('{');
  c.skipSpace();
  while (c.peek() !== '}') {
    const name = readName(c);
    c.skipSpace();
    c.expect('=');
    c.skipSpace();
    pairs.push([name, readQuoted(c)]);
    c.skipSpace();
    if (c.peek() === ',') {
      c.pos++;
      c.skipSpace();
    } else if (c.peek() !== '}') {
      throw c.fail("expected ',' or '}'");
    }
  }
  c.pos++;
  c.skipSpace();
  if (c.pos !== text.length) throw c.fail('expected the end after the label set');
  return pairs;
}

function quote(value: string): string {
  return `"${value.replace(/[\\"\n]/g, (ch) => (ch === '\n' ? '\\n' : `\\${ch}`))}"`;
}

function renderName(name: string): string {
  return /^[a-zA-Z_][a-zA-Z0-9_]*$/.test(name) ? name : quote(name);
}

/** `{a="x", b="y"}` with the labels sorted by name (UTF-16 code unit order,
 * which equals byte order for the ASCII names nearly every stream has). */
export function canonicalLabels(pairs: LabelPairs): string {
  const sorted = [...pairs].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${sorted.map(([name, value]) => `${renderName(name)}=${quote(value)}`).join(', ')}}`;
}

/** The first name that occurs twice, if any. */
export function duplicateName(pairs: LabelPairs): string | undefined {
  const seen = new Set<string>();
  for (const [name] of pairs) {
    if (seen.has(name)) return name;
    seen.add(name);
  }
  return undefined;
}
