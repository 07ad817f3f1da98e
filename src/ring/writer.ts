// Worker side of a ring (see layout.ts for the layout and ordering rules).
import { Buffer } from 'node:buffer';
import type { TopicSlot } from '../config/topics';
import {
  Field, GAP_BYTES, HEADER_BYTES, PARTITION_BY_KEY, READ, RECORD_HEADER_BYTES, WRAP_MARKER, WRITE, capacityOf, recordSize,
} from './layout';

/** Appends one request's records; nothing is visible to the reader until
 * commit(). Reusable: restart() begins the next request on the same ring
 * (the views over the ring are made once, not per request). */
export class RingWriter {
  readonly #header: Int32Array;
  readonly #data: Buffer;
  readonly #capacity: number;
  #seq: number;
  /** Size of the record that last failed to fit. */
  lastRecordBytes = 0;
  #write: number;
  #read: number;
  #appended = 0;

  constructor(ring: SharedArrayBuffer, seq: number) {
    this.#header = new Int32Array(ring, 0, HEADER_BYTES / 4);
    this.#capacity = capacityOf(ring);
    this.#data = Buffer.from(ring, HEADER_BYTES, this.#capacity);
    this.#seq = seq;
    this.#write = Atomics.load(this.#header, WRITE);
    this.#read = Atomics.load(this.#header, READ);
  }

  /** Begins request `seq` at the ring's current positions; whatever was
   * appended and not committed is forgotten. Call only under the ring's lease. */
  restart(seq: number): void {
    this.#seq = seq;
    this.#write = Atomics.load(this.#header, WRITE);
    this.#read = Atomics.load(this.#header, READ);
    this.#appended = 0;
    this.lastRecordBytes = 0;
  }

  /** True when `bytes` more could never fit, even in an empty ring (→ 413, not 503). */
  exceedsCapacity(bytes: number): boolean {
    return this.#appended + bytes + 2 * GAP_BYTES > this.#capacity;
  }

  /** Bytes that may still be written without overtaking the reader. */
  #free(): number {
    if (this.#write >= this.#read) return this.#capacity - (this.#write - this.#read) - GAP_BYTES;
    return this.#read - this.#write - GAP_BYTES;
  }

  /**
   * Writes a record; returns false when the ring has no room (the caller
   * answers 503: a full ring is never waited on). `headers`: the extra Kafka
   * headers, encoded (ring/headers.ts), or null.
   */
  append(topic: TopicSlot, index: number, key: string | null, value: string | Uint8Array, partition = PARTITION_BY_KEY, count = 1,
    headers: Uint8Array | null = null): boolean {
    const keyBytes = key === null ? 0 : Buffer.byteLength(key);
    const valueBytes = Buffer.byteLength(value);
    const headerBytes = headers === null ? 0 : headers.length;
    const at = this.#begin(topic, index, keyBytes, valueBytes, headerBytes, partition, count);
    if (at < 0) return false;
    const data = this.#data;
    let o = key === null ? at : at + data.write(key, at, keyBytes);
    if (headers !== null) {
      data.set(headers, o);
      o += headerBytes;
    }
    if (typeof value === 'string') data.write(value, o, valueBytes);
    else data.set(value, o);
    return true;
  }

  /** As append() without extra headers, for a record already encoded:
   * `bytes[0, keyBytes)` is the key (none when 0), the `valueBytes` after it the value. */
  appendEncoded(topic: TopicSlot, index: number, bytes: Uint8Array, keyBytes: number, valueBytes: number, partition = PARTITION_BY_KEY, count = 1): boolean {
    const at = this.#begin(topic, index, keyBytes, valueBytes, 0, partition, count);
    if (at < 0) return false;
    const end = keyBytes + valueBytes;
    this.#data.set(end === bytes.length ? bytes : bytes.subarray(0, end), at);
    return true;
  }

  /** Reserves a record and writes its header; returns where its key goes, or -1 when the ring has no room. */
  #begin(topic: TopicSlot, index: number, keyBytes: number, valueBytes: number, headerBytes: number, partition: number, count: number): number {
    const size = recordSize(keyBytes, valueBytes, headerBytes);
    if (!this.#reserve(size)) {
      this.lastRecordBytes = size;
      return -1;
    }
    this.#appended += size;
    const data = this.#data;
    const at = this.#write;
    data.writeUInt32LE(size, at + Field.RecordBytes);
    data.writeUInt32LE(this.#seq, at + Field.RequestSeq);
    data.writeUInt32LE(index, at + Field.Index);
    data[at + Field.Topic] = topic;
    data[at + Field.Reserved] = 0;
    data.writeUInt16LE(keyBytes, at + Field.KeyBytes);
    data.writeUInt32LE(valueBytes, at + Field.ValueBytes);
    data.writeInt32LE(partition, at + Field.Partition);
    data.writeUInt32LE(count, at + Field.Count);
    data.writeUInt16LE(headerBytes, at + Field.HeaderBytes);
    data.writeUInt16LE(0, at + Field.Reserved2);
    this.#write += size;
    if (this.#write === this.#capacity) this.#write = 0;
    return at + RECORD_HEADER_BYTES;
  }

  /** Makes room for `size` contiguous bytes at #write, wrapping if needed. */
  #reserve(size: number): boolean {
    if (this.#write >= this.#read) {
      const tail = this.#capacity - this.#write;
      if (size <= tail && (this.#read > 0 || size < tail)) return true;
      // Wrap: the tail is too short (or filling it would make WRITE === READ = 0).
      if (size + GAP_BYTES > this.#read) return false;
      this.#data.writeUInt32LE(WRAP_MARKER, this.#write);
      this.#write = 0;
      return true;
    }
    return size <= this.#free();
  }

  /** Publishes everything appended since construction. */
  commit(): void {
    Atomics.store(this.#header, WRITE, this.#write);
  }
}
