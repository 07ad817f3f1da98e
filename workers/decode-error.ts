// The one error a worker raises for a request it refuses; becomes a
// DecodeRejected result (src/pool/protocol.ts).
import type { DecodeRejected } from '../src/pool/protocol';

export class DecodeError extends Error {
  readonly status: DecodeRejected['status'];
  readonly code: string;
  readonly record: number | undefined;

  constructor(status: DecodeRejected['status'], code: string, message: string, record?: number) {
    super(message);
    this.name = 'DecodeError';
    this.status = status;
    this.code = code;
    this.record = record;
  }

  toResult(): DecodeRejected {
    const base = { ok: false as const, status: this.status, code: this.code, message: this.message };
    return this.record === undefined ? base : { ...base, record: this.record };
  }
}
