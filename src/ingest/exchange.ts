// One HTTP request/response pair on uWebSockets.js. uWS invalidates `res` once
// the client goes away, so every write checks `aborted`, and writes made
// outside the request callback are corked. What an answer says is decided in
// answer.ts; this file only writes it, once.
import type { HttpResponse } from './uws';

const STATUS_LINES: Readonly<Record<number, string>> = {
  200: '200 OK', 204: '204 No Content', 400: '400 Bad Request', 401: '401 Unauthorized',
  404: '404 Not Found', 405: '405 Method Not Allowed', 408: '408 Request Timeout',
  411: '411 Length Required', 413: '413 Payload Too Large', 415: '415 Unsupported Media Type', 422: '422 Unprocessable Content',
  429: '429 Too Many Requests', 500: '500 Internal Server Error', 502: '502 Bad Gateway',
  503: '503 Service Unavailable', 504: '504 Gateway Timeout',
};

function statusLine(status: number): string {
  return STATUS_LINES[status] ?? `${status} Status ${status}`;
}

export type Headers = Readonly<Record<string, string>>;

export class Exchange {
  readonly res: HttpResponse;
  aborted = false;
  answered = false;
  /** Set when the connection must close after the answer (draining, unread body). */
  closeAfter = false;
  onAnswered: ((status: number) => void) | undefined;
  onAborted: (() => void) | undefined;
  requestId = '';
  /** For the refusal log: the route (or path) and the client's address. */
  route = '';
  client = '';

  constructor(res: HttpResponse) {
    this.res = res;
    res.onAborted(() => {
      this.aborted = true;
      this.onAborted?.();
    });
  }

  /** Answers once (`body` null: no body, as for 204); counts the answer even
   * when the client is already gone. Two header sets, not a rest parameter:
   * this runs once per request and allocates nothing for them. */
  write(status: number, body: string | Uint8Array | null, contentType: string, retryAfter?: Headers, headers?: Headers): void {
    if (this.answered) return;
    this.answered = true;
    this.onAnswered?.(status);
    if (this.aborted) return;
    this.res.cork(() => {
      this.res.writeStatus(statusLine(status));
      if (body !== null) this.res.writeHeader('content-type', contentType);
      if (this.requestId !== '') this.res.writeHeader('x-request-id', this.requestId);
      if (retryAfter) for (const name in retryAfter) this.res.writeHeader(name, retryAfter[name]!);
      if (headers) for (const name in headers) this.res.writeHeader(name, headers[name]!);
      if (body === null) this.res.endWithoutBody(0, this.closeAfter);
      else this.res.end(body, this.closeAfter);
    });
  }

  json(status: number, body: string): void {
    this.write(status, body, 'application/json');
  }
}
