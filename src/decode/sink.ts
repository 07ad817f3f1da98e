// Where decoders put normalized records: the ring, in production.
import type { Signal } from '../signals';

export interface RecordSink {
  /** Stores one record; throws DecodeError (503/413) when it cannot. */
  append(signal: Signal, index: number, key: string | null, value: string): void;
}

/** One Kafka message as the ring stores it. */
export interface MessageSink {
  /** Throws DecodeError (503/413) when the message cannot be stored. */
  message(signal: Signal, index: number, key: string | null, value: string | Uint8Array, partition: number, count: number): void;
}
