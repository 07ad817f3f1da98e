// Replay: reads the spool's segments in order and produces each message to
// Kafka, a bounded number at a time. Delivered messages advance a checkpoint
// (the position before which everything is in Kafka), persisted now and then
// by the writer thread, which then deletes the segments wholly before it.
//
// On any delivery failure the reader stops, waits for the messages still in
// flight, and starts again from the checkpoint once Kafka is reachable: what
// was delivered after the checkpoint is produced again (at least once; the
// metricstream-id header lets consumers drop repeats), and per partition the
// order of first deliveries is the journal's order, which is the ring's.
import type { FileHandle } from 'node:fs/promises';
import { open } from 'node:fs/promises';
import type { Logger } from 'pino';
import { classifyProduceError } from '../produce/kafka-errors';
import { ID_HEADER, recordHeaders, type RecordHeaders } from '../produce/producer';
import { PARTITION_BY_KEY } from '../ring/layout';
import type { SettlesItself } from '../settle/deliveries';
import { checkFrame, readFrame } from './frame';
import type { SegmentState, SpoolJournal } from './journal';
import { findIntactFrame, segmentFile, type Checkpoint } from './segments';

/** The opaque of a replayed message: where it ends in the journal. Its
 * delivery report settles it in the replay that produced it. */
export class ReplayTicket implements SettlesItself {
  settled = false;
  failed = false;
  constructor(readonly segment: number, readonly end: number, readonly appendedAtMs: number, readonly records: number,
    private readonly replay: SpoolReplay) {}

  settle(error: { readonly message: string } | null): void {
    this.replay.onDelivery(this, error);
  }
}

export interface ReplayProducer {
  produce(topic: string, partition: number | null, value: Buffer, key: Buffer | null, headers: RecordHeaders, opaque: unknown): void;
}

export interface ReplayOptions {
  /** Messages produced and not yet reported; bounds librdkafka's share of memory. */
  readonly maxInFlightMessages: number;
  readonly readChunkBytes: number;
  readonly checkpointIntervalMs: number;
  /** True when Kafka takes writes (the health probe's verdict). */
  readonly kafkaReachable: () => boolean;
}

/** What replay reads of a segment at once (its share of the memory ceiling). */
export const READ_CHUNK_BYTES = 1024 * 1024;
const RETRY_MS = 50;

export interface ReplayCounters {
  messages: number;
  records: number;
  rewinds: number;
}

export class SpoolReplay {
  readonly #journal: SpoolJournal;
  readonly #producer: ReplayProducer;
  readonly #options: ReplayOptions;
  readonly #log: Logger;
  /** Produced, not yet all delivered; oldest first. */
  readonly #inFlight: ReplayTicket[] = [];
  #inFlightHead = 0;
  /** Produced and without a delivery report yet. */
  #unsettled = 0;
  #position: Checkpoint;
  #delivered: Checkpoint;
  #persisted: Checkpoint;
  #file: { id: number; handle: FileHandle } | null = null;
  #running = false;
  #kickAgain = false;
  /** Kafka was unreachable the last time replay looked. */
  #absorbing = false;
  #stopped = false;
  #failed = false;
  #wake: NodeJS.Timeout | undefined;
  #checkpointTimer: NodeJS.Timeout | undefined;
  /** appendedAtMs of the oldest message not known delivered; NaN = none. */
  #oldestPendingMs: number;
  #undelivered: number;
  readonly counters: ReplayCounters = { messages: 0, records: 0, rewinds: 0 };

  constructor(journal: SpoolJournal, producer: ReplayProducer, start: { checkpoint: Checkpoint | null; messages: number; oldestAppendedAtMs: number },
    options: ReplayOptions, log: Logger) {
    this.#journal = journal;
    this.#producer = producer;
    this.#options = options;
    this.#log = log;
    this.#position = this.#startingPoint(start.checkpoint);
    this.#delivered = this.#position;
    this.#persisted = this.#position;
    this.#undelivered = start.messages;
    this.#oldestPendingMs = start.oldestAppendedAtMs;
    journal.onAppended(() => this.#kick());
  }

  /** The checkpoint, or the oldest segment when it names one already deleted. */
  #startingPoint(checkpoint: Checkpoint | null): Checkpoint {
    const first = this.#journal.segments[0];
    if (checkpoint === null || first === undefined || checkpoint.segment < first.id) return { segment: first?.id ?? 1, offset: 0 };
    return checkpoint;
  }

  /** Messages in the spool not yet delivered to Kafka. */
  get undeliveredMessages(): number {
    return this.#undelivered;
  }

  /** Seconds since the oldest undelivered message was accepted (never less
   * than the truth: between reads it is the last delivered one's age); 0 when none. */
  oldestUndeliveredSeconds(now = Date.now()): number {
    if (this.#inFlight.length > this.#inFlightHead) return (now - this.#inFlight[this.#inFlightHead]!.appendedAtMs) / 1000;
    return Number.isNaN(this.#oldestPendingMs) || this.#undelivered === 0 ? 0 : (now - this.#oldestPendingMs) / 1000;
  }

  /** Everything synced so far is in Kafka. */
  get caughtUp(): boolean {
    return this.#undelivered === 0 && this.#unsettled === 0;
  }

  start(): void {
    this.#checkpointTimer = setInterval(() => this.#persistCheckpoint(), this.#options.checkpointIntervalMs);
    this.#kick();
  }

  /** Called by the durable handler for every message the journal synced. */
  appended(appendedAtMs: number): void {
    if (this.#undelivered === 0) this.#oldestPendingMs = appendedAtMs;
    this.#undelivered++;
  }

  /** Stops producing, persists the checkpoint and closes the open segment. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#wake);
    clearInterval(this.#checkpointTimer);
    this.#persistCheckpoint();
    await this.#closeFile();
  }

  /** A delivery report for a replayed message. */
  onDelivery(ticket: ReplayTicket, error: { readonly message: string } | null): void {
    ticket.settled = true;
    this.#unsettled--;
    if (error === null) {
      this.counters.messages++;
      this.counters.records += ticket.records;
    } else {
      ticket.failed = true;
      if (!this.#failed) this.#log.warn({ err: error.message, segment: ticket.segment }, 'spool replay: Kafka did not take a message; replay starts again from the delivered checkpoint when Kafka is reachable');
      this.#failed = true;
    }
    this.#advanceDelivered();
    if (this.#failed && this.#unsettled === 0) this.#rewind();
    else this.#kick();
  }

  /** Moves the checkpoint over the delivered prefix of what is in flight. */
  #advanceDelivered(): void {
    const inFlight = this.#inFlight;
    while (this.#inFlightHead < inFlight.length) {
      const ticket = inFlight[this.#inFlightHead]!;
      if (!ticket.settled || ticket.failed) break;
      this.#inFlightHead++;
      this.#delivered = { segment: ticket.segment, offset: ticket.end };
      this.#oldestPendingMs = ticket.appendedAtMs;
      if (--this.#undelivered === 0) this.#oldestPendingMs = Number.NaN;
    }
    if (this.#inFlightHead === inFlight.length || this.#inFlightHead > 1024) {
      inFlight.splice(0, this.#inFlightHead);
      this.#inFlightHead = 0;
    }
  }

  /** Everything after the checkpoint is produced again, in journal order. */
  #rewind(): void {
    this.#failed = false;
    this.counters.rewinds++;
    this.#inFlight.length = 0;
    this.#inFlightHead = 0;
    this.#position = this.#delivered;
    this.#kick();
  }

  #persistCheckpoint(): void {
    const delivered = this.#normalized(this.#delivered);
    if (delivered.segment === this.#persisted.segment && delivered.offset === this.#persisted.offset) return;
    this.#persisted = delivered;
    this.#journal.checkpoint(delivered);
  }

  /** The end of a sealed segment is the start of the next one, so that the
   * checkpoint lets the writer delete the finished segment. */
  #normalized(checkpoint: Checkpoint): Checkpoint {
    const segments = this.#journal.segments;
    const index = segments.findIndex((s) => s.id === checkpoint.segment);
    const segment = segments[index];
    const next = segments[index + 1];
    if (segment !== undefined && next !== undefined && segment.sealed && checkpoint.offset >= segment.durableBytes) return { segment: next.id, offset: 0 };
    return checkpoint;
  }

  #kick(): void {
    if (this.#stopped) return;
    if (this.#running) {
      // Whatever changed may come after the running pass looked: look again.
      this.#kickAgain = true;
      return;
    }
    clearTimeout(this.#wake);
    this.#wake = undefined;
    this.#running = true;
    this.#kickAgain = false;
    this.#produceSome().then((retryInMs) => {
      this.#running = false;
      if (this.#kickAgain) this.#kick();
      else if (retryInMs !== null && !this.#stopped) this.#wake = setTimeout(() => this.#kick(), retryInMs);
    }, (err: unknown) => {
      this.#running = false;
      this.#log.error({ err }, 'spool replay: reading a segment failed; retrying');
      if (!this.#stopped) this.#wake = setTimeout(() => this.#kick(), 1_000);
    });
  }

  /** Produces until there is nothing to read or no room; returns when to try
   * again by timer (null = wait for an append or a delivery report). */
  async #produceSome(): Promise<number | null> {
    for (;;) {
      if (this.#stopped || this.#failed) return null;
      if (!this.#options.kafkaReachable()) {
        if (!this.#absorbing) this.#log.warn({ undeliveredMessages: this.#undelivered }, 'spool: absorbing: Kafka is unreachable; requests are answered once spooled and replayed when Kafka is back');
        this.#absorbing = true;
        return RETRY_MS;
      }
      if (this.#absorbing) this.#log.info({ undeliveredMessages: this.#undelivered }, 'spool: Kafka is reachable again; replaying');
      this.#absorbing = false;
      if (this.#inFlight.length - this.#inFlightHead >= this.#options.maxInFlightMessages) return null;
      const segment = this.#segmentAt(this.#position.segment);
      if (segment === undefined) return null;
      if (this.#position.offset >= segment.durableBytes) {
        const next = this.#journal.segments.find((s) => s.id > segment.id);
        if (!segment.sealed || next === undefined) return null;
        this.#position = { segment: next.id, offset: 0 };
        continue;
      }
      const retry = await this.#produceChunk(segment);
      if (retry !== undefined) return retry;
    }
  }

  #segmentAt(id: number): SegmentState | undefined {
    const segments = this.#journal.segments;
    const exact = segments.find((s) => s.id === id);
    if (exact !== undefined) return exact;
    // Its segment was deleted (it was delivered): go on with the next one.
    const next = segments.find((s) => s.id > id);
    if (next !== undefined) this.#position = { segment: next.id, offset: 0 };
    return next;
  }

  /** Reads one chunk at the position and produces the frames in it; returns a
   * retry delay when Kafka's queue was full. */
  async #produceChunk(segment: SegmentState): Promise<number | undefined> {
    const start = this.#position.offset;
    const chunk = await this.#read(segment, start, this.#options.readChunkBytes);
    let at = 0;
    while (at < chunk.length) {
      if (this.#stopped || this.#failed) return undefined;
      if (this.#inFlight.length - this.#inFlightHead >= this.#options.maxInFlightMessages) return undefined;
      const check = checkFrame(chunk, at, chunk.length);
      if (check.kind === 'short') {
        if (at > 0) return undefined;
        // A frame larger than a chunk: read exactly it next time round.
        const needed = chunk.readUInt32LE(4) + 12;
        const whole = await this.#read(segment, start, Math.max(needed, this.#options.readChunkBytes));
        if (whole.length < needed) return RETRY_MS;
        return this.#produceFrom(whole, 0, segment, start);
      }
      if (check.kind === 'bad') {
        this.#skipDamage(segment, start + at, chunk, at, check.reason);
        return undefined;
      }
      const retry = this.#produceFrame(chunk, at, check.size, segment.id, start);
      if (retry !== undefined) return retry;
      at += check.size;
    }
    return undefined;
  }

  #produceFrom(buf: Buffer, at: number, segment: SegmentState, base: number): number | undefined {
    const check = checkFrame(buf, at, buf.length);
    if (check.kind !== 'frame') {
      this.#skipDamage(segment, base + at, buf, at, check.kind === 'bad' ? check.reason : 'incomplete frame');
      return undefined;
    }
    return this.#produceFrame(buf, at, check.size, segment.id, base);
  }

  #produceFrame(buf: Buffer, at: number, size: number, segmentId: number, base: number): number | undefined {
    const message = readFrame(buf, at);
    const end = base + at + size;
    const ticket = new ReplayTicket(segmentId, end, message.appendedAtMs, message.count, this);
    try {
      this.#producer.produce(message.topic, message.partition === PARTITION_BY_KEY ? null : message.partition,
        message.value, message.key, message.headers === null ? [{ [ID_HEADER]: message.id }] : recordHeaders(message.id, message.headers, 0, message.headers.length), ticket);
    } catch (err) {
      // librdkafka's queue is full: back-pressure, not failure.
      if (classifyProduceError(err) === 'producer_queue_full') return RETRY_MS;
      // Any other refusal (a topic gone, a message over the broker's limit) is
      // treated as a failed delivery: the reader starts again from the checkpoint.
      this.#inFlight.push(ticket);
      this.#unsettled++;
      this.onDelivery(ticket, err as Error);
      return RETRY_MS;
    }
    this.#inFlight.push(ticket);
    this.#unsettled++;
    this.#position = { segment: segmentId, offset: end };
    return undefined;
  }

  /** Damage inside a segment: a stretch found at start-up is stepped over;
   * anything else is logged as lost and stepped over the same way. */
  #skipDamage(segment: SegmentState, offset: number, buf: Buffer, at: number, reason: string): void {
    const known = segment.skipped.find((r) => r.offset === offset);
    if (known !== undefined) {
      this.#position = { segment: segment.id, offset: offset + known.bytes };
      return;
    }
    const resume = findIntactFrame(buf, at + 4);
    const to = resume === -1 ? segment.durableBytes : offset + (resume - at);
    this.#log.error({ segment: segment.id, offset, bytes: to - offset, reason }, 'spool replay: damaged bytes in a segment were skipped; the messages in them are lost');
    this.#position = { segment: segment.id, offset: to };
  }

  async #read(segment: SegmentState, offset: number, bytes: number): Promise<Buffer> {
    if (this.#file === null || this.#file.id !== segment.id) {
      await this.#closeFile();
      this.#file = { id: segment.id, handle: await open(segmentFile(this.#journal.dir, segment.id), 'r') };
    }
    const length = Math.min(bytes, segment.durableBytes - offset);
    const buffer = Buffer.allocUnsafe(length);
    const { bytesRead } = await this.#file.handle.read(buffer, 0, length, offset);
    return buffer.subarray(0, bytesRead);
  }

  async #closeFile(): Promise<void> {
    const file = this.#file;
    this.#file = null;
    if (file !== null) await file.handle.close();
  }
}
