// Requests captured from real clients (test/fixtures/clients/<client>-<version>/):
// each JSON file is one request — method, url, headers, the body bytes as sent
// (base64, still compressed where content-encoding says so).
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync, inflateSync } from 'node:zlib';

export interface CapturedRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly bodyBase64: string;
  readonly bodyBytes: number;
}

/** The repository root, from dist/test/protocols or test/protocols alike. */
const FIXTURES = path.resolve(__dirname, __dirname.includes(`${path.sep}dist${path.sep}`) ? '../../..' : '../..', 'test/fixtures/clients');

export function fixtureNames(client: string, prefix: string): string[] {
  return readdirSync(path.join(FIXTURES, client)).filter((f) => f.startsWith(prefix) && f.endsWith('.json')).sort();
}

export function loadCapture(client: string, file: string): CapturedRequest {
  return JSON.parse(readFileSync(path.join(FIXTURES, client, file), 'utf8')) as CapturedRequest;
}

/** The body with its Content-Encoding undone, as the route hands it to a decoder. */
export function decodedBody(request: CapturedRequest): Buffer {
  const raw = Buffer.from(request.bodyBase64, 'base64');
  const encoding = (request.headers['content-encoding'] ?? 'identity').toLowerCase();
  if (encoding === 'gzip') return gunzipSync(raw);
  if (encoding === 'deflate') return inflateSync(raw);
  if (encoding === 'identity') return raw;
  throw new Error(`unexpected content-encoding ${encoding}`);
}
