// The byte layout of a worker→producer ring, shared by the writer (a pool
// worker) and the reader (the main thread). Everything that crosses threads
// through shared memory is defined here.
//
// One ring per pool thread slot. A worker leases a free ring for the duration
// of one task (compare-and-swap on the lease table), so each ring has exactly
// one writer at a time and one reader: single-producer single-consumer.
//
//   ring SharedArrayBuffer
//   ┌──────────── header (HEADER_BYTES) ───────────┐┌──────── data (capacity) ────────┐
//   │ Int32[WRITE] Int32[READ]  …reserved…          ││ record record WRAP … record … │
//   └───────────────────────────────────────────────┘└─────────────────────────────────┘
//
// Ordering rules:
//  - The writer fills records past WRITE without publishing, then stores the
//    new WRITE once per request (Atomics.store): a request's records become
//    visible together or not at all. A worker that dies mid-write publishes
//    nothing, and the next lease holder overwrites the unpublished bytes.
//  - The reader consumes records between READ and WRITE and stores READ after
//    it has copied them into librdkafka (produce() copies the payload).
//  - One byte-gap rule: the writer never lets WRITE catch up with READ, so
//    WRITE === READ means empty.
//  - Rewind: the reader moves both positions back to 0 when the ring is empty
//    and it holds the ring's lease itself (REWIND_LEASE), so no worker can be
//    writing. A request then starts with the whole ring in one piece: any
//    request that fits the capacity fits an idle ring, wherever the positions
//    had been (without this, an empty ring at mid-capacity refused a record
//    larger than either half, and every retry failed the same way).
//
// Record = one Kafka message (little-endian, 4-byte aligned):
//   0  u32 recordBytes   whole record with padding; WRAP_MARKER = continue at 0
//   4  u32 requestSeq    the ledger entry it settles
//   8  u32 index         position in the request of its (first) data record
//  12  u8  topic         Topic enum
//  13  u8  reserved
//  14  u16 keyBytes      0 = no key
//  16  u32 valueBytes
//  20  i32 partition     PARTITION_BY_KEY = librdkafka's partitioner decides
//  24  u32 count         data records in the message (1, or an NDJSON batch's lines)
//  28  key bytes, value bytes, padding to 4
export const HEADER_BYTES = 64;
export const WRITE = 0;
export const READ = 1;
export const RECORD_HEADER_BYTES = 28;
export const PARTITION_BY_KEY = -1;
export const WRAP_MARKER = 0xffffffff;
export const MAX_KEY_BYTES = 0xffff;
/** Lease value the reader holds while rewinding; request seqs are positive. */
export const REWIND_LEASE = -1;

export const enum Topic {
  Metrics = 0,
  Logs = 1,
  Traces = 2,
}
export const TOPIC_COUNT = 3;

/** Kafka topic names by signal (config kafka.topics). */
export interface TopicNames {
  readonly metrics: string;
  readonly logs: string;
  readonly traces: string;
}

export function topicNameTable(names: TopicNames): Record<Topic, string> {
  return { [Topic.Metrics]: names.metrics, [Topic.Logs]: names.logs, [Topic.Traces]: names.traces };
}

export function align4(n: number): number {
  return (n + 3) & ~3;
}

/** Total bytes a record occupies in the ring. */
export function recordSize(keyBytes: number, valueBytes: number): number {
  return align4(RECORD_HEADER_BYTES + keyBytes + valueBytes);
}

/** The lease table: slot i holds the requestSeq of the task writing ring i, or 0. */
export interface RingSet {
  readonly leases: SharedArrayBuffer;
  readonly rings: readonly SharedArrayBuffer[];
}

export function createRingSet(count: number, capacityBytes: number): RingSet {
  const capacity = align4(capacityBytes);
  return {
    leases: new SharedArrayBuffer(4 * count),
    rings: Array.from({ length: count }, () => new SharedArrayBuffer(HEADER_BYTES + capacity)),
  };
}

export function capacityOf(ring: SharedArrayBuffer): number {
  return ring.byteLength - HEADER_BYTES;
}
