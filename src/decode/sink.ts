// Where decoders put normalized records: the ring, in production.
import type { Signal } from '../signals';

export interface RecordSink {
  /** Stores one record; throws DecodeError (503/413) when it cannot. */
  append(signal: Signal, index: number, key: string | null, value: string): void;
}

/** A record sink that also takes records already encoded as UTF-8 bytes:
 * `bytes[0, keyBytes)` is the Kafka key, the `valueBytes` after it the value. */
export interface EncodedRecordSink extends RecordSink {
  appendEncoded(signal: Signal, index: number, bytes: Uint8Array, keyBytes: number, valueBytes: number): void;
}

export function acceptsEncoded(sink: RecordSink): sink is EncodedRecordSink {
  return typeof (sink as Partial<EncodedRecordSink>).appendEncoded === 'function';
}

/** One Kafka message as the ring stores it. */
export interface MessageSink {
  /** Throws DecodeError (503/413) when the message cannot be stored. */
  message(signal: Signal, index: number, key: string | null, value: string | Uint8Array, partition: number, count: number): void;
}

/** A message sink that also takes a message already encoded, laid out as for
 * EncodedRecordSink (key then value). */
export interface EncodedMessageSink extends MessageSink {
  messageEncoded(signal: Signal, index: number, bytes: Uint8Array, keyBytes: number, valueBytes: number, partition: number, count: number): void;
}
