// node-rdkafka's LibrdKafkaError constructor, as its delivery reports and error events use it (lib/error.js).
import type { LibrdKafkaError } from 'node-rdkafka';
import { NodeRdkafka } from '../../src/produce/rdkafka-adapter';

export function createLibrdkafkaError(e: Error): LibrdKafkaError {
  return NodeRdkafka.installed().error(e);
}
