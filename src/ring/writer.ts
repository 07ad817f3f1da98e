// Worker side of a ring (see layout.ts for the layout and ordering rules).
import { Buffer } from 'node:buffer';
import type { TopicSlot } from '../config/topics';
import {
  Field, GAP_BYTES, HEADER_BYTES, PARTITION_BY_KEY, READ, RECORD_HEADER_BYTES, WRAP_MARKER, WRITE, capacityOf, recordSize,
} from './layout';

/** Appends one request's records; nothing is visible to the reader until
 * commit(). Reusable: restart() begins the next request on the same ring
 * (the views over the ring are made once, not per request).
 *
 * Soft end: past `softEnd` bytes the writer wraps to the start as soon as the
 * reader has freed room there, instead of going on into the rest of the ring.
 * A ring's pages stay resident once written, and a ring whose reader keeps up
 * (the dispatch gate sees to it, src/pool/dispatch-gate.ts) then touches only
 * its first `softEnd` bytes plus one request. If the request then outgrows the
 * room at the start, what it wrote there is laid out again from where it
 * wrapped (#unwrapEarly), so a request fits exactly when it would without a
 * soft end. */
export class RingWriter {
  readonly #header: Int32Array;
  readonly #data: Buffer;
  readonly #capacity: number;
  readonly #softEnd: number;
  /** Where this request wrapped early (the soft end), or -1. */
  #wrappedEarlyAt = -1;
  /** False once this request was laid out again after an early wrap. */
  #mayWrapEarly = true;
  #seq: number;
  /** Size of the record that last failed to fit. */
  lastRecordBytes = 0;
  #write: number;
  #read: number;
  #appended = 0;

  constructor(ring: SharedArrayBuffer, seq: number, softEnd = Infinity) {
    this.#header = new Int32Array(ring, 0, HEADER_BYTES / 4);
    this.#capacity = capacityOf(ring);
    this.#softEnd = softEnd;
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
    this.#wrappedEarlyAt = -1;
    this.#mayWrapEarly = true;
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
    if (!this.#reserve(size) && !(this.#wrappedEarlyAt >= 0 && this.#unwrapEarly() && this.#reserve(size))) {
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
      // Filling the tail exactly while READ = 0 would make WRITE === READ: empty.
      const fitsTail = size <= tail && (this.#read > 0 || size < tail);
      if (fitsTail && (this.#write + size <= this.#softEnd || !this.#mayWrapEarly)) return true;
      // The tail is too short, or this is past the soft end: wrap, if the
      // reader has freed the room. READ only moves forward while we hold the lease.
      this.#read = Atomics.load(this.#header, READ);
      if (size + GAP_BYTES > this.#read) return fitsTail;
      if (fitsTail) this.#wrappedEarlyAt = this.#write;
      this.#data.writeUInt32LE(WRAP_MARKER, this.#write);
      this.#write = 0;
      return true;
    }
    return size <= this.#free();
  }

  /** After an early wrap the room at the start ran out: moves the records
   * written since then back to where the wrap was, and goes on from there
   * as if it had not wrapped (and will not wrap early again this request). */
  #unwrapEarly(): boolean {
    const moved = Buffer.from(this.#data.subarray(0, this.#write));
    this.#write = this.#wrappedEarlyAt;
    this.#wrappedEarlyAt = -1;
    this.#mayWrapEarly = false;
    for (let at = 0; at < moved.length;) {
      const size = moved.readUInt32LE(at + Field.RecordBytes);
      // The same bytes fitted after the wrap, so they fit here unless the reader is further behind.
      if (!this.#reserve(size)) return false;
      moved.copy(this.#data, this.#write, at, at + size);
      this.#write += size;
      if (this.#write === this.#capacity) this.#write = 0;
      at += size;
    }
    return true;
  }

  /** Publishes everything appended since construction. */
  commit(): void {
    Atomics.store(this.#header, WRITE, this.#write);
  }
}
