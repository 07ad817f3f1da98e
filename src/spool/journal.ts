// The main thread's side of the spool: lays each Kafka message out as a frame
// in a batch buffer, hands whole batches to the writer thread one at a time
// (group commit: every message that arrives while one batch is being synced
// goes into the next), and reports each message durable or failed through the
// same (error, opaque) callback a Kafka delivery report uses. It never touches
// the disk itself.
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import { SendRefusedError, type MessageProducer } from '../produce/sender';
import { headersView, keyView, valueView, type RecordBytes } from '../ring/reader';
import { PARTITION_BY_KEY } from '../ring/layout';
import { frameSize, writeFrame } from './frame';
import type { FromWriter, SpoolWriterData, ToWriter } from './messages';
import type { Checkpoint, Repair, SegmentInfo } from './segments';

const WRITER_FILE = path.resolve(__dirname, '../../workers/spool-writer.js');
/** A batch buffer's size unless one message needs more. */
const BATCH_BYTES = 1024 * 1024;

export type SpoolErrorCode = 'spool_full' | 'spool_unavailable';

/** Why the spool did not take a message; `code` is the answer's error code. */
export class SpoolError extends SendRefusedError {
  declare readonly code: SpoolErrorCode;
  constructor(code: SpoolErrorCode, message: string) {
    super(code, message);
    this.name = 'SpoolError';
  }
}

export interface SpoolOptions {
  readonly dir: string;
  /** Segment files on disk plus batches not yet written; more is spool_full. */
  readonly maxBytes: number;
  /** Bytes laid out and not yet synced (memory); more is spool_full. */
  readonly maxUnsyncedBytes: number;
  readonly segmentBytes: number;
  /** Extra wait before a batch is written, to gather more messages; 0 = as soon as the previous sync ends. */
  readonly groupCommitMs: number;
  /** Deadline for the writer thread's start-up recovery. */
  readonly recoveryTimeoutMs: number;
}

export type DurableHandler = (error: SpoolError | null, ticket: number) => void;

/** What the replay reader may read of a segment. */
export interface SegmentState {
  readonly id: number;
  /** Bytes synced to disk; the reader never reads past them. */
  durableBytes: number;
  /** Nothing more will be appended. */
  sealed: boolean;
  /** Damage found at start-up and stepped over. */
  readonly skipped: readonly Repair[];
}

interface Batch {
  readonly id: number;
  readonly buffer: Buffer;
  bytes: number;
  /** The tickets of its messages, in order. */
  readonly tickets: number[];
}

export interface SpoolStats {
  syncs: number;
  syncedMessages: number;
  failedSyncs: number;
}

export class SpoolJournal implements MessageProducer {
  readonly #worker: Worker;
  readonly #options: SpoolOptions;
  readonly #onDurable: DurableHandler;
  readonly #log: Logger;
  readonly #segments: SegmentState[] = [];
  readonly #queued: Batch[] = [];
  #filling: Batch | null = null;
  #writing: Batch | null = null;
  /** A batch buffer the writer handed back, for the next batch (one at a time is written). */
  #spare: ArrayBuffer | null = null;
  #nextBatch = 1;
  #flushScheduled = false;
  /** Bytes of segment files on disk. */
  #diskBytes = 0;
  /** Bytes laid out in batches not yet written. */
  #pendingBytes = 0;
  #lastError: SpoolError | null = null;
  #full = false;
  readonly #appendedListeners: Array<() => void> = [];
  #closing: (() => void) | null = null;
  readonly stats: SpoolStats = { syncs: 0, syncedMessages: 0, failedSyncs: 0 };
  /** Seconds per batch write + fdatasync, for the histogram. */
  onSync: ((seconds: number, messages: number) => void) | undefined;

  private constructor(worker: Worker, options: SpoolOptions, onDurable: DurableHandler, log: Logger) {
    this.#worker = worker;
    this.#options = options;
    this.#onDurable = onDurable;
    this.#log = log;
  }

  /** Starts the writer thread and waits for its recovery of the directory. */
  static open(options: SpoolOptions, onDurable: DurableHandler, log: Logger): Promise<{ journal: SpoolJournal; recovered: Recovered }> {
    const data: SpoolWriterData = { dir: options.dir, segmentBytes: options.segmentBytes };
    const worker = new Worker(WRITER_FILE, { workerData: data });
    const journal = new SpoolJournal(worker, options, onDurable, log);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        void worker.terminate();
        reject(new SpoolError('spool_unavailable', `spool ${options.dir}: recovery did not finish within ${options.recoveryTimeoutMs} ms`));
      }, options.recoveryTimeoutMs);
      worker.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
      worker.once('message', (message: FromWriter) => {
        clearTimeout(timer);
        if (message.type === 'unusable') {
          void worker.terminate();
          reject(new SpoolError('spool_unavailable', `spool ${options.dir} is unusable: ${message.code} ${message.message}`));
        } else if (message.type === 'recovered') {
          const recovered = journal.#recovered(message.segments, message.checkpoint);
          worker.on('message', (m: FromWriter) => journal.#onMessage(m));
          worker.on('error', (err) => log.fatal({ err }, 'spool writer thread failed'));
          resolve({ journal, recovered });
        } else {
          reject(new Error(`spool writer: unexpected first message ${message.type}`));
        }
      });
    });
  }

  #recovered(segments: readonly SegmentInfo[], checkpoint: Checkpoint | null): Recovered {
    for (const info of segments) {
      this.#segments.push({ id: info.id, durableBytes: info.bytes, sealed: true, skipped: info.repairs.filter((r) => r.action === 'skipped') });
      this.#diskBytes += info.bytes;
      for (const repair of info.repairs) {
        this.#log.warn({ segment: info.id, offset: repair.offset, bytes: repair.bytes, reason: repair.reason },
          repair.action === 'truncated' ? 'spool: cut a torn or damaged tail off a segment' : 'spool: skipped a damaged stretch of a segment');
      }
    }
    const oldest = segments.map((s) => s.oldestAppendedAtMs).find((t) => !Number.isNaN(t));
    return { checkpoint, messages: segments.reduce((n, s) => n + s.messages, 0), oldestAppendedAtMs: oldest ?? Number.NaN, repairs: segments.flatMap((s) => s.repairs) };
  }

  get dir(): string {
    return this.#options.dir;
  }

  get maxBytes(): number {
    return this.#options.maxBytes;
  }

  /** Disk bytes plus bytes waiting to be written. */
  get usedBytes(): number {
    return this.#diskBytes + this.#pendingBytes;
  }

  /** Room for `bytes` more; false from a spool_full refusal until delivered
   * segments are deleted, so that admission and /readyz agree with it. */
  hasRoom(bytes = 0): boolean {
    return !this.#full && this.usedBytes + bytes <= this.#options.maxBytes;
  }

  /** The last write's failure, until a write succeeds. */
  get lastError(): SpoolError | null {
    return this.#lastError;
  }

  /** Segments oldest first (shared with the replay reader, which only reads). */
  get segments(): readonly SegmentState[] {
    return this.#segments;
  }

  /** Called after each successful sync (the replay reader waits on it). */
  onAppended(listener: () => void): void {
    this.#appendedListeners.push(listener);
  }

  /** As KafkaProducer.send: throws SpoolError when the message cannot be
   * taken; otherwise the durable handler gets (null, ticket) once it is
   * synced, or (error, ticket) when the write failed. */
  send(topic: string, partition: number | null, record: RecordBytes, id: string, records: number, ticket: number, dedupTag?: Buffer): void {
    if (this.#closing !== null) throw new SpoolError('spool_unavailable', 'the spool is closing');
    const value = valueView(record);
    const key = keyView(record);
    const headers = headersView(record);
    const size = frameSize(topic.length, key === null ? 0 : key.length, id.length, value.length, record.headerBytes, dedupTag?.length ?? 0);
    if (this.usedBytes + size > this.#options.maxBytes) {
      this.#full = true;
      throw new SpoolError('spool_full', `the spool holds ${this.usedBytes} bytes; spool.maxBytes is ${this.#options.maxBytes}`);
    }
    if (this.#pendingBytes > 0 && this.#pendingBytes + size > this.#options.maxUnsyncedBytes) {
      throw new SpoolError('spool_full', `${this.#pendingBytes} bytes are waiting for the disk; spool.maxUnsyncedBytes is ${this.#options.maxUnsyncedBytes}`);
    }
    const batch = this.#batchWithRoom(size);
    batch.bytes += writeFrame(batch.buffer, batch.bytes, topic, partition ?? PARTITION_BY_KEY, key, id, value, records, Date.now(), headers, dedupTag ?? null);
    batch.tickets.push(ticket);
    this.#pendingBytes += size;
    this.#scheduleFlush();
  }

  #batchWithRoom(size: number): Batch {
    const filling = this.#filling;
    if (filling !== null && filling.buffer.length - filling.bytes >= size) return filling;
    if (filling !== null) this.#queued.push(filling);
    // Its own ArrayBuffer (not Node's shared pool), so it can be transferred:
    // the one the writer handed back last, when the frame fits.
    const spare = size <= BATCH_BYTES ? this.#spare : null;
    this.#spare = null;
    const buffer = Buffer.from(spare ?? new ArrayBuffer(Math.max(BATCH_BYTES, size)));
    this.#filling = { id: this.#nextBatch++, buffer, bytes: 0, tickets: [] };
    return this.#filling;
  }

  #scheduleFlush(): void {
    if (this.#flushScheduled || this.#writing !== null) return;
    this.#flushScheduled = true;
    if (this.#options.groupCommitMs > 0) setTimeout(this.#flush, this.#options.groupCommitMs);
    else setImmediate(this.#flush);
  }

  readonly #flush = (): void => {
    this.#flushScheduled = false;
    if (this.#writing !== null) return;
    let batch = this.#queued.shift();
    if (batch === undefined && this.#filling !== null && this.#filling.bytes > 0) {
      batch = this.#filling;
      this.#filling = null;
    }
    if (batch === undefined) {
      this.#closing?.();
      return;
    }
    this.#writing = batch;
    const data = batch.buffer.buffer as ArrayBuffer;
    const message: ToWriter = { type: 'append', batch: batch.id, data, bytes: batch.bytes };
    this.#worker.postMessage(message, [data]);
  };

  #onMessage(message: FromWriter): void {
    switch (message.type) {
      case 'appended': return this.#appended(message);
      case 'append-failed': return this.#appendFailed(message);
      case 'checkpointed': return this.#checkpointed(message.deleted);
      case 'checkpoint-failed':
        this.#log.error({ code: message.code, err: message.message }, 'spool: could not write the delivered checkpoint; delivered segments stay on disk');
        return;
      default:
        return;
    }
  }

  #appended(message: Extract<FromWriter, { type: 'appended' }>): void {
    const batch = this.#takeWriting(message.batch, message.data);
    this.#pendingBytes -= batch.bytes;
    this.#diskBytes += batch.bytes;
    this.#extendSegment(message.segment, message.end);
    this.stats.syncs++;
    this.stats.syncedMessages += batch.tickets.length;
    this.onSync?.(message.syncSeconds, batch.tickets.length);
    if (this.#lastError !== null) {
      this.#log.info({ dir: this.#options.dir }, 'spool: writes succeed again');
      this.#lastError = null;
    }
    for (const ticket of batch.tickets) this.#onDurable(null, ticket);
    for (const listener of this.#appendedListeners) listener();
    this.#scheduleFlush();
  }

  #appendFailed(message: Extract<FromWriter, { type: 'append-failed' }>): void {
    const batch = this.#takeWriting(message.batch, message.data);
    this.#pendingBytes -= batch.bytes;
    this.stats.failedSyncs++;
    const error = new SpoolError('spool_unavailable', `spool write failed: ${message.code} (${message.message})`);
    if (this.#lastError === null) this.#log.error({ dir: this.#options.dir, code: message.code, err: message.message }, 'spool: write failed; requests are answered 503 until a write succeeds');
    this.#lastError = error;
    for (const ticket of batch.tickets) this.#onDurable(error, ticket);
    this.#scheduleFlush();
  }

  /** The batch the writer answered for; its buffer, handed back, is kept for the next batch. */
  #takeWriting(id: number, data: ArrayBuffer): Batch {
    const batch = this.#writing;
    if (batch === null || batch.id !== id) throw new Error(`spool writer answered batch ${id}, but batch ${batch?.id ?? 'none'} was being written`);
    this.#writing = null;
    if (data.byteLength === BATCH_BYTES) this.#spare = data;
    return batch;
  }

  #extendSegment(id: number, end: number): void {
    const last = this.#segments.at(-1);
    if (last !== undefined && last.id === id) {
      last.durableBytes = end;
      return;
    }
    if (last !== undefined) last.sealed = true;
    this.#segments.push({ id, durableBytes: end, sealed: false, skipped: [] });
  }

  /** What a checkpoint waits for before it may delete segments (the dedup
   * log's sync: src/spool/dedup-log.ts). */
  beforeCheckpoint: (() => Promise<void>) | undefined;

  /** Persists the delivered position and deletes the segments wholly before it. */
  checkpoint(checkpoint: Checkpoint): void {
    const message: ToWriter = { type: 'checkpoint', checkpoint, deleteBefore: checkpoint.segment };
    if (this.beforeCheckpoint === undefined) this.#worker.postMessage(message);
    else void this.beforeCheckpoint().then(() => this.#worker.postMessage(message));
  }

  #checkpointed(deleted: readonly number[]): void {
    if (deleted.length > 0) this.#full = false;
    for (const id of deleted) {
      const index = this.#segments.findIndex((s) => s.id === id);
      if (index === -1) continue;
      this.#diskBytes -= this.#segments[index]!.durableBytes;
      this.#segments.splice(index, 1);
    }
  }

  /** Writes what is pending, then stops the writer thread; gives up after `timeoutMs`. */
  async close(timeoutMs: number): Promise<void> {
    const flushed = new Promise<void>((resolve) => {
      this.#closing = resolve;
    });
    this.#scheduleFlush();
    if (this.#writing === null && this.#queued.length === 0 && (this.#filling === null || this.#filling.bytes === 0)) this.#closing?.();
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, timeoutMs);
    });
    await Promise.race([flushed, deadline]);
    const closed = new Promise<void>((resolve) => {
      this.#worker.on('message', (m: FromWriter) => { if (m.type === 'closed') resolve(); });
    });
    this.#worker.postMessage({ type: 'close' } satisfies ToWriter);
    await Promise.race([closed, deadline]);
    clearTimeout(timer);
    await this.#worker.terminate();
  }
}

/** What start-up recovery found. */
export interface Recovered {
  readonly checkpoint: Checkpoint | null;
  /** Messages not yet delivered (after the checkpoint). */
  readonly messages: number;
  readonly oldestAppendedAtMs: number;
  readonly repairs: readonly Repair[];
}
