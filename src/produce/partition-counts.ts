// Keeps the shared partition table (partition-table.ts) fresh from Kafka
// metadata, for the workers' ndjson-batch mode, and knows which topics Kafka
// does not have (auto-creation off: requests for them are refused at once,
// issue 10). Refreshed from metadata on the probe's own connections.
// Also answers the spool's replay, which may hold messages for topics no
// longer configured (partitionsOfTopic).
import type { Logger } from 'pino';
import type { TopicSlot, TopicTable } from '../config/topics';
import { ERR, kafkaErrorCode } from './kafka-errors';
import type { MetadataSource } from './metadata-probe';
import { PartitionTable } from './partition-table';

const METADATA_TIMEOUT_MS = 5_000;
/** How long a topic created by a metadata request takes to show (the embedded cluster: within a few ms). */
const AUTO_CREATE_WAIT_MS = 250;

export class PartitionCounts {
  readonly table: PartitionTable;
  readonly #missing = new Set<TopicSlot>();
  /** Slots whose count Kafka has told (a count, or missing). */
  readonly #known = new Set<TopicSlot>();
  /** Topics outside the topic table that replay asked about: name → count (0 = missing), undefined until read. */
  readonly #others = new Map<string, number | undefined>();
  readonly #probe: MetadataSource;
  readonly #topics: readonly string[];
  readonly #log: Logger;

  constructor(probe: MetadataSource, topics: TopicTable, log: Logger) {
    this.#probe = probe;
    this.#topics = topics.names;
    this.table = PartitionTable.withSlots(topics.size);
    this.#log = log;
  }

  /** The buffer handed to the workers (WorkerData.partitionCounts). */
  get shared(): SharedArrayBuffer {
    return this.table.shared;
  }

  /** The slot's topic name when Kafka said it does not exist (or may not be described), else undefined. */
  missing(topic: TopicSlot): string | undefined {
    return this.#missing.has(topic) ? this.#topics[topic] : undefined;
  }

  /** A topic's partition count as last read: undefined while Kafka has not
   * told (not reached yet), 0 when it has no such topic. A name outside the
   * topic table is read from the next refresh on. */
  partitionsOfTopic(name: string): number | undefined {
    const slot = this.#topics.indexOf(name);
    if (slot >= 0) {
      if (this.#missing.has(slot)) return 0;
      return this.#known.has(slot) ? this.table.get(slot) : undefined;
    }
    if (!this.#others.has(name)) this.#others.set(name, undefined);
    return this.#others.get(name);
  }

  /** The topic's partition count, 0 when Kafka says it has no such topic, undefined when metadata failed. */
  async #partitionsOf(name: string): Promise<number | undefined> {
    try {
      const metadata = await this.#probe.metadata(METADATA_TIMEOUT_MS, name);
      return metadata.topics.find((t) => t.name === name)?.partitions.length ?? 0;
    } catch (err) {
      if (kafkaErrorCode(err) === ERR.UNKNOWN_TOPIC_OR_PART || kafkaErrorCode(err) === ERR.UNKNOWN_TOPIC) return 0;
      this.#log.warn({ err, topic: name }, 'cannot read topic metadata');
      return undefined;
    }
  }

  async refresh(): Promise<void> {
    for (let slot = 0; slot < this.#topics.length; slot++) {
      const name = this.#topics[slot]!;
      let partitions = await this.#partitionsOf(name);
      // Where topics are created on first use (the embedded cluster, brokers
      // with auto.create.topics.enable) the metadata request itself creates
      // the topic, after answering "none": ask once more before calling it missing.
      if (partitions === 0 && !this.#missing.has(slot)) {
        await new Promise((resolve) => setTimeout(resolve, AUTO_CREATE_WAIT_MS));
        partitions = await this.#partitionsOf(name);
      }
      if (partitions === undefined) continue;
      if (partitions === 0 && !this.#missing.has(slot)) {
        this.#missing.add(slot);
        this.#log.error({ topic: name }, `Kafka topic ${name} does not exist (or this client may not describe it); requests for it are refused with 503 unknown_topic until it is created`);
      } else if (partitions > 0 && this.#missing.delete(slot)) {
        this.#log.info({ topic: name }, `Kafka topic ${name} exists now; admitting its requests`);
      }
      const before = this.table.set(slot, partitions);
      this.#known.add(slot);
      if (before !== partitions && partitions > 0) this.#log.info({ topic: name, partitions }, 'topic partition count');
    }
    for (const name of this.#others.keys()) {
      const partitions = await this.#partitionsOf(name);
      if (partitions !== undefined) this.#others.set(name, partitions);
    }
  }
}
