// Keeps the shared partition table (partition-table.ts) fresh from Kafka
// metadata, for the workers' ndjson-batch mode.
import type { Logger } from 'pino';
import { SIGNAL_NAMES, type Signal, type TopicNames } from '../routes';
import { PartitionTable } from './partition-table';
import type { KafkaProducer } from './producer';

const METADATA_TIMEOUT_MS = 5_000;

export class PartitionCounts {
  readonly table = new PartitionTable();
  readonly #producer: KafkaProducer;
  readonly #topics: TopicNames;
  readonly #log: Logger;

  constructor(producer: KafkaProducer, topics: TopicNames, log: Logger) {
    this.#producer = producer;
    this.#topics = topics;
    this.#log = log;
  }

  /** The buffer handed to the workers (WorkerData.partitionCounts). */
  get shared(): SharedArrayBuffer {
    return this.table.shared;
  }

  async refresh(): Promise<void> {
    for (let signal = 0 as Signal; signal < SIGNAL_NAMES.length; signal++) {
      const name = this.#topics[SIGNAL_NAMES[signal]!];
      try {
        const metadata = await this.#producer.metadata(METADATA_TIMEOUT_MS, name);
        const partitions = metadata.topics.find((t) => t.name === name)?.partitions.length ?? 0;
        const before = this.table.set(signal, partitions);
        if (before !== partitions) this.#log.info({ topic: name, partitions }, 'topic partition count');
      } catch (err) {
        this.#log.warn({ err, topic: name }, 'cannot read topic metadata');
      }
    }
  }
}
