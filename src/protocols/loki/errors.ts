// The one error the Loki push decoder raises: a code the caller maps to its
// error catalogue, and where in the request the problem is (stream and entry
// indexes, 0-based) when it is in one stream or entry.

export type LokiErrorCode =
  | 'bad_compression'        // the body is not a valid snappy block
  | 'decompressed_too_large' // the snappy header declares more than the limit
  | 'invalid_protobuf'       // not a logproto.PushRequest
  | 'invalid_json'           // not JSON, or JSON not of the push shape
  | 'invalid_labels'         // a stream's label set is malformed, empty or has a duplicate name
  | 'invalid_timestamp'      // an entry timestamp that is not nanoseconds in [0, 2^63)
  | 'too_many_labels'        // more stream labels or structured metadata pairs than allowed
  | 'line_too_long'          // an entry line over the byte limit
  | 'too_many_records';      // more entries in the request than allowed

export interface LokiErrorPlace {
  readonly stream?: number;
  readonly entry?: number;
}

export class LokiDecodeError extends Error {
  readonly code: LokiErrorCode;
  readonly stream: number | undefined;
  readonly entry: number | undefined;

  constructor(code: LokiErrorCode, message: string, place: LokiErrorPlace = {}) {
    super(placed(message, place));
    this.name = 'LokiDecodeError';
    this.code = code;
    this.stream = place.stream;
    this.entry = place.entry;
  }
}

function placed(message: string, { stream, entry }: LokiErrorPlace): string {
  if (stream === undefined) return message;
  return entry === undefined ? `stream ${stream}: ${message}` : `stream ${stream} entry ${entry}: ${message}`;
}
