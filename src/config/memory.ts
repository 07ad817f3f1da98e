// The memory ceiling a configuration implies: the sum of every byte bound.
// Logged at start, printed by --check-config, asserted by the overload test.
import { READ_CHUNK_BYTES as SPOOL_READ_CHUNK_BYTES } from '../spool/replay';
import type { Config } from './schema';

const MiB = 1024 * 1024;
/** Main isolate, librdkafka, uWS and code: measured ~95 MiB RSS idle here. */
const RUNTIME_BYTES = 110 * MiB;
/** A worker isolate beyond its old-generation cap (young generation, code). */
const WORKER_OVERHEAD_BYTES = 48 * MiB;
/** A Kafka message in flight: ledger share, delivery-report object, librdkafka message header. */
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
  readonly total: number;
}

export function memoryBudget(config: Config, producerQueueKbytes: number | undefined): MemoryBudget {
  const threads = config.pool.threads;
  const parts = {
    runtime: RUNTIME_BYTES,
    bodies: config.ingest.maxBufferedBodyBytes,
    workers: threads * (config.pool.workerMaxHeapMb * MiB + WORKER_OVERHEAD_BYTES),
    rings: (threads + 2) * config.pool.ringBytes,
    producerQueue: (producerQueueKbytes ?? LIBRDKAFKA_DEFAULT_QUEUE_KBYTES) * 1024,
    inFlight: config.kafka.maxInFlightMessages * IN_FLIGHT_RECORD_BYTES,
    spool: config.delivery.mode === 'spool'
      ? config.spool.maxUnsyncedBytes + WORKER_OVERHEAD_BYTES + SPOOL_READ_CHUNK_BYTES + config.spool.replayMaxInFlightMessages * IN_FLIGHT_RECORD_BYTES
      : 0,
  };
  return { ...parts, total: Object.values(parts).reduce((a, b) => a + b, 0) };
}
