// The two ways records become Kafka messages (kafka.messageMode):
//  - per-record: one message per record, keyed; librdkafka's murmur2_random
//    partitioner places it.
//  - ndjson-batch: a request's records grouped by the partition that very
//    partitioner would pick for their key (murmur2 of the key, modulo the
//    topic's partition count), one NDJSON message per topic, partition and
//    extra headers, records in request order, so a series keeps its
//    partition and its order.
//    In spool mode, while a topic's partition count is not known yet (started
//    without Kafka), each of its records is a message of its own, keyed, with
//    PARTITION_AT_REPLAY: replay picks the partition from the key with the
//    count Kafka then has, and sends it as a one-line batch.
import { Buffer } from 'node:buffer';
import type { TopicSlot } from '../config/topics';
import { PARTITION_AT_REPLAY, PARTITION_BY_KEY } from '../ring/layout';
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

  append(topic: TopicSlot, index: number, key: string | null, value: string, headers: Uint8Array | null = null): void {
    this.out.message(topic, index, key, value, PARTITION_BY_KEY, 1, headers);
    this.messages++;
  }

  appendEncoded(topic: TopicSlot, index: number, bytes: Uint8Array, keyBytes: number, valueBytes: number): void {
    this.out.messageEncoded(topic, index, bytes, keyBytes, valueBytes, PARTITION_BY_KEY, 1);
    this.messages++;
  }

  /** Nothing is held back: each record was its own message. */
  finish(): void {}
}

interface Group {
  readonly topic: TopicSlot;
  readonly partition: number;
  readonly headers: Uint8Array | null;
  firstIndex: number;
  count: number;
  lines: string;
}

/** Topic slots and partitions fit below 2^8 and 2^31: one number keys both. */
function groupKey(topic: TopicSlot, partition: number): number {
  return topic * 2 ** 31 + partition;
}

export class NdjsonBatchSink implements BatchingSink {
  messages = 0;
  /** Groups by their headers block (a request's records share one object), then by topic and partition. */
  readonly #groups = new Map<Uint8Array | null, Map<number, Group>>();
  /** Read once per topic and request, so that one request's records of a topic are all grouped or all deferred (their order holds). */
  readonly #partitions = new Map<TopicSlot, number>();

  /** partitionCount(topic): partitions of the topic in that slot, 0 while unknown.
   * deferUnknown (spool mode): while unknown, each record goes out on its own
   * with PARTITION_AT_REPLAY instead of refusing the request. */
  constructor(private readonly out: EncodedMessageSink, private readonly partitionCount: (topic: TopicSlot) => number,
    private readonly deferUnknown = false) {}

  append(topic: TopicSlot, index: number, key: string | null, value: string, headers: Uint8Array | null = null): void {
    // Keyless records (none today) would go to partition 0 of the batch.
    this.#add(topic, index, key === null ? null : Buffer.from(key), value, headers);
  }

  appendEncoded(topic: TopicSlot, index: number, bytes: Uint8Array, keyBytes: number, valueBytes: number): void {
    const encoded = Buffer.from(bytes.buffer, bytes.byteOffset, keyBytes + valueBytes);
    this.#add(topic, index, encoded.subarray(0, keyBytes), encoded.toString('utf8', keyBytes, keyBytes + valueBytes), null);
  }

  #add(topic: TopicSlot, index: number, key: Buffer | null, value: string, headers: Uint8Array | null): void {
    let partitions = this.#partitions.get(topic);
    if (partitions === undefined) this.#partitions.set(topic, partitions = this.partitionCount(topic));
    if (partitions <= 0) {
      if (!this.deferUnknown) throw new DecodeError('metadata_unavailable', 'partition count of the topic not known yet');
      this.out.message(topic, index, key === null ? null : key.toString('utf8'), value + '\n', PARTITION_AT_REPLAY, 1, headers);
      this.messages++;
      return;
    }
    const partition = key === null ? 0 : partitionOf(key, partitions);
    let byPartition = this.#groups.get(headers);
    if (byPartition === undefined) this.#groups.set(headers, byPartition = new Map());
    const group = byPartition.get(groupKey(topic, partition));
    if (group === undefined) byPartition.set(groupKey(topic, partition), { topic, partition, headers, firstIndex: index, count: 1, lines: value + '\n' });
    else {
      group.count++;
      group.lines += value + '\n';
    }
  }

  /** Writes one message per group. */
  finish(): void {
    for (const byPartition of this.#groups.values()) {
      for (const group of byPartition.values()) {
        this.out.message(group.topic, group.firstIndex, null, group.lines, group.partition, group.count, group.headers);
        this.messages++;
      }
    }
  }
}
