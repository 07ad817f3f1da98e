// Kafka failures, classified once: what the client is told and whether a
// retry can help.
import { CODES } from 'node-rdkafka';

export interface KafkaFailure {
  readonly status: number;
  readonly code: string;
  readonly retriable: boolean;
}

const codes = CODES.ERRORS as Record<string, number>;

/** For an exception thrown by produce(). */
export function classifyProduceError(err: unknown): KafkaFailure {
  const code = (err as { code?: number }).code;
  if (code === codes['ERR__QUEUE_FULL']) return { status: 503, code: 'producer_queue_full', retriable: true };
  if (code === codes['ERR_MSG_SIZE_TOO_LARGE']) return { status: 413, code: 'record_too_large', retriable: false };
  if (code === codes['ERR__UNKNOWN_TOPIC'] || code === codes['ERR_UNKNOWN_TOPIC_OR_PART']) {
    return { status: 503, code: 'unknown_topic', retriable: true };
  }
  return { status: 500, code: 'produce_failed', retriable: false };
}

/** For a failed delivery report. node-rdkafka passes only librdkafka's error
 * string here (no code), so every delivery failure is reported as retriable:
 * the records may or may not be in Kafka, and the client's retry is
 * de-duplicable through the record headers. */
export function classifyDeliveryError(): KafkaFailure {
  return { status: 503, code: 'delivery_failed', retriable: true };
}
