// Requests real clients sent, captured as JSON files under
// test/fixtures/clients/<client>-<version>/: {method, url, headers, bodyBase64, bodyBytes}.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';

const FIXTURES = path.resolve(__dirname, '../../../test/fixtures/clients');

export interface CapturedRequest {
  readonly file: string;
  readonly method: string;
  readonly url: URL;
  readonly headers: Readonly<Record<string, string>>;
  /** The body as sent (compressed when the client compressed it). */
  readonly raw: Buffer;
  /** The body with a gzip Content-Encoding undone. */
  readonly body: Buffer;
}

interface CaptureFile {
  method: string;
  url: string;
  headers: Record<string, string>;
  bodyBase64: string;
  bodyBytes: number;
}

/** The captures of one client whose file names start with `prefix`, in name order. */
export function capturedRequests(client: string, prefix = ''): CapturedRequest[] {
  const folder = path.join(FIXTURES, client);
  return readdirSync(folder)
    .filter((file) => file.startsWith(prefix) && file.endsWith('.json'))
    .sort()
    .map((file) => {
      const capture = JSON.parse(readFileSync(path.join(folder, file), 'utf8')) as CaptureFile;
      const raw = Buffer.from(capture.bodyBase64, 'base64');
      if (raw.length !== capture.bodyBytes) throw new Error(`${file}: body has ${raw.length} bytes, the capture says ${capture.bodyBytes}`);
      const gzip = (capture.headers['content-encoding'] ?? '').toLowerCase() === 'gzip';
      return { file, method: capture.method, url: new URL(capture.url, 'http://capture'), headers: capture.headers, raw, body: gzip ? gunzipSync(raw) : raw };
    });
}
