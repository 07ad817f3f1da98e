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
//
// A message is produced only once Kafka has told the partition count of its
// topic: a message spooled before that (spool mode started without Kafka)
// may need it (PARTITION_AT_REPLAY: murmur2 of its key, as the ndjson-batch
// sink computes it with a known count). While Kafka says a message's topic
// does not exist, replay holds at it: the message and everything behind it
// stay in the spool (one delivered checkpoint per spool, so nothing behind a
// held message can be acknowledged past it), reported by log, metric and
// /readyz, and replay goes on once the topic exists.
import type { FileHandle } from 'node:fs/promises';
import { open } from 'node:fs/promises';
import type { Logger } from 'pino';
import { partitionOf } from '../decode/murmur2';
import { classifyProduceError } from '../produce/kafka-errors';
import { ID_HEADER, recordHeaders, type RecordHeaders } from '../produce/producer';
import { PARTITION_AT_REPLAY, PARTITION_BY_KEY } from '../ring/layout';
import { rateLimited } from '../telemetry/log';
import type { SettlesItself } from '../settle/deliveries';
import { checkFrame, readFrame, type SpooledMessage } from './frame';
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
  /** The topic's partition count: undefined while Kafka has not told it, 0 when the topic does not exist. */
  readonly partitionsOf: (topic: string) => number | undefined;
}

/** Why replay waits at a message. */
export interface ReplayHold {
  readonly topic: string;
  /** missing: Kafka says the topic does not exist; unknown: its metadata has not been read yet. */
  readonly reason: 'missing' | 'unknown';
  readonly sinceMs: number;
}

/** What replay reads of a segment at once (its share of the memory ceiling). */
export const READ_CHUNK_BYTES = 1024 * 1024;
const RETRY_MS = 50;
/** How often a held replay looks at its topic again (the partition counts refresh every 2 s). */
const HOLD_RETRY_MS = 1_000;
const HOLD_LOG_INTERVAL_MS = 60_000;

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
  #hold: ReplayHold | null = null;
  /** While held, appends do not make replay read again before this time. */
  #holdUntilMs = 0;
  readonly #logHold: (context: object, message: string) => void;
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
    this.#logHold = rateLimited(log, 'error', HOLD_LOG_INTERVAL_MS);
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

  /** Where replay waits for a topic, if it does. */
  get hold(): ReplayHold | null {
    return this.#hold;
  }

  /** Undelivered messages that wait behind a message of a topic Kafka does not have (0 when none does). */
  get blockedMessages(): number {
    return this.#hold?.reason === 'missing' ? this.#undelivered : 0;
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
      if (this.#hold !== null && Date.now() < this.#holdUntilMs) return this.#holdUntilMs - Date.now();
      const segment = this.#segmentAt(this.#position.segment);
      if (segment === undefined) return null;
      if (this.#position.offset >= segment.durableBytes) {
        const next = this.#journal.segments.find((s) => s.id > segment.id);
        if (!segment.sealed || next === undefined) {
          // Caught up: no file stays open while there is nothing to read, so
          // a filesystem that failed can be unmounted, checked and mounted
          // again under the running daemon.
          await this.#closeFile();
          return null;
        }
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
    const partitions = this.#options.partitionsOf(message.topic);
    if (partitions === undefined || partitions === 0) return this.#holdAt(message.topic, partitions === 0 ? 'missing' : 'unknown');
    this.#release();
    const end = base + at + size;
    const ticket = new ReplayTicket(segmentId, end, message.appendedAtMs, message.count, this);
    const target = replayTarget(message, partitions);
    try {
      const headers = message.headers === null ? [{ [ID_HEADER]: message.id }] : recordHeaders(message.id, message.headers, 0, message.headers.length);
      this.#producer.produce(message.topic, target.partition, message.value, target.key, headers, ticket);
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

  /** Replay waits at a message of `topic`; returns when to look again. */
  #holdAt(topic: string, reason: ReplayHold['reason']): number {
    const held = this.#hold;
    if (held === null || held.topic !== topic || held.reason !== reason) this.#hold = { topic, reason, sinceMs: Date.now() };
    if (reason === 'missing') {
      this.#logHold({ topic, undeliveredMessages: this.#undelivered },
        `spool replay: Kafka topic ${topic} does not exist; its spooled messages, and every message spooled after them, stay in the spool until it is created`);
    }
    this.#holdUntilMs = Date.now() + HOLD_RETRY_MS;
    return HOLD_RETRY_MS;
  }

  #release(): void {
    const held = this.#hold;
    if (held === null) return;
    this.#hold = null;
    if (held.reason === 'missing') this.#log.info({ topic: held.topic, heldSeconds: (Date.now() - held.sinceMs) / 1000 }, `spool replay: Kafka topic ${held.topic} exists now; replaying`);
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

/** Partition and key a spooled message is produced with, given its topic's
 * partition count now. A message whose partition was left to replay is a
 * one-line NDJSON batch: it goes where the ndjson-batch sink would have put
 * its record (murmur2 of the key; a keyless record to partition 0) and, like
 * every batch, without a key. */
export function replayTarget(message: Pick<SpooledMessage, 'partition' | 'key'>, partitions: number): { partition: number | null; key: Buffer | null } {
  if (message.partition === PARTITION_BY_KEY) return { partition: null, key: message.key };
  if (message.partition === PARTITION_AT_REPLAY) return { partition: message.key === null ? 0 : partitionOf(message.key, partitions), key: null };
  return { partition: message.partition, key: message.key };
}
