// The byte layout of a worker→producer ring, shared by the writer (a pool
// worker) and the reader (the main thread). Everything that crosses threads
// through shared memory is defined here.
//
// pool.threads + 2 rings (main.ts), so a worker never waits for one while a
// ring is being drained. A worker leases a free ring for the duration of one
// task (leases.ts: compare-and-swap on the lease table), so each ring has
// exactly one writer at a time and one reader: single-producer single-consumer.
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
//  - Gap rule: the writer keeps at least 4 bytes (a wrap marker's room)
//    between WRITE and READ, never letting WRITE catch up with READ, so
//    WRITE === READ means empty.
//  - Early wrap: past its soft end the writer may put a wrap marker before
//    the tail is used up, once the reader has freed room at the start
//    (writer.ts, "Soft end"); to the reader it is any other wrap.
//  - Rewind: the reader moves both positions back to 0 when the ring is empty
//    and it holds the ring's lease itself (leases.ts, REWIND_LEASE), so no worker can be
//    writing. A request then starts with the whole ring in one piece: any
//    request that fits the capacity fits an idle ring, wherever the positions
//    had been (without this, an empty ring at mid-capacity refused a record
//    larger than either half, and every retry failed the same way).
//
// Record = one Kafka message (little-endian, 4-byte aligned):
//   0  u32 recordBytes   whole record with padding; WRAP_MARKER = continue at 0
//   4  u32 requestSeq    the ledger entry it settles
//   8  u32 index         position in the request of its (first) data record
//  12  u8  topic         slot of the topic table (src/config/topics.ts): a
//                        signal's topic (slot = Signal) or one elasticsearch.indexTopics maps to
//  13  u8  reserved
//  14  u16 keyBytes      0 = no key
//  16  u32 valueBytes
//  20  i32 partition     PARTITION_BY_KEY = librdkafka's partitioner decides;
//                        PARTITION_AT_REPLAY = the spool's replay decides from the key
//  24  u32 count         data records in the message (1, or an NDJSON batch's lines)
//  28  u16 headerBytes   extra Kafka headers (ring/headers.ts), 0 = none; at most MAX_HEADER_BYTES
//  30  u16 reserved
//  32  key bytes, header bytes, value bytes, padding to 4
import { LeaseTable } from './leases';

export const HEADER_BYTES = 64;
/** Int32 slots of the ring header. */
export const WRITE = 0;
export const READ = 1;

/** Byte offsets of a record's fields (the table above); reader.ts and writer.ts use these names only. */
export const enum Field {
  RecordBytes = 0,
  RequestSeq = 4,
  Index = 8,
  Topic = 12,
  Reserved = 13,
  KeyBytes = 14,
  ValueBytes = 16,
  Partition = 20,
  Count = 24,
  HeaderBytes = 28,
  Reserved2 = 30,
}
export const RECORD_HEADER_BYTES = 32;
export const PARTITION_BY_KEY = -1;
/** An ndjson-batch record spooled while its topic's partition count was not
 * known (spool mode started without Kafka): one record, with its key, whose
 * partition replay computes with murmur2 and the real count (src/spool/replay.ts). */
export const PARTITION_AT_REPLAY = -2;
export const WRAP_MARKER = 0xffffffff;
/** Room the writer keeps between WRITE and READ (a wrap marker's size). */
export const GAP_BYTES = 4;
export const MAX_KEY_BYTES = 0xffff;

export function align4(n: number): number {
  return (n + 3) & ~3;
}

/** Total bytes a record occupies in the ring. */
export function recordSize(keyBytes: number, valueBytes: number, headerBytes = 0): number {
  return align4(RECORD_HEADER_BYTES + keyBytes + headerBytes + valueBytes);
}

/** The rings and their lease table (leases.ts). */
export interface RingSet {
  readonly leases: SharedArrayBuffer;
  readonly rings: readonly SharedArrayBuffer[];
}

export function createRingSet(count: number, capacityBytes: number): RingSet {
  const capacity = align4(capacityBytes);
  return {
    leases: LeaseTable.create(count),
    rings: Array.from({ length: count }, () => new SharedArrayBuffer(HEADER_BYTES + capacity)),
  };
}

export function capacityOf(ring: SharedArrayBuffer): number {
  return ring.byteLength - HEADER_BYTES;
}
