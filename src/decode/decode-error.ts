// The one error a decoder raises for a request it refuses; the pool answers
// it as a refusal (src/pool/decoder.ts). The status follows from the code
// (src/errors.ts).
import { statusOf, type ErrorCode } from '../errors';

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
}
