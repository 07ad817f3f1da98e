// A stand-in for uWebSockets.js's HttpResponse, recording what was written,
// for unit tests of src/ingest without a listener.
import type { HttpResponse } from '../../src/ingest/uws';

export class FakeResponse {
  status = '';
  readonly headers: Array<[string, string]> = [];
  body: string | null = null;
  ended = false;
  closedConnection = false;
  #onAborted: (() => void) | undefined;
  #onData: ((chunk: ArrayBuffer, isLast: boolean) => void) | undefined;

  onAborted(handler: () => void): this {
    this.#onAborted = handler;
    return this;
  }

  onData(handler: (chunk: ArrayBuffer, isLast: boolean) => void): this {
    this.#onData = handler;
    return this;
  }

  cork(fn: () => void): this {
    fn();
    return this;
  }

  writeStatus(status: string): this {
    this.status = status;
    return this;
  }

  writeHeader(name: string, value: string): this {
    this.headers.push([name, value]);
    return this;
  }

  end(body: string | Uint8Array, closeConnection?: boolean): this {
    this.body = typeof body === 'string' ? body : Buffer.from(body).toString('latin1');
    this.ended = true;
    this.closedConnection = closeConnection === true;
    return this;
  }

  endWithoutBody(_length?: number, closeConnection?: boolean): this {
    this.ended = true;
    this.closedConnection = closeConnection === true;
    return this;
  }

  header(name: string): string | undefined {
    return this.headers.find(([n]) => n === name)?.[1];
  }

  /** The client sends a chunk (uWS hands out ArrayBuffers valid only during the call). */
  send(bytes: string | Uint8Array, isLast: boolean): void {
    const copy = typeof bytes === 'string' ? Buffer.from(bytes) : Buffer.from(bytes);
    this.#onData?.(copy.buffer.slice(copy.byteOffset, copy.byteOffset + copy.length) as ArrayBuffer, isLast);
  }

  /** The client goes away. */
  abort(): void {
    this.#onAborted?.();
  }

  get asUws(): HttpResponse {
    return this as unknown as HttpResponse;
  }
}
