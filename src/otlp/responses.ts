// OTLP/HTTP answers (main thread): 200 with the signal's Export*ServiceResponse,
// errors as a google.rpc.Status, both in the encoding the request used.
import { Buffer } from 'node:buffer';
import type { PartialRejection } from '../pool/protocol';
import { EXPORT_RESPONSE, REJECTED_FIELD, RPC_STATUS, type OtlpEncoding, type Signal } from './proto';

export interface EncodedBody {
  readonly contentType: string;
  readonly body: string | Uint8Array;
}

/** google.rpc.Code for an HTTP status (as gRPC-gateway maps them). */
function rpcCode(status: number): number {
  switch (status) {
    case 400: case 411: case 413: case 415: return 3; // INVALID_ARGUMENT
    case 401: return 16; // UNAUTHENTICATED
    case 404: return 5; // NOT_FOUND
    case 405: return 12; // UNIMPLEMENTED
    case 408: case 504: return 4; // DEADLINE_EXCEEDED
    case 429: return 8; // RESOURCE_EXHAUSTED
    case 502: case 503: return 14; // UNAVAILABLE
    default: return 13; // INTERNAL
  }
}

export function otlpErrorBody(status: number, error: string, message: string, encoding: OtlpEncoding): EncodedBody {
  const fields = { code: rpcCode(status), message: `${error}: ${message}` };
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
