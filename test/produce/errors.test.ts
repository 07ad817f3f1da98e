// Kafka error classification. node-rdkafka hands delivery-report and
// error-event errors to JS as text only (code -1, message cut at the first
// ": " and lower-cased), so the codes are recovered from librdkafka's text
// (issue 10: the ERR__ALL_BROKERS_DOWN check never fired).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createLibrdkafkaError } from './librdkafka-error';
import { classifyDeliveryError, describeDeliveryError, ERR, kafkaErrorCode, kafkaErrorText } from '../../src/produce/errors';

describe('produce/errors', () => {
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
      const err = createLibrdkafkaError(new Error(text));
      assert.equal(err.code, -1, 'node-rdkafka lost the code');
      assert.equal(kafkaErrorText(err), text, 'the original text survives in the stack');
      assert.equal(kafkaErrorCode(err), code, text);
    }
    assert.equal(kafkaErrorCode({ code: ERR.QUEUE_FULL, message: 'x' }), ERR.QUEUE_FULL, 'a real code is kept');
    assert.equal(kafkaErrorCode(createLibrdkafkaError(new Error('Local: Message timed out'))), -1);
  });

  it('classifies delivery failures: size 413, missing topic and ACL refusals named, the rest 503 delivery_failed', () => {
    const size = describeDeliveryError(createLibrdkafkaError(new Error('Broker: Message size too large')), 'metrics');
    assert.deepEqual(size.failure, { status: 413, code: 'record_too_large', retriable: false });
    assert.match(size.message, /topic metrics's max\.message\.bytes/);
    assert.equal(classifyDeliveryError(createLibrdkafkaError(new Error('Broker: Unknown topic or partition'))).code, 'unknown_topic');
    assert.equal(classifyDeliveryError(createLibrdkafkaError(new Error('Broker: Topic authorization failed'))).code, 'kafka_authorization_failed');
    assert.deepEqual(classifyDeliveryError(createLibrdkafkaError(new Error('Local: Message timed out'))), { status: 503, code: 'delivery_failed', retriable: true });
  });
});
