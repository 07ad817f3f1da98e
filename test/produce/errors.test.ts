// The Kafka error classifier (src/produce/errors.ts): librdkafka codes →
// catalogue codes, in one place.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CODES } from 'node-rdkafka';
import { ERRORS } from '../../src/errors';
import { classifyDeliveryError, classifyProduceError, isAllBrokersDown } from '../../src/produce/errors';

const E = CODES.ERRORS as Record<string, number>;
const err = (code: number | undefined): Error & { code?: number } => Object.assign(new Error('x'), code === undefined ? {} : { code });

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
  });

  it('failed delivery reports are delivery_failed (503, retriable)', () => {
    assert.equal(classifyDeliveryError({ message: 'Local: Message timed out', code: E['ERR__MSG_TIMED_OUT'] }), 'delivery_failed');
    assert.equal(classifyDeliveryError({ message: 'Broker: Not enough in-sync replicas' }), 'delivery_failed');
  });

  it('all brokers down is recognised by its code, not its text', () => {
    assert.equal(isAllBrokersDown({ code: E['ERR__ALL_BROKERS_DOWN'] }), true);
    assert.equal(isAllBrokersDown({ code: -187 }), true);
    assert.equal(isAllBrokersDown({ code: E['ERR__TRANSPORT'] }), false);
    assert.equal(isAllBrokersDown({}), false);
  });
});
