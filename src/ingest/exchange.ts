// One HTTP request/response pair on uWebSockets.js. uWS invalidates `res` once
// the client goes away, so every write checks `aborted`, and writes made
// outside the request callback are corked.
import type { EncodedBody } from '../otlp/responses';
import type { HttpResponse } from './uws';

const STATUS_LINES: Readonly<Record<number, string>> = {
  200: '200 OK', 204: '204 No Content', 400: '400 Bad Request', 401: '401 Unauthorized',
  404: '404 Not Found', 405: '405 Method Not Allowed', 408: '408 Request Timeout',
  411: '411 Length Required', 413: '413 Payload Too Large', 415: '415 Unsupported Media Type',
  429: '429 Too Many Requests', 500: '500 Internal Server Error', 502: '502 Bad Gateway',
  503: '503 Service Unavailable', 504: '504 Gateway Timeout',
};

export function statusLine(status: number): string {
  return STATUS_LINES[status] ?? `${status} Status ${status}`;
}

export interface ErrorBody {
  readonly error: string;
  readonly message: string;
  readonly record?: number;
}

export class Exchange {
  readonly res: HttpResponse;
  aborted = false;
  answered = false;
  /** Set when the connection must close after the answer (draining, unread body). */
  closeAfter = false;
  onAnswered: ((status: number) => void) | undefined;
  retryAfterSeconds = 1;
  requestId = '';

  constructor(res: HttpResponse) {
    this.res = res;
    res.onAborted(() => {
      this.aborted = true;
      this.onAborted?.();
    });
  }

  onAborted: (() => void) | undefined;

  /** Encodes error answers: JSON {"error","message"} unless the route has its
   * own error format (OTLP: google.rpc.Status in the request's encoding). */
  encodeError: ((status: number, body: ErrorBody) => EncodedBody) | undefined;

  json(status: number, body: string, headers?: Readonly<Record<string, string>>): void {
    this.#answer(status, body, headers, 'application/json');
  }

  send(status: number, encoded: EncodedBody): void {
    this.#answer(status, encoded.body, undefined, encoded.contentType);
  }

  /** An answer without a body (204). */
  empty(status: number): void {
    this.#answer(status, null, undefined, '');
  }

  /** Answers once; counts the answer even when the client is already gone. */
  #answer(status: number, body: string | Uint8Array | null, headers: Readonly<Record<string, string>> | undefined, contentType: string): void {
    if (this.answered) return;
    this.answered = true;
    this.onAnswered?.(status);
    if (this.aborted) return;
    this.res.cork(() => {
      this.res.writeStatus(statusLine(status));
      if (body !== null) this.res.writeHeader('content-type', contentType);
      if (this.requestId !== '') this.res.writeHeader('x-request-id', this.requestId);
      if (status === 503 || status === 429 || status === 504) this.res.writeHeader('retry-after', String(this.retryAfterSeconds));
      if (headers) for (const name in headers) this.res.writeHeader(name, headers[name]!);
      if (body === null) this.res.endWithoutBody(0, this.closeAfter);
      else this.res.end(body, this.closeAfter);
    });
  }

  error(status: number, body: ErrorBody, headers?: Readonly<Record<string, string>>): void {
    if (this.encodeError === undefined) return this.json(status, JSON.stringify(body), headers);
    const encoded = this.encodeError(status, body);
    this.#answer(status, encoded.body, headers, encoded.contentType);
  }
}
