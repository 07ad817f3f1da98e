// The Kafka error classifier (src/produce/kafka-errors.ts): librdkafka codes →
// catalogue codes, in one place. node-rdkafka hands delivery-report and
// error-event errors to JS as text only (code -1, message cut at the first
// ": " and lower-cased), so the codes are recovered from librdkafka's text
// (issue 10: the ERR__ALL_BROKERS_DOWN check never fired).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CODES } from 'node-rdkafka';
import { ERRORS } from '../../src/errors';
import { classifyClientError, classifyDeliveryError, classifyProduceError, describeDeliveryError, ERR, kafkaErrorCode, kafkaErrorText } from '../../src/produce/kafka-errors';
import { createLibrdkafkaError } from './librdkafka-error';

const E = CODES.ERRORS as Record<string, number>;
const err = (code: number | undefined): Error & { code?: number } => Object.assign(new Error('x'), code === undefined ? {} : { code });
const fromText = (text: string): { code: number; message: string } => createLibrdkafkaError(new Error(text));

describe('produce: Kafka error classification', () => {
  it('produce() exceptions', () => {
    assert.equal(classifyProduceError(err(E['ERR__QUEUE_FULL'])), 'producer_queue_full');
    assert.equal(classifyProduceError(err(E['ERR_MSG_SIZE_TOO_LARGE'])), 'record_too_large');
    assert.equal(classifyProduceError(err(E['ERR__UNKNOWN_TOPIC'])), 'unknown_topic');
    assert.equal(classifyProduceError(err(E['ERR_UNKNOWN_TOPIC_OR_PART'])), 'unknown_topic');
    assert.equal(classifyProduceError(err(E['ERR__FAIL'])), 'produce_failed');
    assert.equal(classifyProduceError(err(undefined)), 'produce_failed');
  });

  it('what each class tells the client: queue full and unknown topic retriable, too large and other failures not', () => {
    assert.deepEqual([ERRORS.producer_queue_full.status, ERRORS.producer_queue_full.retriable], [503, true]);
    assert.deepEqual([ERRORS.unknown_topic.status, ERRORS.unknown_topic.retriable], [503, true]);
    assert.deepEqual([ERRORS.record_too_large.status, ERRORS.record_too_large.retriable], [413, false]);
    assert.deepEqual([ERRORS.produce_failed.status, ERRORS.produce_failed.retriable], [500, false]);
    assert.deepEqual([ERRORS.kafka_authorization_failed.status, ERRORS.kafka_authorization_failed.retriable], [503, true]);
  });

  it('recovers the librdkafka code of errors that node-rdkafka built from text (code -1)', () => {
    const cases: Array<[string, number]> = [
      ['3/3 brokers are down', ERR.ALL_BROKERS_DOWN],
      ['Local: All broker connections are down', ERR.ALL_BROKERS_DOWN],
      ['Fatal error: Broker: Cluster authorization failed: Failed to acquire idempotence PID', ERR.FATAL],
      ['sasl_ssl://127.0.0.1:9093/bootstrap: SASL authentication error: Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-512', ERR.AUTHENTICATION],
      ['Broker: Message size too large', ERR.MSG_SIZE_TOO_LARGE],
      ['Broker: Unknown topic or partition', ERR.UNKNOWN_TOPIC_OR_PART],
      ['Broker: Topic authorization failed', ERR.TOPIC_AUTHORIZATION_FAILED],
    ];
    for (const [text, code] of cases) {
      const e = fromText(text);
      assert.equal(e.code, -1, 'node-rdkafka lost the code');
      assert.equal(kafkaErrorText(e), text, 'the original text survives in the stack');
      assert.equal(kafkaErrorCode(e), code, text);
    }
    assert.equal(kafkaErrorCode({ code: ERR.QUEUE_FULL, message: 'x' }), ERR.QUEUE_FULL, 'a real code is kept');
    assert.equal(kafkaErrorCode(fromText('Local: Message timed out')), -1);
  });

  it('classifies delivery failures: size 413 naming the limit, missing topic and ACL refusals named, the rest delivery_failed', () => {
    const size = describeDeliveryError(fromText('Broker: Message size too large'), 'metrics');
    assert.equal(size.code, 'record_too_large');
    assert.match(size.message, /topic metrics's max\.message\.bytes/);
    assert.equal(classifyDeliveryError(fromText('Broker: Unknown topic or partition')), 'unknown_topic');
    assert.equal(classifyDeliveryError(fromText('Broker: Topic authorization failed')), 'kafka_authorization_failed');
    assert.equal(classifyDeliveryError(fromText('Local: Message timed out')), 'delivery_failed');
    assert.equal(classifyDeliveryError({ message: 'Local: Message timed out', code: E['ERR__MSG_TIMED_OUT'] }), 'delivery_failed');
  });

  it('client-level errors: fatal (and a refused InitProducerId), authentication, all brokers down, by code or by text', () => {
    assert.equal(classifyClientError({ code: E['ERR__ALL_BROKERS_DOWN'] }), 'all_brokers_down');
    assert.equal(classifyClientError(fromText('3/3 brokers are down')), 'all_brokers_down');
    assert.equal(classifyClientError(fromText('Fatal error: Broker: Cluster authorization failed: x')), 'fatal');
    assert.equal(classifyClientError({ code: E['ERR_CLUSTER_AUTHORIZATION_FAILED'] }), 'fatal');
    assert.equal(classifyClientError({ code: E['ERR_SASL_AUTHENTICATION_FAILED'] }), 'authentication');
    assert.equal(classifyClientError({ code: E['ERR__TRANSPORT'] }), 'other');
    assert.equal(classifyClientError({}), 'other');
  });
});
