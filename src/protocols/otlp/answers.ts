// OTLP/HTTP answers: 200 with the signal's Export*ServiceResponse (with its
// partial success), errors as a google.rpc.Status, both in the encoding the
// request used.
import type { Signal } from '../../signals';
import type { AnswerShape } from '../protocol';
import { otlpEncodingOf, type OtlpEncoding } from './proto';
import { otlpErrorBody, otlpSuccessBody } from './responses';

function shape(signal: Signal, encoding: OtlpEncoding): AnswerShape {
  return {
    success: (_accepted, partial) => ({ status: 200, ...otlpSuccessBody(signal, partial, encoding) }),
    refusal: (code, status, message) => ({ status, ...otlpErrorBody(code, message, encoding) }),
    // An empty protobuf message is a valid export request with nothing in it.
    acceptsEmptyBody: encoding === 'proto',
  };
}

/** The answer shape of a request to the signal's route, by its Content-Type. */
export function otlpAnswers(signal: Signal): (contentType: string) => AnswerShape {
  const proto = shape(signal, 'proto');
  const json = shape(signal, 'json');
  return (contentType) => (otlpEncodingOf(contentType) === 'json' ? json : proto);
}
