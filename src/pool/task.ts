// Messages that cross postMessage between the main thread and pool workers:
// the settings a worker starts with, one task per request, one result.
import type { Config } from '../config/schema';
import type { ErrorCode } from '../errors';
import type { AnswerDetail, DecoderSettings, PartialRejection, ProtocolRequest } from '../protocols/protocol';
import type { Route } from '../protocols/routes';
import type { RingSet } from '../ring/layout';

/** What a worker is started with, fixed at pool start. */
export interface WorkerData extends DecoderSettings {
  readonly ringSet: RingSet;
  readonly messageMode: Config['kafka']['messageMode'];
  /** delivery.mode spool: ndjson-batch records whose partition count is not known yet are deferred to replay. */
  readonly deferUnknownPartitions: boolean;
  /** The partition table's buffer (src/produce/partition-table.ts), kept fresh by the main thread. */
  readonly partitionCounts: SharedArrayBuffer;
  /** The request bodies' arena (body-arena.ts). */
  readonly bodyArena: SharedArrayBuffer;
  /** Where a ring's writer wraps early when it can (ring/writer.ts, "Soft end"). */
  readonly ringSoftEnd: number;
}

/** A body in the arena: where it starts and how long it is. */
export interface ArenaSpan {
  readonly start: number;
  readonly length: number;
}

/** One request for a worker: the decoder's request (src/protocols/protocol.ts)
 * with the body where it was read: in the arena every worker maps, or an
 * ArrayBuffer of its own, transferred (not copied) to the worker. */
export interface DecodeTask extends Omit<ProtocolRequest, 'body'> {
  /** Ledger id; positive int32, written into each ring record. */
  readonly seq: number;
  readonly route: Route;
  readonly body: ArenaSpan | ArrayBuffer;
  /** Ring the worker should try first (spreads leases over rings). */
  readonly preferredRing: number;
}

export interface DecodeAccepted {
  readonly ok: true;
  /** Data records decoded (what the client is told it sent). */
  readonly records: number;
  /** Kafka messages written to the ring (records, or batches). */
  readonly messages: number;
  readonly ring: number;
  readonly partial?: PartialRejection;
  readonly detail?: AnswerDetail;
}

/** A request the decoder refused; the code gives the HTTP status (src/errors.ts). */
export interface DecodeRejected {
  readonly ok: false;
  readonly code: ErrorCode;
  readonly message: string;
  /** Which record was at fault, when one was. */
  readonly record?: number;
}

/** Every result carries the worker's busy time for the task, so pool
 * utilization reaches the main thread without messages of its own. */
export type DecodeResult = (DecodeAccepted | DecodeRejected) & { readonly busyMs: number };
