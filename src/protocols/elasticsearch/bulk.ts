// `_bulk` bodies: NDJSON pairs of an action line and, except for `delete`, a
// source line. Each action becomes one item, in order:
//   index, create   → a document to write (or, when its source is not a JSON
//                     object or is too large, an item error: status 400)
//   update, delete  → an item error "not supported" (status 400); `delete`
//                     has no source line, `update` has one (skipped)
// `_index` comes from the action or, failing that, the path (`/<index>/_bulk`);
// an action with neither is an item error. `_id` is kept when given; none is
// generated. Blank lines between pairs are skipped, and a body need not end
// with a newline (Elasticsearch insists on one; shippers always send it).
import { BulkRequestError, type EsErrorCause } from './errors';
import { depthExceeds } from '../../decode/json-values';
import { documentFacts, type DocumentFacts } from './records';

export type BulkAction = 'index' | 'create' | 'update' | 'delete';
const ACTIONS: ReadonlySet<string> = new Set<BulkAction>(['index', 'create', 'update', 'delete']);

export interface BulkLimits {
  /** Actions in one request. */
  readonly maxRecords: number;
  /** UTF-8 bytes of one source line. */
  readonly maxDocumentBytes: number;
  /** Nesting of a document (the document itself is level 1). */
  readonly maxDepth: number;
}

export interface BulkDocument {
  readonly kind: 'document';
  readonly action: 'index' | 'create';
  readonly index: string;
  readonly id: string | undefined;
  /** The source line as sent (trimmed): exact, numbers past 2^53 included. */
  readonly source: string;
  /** What the record needs of the parsed source (records.ts). Kept instead of
   * the parsed object: a request's parsed documents would all live until the
   * last one is written, and a worker's young generation, too small for 1,600
   * of them, would promote them to its old generation. */
  readonly facts: DocumentFacts;
}

export interface BulkItemError {
  readonly kind: 'error';
  readonly action: BulkAction;
  readonly index: string | undefined;
  readonly id: string | undefined;
  readonly status: number;
  readonly error: EsErrorCause;
}

export type BulkItem = BulkDocument | BulkItemError;

interface ActionLine {
  readonly action: BulkAction;
  readonly index: string | undefined;
  readonly id: string | undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function malformedAction(line: number, why: string): BulkRequestError {
  return new BulkRequestError('invalid_action', { type: 'illegal_argument_exception', reason: `Malformed action/metadata line [${line}], ${why}` }, line);
}

function readAction(text: string, line: number): ActionLine {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw malformedAction(line, 'expected a JSON object');
  }
  if (!isObject(parsed)) throw malformedAction(line, 'expected a JSON object');
  const keys = Object.keys(parsed);
  if (keys.length !== 1) throw malformedAction(line, `expected one action, found ${keys.length} fields`);
  const action = keys[0]!;
  if (!ACTIONS.has(action)) throw malformedAction(line, `unknown action [${action.slice(0, 64)}]`);
  const meta = parsed[action];
  if (!isObject(meta)) throw malformedAction(line, `expected an object for action [${action}]`);
  const index = meta['_index'];
  const id = meta['_id'];
  if (index !== undefined && typeof index !== 'string') throw malformedAction(line, '[_index] must be a string');
  if (id !== undefined && typeof id !== 'string' && typeof id !== 'number') throw malformedAction(line, '[_id] must be a string');
  return { action: action as BulkAction, index, id: id === undefined ? undefined : String(id) };
}


/** Fields Elasticsearch keeps beside a document; the record adds them (records.ts). */
const METADATA_FIELDS = ['_index', '_id'] as const;

type SourceCheck = { readonly ok: true; readonly facts: DocumentFacts } | { readonly ok: false; readonly error: EsErrorCause };

function checkSource(source: string, limits: BulkLimits): SourceCheck {
  // A UTF-16 unit is at most 3 UTF-8 bytes: most documents need no count.
  const bytes = source.length * 3 <= limits.maxDocumentBytes ? 0 : Buffer.byteLength(source, 'utf8');
  if (bytes > limits.maxDocumentBytes) {
    return { ok: false, error: { type: 'illegal_argument_exception', reason: `document is ${bytes} bytes, over the limit of ${limits.maxDocumentBytes}` } };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(source);
  } catch (error) {
    return { ok: false, error: { type: 'mapper_parsing_exception', reason: `failed to parse: ${(error as Error).message}` } };
  }
  if (!isObject(parsed)) return { ok: false, error: { type: 'mapper_parsing_exception', reason: 'failed to parse: the document must be a JSON object' } };
  const metadata = METADATA_FIELDS.find((field) => Object.hasOwn(parsed as object, field));
  if (metadata !== undefined) {
    return { ok: false, error: { type: 'mapper_parsing_exception', reason: `Field [${metadata}] is a metadata field and cannot be added inside a document. Use the index API request parameters.` } };
  }
  if (depthExceeds(parsed, limits.maxDepth)) {
    return { ok: false, error: { type: 'mapper_parsing_exception', reason: `failed to parse: the document is nested deeper than ${limits.maxDepth} levels` } };
  }
  return { ok: true, facts: documentFacts(parsed) };
}

function documentItem(action: ActionLine & { action: 'index' | 'create' }, index: string | undefined, source: string, limits: BulkLimits): BulkItem {
  const base = { action: action.action, index, id: action.id };
  if (index === undefined || index === '') {
    return { kind: 'error', ...base, status: 400, error: { type: 'action_request_validation_exception', reason: 'Validation Failed: 1: index is missing;' } };
  }
  const checked = checkSource(source, limits);
  if (!checked.ok) return { kind: 'error', ...base, status: 400, error: checked.error };
  return { kind: 'document', action: action.action, index, id: action.id, source, facts: checked.facts };
}

function unsupported(action: ActionLine, index: string | undefined): BulkItemError {
  return {
    kind: 'error', action: action.action, index, id: action.id, status: 400,
    error: { type: 'illegal_argument_exception', reason: `the [${action.action}] action is not supported: this endpoint only appends documents (index, create)` },
  };
}

/** Splits a `_bulk` body into items, one per action, in order. `pathIndex`
 * is the `<index>` of `/<index>/_bulk`, if the request had one. */
export function parseBulk(body: string, pathIndex: string | undefined, limits: BulkLimits): BulkItem[] {
  const lines = body.split('\n');
  const items: BulkItem[] = [];
  let i = 0;
  const next = (): string => (lines[i++] ?? '').replace(/\r$/, '').trim();
  // Shippers repeat one action line for every document: read each text once.
  let lastActionText = '';
  let lastAction: ActionLine | undefined;
  while (i < lines.length) {
    const actionText = next();
    if (actionText === '') continue;
    const lineNumber = i;
    const action = actionText === lastActionText && lastAction !== undefined ? lastAction : readAction(actionText, lineNumber);
    lastActionText = actionText;
    lastAction = action;
    if (items.length === limits.maxRecords) {
      throw new BulkRequestError('too_many_records', { type: 'illegal_argument_exception', reason: `more than ${limits.maxRecords} actions in one request` }, lineNumber);
    }
    const index = action.index ?? pathIndex;
    if (action.action === 'delete') {
      items.push(unsupported(action, index));
      continue;
    }
    if (i >= lines.length || (i === lines.length - 1 && lines[i] === '')) {
      throw new BulkRequestError('missing_source', { type: 'illegal_argument_exception', reason: `the [${action.action}] action on line [${lineNumber}] has no source line after it` }, lineNumber);
    }
    const source = next();
    items.push(action.action === 'update' ? unsupported(action, index) : documentItem(action as ActionLine & { action: 'index' | 'create' }, index, source, limits));
  }
  return items;
}

/** The body as text; refuses bytes that are not UTF-8 (a document could not be written as JSON). */
export function bulkText(body: Uint8Array): string {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(body);
  } catch {
    throw new BulkRequestError('invalid_utf8', { type: 'illegal_argument_exception', reason: 'the body is not UTF-8 text' });
  }
}
