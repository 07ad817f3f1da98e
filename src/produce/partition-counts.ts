// Keeps the shared partition table (partition-table.ts) fresh from Kafka
// metadata, for the workers' ndjson-batch mode, and knows which topics Kafka
// does not have (auto-creation off: requests for them are refused at once,
// issue 10). Refreshed from metadata on the probe's own connections.
// Also answers the spool's replay, which may hold messages for topics no
// longer configured (partitionsOfTopic).
import type { Logger } from 'pino';
import { SIGNAL_NAMES, type Signal, type TopicNames } from '../signals';
import { ERR, kafkaErrorCode } from './kafka-errors';
import type { MetadataSource } from './metadata-probe';
import { PartitionTable } from './partition-table';

const METADATA_TIMEOUT_MS = 5_000;
/** How long a topic created by a metadata request takes to show (the embedded cluster: within a few ms). */
const AUTO_CREATE_WAIT_MS = 250;

export class PartitionCounts {
  readonly table = new PartitionTable();
  readonly #missing = new Set<Signal>();
  /** Signals whose count Kafka has told (a count, or missing). */
  readonly #known = new Set<Signal>();
  /** Topics outside kafka.topics that replay asked about: name → count (0 = missing), undefined until read. */
  readonly #others = new Map<string, number | undefined>();
  readonly #probe: MetadataSource;
  readonly #topics: TopicNames;
  readonly #log: Logger;

  constructor(probe: MetadataSource, topics: TopicNames, log: Logger) {
    this.#probe = probe;
    this.#topics = topics;
    this.#log = log;
  }

  /** The buffer handed to the workers (WorkerData.partitionCounts). */
  get shared(): SharedArrayBuffer {
    return this.table.shared;
  }

  /** The signal's topic name when Kafka said it does not exist (or may not be described), else undefined. */
  missing(signal: Signal): string | undefined {
    return this.#missing.has(signal) ? this.#topics[SIGNAL_NAMES[signal]!] : undefined;
  }

  /** A topic's partition count as last read: undefined while Kafka has not
   * told (not reached yet), 0 when it has no such topic. A name outside
   * kafka.topics is read from the next refresh on. */
  partitionsOfTopic(name: string): number | undefined {
    for (let signal = 0 as Signal; signal < SIGNAL_NAMES.length; signal++) {
      if (this.#topics[SIGNAL_NAMES[signal]!] !== name) continue;
      if (this.#missing.has(signal)) return 0;
      return this.#known.has(signal) ? this.table.get(signal) : undefined;
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
    for (let signal = 0 as Signal; signal < SIGNAL_NAMES.length; signal++) {
      const name = this.#topics[SIGNAL_NAMES[signal]!];
      let partitions = await this.#partitionsOf(name);
      // Where topics are created on first use (the embedded cluster, brokers
      // with auto.create.topics.enable) the metadata request itself creates
      // the topic, after answering "none": ask once more before calling it missing.
      if (partitions === 0 && !this.#missing.has(signal)) {
        await new Promise((resolve) => setTimeout(resolve, AUTO_CREATE_WAIT_MS));
        partitions = await this.#partitionsOf(name);
      }
      if (partitions === undefined) continue;
      if (partitions === 0 && !this.#missing.has(signal)) {
        this.#missing.add(signal);
        this.#log.error({ topic: name }, `Kafka topic ${name} does not exist (or this client may not describe it); requests for it are refused with 503 unknown_topic until it is created`);
      } else if (partitions > 0 && this.#missing.delete(signal)) {
        this.#log.info({ topic: name }, `Kafka topic ${name} exists now; admitting its requests`);
      }
      const before = this.table.set(signal, partitions);
      this.#known.add(signal);
      if (before !== partitions && partitions > 0) this.#log.info({ topic: name, partitions }, 'topic partition count');
    }
    for (const name of this.#others.keys()) {
      const partitions = await this.#partitionsOf(name);
      if (partitions !== undefined) this.#others.set(name, partitions);
    }
  }
}
