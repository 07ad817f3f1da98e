// Where the ring pump puts each Kafka message: librdkafka (producer.ts), or
// the spool journal in delivery.mode spool (src/spool/journal.ts). The two
// meet here and nowhere else.
import type { ErrorCode } from '../errors';
import type { RecordBytes } from '../ring/reader';

/** Throws when it cannot take the message (a SendRefusedError, or
 * librdkafka's own error); reports each taken one later through its delivery
 * callback with `ticket` (an integer below 2^52). The record's bytes are the
 * ring's, valid only during the call: copy what is kept. */
export interface MessageProducer {
  /** One message of `records` data records whose first header is
   * metricstream-id = `id`, followed by the record's extra headers (RecordBytes.headersAt).
   * `dedupTag`: on a request's last message, its idempotency key's success
   * (src/dedup/tag.ts), which the spool keeps with the message; Kafka ignores it. */
  send(topic: string, partition: number | null, record: RecordBytes, id: string, records: number, ticket: number, dedupTag?: Buffer): void;
}

/** A sender's refusal that already names the catalogue code the client is
 * told (the spool's spool_full and spool_unavailable). */
export class SendRefusedError extends Error {
  constructor(readonly code: ErrorCode, message: string) {
    super(message);
    this.name = 'SendRefusedError';
  }
}
