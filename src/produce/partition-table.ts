// Partition counts per signal's topic, in shared memory: written by the main
// thread from Kafka metadata (partition-counts.ts), read by the workers, which
// compute partitions themselves in ndjson-batch mode (src/decode/batching.ts).
// One Int32 per Signal (src/signals.ts); 0 = not known yet.
import { SIGNAL_COUNT, type Signal } from '../signals';

export class PartitionTable {
  readonly #counts: Int32Array;

  constructor(readonly shared: SharedArrayBuffer = new SharedArrayBuffer(4 * SIGNAL_COUNT)) {
    this.#counts = new Int32Array(shared);
  }

  /** The topic's partition count, 0 while unknown. */
  get(signal: Signal): number {
    return Atomics.load(this.#counts, signal);
  }

  /** Stores a count; returns the previous one. */
  set(signal: Signal, partitions: number): number {
    return Atomics.exchange(this.#counts, signal, partitions);
  }
}
