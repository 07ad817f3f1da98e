// Bytes → JSON values for the native routes: strict UTF-8 (invalid bytes are
// an error, never silently replaced), then one JSON document or NDJSON.
import { isUtf8, type Buffer } from 'node:buffer';
import { DecodeError } from './decode-error';

export function toText(body: Buffer): string {
  if (body.length === 0) throw new DecodeError('empty_body', 'request body is empty');
  if (!isUtf8(body)) throw new DecodeError('invalid_utf8', 'request body is not valid UTF-8');
  return body.toString('utf8');
}

/**
 * Splits a body into JSON values: one JSON document, or NDJSON (one value per
 * non-blank line).
 */
export function parseJsonValues(text: string): unknown[] | { document: unknown } {
  const trimmed = text.trimStart();
  if (trimmed.startsWith('[') || trimmed.startsWith('{')) {
    try {
      return { document: JSON.parse(text) as unknown };
    } catch (err) {
      if (!text.includes('\n')) throw new DecodeError('invalid_json', `body is not valid JSON: ${(err as Error).message}`);
    }
  }
  const values: unknown[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trim() === '') continue;
    try {
      values.push(JSON.parse(line) as unknown);
    } catch (err) {
      throw new DecodeError('invalid_json', `line ${i + 1} is not valid JSON: ${(err as Error).message}`);
    }
  }
  if (values.length === 0) throw new DecodeError('empty_body', 'request body holds no records');
  return values;
}

/** Whether a parsed JSON value nests deeper than `maxDepth` objects/arrays.
 * Iterative, so hostile nesting cannot overflow the stack here, and with no
 * allocation per node (it runs once per log record). */
export function depthExceeds(value: unknown, maxDepth: number): boolean {
  if (value === null || typeof value !== 'object') return false;
  const nodes: object[] = [value];
  const depths: number[] = [1];
  while (nodes.length > 0) {
    const node = nodes.pop()!;
    const depth = depths.pop()!;
    if (depth > maxDepth) return true;
    if (Array.isArray(node)) {
      for (let i = 0; i < node.length; i++) {
        const child: unknown = node[i];
        if (child !== null && typeof child === 'object') {
          nodes.push(child);
          depths.push(depth + 1);
        }
      }
    } else {
      for (const key in node) {
        if (!Object.hasOwn(node, key)) continue;
        const child: unknown = (node as Record<string, unknown>)[key];
        if (child !== null && typeof child === 'object') {
          nodes.push(child);
          depths.push(depth + 1);
        }
      }
    }
  }
  return false;
}
