// OTLP/HTTP answers (src/protocols/otlp/responses.ts): Export*ServiceResponse with
// partial success, and google.rpc.Status with the catalogue's gRPC code.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EXPORT_RESPONSE, RPC_STATUS } from '../../../src/protocols/otlp/proto';
import { otlpErrorBody, otlpSuccessBody } from '../../../src/protocols/otlp/responses';
import { Signal } from '../../../src/signals';

describe('OTLP answers', () => {
  it('success is Export*ServiceResponse in the request encoding, with partial_success when items were refused', () => {
    const empty = otlpSuccessBody(Signal.Metrics, undefined, 'proto');
    assert.deepEqual([empty.contentType, empty.body.length], ['application/x-protobuf', 0]);
    assert.equal(otlpSuccessBody(Signal.Logs, undefined, 'json').body, '{}');
    const partial = otlpSuccessBody(Signal.Traces, { rejected: 3, message: 'bad ids' }, 'proto');
    const decoded = EXPORT_RESPONSE[Signal.Traces].toObject(EXPORT_RESPONSE[Signal.Traces].decode(partial.body as Uint8Array), { longs: Number });
    assert.deepEqual(decoded, { partialSuccess: { rejectedSpans: 3, errorMessage: 'bad ids' } });
    assert.deepEqual(JSON.parse(otlpSuccessBody(Signal.Metrics, { rejected: 2, message: 'x' }, 'json').body as string),
      { partialSuccess: { rejectedDataPoints: '2', errorMessage: 'x' } });
  });

  it('errors are google.rpc.Status with the gRPC code of the error catalogue', () => {
    const body = otlpErrorBody('invalid_protobuf', 'truncated', 'proto');
    assert.deepEqual(RPC_STATUS.toObject(RPC_STATUS.decode(body.body as Uint8Array)), { code: 3, message: 'invalid_protobuf: truncated' });
    assert.deepEqual(JSON.parse(otlpErrorBody('overloaded', 'busy', 'json').body as string), { code: 14, message: 'overloaded: busy' });
  });
});

