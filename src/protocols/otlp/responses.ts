// OTLP/HTTP answers (main thread): 200 with the signal's Export*ServiceResponse,
// errors as a google.rpc.Status, both in the encoding the request used.
import { Buffer } from 'node:buffer';
import { ERRORS, type ErrorCode } from '../../errors';
import type { PartialRejection } from '../protocol';
import type { Signal } from '../../signals';
import { EXPORT_RESPONSE, REJECTED_FIELD, RPC_STATUS, type OtlpEncoding } from './proto';

export interface EncodedBody {
  readonly contentType: string;
  readonly body: string | Uint8Array;
}

/** A google.rpc.Status for a catalogue error (its gRPC code: src/errors.ts). */
export function otlpErrorBody(code: ErrorCode, message: string, encoding: OtlpEncoding): EncodedBody {
  const fields = { code: ERRORS[code].grpc, message: `${code}: ${message}` };
  if (encoding === 'json') return { contentType: 'application/json', body: JSON.stringify(fields) };
  return { contentType: 'application/x-protobuf', body: RPC_STATUS.encode(RPC_STATUS.fromObject(fields)).finish() };
}

export function otlpSuccessBody(signal: Signal, partial: PartialRejection | undefined, encoding: OtlpEncoding): EncodedBody {
  const type = EXPORT_RESPONSE[signal];
  const fields = partial === undefined ? {} : { partialSuccess: { [REJECTED_FIELD[signal]]: partial.rejected, errorMessage: partial.message } };
  if (encoding === 'json') {
    return { contentType: 'application/json', body: JSON.stringify(type.toObject(type.fromObject(fields), { longs: String })) };
  }
  return { contentType: 'application/x-protobuf', body: Buffer.from(type.encode(type.fromObject(fields)).finish()) };
}
