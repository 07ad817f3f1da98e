// Partition counts of the configured topics, shared with the workers (the
// ndjson-batch mode computes partitions there), and which topics Kafka does not
// have (auto-creation off: requests for them are refused at once, issue 10).
// Refreshed from metadata on the probe's own connections.
import type { Logger } from 'pino';
import { TOPIC_COUNT, topicNameTable, type Topic, type TopicNames } from '../ring/layout';
import { ERR, kafkaErrorCode } from './errors';
import type { MetadataProbe } from './metadata-probe';

const METADATA_TIMEOUT_MS = 5_000;

export class PartitionCounts {
  /** Int32 per Topic enum value; 0 = unknown. */
  readonly shared = new SharedArrayBuffer(4 * TOPIC_COUNT);
  readonly #counts = new Int32Array(this.shared);
  readonly #missing = new Set<Topic>();
  readonly #probe: MetadataProbe;
  readonly #topics: ReadonlyArray<[Topic, string]>;
  readonly #log: Logger;

  constructor(probe: MetadataProbe, topics: TopicNames, log: Logger) {
    this.#probe = probe;
    this.#topics = Object.entries(topicNameTable(topics)).map(([id, name]) => [Number(id) as Topic, name]);
    this.#log = log;
  }

  /** The topic's name when Kafka said it does not exist (or may not be described), else undefined. */
  missing(topic: Topic): string | undefined {
    return this.#missing.has(topic) ? this.#topics.find(([id]) => id === topic)?.[1] : undefined;
  }

  async refresh(): Promise<void> {
    for (const [id, name] of this.#topics) {
      let partitions: number;
      try {
        const metadata = await this.#probe.metadata(METADATA_TIMEOUT_MS, name);
        partitions = metadata.topics.find((t) => t.name === name)?.partitions.length ?? 0;
      } catch (err) {
        if (kafkaErrorCode(err) !== ERR.UNKNOWN_TOPIC_OR_PART && kafkaErrorCode(err) !== ERR.UNKNOWN_TOPIC) {
          this.#log.warn({ err, topic: name }, 'cannot read topic metadata');
          continue;
        }
        partitions = 0;
      }
      if (partitions === 0 && !this.#missing.has(id)) {
        this.#missing.add(id);
        this.#log.error({ topic: name }, `Kafka topic ${name} does not exist (or this client may not describe it); requests for it are refused with 503 unknown_topic until it is created`);
      } else if (partitions > 0 && this.#missing.delete(id)) {
        this.#log.info({ topic: name }, `Kafka topic ${name} exists now; admitting its requests`);
      }
      const before = Atomics.exchange(this.#counts, id, partitions);
      if (before !== partitions && partitions > 0) this.#log.info({ topic: name, partitions }, 'topic partition count');
    }
  }
}
