// Kafka failures, classified once: which catalogue code (src/errors.ts) the
// client is told. Exceptions thrown by produce(), failed delivery reports and
// librdkafka's client-level errors all pass through here; nothing else in
// the daemon looks at a librdkafka error code.
import { CODES } from 'node-rdkafka';
import type { ErrorCode } from '../errors';

const codes = CODES.ERRORS as Record<string, number>;

/** For an exception thrown by produce(). */
export function classifyProduceError(err: unknown): ErrorCode {
  const code = (err as { code?: number }).code;
  if (code === codes['ERR__QUEUE_FULL']) return 'producer_queue_full';
  if (code === codes['ERR_MSG_SIZE_TOO_LARGE']) return 'record_too_large';
  if (code === codes['ERR__UNKNOWN_TOPIC'] || code === codes['ERR_UNKNOWN_TOPIC_OR_PART']) return 'unknown_topic';
  return 'produce_failed';
}

/** For a failed delivery report. node-rdkafka passes only librdkafka's error
 * string here (no code), so every delivery failure is reported as retriable:
 * the records may or may not be in Kafka, and the client's retry is
 * de-duplicable through the record headers. */
export function classifyDeliveryError(_err: { readonly message: string; readonly code?: number }): ErrorCode {
  return 'delivery_failed';
}

/** A client-level error (the producer's 'event.error') meaning no broker can
 * be reached: Kafka health turns unreachable at once. */
export function isAllBrokersDown(err: { readonly code?: number }): boolean {
  return err.code === codes['ERR__ALL_BROKERS_DOWN'];
}
