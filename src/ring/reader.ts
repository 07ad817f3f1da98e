// Main-thread side of a ring (see layout.ts). A cursor: reading a record
// allocates nothing; its key and value are byte ranges of `data`, handed to
// librdkafka in place (RecordBytes).
import { Buffer } from 'node:buffer';
import type { TopicSlot } from '../config/topics';
import { Field, HEADER_BYTES, READ, RECORD_HEADER_BYTES, WRAP_MARKER, WRITE, capacityOf } from './layout';
import type { LeaseTable } from './leases';

/** A record's value, key and extra headers as byte ranges of one buffer. */
export interface RecordBytes {
  readonly data: Buffer;
  readonly valueAt: number;
  readonly valueBytes: number;
  readonly keyAt: number;
  /** -1: the record has no key. */
  readonly keyBytes: number;
  /** The extra Kafka headers, encoded (ring/headers.ts); 0 bytes = none. */
  readonly headersAt: number;
  readonly headerBytes: number;
}

/** A record's key as a view of its buffer; null when it has none. */
export function keyView(record: RecordBytes): Buffer | null {
  return record.keyBytes < 0 ? null : record.data.subarray(record.keyAt, record.keyAt + record.keyBytes);
}

/** A record's extra headers (encoded) as a view of its buffer; null when it has none. */
export function headersView(record: RecordBytes): Buffer | null {
  return record.headerBytes === 0 ? null : record.data.subarray(record.headersAt, record.headersAt + record.headerBytes);
}

/** A record's value as a view of its buffer. */
export function valueView(record: RecordBytes): Buffer {
  return record.data.subarray(record.valueAt, record.valueAt + record.valueBytes);
}

export class RingReader implements RecordBytes {
  readonly #header: Int32Array;
  /** The ring's data area. */
  readonly data: Buffer;
  readonly #capacity: number;
  #read: number;
  #next = -1;

  // Fields of the current record, valid after next() returned true.
  seq = 0;
  index = 0;
  topic: TopicSlot = 0;
  valueAt = 0;
  valueBytes = 0;
  keyAt = 0;
  keyBytes = -1;
  headersAt = 0;
  headerBytes = 0;
  /** Explicit partition, or PARTITION_BY_KEY. */
  partition = -1;
  /** Data records in this message. */
  count = 1;
  bytes = 0;

  constructor(ring: SharedArrayBuffer) {
    this.#header = new Int32Array(ring, 0, HEADER_BYTES / 4);
    this.#capacity = capacityOf(ring);
    this.data = Buffer.from(ring, HEADER_BYTES, this.#capacity);
    this.#read = Atomics.load(this.#header, READ);
  }

  /** Published bytes not yet consumed. */
  get usedBytes(): number {
    const write = Atomics.load(this.#header, WRITE);
    return write >= this.#read ? write - this.#read : this.#capacity - this.#read + write;
  }

  get capacity(): number {
    return this.#capacity;
  }

  /** The current record's key, as a view (valid until it is consumed). */
  get key(): Buffer | null {
    return keyView(this);
  }

  /** The current record's value, as a view (valid until it is consumed). */
  get value(): Buffer {
    return valueView(this);
  }

  /** Loads the record at the read position; false when the ring is empty. */
  next(): boolean {
    const write = Atomics.load(this.#header, WRITE);
    if (this.#read === write) return false;
    const data = this.data;
    let at = this.#read;
    if (data.readUInt32LE(at) === WRAP_MARKER) {
      at = 0;
      this.#read = 0;
      if (write === 0) return false;
    }
    const size = data.readUInt32LE(at + Field.RecordBytes);
    this.seq = data.readUInt32LE(at + Field.RequestSeq);
    this.index = data.readUInt32LE(at + Field.Index);
    this.topic = data[at + Field.Topic]!;
    const keyBytes = data.readUInt16LE(at + Field.KeyBytes);
    const valueBytes = data.readUInt32LE(at + Field.ValueBytes);
    this.partition = data.readInt32LE(at + Field.Partition);
    this.count = data.readUInt32LE(at + Field.Count);
    const headerBytes = data.readUInt16LE(at + Field.HeaderBytes);
    const keyAt = at + RECORD_HEADER_BYTES;
    this.keyAt = keyAt;
    this.keyBytes = keyBytes === 0 ? -1 : keyBytes;
    this.headersAt = keyAt + keyBytes;
    this.headerBytes = headerBytes;
    this.valueAt = keyAt + keyBytes + headerBytes;
    this.valueBytes = valueBytes;
    this.bytes = size;
    this.#next = at + size === this.#capacity ? 0 : at + size;
    return true;
  }

  /** Moves past the current record (locally; see release()). */
  consume(): void {
    this.#read = this.#next;
  }

  /** Hands consumed bytes back to the writer. */
  release(): void {
    Atomics.store(this.#header, READ, this.#read);
  }

  /**
   * When the ring is empty and no worker holds it, moves both positions back
   * to 0 (see layout.ts, "Rewind"). `leases` is the ring set's lease table and
   * `index` this ring's slot in it. Returns whether it rewound.
   */
  rewindIfIdle(leases: LeaseTable, index: number): boolean {
    if (this.#read === 0 || Atomics.load(this.#header, WRITE) !== this.#read) return false;
    if (!leases.holdForRewind(index)) return false;
    // Under the lease no worker writes; a previous holder published before it released.
    const idle = Atomics.load(this.#header, WRITE) === this.#read;
    if (idle) {
      Atomics.store(this.#header, WRITE, 0);
      Atomics.store(this.#header, READ, 0);
      this.#read = 0;
    }
    leases.endRewind(index);
    return idle;
  }
}
