// node-rdkafka's LibrdKafkaError constructor, as its delivery reports and error events use it (lib/error.js).
import type { LibrdKafkaError } from 'node-rdkafka';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { create } = require('node-rdkafka/lib/error') as { create(e: Error): LibrdKafkaError };

export function createLibrdkafkaError(e: Error): LibrdKafkaError {
  return create(e);
}
