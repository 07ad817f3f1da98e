// What the ingest listener serves, and the request headers it accepts.
import { Route } from '../pool/protocol';

export const INGEST_ROUTES: ReadonlyMap<string, Route> = new Map([
  ['/metrics', Route.Metrics],
  ['/logs', Route.Logs],
]);

const JSON_MEDIA_TYPES = new Set([
  '', 'application/json', 'application/x-ndjson', 'application/ndjson', 'application/jsonl',
  'application/x-jsonlines', 'application/jsonlines', 'text/plain',
]);

export const CONTENT_ENCODINGS = new Set(['', 'identity', 'gzip', 'x-gzip', 'deflate']);

/** Returns null when the Content-Type is acceptable, else why not. */
export function contentTypeProblem(header: string): string | null {
  const [mediaType = '', ...params] = header.toLowerCase().split(';');
  if (!JSON_MEDIA_TYPES.has(mediaType.trim())) return `Content-Type ${mediaType.trim()} is not supported; send application/json or application/x-ndjson`;
  for (const param of params) {
    const [name, value = ''] = param.split('=').map((s) => s.trim());
    if (name === 'charset' && value.replace(/"/g, '') !== 'utf-8' && value.replace(/"/g, '') !== 'utf8') {
      return `charset ${value} is not supported; send UTF-8`;
    }
  }
  return null;
}
