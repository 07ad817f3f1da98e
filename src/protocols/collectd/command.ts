// collectd write_http `Format "Command"`: one PUTVAL per line (`\r\n` ends),
//   PUTVAL leeloo/cpu-0/cpu-idle interval=10.000 1280959128.123:1901474177
// i.e. `PUTVAL <host>/<plugin>[-<plugin_instance>]/<type>[-<type_instance>]
// [interval=<s>] <time>:<v1>[:<v2>...] [<time>:...]`; the identifier may be
// double-quoted (backslash escapes). `N` as time is now; `U` (or `nan`, how
// collectd prints a NaN gauge) is an unknown value. The line does not say what
// its values are called or whether they count: that comes from the built-in
// types table (types-db.ts). A bad line is refused alone (counted, the first
// one described); the others are written.
import { dataSourcesOf } from './types-db';
import { BadEntryReason, PointCollector, badEntry, type CollectdLimits, type CollectdResult, type ValueList } from './value-list';

const PUTVAL = /^\s*PUTVAL\s/;
const NUMBER = /^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$/;
const UNKNOWN = new Set(['U', 'nan', '-nan', 'NaN', '-NaN']);
const MAX_QUOTED_LINE = 256;

/** True when a text body is collectd's Command format (its first non-blank line is a PUTVAL). */
export function looksLikePutval(body: string | Uint8Array): boolean {
  const head = typeof body === 'string' ? body.slice(0, 64) : Buffer.from(body.buffer, body.byteOffset, Math.min(body.byteLength, 64)).toString('latin1');
  return PUTVAL.test(head);
}

/** Splits a line into words; a double-quoted word may hold spaces and `\"`. */
function words(line: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < line.length) {
    while (line[i] === ' ' || line[i] === '\t') i++;
    if (i >= line.length) break;
    if (line[i] === '"') {
      let word = '';
      for (i++; ; i++) {
        if (i >= line.length) badEntry('unbalanced quotes');
        const c = line[i]!;
        if (c === '"') break;
        if (c === '\\' && i + 1 < line.length) word += line[++i];
        else word += c;
      }
      i++;
      if (i < line.length && line[i] !== ' ' && line[i] !== '\t') badEntry('text after a closing quote');
      out.push(word);
    } else {
      const start = i;
      while (i < line.length && line[i] !== ' ' && line[i] !== '\t') i++;
      out.push(line.slice(start, i));
    }
  }
  return out;
}

interface Identifier { host: string; plugin: string; pluginInstance: string; type: string; typeInstance: string }

function splitInstance(part: string): [string, string] {
  const dash = part.indexOf('-');
  return dash < 0 ? [part, ''] : [part.slice(0, dash), part.slice(dash + 1)];
}

function identifierOf(word: string): Identifier {
  const parts = word.split('/');
  if (parts.length !== 3) badEntry(`identifier ${JSON.stringify(word.slice(0, 128))} is not host/plugin[-instance]/type[-instance]`);
  const [host, pluginPart, typePart] = parts as [string, string, string];
  const [plugin, pluginInstance] = splitInstance(pluginPart);
  const [type, typeInstance] = splitInstance(typePart);
  if (host === '' || plugin === '' || type === '') badEntry(`identifier ${JSON.stringify(word.slice(0, 128))} has an empty host, plugin or type`);
  return { host, plugin, pluginInstance, type, typeInstance };
}

function valueOf(token: string): number | null {
  if (UNKNOWN.has(token)) return null;
  if (!NUMBER.test(token)) badEntry(`value ${JSON.stringify(token.slice(0, 64))} is not a number or U`);
  const value = Number(token);
  if (!Number.isFinite(value)) badEntry(`value ${JSON.stringify(token.slice(0, 64))} is out of range`);
  return value;
}

function timeOf(token: string, receivedAtMs: number): number {
  if (token === 'N') return receivedAtMs;
  if (!NUMBER.test(token) || token.startsWith('-')) badEntry(`time ${JSON.stringify(token.slice(0, 64))} is not N or seconds since the epoch`);
  const seconds = Number(token);
  if (!Number.isFinite(seconds)) badEntry(`time ${JSON.stringify(token.slice(0, 64))} is out of range`);
  return seconds > 0 ? Math.round(seconds * 1000) : receivedAtMs;
}

/** The value lists of one PUTVAL line (one per `<time>:<values>` word). */
function valueListsOf(line: string, receivedAtMs: number): ValueList[] {
  const [command, identifier, ...rest] = words(line);
  if (command !== 'PUTVAL') badEntry(`unknown command ${JSON.stringify((command ?? '').slice(0, 32))}: only PUTVAL is understood`);
  if (identifier === undefined) badEntry('PUTVAL without an identifier');
  const id = identifierOf(identifier);
  const lists: ValueList[] = [];
  for (const word of rest) {
    if (/^[a-zA-Z_]+=/.test(word)) continue; // options: interval=<s> (not written), meta
    const [time, ...tokens] = word.split(':');
    if (tokens.length === 0) badEntry(`values ${JSON.stringify(word.slice(0, 64))} are not <time>:<value>[:<value>...]`);
    const values = tokens.map(valueOf);
    const sources = dataSourcesOf(id.type, values.length);
    lists.push({
      ...id,
      timestamp: timeOf(time!, receivedAtMs),
      values,
      dstypes: sources.map((s) => s.type),
      dsnames: sources.map((s) => s.name),
    });
  }
  if (lists.length === 0) badEntry('PUTVAL without values');
  return lists;
}

function quoteLine(line: string): string {
  return line.length > MAX_QUOTED_LINE ? `${line.slice(0, MAX_QUOTED_LINE)}…` : line;
}

/** Parses a Command-format body. Throws only CollectdError. */
export function parsePutval(body: string, receivedAtMs: number, limits: CollectdLimits): CollectdResult {
  const collector = new PointCollector(limits);
  const lines = body.split('\n');
  for (let n = 0; n < lines.length; n++) {
    const line = lines[n]!.endsWith('\r') ? lines[n]!.slice(0, -1) : lines[n]!;
    if (line.trim() === '') continue;
    try {
      // The value lists of a line share their identifier, so a limit refuses
      // the first of them or none.
      for (const vl of valueListsOf(line, receivedAtMs)) collector.add(vl);
    } catch (err) {
      if (!(err instanceof BadEntryReason)) throw err;
      collector.refuse(`line ${n + 1} '${quoteLine(line)}'`, err.message);
    }
  }
  return collector.result();
}
