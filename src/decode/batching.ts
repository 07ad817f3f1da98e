// The two ways records become Kafka messages (kafka.messageMode):
//  - per-record: one message per record, keyed; librdkafka's murmur2_random
//    partitioner places it.
//  - ndjson-batch: a request's records grouped by the partition that very
//    partitioner would pick for their key (murmur2 of the key, modulo the
//    signal's partition count), one NDJSON message per group, records in
//    request order, so a series keeps its partition and its order.
//    In spool mode, while the partition count is not known yet (started
//    without Kafka), each record is a message of its own, keyed, with
//    PARTITION_AT_REPLAY: replay picks the partition from the key with the
//    count Kafka then has, and sends it as a one-line batch.
import { Buffer } from 'node:buffer';
import type { Signal } from '../signals';
import { PARTITION_AT_REPLAY, PARTITION_BY_KEY } from '../ring/layout';
import { DecodeError } from './decode-error';
import { partitionOf } from './murmur2';
import type { MessageSink, RecordSink } from './sink';

/** A record sink that turns records into messages; finish() writes what it held back. */
export interface BatchingSink extends RecordSink {
  readonly messages: number;
  finish(): void;
}

export class PerRecordSink implements BatchingSink {
  messages = 0;
  constructor(private readonly out: MessageSink) {}

  append(signal: Signal, index: number, key: string | null, value: string): void {
    this.out.message(signal, index, key, value, PARTITION_BY_KEY, 1);
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
  /** Read once per request, so that one request's records are all grouped or all deferred (their order holds). */
  #partitions: number | undefined;

  /** partitionCount(signal): partitions of the signal's topic, 0 while unknown.
   * deferUnknown (spool mode): while unknown, each record goes out on its own
   * with PARTITION_AT_REPLAY instead of refusing the request. */
  constructor(private readonly out: MessageSink, private readonly partitionCount: (signal: Signal) => number,
    private readonly deferUnknown = false) {}

  append(signal: Signal, index: number, key: string | null, value: string): void {
    const partitions = this.#partitions ??= this.partitionCount(signal);
    if (partitions <= 0) {
      if (!this.deferUnknown) throw new DecodeError('metadata_unavailable', 'partition count of the topic not known yet');
      this.out.message(signal, index, key, value + '\n', PARTITION_AT_REPLAY, 1);
      this.messages++;
      return;
    }
    this.#signal = signal;
    // Keyless records (none today) would go to partition 0 of the batch.
    const partition = key === null ? 0 : partitionOf(Buffer.from(key), partitions);
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
