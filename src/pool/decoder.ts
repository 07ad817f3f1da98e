// The decoder a pool task runs: lease a ring, run the route's decoder
// (src/protocols/) into it, publish the request's records together or not at
// all. Runs in the pool workers (workers/ingest-worker.ts), and on the main
// thread for small bodies (pool.ts, pool.inlineMaxBytes).
import { Buffer } from 'node:buffer';
import { NdjsonBatchSink, PerRecordSink, type BatchingSink } from '../decode/batching';
import { DecodeError } from '../decode/decode-error';
import type { EncodedMessageSink } from '../decode/sink';
import { PartitionTable } from '../produce/partition-table';
import type { Decoded, Decoder } from '../protocols/protocol';
import { ROUTES, type Route } from '../protocols/routes';
import { MAX_KEY_BYTES } from '../ring/layout';
import { LeaseTable } from '../ring/leases';
import { RingWriter } from '../ring/writer';
import type { TopicSlot } from '../config/topics';
import type { DecodeAccepted, DecodeRejected, DecodeResult, DecodeTask, WorkerData } from './task';

/** Writes messages into the ring a task leased; a full ring refuses the request. */
class RingSink implements EncodedMessageSink {
  constructor(private readonly writer: RingWriter) {}

  message(topic: TopicSlot, index: number, key: string | null, value: string | Uint8Array, partition: number, count: number,
    headers: Uint8Array | null = null): void {
    // The ring stores key lengths in 16 bits. A UTF-16 unit is at most 3 UTF-8
    // bytes, so only keys longer than a third of that need measuring.
    if (key !== null && key.length > MAX_KEY_BYTES / 3 && Buffer.byteLength(key) > MAX_KEY_BYTES) throw keyTooLarge(index);
    if (!this.writer.append(topic, index, key, value, partition, count, headers)) this.#refuseFull();
  }

  messageEncoded(topic: TopicSlot, index: number, bytes: Uint8Array, keyBytes: number, valueBytes: number, partition: number, count: number): void {
    if (keyBytes > MAX_KEY_BYTES) throw keyTooLarge(index);
    if (!this.writer.appendEncoded(topic, index, bytes, keyBytes, valueBytes, partition, count)) this.#refuseFull();
  }

  #refuseFull(): never {
    if (this.writer.exceedsCapacity(this.writer.lastRecordBytes)) {
      throw new DecodeError('request_too_large', 'the request\'s records exceed the ring size (pool.ringBytes); send smaller batches');
    }
    throw new DecodeError('ring_full', 'the producer is behind: ring full');
  }
}

function keyTooLarge(index: number): DecodeError {
  return new DecodeError('key_too_large', `record ${index}: its Kafka key (series name and labels) exceeds ${MAX_KEY_BYTES} bytes`, index);
}

/** A decoder over the rings and settings in `data`; its result is what a pool worker answers. */
export function createDecoder(data: WorkerData): (task: DecodeTask) => DecodeResult {
  const decoders = new Map<Route, Decoder>(Object.values(ROUTES).map((spec) => [spec.route, spec.createDecoder(data)]));
  const partitions = new PartitionTable(data.partitionCounts);
  const partitionCount = (topic: TopicSlot): number => partitions.get(topic);
  const leases = new LeaseTable(data.ringSet.leases);
  /** One writer per ring, reused by every task that leases it. */
  const writers: Array<RingWriter | undefined> = [];

  function run(task: DecodeTask): DecodeResult {
    const started = performance.now();
    const result = decodeIntoRing(task);
    return { ...result, busyMs: performance.now() - started };
  }

  function decodeIntoRing(task: DecodeTask): DecodeAccepted | DecodeRejected {
    const ring = leases.lease(task.seq, task.preferredRing);
    if (ring === null) return { ok: false, code: 'ring_busy', message: 'no free ring' };
    try {
      const writer = writers[ring] ??= new RingWriter(data.ringSet.rings[ring]!, task.seq, data.ringSoftEnd);
      writer.restart(task.seq);
      const ringSink = new RingSink(writer);
      const sink: BatchingSink = data.messageMode === 'ndjson-batch' ? new NdjsonBatchSink(ringSink, partitionCount, data.deferUnknownPartitions) : new PerRecordSink(ringSink);
      const { body, contentType, contentEncoding, receivedAtMs, client, path, query, headers } = task;
      const bytes = body instanceof ArrayBuffer ? Buffer.from(body) : Buffer.from(data.bodyArena, body.start, body.length);
      const request = { body: bytes, contentType, contentEncoding, receivedAtMs, client, path, query, headers };
      const decoded = decoders.get(task.route)!(request, sink, ringSink);
      sink.finish();
      writer.commit();
      return accepted(decoded, sink.messages, ring);
    } catch (err) {
      if (err instanceof DecodeError) return refused(err);
      throw err;
    } finally {
      leases.release(ring, task.seq);
    }
  }

  return run;
}

function accepted(decoded: Decoded, sinkMessages: number, ring: number): DecodeAccepted {
  const result: DecodeAccepted = { ok: true, records: decoded.records, messages: sinkMessages + decoded.directMessages, ring };
  if (decoded.partial === undefined && decoded.detail === undefined) return result;
  return { ...result, ...(decoded.partial && { partial: decoded.partial }), ...(decoded.detail && { detail: decoded.detail }) };
}

function refused(err: DecodeError): DecodeRejected {
  const base = { ok: false as const, code: err.code, message: err.message };
  return err.record === undefined ? base : { ...base, record: err.record };
}
