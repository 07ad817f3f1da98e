// The one error a worker raises for a request it refuses; becomes a
// DecodeRejected result (src/pool/protocol.ts). The status follows from the
// code (src/errors.ts).
import { statusOf, type ErrorCode } from '../src/errors';
import type { DecodeRejected } from '../src/pool/protocol';

export class DecodeError extends Error {
  readonly code: ErrorCode;
  readonly record: number | undefined;

  constructor(code: ErrorCode, message: string, record?: number) {
    super(message);
    this.name = 'DecodeError';
    this.code = code;
    this.record = record;
  }

  /** The HTTP status the request is answered with. */
  get status(): number {
    return statusOf(this.code);
  }

  toResult(): DecodeRejected {
    const base = { ok: false as const, code: this.code, message: this.message };
    return this.record === undefined ? base : { ...base, record: this.record };
  }
}
