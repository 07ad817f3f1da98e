// The memory ceiling a configuration implies: the sum of every byte bound.
// Logged at start, printed by --check-config, asserted by the overload test.
import type { Config } from './schema';

const MiB = 1024 * 1024;
/** Main isolate, librdkafka, uWS and code: measured ~95 MiB RSS idle here. */
const RUNTIME_BYTES = 110 * MiB;
/** A worker isolate beyond its old-generation cap (young generation, code). */
const WORKER_OVERHEAD_BYTES = 48 * MiB;
/** A Kafka message in flight: its share of the ledger, librdkafka's message and its one header. */
const IN_FLIGHT_RECORD_BYTES = 300;
/** librdkafka's default queue.buffering.max.kbytes. */
const LIBRDKAFKA_DEFAULT_QUEUE_KBYTES = 1_048_576;

export interface MemoryBudget {
  readonly runtime: number;
  readonly bodies: number;
  readonly workers: number;
  readonly rings: number;
  readonly producerQueue: number;
  readonly inFlight: number;
  /** delivery.mode spool: unsynced batches, the writer thread, replay's read chunk and tickets. */
  readonly spool: number;
  /** The idempotency window (dedup.maxBytes), when dedup is enabled. */
  readonly dedup: number;
  readonly total: number;
}

/** Sizes that other modules own and the configuration does not set. */
export interface FixedSizes {
  /** The producer's queue.buffering.max.kbytes (librdkafka's default when unset). */
  readonly producerQueueKbytes: number | undefined;
  /** What spool replay reads at a time (src/spool/replay.ts). */
  readonly spoolReadChunkBytes: number;
}

export function memoryBudget(config: Config, sizes: FixedSizes): MemoryBudget {
  const threads = config.pool.threads;
  const parts = {
    runtime: RUNTIME_BYTES,
    // The body arena keeps resident the most it held at once (at most the cap),
    // and bodies it had no room for take buffers of their own (as much again).
    bodies: 2 * config.ingest.maxBufferedBodyBytes,
    workers: threads * (config.pool.workerMaxHeapMb * MiB + WORKER_OVERHEAD_BYTES),
    rings: (threads + 2) * config.pool.ringBytes,
    producerQueue: (sizes.producerQueueKbytes ?? LIBRDKAFKA_DEFAULT_QUEUE_KBYTES) * 1024,
    inFlight: config.kafka.maxInFlightMessages * IN_FLIGHT_RECORD_BYTES,
    spool: config.delivery.mode === 'spool'
      ? config.spool.maxUnsyncedBytes + WORKER_OVERHEAD_BYTES + sizes.spoolReadChunkBytes + config.spool.replayMaxInFlightMessages * IN_FLIGHT_RECORD_BYTES
      : 0,
    dedup: config.dedup.enabled ? config.dedup.maxBytes : 0,
  };
  return { ...parts, total: Object.values(parts).reduce((a, b) => a + b, 0) };
}
