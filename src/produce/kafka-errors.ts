// Kafka failures, classified once: which catalogue code (src/errors.ts) the
// client is told. Exceptions thrown by produce(), failed delivery reports and
// librdkafka's client-level errors all pass through here; nothing else in
// the daemon looks at a librdkafka error code.
import { CODES } from 'node-rdkafka';
import type { ErrorCode } from '../errors';
import { SendRefusedError } from './sender';

const codes = CODES.ERRORS as Record<string, number>;
export const ERR = {
  ALL_BROKERS_DOWN: codes['ERR__ALL_BROKERS_DOWN']!,
  AUTHENTICATION: codes['ERR__AUTHENTICATION']!,
  FATAL: codes['ERR__FATAL']!,
  UNKNOWN_TOPIC: codes['ERR__UNKNOWN_TOPIC']!,
  UNKNOWN_TOPIC_OR_PART: codes['ERR_UNKNOWN_TOPIC_OR_PART']!,
  MSG_SIZE_TOO_LARGE: codes['ERR_MSG_SIZE_TOO_LARGE']!,
  RECORD_LIST_TOO_LARGE: codes['ERR_RECORD_LIST_TOO_LARGE']!,
  TOPIC_AUTHORIZATION_FAILED: codes['ERR_TOPIC_AUTHORIZATION_FAILED']!,
  CLUSTER_AUTHORIZATION_FAILED: codes['ERR_CLUSTER_AUTHORIZATION_FAILED']!,
  SASL_AUTHENTICATION_FAILED: codes['ERR_SASL_AUTHENTICATION_FAILED']!,
  QUEUE_FULL: codes['ERR__QUEUE_FULL']!,
} as const;

/**
 * node-rdkafka builds delivery-report and error-event errors from librdkafka's
 * text alone (src/callbacks.cc: `Nan::Error(message)`), so their `code` is -1
 * (ERR_UNKNOWN): the check for ERR__ALL_BROKERS_DOWN never fired (issue 10).
 * The code is recovered from the text: delivery reports carry
 * rd_kafka_err2str() (rdkafka.c, rd_kafka_err_descs), error events the reason
 * librdkafka gave (rdkafka_broker.c "%i/%i brokers are down", rdkafka.c
 * "Fatal error: %s: %s", rdkafka_sasl*.c "SASL authentication error").
 */
const BY_TEXT: ReadonlyArray<[RegExp, number]> = [
  [/^(Local: )?All broker connections are down|^\d+\/\d+ brokers are down/i, ERR.ALL_BROKERS_DOWN],
  [/^Fatal error: |^Local: Fatal error/i, ERR.FATAL],
  [/^(Broker: )?SASL Authentication failed/i, ERR.SASL_AUTHENTICATION_FAILED],
  [/^Local: Authentication failure|SASL authentication error|Authentication failed|SSL handshake failed/i, ERR.AUTHENTICATION],
  [/^(Broker: )?Message size too large/i, ERR.MSG_SIZE_TOO_LARGE],
  [/^(Broker: )?Message batch larger than configured server/i, ERR.RECORD_LIST_TOO_LARGE],
  [/^(Broker: )?Unknown topic or partition/i, ERR.UNKNOWN_TOPIC_OR_PART],
  [/^Local: Unknown topic/i, ERR.UNKNOWN_TOPIC],
  [/^(Broker: )?Topic authorization failed/i, ERR.TOPIC_AUTHORIZATION_FAILED],
  [/^(Broker: )?Cluster authorization failed/i, ERR.CLUSTER_AUTHORIZATION_FAILED],
];

/**
 * librdkafka's own text of an error from node-rdkafka. node-rdkafka's
 * LibrdKafkaError keeps only the piece after the first ": ", lower-cased, as
 * `message` ("Local: Broker transport failure" → "broker transport failure";
 * "Fatal error: Broker: Cluster authorization failed: …" → "broker"), and the
 * original in `stack` ("Error: <text>").
 */
export function kafkaErrorText(err: unknown): string {
  const e = err as { message?: unknown; stack?: unknown } | null;
  const stack = typeof e?.stack === 'string' ? e.stack : '';
  if (stack.startsWith('Error: ')) {
    const end = stack.search(/\n\s+at /);
    return stack.slice('Error: '.length, end < 0 ? undefined : end);
  }
  return String(e?.message ?? err);
}

/** librdkafka's error code of an error from node-rdkafka, recovered from its text when node-rdkafka lost it. */
export function kafkaErrorCode(err: unknown): number {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'number' && code !== -1) return code;
  const text = kafkaErrorText(err);
  for (const [pattern, recovered] of BY_TEXT) if (pattern.test(text)) return recovered;
  return -1;
}

/** For an exception thrown by produce(). */
export function classifyProduceError(err: unknown): ErrorCode {
  // The spool journal's refusals name their code already.
  if (err instanceof SendRefusedError) return err.code;
  const code = kafkaErrorCode(err);
  if (code === ERR.QUEUE_FULL) return 'producer_queue_full';
  if (code === ERR.MSG_SIZE_TOO_LARGE) return 'record_too_large';
  if (code === ERR.UNKNOWN_TOPIC || code === ERR.UNKNOWN_TOPIC_OR_PART) return 'unknown_topic';
  return 'produce_failed';
}

/** For a failed delivery report (librdkafka's err2str text only, see kafkaErrorCode).
 * Anything not recognized is retriable: the records may or may not be in
 * Kafka, and the client's retry is de-duplicable through the record headers. */
export function classifyDeliveryError(err: unknown): ErrorCode {
  switch (kafkaErrorCode(err)) {
    // The broker refused the record as over the topic's max.message.bytes: a
    // retry gets the same answer. (It refuses the whole produce batch, so
    // other records sharing that batch fail too.)
    case ERR.MSG_SIZE_TOO_LARGE:
    case ERR.RECORD_LIST_TOO_LARGE:
      return 'record_too_large';
    case ERR.UNKNOWN_TOPIC:
    case ERR.UNKNOWN_TOPIC_OR_PART:
      return 'unknown_topic';
    case ERR.TOPIC_AUTHORIZATION_FAILED:
    case ERR.CLUSTER_AUTHORIZATION_FAILED:
      return 'kafka_authorization_failed';
    default:
      return 'delivery_failed';
  }
}

/** A failed delivery report as the ledger takes it: its catalogue code and
 * librdkafka's text, with the limit or the topic named where that helps. */
export function describeDeliveryError(err: unknown, topic: string): { readonly code: ErrorCode; readonly message: string } {
  const code = classifyDeliveryError(err);
  const text = kafkaErrorText(err);
  if (code === 'record_too_large') {
    return { code, message: `${text}: a record is over topic ${topic}'s max.message.bytes (the broker's limit); it will not be accepted on retry` };
  }
  if (code === 'unknown_topic') return { code, message: `${text}: topic ${topic} does not exist` };
  if (code === 'kafka_authorization_failed') return { code, message: `${text}: the producer may not write to topic ${topic}` };
  return { code, message: text };
}

/** What a client-level error (the producer's or the probe's 'event.error') means for the daemon. */
export type ClientErrorKind = 'fatal' | 'authentication' | 'all_brokers_down' | 'other';

export function classifyClientError(err: unknown): ClientErrorKind {
  const code = kafkaErrorCode(err);
  // A refused InitProducerId (no IdempotentWrite/Write ACL) comes as
  // CLUSTER_AUTHORIZATION_FAILED: the idempotent producer can never produce,
  // as after a fatal error.
  if (code === ERR.FATAL || code === ERR.CLUSTER_AUTHORIZATION_FAILED) return 'fatal';
  if (code === ERR.AUTHENTICATION || code === ERR.SASL_AUTHENTICATION_FAILED) return 'authentication';
  if (code === ERR.ALL_BROKERS_DOWN) return 'all_brokers_down';
  return 'other';
}
