// The decode pool: a Piscina facade. Knows nothing of HTTP; hands a body to a
// worker and gives back what the worker made of it.
import path from 'node:path';
import { Piscina } from 'piscina';
import type { Config } from '../config/schema';
import { topicTableOf } from '../config/topics';
import type { RingSet } from '../ring/layout';
import { LeaseTable } from '../ring/leases';
import { FamilyTypeTable } from '../protocols/remote-write/family-types';
import { ROUTES, type RouteSpec } from '../protocols/routes';
import { BodyArena, type RequestBody } from './body-arena';
import { createDecoder } from './decoder';
import { DispatchGate, GateClosedError, type Backlog } from './dispatch-gate';
import type { DecodeResult, DecodeTask, WorkerData } from './task';

/** A request for the pool: the task, with the body as it was read. */
export interface PoolTask extends Omit<DecodeTask, 'preferredRing' | 'body'> {
  readonly body: RequestBody;
}

export class WorkerFailedError extends Error {
  /** The catalogue code the request is answered with. */
  readonly code = 'worker_failed';
  constructor(cause: unknown) {
    super(`decode worker failed: ${(cause as Error)?.message ?? String(cause)}`, { cause });
    this.name = 'WorkerFailedError';
  }
}

const WORKER_FILE = path.resolve(__dirname, '../../workers/ingest-worker.js');

/** Below this a request of a few records would cross the soft end every time. */
const MIN_SOFT_END_BYTES = 64 * 1024;

/** Where the rings' writers wrap early (ring/writer.ts, "Soft end"): at each
 * ring's share of the backlog the dispatch gate allows, so the rings' resident
 * pages follow that backlog. No soft end when the backlog is not limited. */
function ringSoftEndOf(dispatchBacklogBytes: number, rings: number): number {
  return dispatchBacklogBytes === 0 ? Infinity : Math.max(MIN_SOFT_END_BYTES, Math.ceil(dispatchBacklogBytes / rings));
}


export class DecodePool {
  readonly #pool: Piscina;
  readonly #ringSet: RingSet;
  readonly #leases: LeaseTable;
  readonly #maxQueue: number;
  readonly #inlineMaxBytes: number;
  readonly #inlineForwardMaxBytes: number;
  readonly #otlpEncoding: Config['otlp']['encoding'];
  readonly #inline: (task: DecodeTask) => DecodeResult;
  readonly #familyTypes = new FamilyTypeTable();
  readonly #gate: DispatchGate;
  /** Where request bodies are read (ingest.maxBufferedBodyBytes of it), for the workers to map. */
  readonly bodyArena: BodyArena;
  #nextRing = 0;
  #busyMs = 0;
  /** Requests decoded on the main thread (pool.inlineMaxBytes). */
  inlineDecoded = 0;

  /** `ringBacklog`: the bytes the rings hold that the pump has not produced (RingPump.usedBytes). */
  constructor(config: Config, ringSet: RingSet, partitionCounts: SharedArrayBuffer, ringBacklog: Backlog) {
    this.bodyArena = new BodyArena(config.ingest.maxBufferedBodyBytes);
    const workerData: WorkerData = {
      bodyArena: this.bodyArena.buffer,
      ringSoftEnd: ringSoftEndOf(config.pool.dispatchBacklogBytes, ringSet.rings.length),
      ringSet,
      partitionCounts,
      messageMode: config.kafka.messageMode,
      deferUnknownPartitions: config.delivery.mode === 'spool',
      limits: config.limits,
      maxDecompressedBytes: config.ingest.maxDecompressedBytes,
      logKeyField: config.kafka.logKeyField,
      otlpEncoding: config.otlp.encoding,
      // A quarter of the worker heap: room for the body, the records and V8's slack.
      maxDecodedBytes: config.pool.workerMaxHeapMb * 1024 * 1024 / 4,
      familyTypes: this.#familyTypes.shared,
      indexTopics: topicTableOf(config).indexRules,
    };
    this.#ringSet = ringSet;
    this.#leases = new LeaseTable(ringSet.leases);
    this.#gate = new DispatchGate(config.pool.threads, config.pool.dispatchBacklogBytes, ringBacklog);
    this.#maxQueue = config.pool.maxQueue;
    this.#inlineMaxBytes = config.pool.inlineMaxBytes;
    this.#inlineForwardMaxBytes = config.pool.inlineForwardMaxBytes;
    this.#otlpEncoding = config.otlp.encoding;
    // The same decoder the workers run, over the same rings and lease table.
    this.#inline = createDecoder(workerData);
    this.#pool = new Piscina({
      filename: WORKER_FILE,
      minThreads: config.pool.threads,
      maxThreads: config.pool.threads,
      // decode() refuses at maxQueue with a 503; Piscina's own limit is only a backstop.
      maxQueue: config.pool.maxQueue + 1,
      concurrentTasksPerWorker: 1,
      idleTimeout: Infinity,
      // Piscina's per-task run and wait-time histograms are not read (the
      // pool's busy time comes back in each result); skip their cost.
      recordTiming: false,
      resourceLimits: {
        maxOldGenerationSizeMb: config.pool.workerMaxHeapMb,
        ...(config.pool.workerMaxYoungGenMb > 0 ? { maxYoungGenerationSizeMb: config.pool.workerMaxYoungGenMb } : {}),
      },
      workerData,
    });
  }

  /** Requests waiting for a worker (dispatch-gate.ts), and any Piscina itself queued. */
  get queueSize(): number {
    return this.#gate.waiting + this.#pool.queueSize;
  }

  /** Seconds workers spent on tasks that returned a result, since start. */
  get busySeconds(): number {
    return this.#busyMs / 1000;
  }

  /** Metric families whose remembered type another family replaced (family-types.ts). */
  get familyTypesReplaced(): number {
    return this.#familyTypes.replaced;
  }

  /** Whether another task can be queued without waiting (else: 503). */
  hasRoom(): boolean {
    return this.queueSize < this.#maxQueue;
  }

  /** The pump produced: requests held back for the rings' backlog may go now. */
  ringsDrained(): void {
    this.#gate.pass();
  }

  /** Decodes a body; a full queue is an immediate 503 result, never a wait.
   * A body in the arena is held until the thread reading it is done. */
  async decode(task: PoolTask): Promise<DecodeResult> {
    if (this.#decodesInline(task)) return this.#decodeInline(task);
    if (!this.hasRoom()) {
      return { ok: false, code: 'overloaded', message: `decode queue full (${this.#maxQueue} waiting)`, busyMs: 0 };
    }
    const full = this.#withPreferredRing(task);
    const { lease, bytes } = task.body;
    lease?.hold();
    try {
      await this.#gate.enter();
    } catch (err) {
      lease?.release();
      if (err instanceof GateClosedError) return { ok: false, code: 'draining', message: err.message, busyMs: 0 };
      throw err;
    }
    try {
      const transferList = lease === null ? [bytes.buffer as ArrayBuffer] : [];
      const result = (await this.#pool.run(full, { transferList })) as DecodeResult;
      this.#busyMs += result.busyMs;
      return result;
    } catch (err) {
      // The worker threw or died: it can no longer write, so its lease is ours to free.
      this.#leases.releaseAllHeldBy(task.seq);
      throw new WorkerFailedError(err);
    } finally {
      this.#gate.leave();
      lease?.release();
    }
  }

  /** Only uncompressed bodies (a small gzip body can still inflate to
   * ingest.maxDecompressedBytes): small ones of the routes that allow it, and
   * those forwarded as they are after a wire walk. */
  #decodesInline(task: PoolTask): boolean {
    if (task.contentEncoding !== '' && task.contentEncoding !== 'identity') return false;
    // A route no spec names is the worker's to refuse (WorkerFailedError).
    const spec = ROUTES[task.route] as RouteSpec | undefined;
    const bytes = task.body.bytes.byteLength;
    if (spec === undefined) return false;
    if (spec.inline && bytes <= this.#inlineMaxBytes) return true;
    return bytes <= this.#inlineForwardMaxBytes && spec.forwardsAsIs?.(task.contentType, this.#otlpEncoding) === true;
  }

  /** The task as a thread takes it, with the ring it should try first: each
   * in turn, spreading requests over the rings. */
  #withPreferredRing(task: PoolTask): DecodeTask {
    const preferredRing = this.#nextRing;
    this.#nextRing = (preferredRing + 1) % this.#ringSet.rings.length;
    const { bytes, lease } = task.body;
    const body = lease === null ? bytes.buffer as ArrayBuffer : { start: lease.start, length: lease.length };
    return { ...task, body, preferredRing };
  }

  /** A small body, decoded here: the main thread leases a ring like a worker
   * and releases it before returning, so the pump reads it as any other. An
   * exception is a WorkerFailedError, as from a worker. */
  #decodeInline(task: PoolTask): DecodeResult {
    const full = this.#withPreferredRing(task);
    this.inlineDecoded++;
    try {
      return this.#inline(full);
    } catch (err) {
      this.#leases.releaseAllHeldBy(task.seq);
      throw new WorkerFailedError(err);
    }
  }

  /** Terminates the workers; called once every task has finished or been answered. */
  destroy(): Promise<void> {
    this.#gate.close();
    return this.#pool.destroy();
  }
}
