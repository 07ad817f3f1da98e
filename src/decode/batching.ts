// The two ways records become Kafka messages (kafka.messageMode):
//  - per-record: one message per record, keyed; librdkafka's murmur2_random
//    partitioner places it.
//  - ndjson-batch: a request's records grouped by the partition that very
//    partitioner would pick for their key (murmur2 of the key, modulo the
//    signal's partition count), one NDJSON message per group, records in
//    request order, so a series keeps its partition and its order.
import { Buffer } from 'node:buffer';
import type { Signal } from '../signals';
import { PARTITION_BY_KEY } from '../ring/layout';
import { DecodeError } from './decode-error';
import { partitionOf } from './murmur2';
import type { EncodedMessageSink, EncodedRecordSink } from './sink';

/** A record sink that turns records into messages; finish() writes what it held back. */
export interface BatchingSink extends EncodedRecordSink {
  readonly messages: number;
  finish(): void;
}

export class PerRecordSink implements BatchingSink {
  messages = 0;
  constructor(private readonly out: EncodedMessageSink) {}

  append(signal: Signal, index: number, key: string | null, value: string): void {
    this.out.message(signal, index, key, value, PARTITION_BY_KEY, 1);
    this.messages++;
  }

  appendEncoded(signal: Signal, index: number, bytes: Uint8Array, keyBytes: number, valueBytes: number): void {
    this.out.messageEncoded(signal, index, bytes, keyBytes, valueBytes, PARTITION_BY_KEY, 1);
    this.messages++;
  }

  /** Nothing is held back: each record was its own message. */
  finish(): void {}
}

interface Group {
  firstIndex: number;
  count: number;
  lines: string;
}

export class NdjsonBatchSink implements BatchingSink {
  messages = 0;
  readonly #groups = new Map<number, Group>();
  #signal: Signal | undefined;

  /** partitionCount(signal): partitions of the signal's topic, 0 while unknown. */
  constructor(private readonly out: EncodedMessageSink, private readonly partitionCount: (signal: Signal) => number) {}

  append(signal: Signal, index: number, key: string | null, value: string): void {
    // Keyless records (none today) would go to partition 0 of the batch.
    this.#add(signal, index, key === null ? null : Buffer.from(key), value);
  }

  appendEncoded(signal: Signal, index: number, bytes: Uint8Array, keyBytes: number, valueBytes: number): void {
    const encoded = Buffer.from(bytes.buffer, bytes.byteOffset, keyBytes + valueBytes);
    this.#add(signal, index, encoded.subarray(0, keyBytes), encoded.toString('utf8', keyBytes, keyBytes + valueBytes));
  }

  #add(signal: Signal, index: number, key: Uint8Array | null, value: string): void {
    const partitions = this.partitionCount(signal);
    if (partitions <= 0) throw new DecodeError('metadata_unavailable', 'partition count of the topic not known yet');
    this.#signal = signal;
    const partition = key === null ? 0 : partitionOf(key, partitions);
    const group = this.#groups.get(partition);
    if (group === undefined) this.#groups.set(partition, { firstIndex: index, count: 1, lines: value + '\n' });
    else {
      group.count++;
      group.lines += value + '\n';
    }
  }

  /** Writes one message per partition group. */
  finish(): void {
    if (this.#signal === undefined) return;
    for (const [partition, group] of this.#groups) {
      this.out.message(this.#signal, group.firstIndex, null, group.lines, partition, group.count);
      this.messages++;
    }
  }
}
