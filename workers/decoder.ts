// The decoder: decompress → parse → validate → normalize → serialize into a
// leased ring. One task = one HTTP request; its records are published to the
// ring together or not at all. Runs in the pool workers (ingest-worker.ts),
// and on the main thread for small bodies (src/pool/pool.ts, pool.inlineMaxBytes).
import { Buffer } from 'node:buffer';
import type { PartialRejection, DecodeAccepted, DecodeRejected, DecodeResult, DecodeTask, WorkerData } from '../src/pool/protocol';
import { PartitionTable } from '../src/produce/partition-table';
import { ROUTES, Route, type Signal } from '../src/routes';
import { MAX_KEY_BYTES } from '../src/ring/layout';
import { LeaseTable } from '../src/ring/leases';
import { RingWriter } from '../src/ring/writer';
import { NdjsonBatchSink, PerRecordSink } from './batching';
import { decompress } from './decompress';
import { parseJsonValues, toText } from './json-values';
import { DecodeError } from './decode-error';
import { decodeLogs, type LogOptions } from './native-logs';
import { compileMetricValidator } from './native-metrics';
import { decodeMetrics } from './native-metrics';
import { decodeRemoteWrite } from './remote-write';
import { decodeOtlp, type OtlpSettings } from './otlp/decode';
import type { MessageSink, RecordSink } from './sink';

/** A decoder over the rings and settings in `data`; its result is what a pool worker answers. */
export function createDecoder(data: WorkerData): (task: DecodeTask) => DecodeResult {
  const validateMetric = compileMetricValidator(data.limits);
  const logOptions: LogOptions = {
    maxRecords: data.limits.maxRecordsPerRequest,
    maxDepth: data.limits.maxValueDepth,
    keyField: data.logKeyField,
  };

  const partitions = new PartitionTable(data.partitionCounts);
  const partitionCount = (signal: Signal): number => partitions.get(signal);
  const leases = new LeaseTable(data.ringSet.leases);
  /** One writer per ring, reused by every task that leases it. */
  const writers: Array<RingWriter | undefined> = [];

  class RingSink implements MessageSink {
    constructor(private readonly writer: RingWriter) {}

    message(signal: Signal, index: number, key: string | null, value: string | Uint8Array, partition: number, count: number): void {
      // The ring stores key lengths in 16 bits. A UTF-16 unit is at most 3 UTF-8
      // bytes, so only keys longer than a third of that need measuring.
      if (key !== null && key.length > MAX_KEY_BYTES / 3 && Buffer.byteLength(key) > MAX_KEY_BYTES) {
        throw new DecodeError('key_too_large', `record ${index}: its Kafka key (series name and labels) exceeds ${MAX_KEY_BYTES} bytes`, index);
      }
      if (this.writer.append(signal, index, key, value, partition, count)) return;
      if (this.writer.exceedsCapacity(this.writer.lastRecordBytes)) {
        throw new DecodeError('request_too_large', 'the request\'s records exceed the ring size (pool.ringBytes); send smaller batches');
      }
      throw new DecodeError('ring_full', 'the producer is behind: ring full');
    }
  }

  const otlpSettings: OtlpSettings = {
    limits: data.limits,
    maxDecompressedBytes: data.maxDecompressedBytes,
    maxDecodedBytes: data.maxDecodedBytes,
    encoding: data.otlpEncoding,
    logKeyField: data.logKeyField,
  };

  interface Decoded {
    readonly records: number;
    /** Messages written to the ring directly rather than through the record sink. */
    readonly directMessages: number;
    readonly partial?: PartialRejection | undefined;
  }

  function decode(task: DecodeTask, sink: RecordSink, ring: MessageSink): Decoded {
    const { otlp, signal } = ROUTES[task.route];
    if (otlp) {
      const { body, contentType, contentEncoding, receivedAtMs, client } = task;
      return decodeOtlp({ signal, body: Buffer.from(body), contentType, contentEncoding, receivedAtMs, client }, otlpSettings, sink, ring);
    }
    return { records: decodeNative(task, sink), directMessages: 0 };
  }

  function decodeNative(task: DecodeTask, sink: RecordSink): number {
    if (task.route === Route.RemoteWrite) {
      return decodeRemoteWrite(Buffer.from(task.body), data.maxDecompressedBytes, data.limits, sink);
    }
    const body = decompress(Buffer.from(task.body), task.contentEncoding, data.maxDecompressedBytes);
    const parsed = parseJsonValues(toText(body));
    if (task.route === Route.Metrics) {
      return decodeMetrics(parsed, task.receivedAtMs, validateMetric, data.limits.maxRecordsPerRequest, sink);
    }
    return decodeLogs(parsed, task.receivedAtMs, task.client, logOptions, sink);
  }

  function run(task: DecodeTask): DecodeResult {
    const started = performance.now();
    const result = decodeIntoRing(task);
    return { ...result, busyMs: performance.now() - started };
  }

  function decodeIntoRing(task: DecodeTask): DecodeAccepted | DecodeRejected {
    const ring = leases.lease(task.seq, task.preferredRing);
    if (ring === null) return { ok: false, code: 'ring_busy', message: 'no free ring' };
    try {
      const writer = writers[ring] ??= new RingWriter(data.ringSet.rings[ring]!, task.seq);
      writer.restart(task.seq);
      const ringSink = new RingSink(writer);
      if (data.messageMode === 'ndjson-batch') {
        const sink = new NdjsonBatchSink(ringSink, partitionCount);
        const decoded = decode(task, sink, ringSink);
        sink.finish();
        writer.commit();
        return accepted(decoded, sink.messages, ring);
      }
      const sink = new PerRecordSink(ringSink);
      const decoded = decode(task, sink, ringSink);
      writer.commit();
      return accepted(decoded, sink.messages, ring);
    } catch (err) {
      if (err instanceof DecodeError) return err.toResult();
      throw err;
    } finally {
      leases.release(ring, task.seq);
    }
  }

  function accepted(decoded: Decoded, sinkMessages: number, ring: number): DecodeAccepted {
    const result = { ok: true as const, records: decoded.records, messages: sinkMessages + decoded.directMessages, ring };
    return decoded.partial === undefined ? result : { ...result, partial: decoded.partial };
  }

  return run;
}
