// Partition counts per topic slot (src/config/topics.ts), in shared memory:
// written by the main thread from Kafka metadata (partition-counts.ts), read by
// the workers, which compute partitions themselves in ndjson-batch mode
// (src/decode/batching.ts). One Int32 per slot; 0 = not known yet.
import type { TopicSlot } from '../config/topics';
import { SIGNAL_COUNT } from '../signals';

export class PartitionTable {
  readonly #counts: Int32Array;

  /** `shared`: the buffer of a table made elsewhere, or a new one of `slots` counts. */
  constructor(readonly shared: SharedArrayBuffer = new SharedArrayBuffer(4 * SIGNAL_COUNT)) {
    this.#counts = new Int32Array(shared);
  }

  static withSlots(slots: number): PartitionTable {
    return new PartitionTable(new SharedArrayBuffer(4 * slots));
  }

  /** The topic's partition count, 0 while unknown (or past the table). */
  get(topic: TopicSlot): number {
    return topic < this.#counts.length ? Atomics.load(this.#counts, topic) : 0;
  }

  /** Stores a count; returns the previous one. */
  set(topic: TopicSlot, partitions: number): number {
    return Atomics.exchange(this.#counts, topic, partitions);
  }
}
