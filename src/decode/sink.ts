// Where decoders put normalized records: the ring, in production.
import type { TopicSlot } from '../config/topics';

export interface RecordSink {
  /** Stores one record for the topic in `topic`'s slot (a Signal is its own
   * topic's slot); `headers`: extra Kafka headers, encoded (src/ring/headers.ts).
   * Throws DecodeError (503/413) when it cannot. */
  append(topic: TopicSlot, index: number, key: string | null, value: string, headers?: Uint8Array | null): void;
}

/** A record sink that also takes records already encoded as UTF-8 bytes:
 * `bytes[0, keyBytes)` is the Kafka key, the `valueBytes` after it the value. */
export interface EncodedRecordSink extends RecordSink {
  appendEncoded(topic: TopicSlot, index: number, bytes: Uint8Array, keyBytes: number, valueBytes: number): void;
}

export function acceptsEncoded(sink: RecordSink): sink is EncodedRecordSink {
  return typeof (sink as Partial<EncodedRecordSink>).appendEncoded === 'function';
}

/** One Kafka message as the ring stores it. */
export interface MessageSink {
  /** Throws DecodeError (503/413) when the message cannot be stored. */
  message(topic: TopicSlot, index: number, key: string | null, value: string | Uint8Array, partition: number, count: number,
    headers?: Uint8Array | null): void;
}

/** A message sink that also takes a message already encoded, laid out as for
 * EncodedRecordSink (key then value). */
export interface EncodedMessageSink extends MessageSink {
  messageEncoded(topic: TopicSlot, index: number, bytes: Uint8Array, keyBytes: number, valueBytes: number, partition: number, count: number): void;
}
