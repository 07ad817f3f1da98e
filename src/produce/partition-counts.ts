// Partition counts of the configured topics, shared with the workers (the
// ndjson-batch mode computes partitions there). Refreshed from metadata.
import type { Logger } from 'pino';
import { TOPIC_COUNT, topicNameTable, type Topic, type TopicNames } from '../ring/layout';
import type { KafkaProducer } from './producer';

const METADATA_TIMEOUT_MS = 5_000;

export class PartitionCounts {
  /** Int32 per Topic enum value; 0 = unknown. */
  readonly shared = new SharedArrayBuffer(4 * TOPIC_COUNT);
  readonly #counts = new Int32Array(this.shared);
  readonly #producer: KafkaProducer;
  readonly #topics: ReadonlyArray<[Topic, string]>;
  readonly #log: Logger;

  constructor(producer: KafkaProducer, topics: TopicNames, log: Logger) {
    this.#producer = producer;
    this.#topics = Object.entries(topicNameTable(topics)).map(([id, name]) => [Number(id) as Topic, name]);
    this.#log = log;
  }

  async refresh(): Promise<void> {
    for (const [id, name] of this.#topics) {
      try {
        const metadata = await this.#producer.metadata(METADATA_TIMEOUT_MS, name);
        const partitions = metadata.topics.find((t) => t.name === name)?.partitions.length ?? 0;
        const before = Atomics.exchange(this.#counts, id, partitions);
        if (before !== partitions) this.#log.info({ topic: name, partitions }, 'topic partition count');
      } catch (err) {
        this.#log.warn({ err, topic: name }, 'cannot read topic metadata');
      }
    }
  }
}
