// Where decoders put normalized records: the ring, in production.
import type { TopicSlot } from '../config/topics';

export interface RecordSink {
  /** Stores one record for the topic in `topic`'s slot (a Signal is its own
   * topic's slot); `headers`: extra Kafka headers, encoded (src/ring/headers.ts).
   * Throws DecodeError (503/413) when it cannot. */
  append(topic: TopicSlot, index: number, key: string | null, value: string, headers?: Uint8Array | null): void;
}

/** One Kafka message as the ring stores it. */
export interface MessageSink {
  /** Throws DecodeError (503/413) when the message cannot be stored. */
  message(topic: TopicSlot, index: number, key: string | null, value: string | Uint8Array, partition: number, count: number,
    headers?: Uint8Array | null): void;
}
