// Drains the workers' rings into librdkafka, on the main thread, in slices so
// delivery reports and HTTP I/O get their turn between them. Woken by the
// ledger whenever a worker's result for a request is in (Ledger.onDecodeEnded),
// and by itself while a slice left records behind.
import type { Logger } from 'pino';
import { statusOf } from '../errors';
import { rateLimited } from '../telemetry/log';
import type { TopicTable } from '../config/topics';
import { PARTITION_BY_KEY, type RingSet } from '../ring/layout';
import { LeaseTable } from '../ring/leases';
import { RingReader } from '../ring/reader';
import { State, ticketOf, type Ledger, type RequestEntry } from '../settle/ledger';
import { classifyProduceError } from './kafka-errors';
import type { MessageProducer } from './sender';

/** Records produced per event-loop turn. At the patched produceWithId()'s
 * main-thread cost per message (bench/RESULTS.md, "the delivered-ids patch of
 * node-rdkafka") a slice
 * stays at a few milliseconds: short enough that settlement and new requests
 * are not starved, long enough that the turn's overhead is spread thin. */
const RECORDS_PER_TURN = 2048;

export class RingPump {
  readonly #readers: RingReader[];
  readonly #leases: LeaseTable;
  readonly #ledger: Ledger;
  readonly #producer: MessageProducer;
  readonly #topics: readonly string[];
  readonly #logRefusal: (context: object, message: string) => void;
  readonly #produced: Array<() => void> = [];
  #scheduled = false;
  #next = 0;
  /** Records read from rings whose request had already been answered. */
  skippedRecords = 0;

  constructor(ringSet: RingSet, ledger: Ledger, producer: MessageProducer,
    topics: TopicTable, log: Logger) {
    this.#readers = ringSet.rings.map((ring) => new RingReader(ring));
    this.#leases = new LeaseTable(ringSet.leases);
    this.#ledger = ledger;
    this.#producer = producer;
    this.#topics = topics.names;
    this.#logRefusal = rateLimited(log, 'warn', 10_000);
    ledger.onDecodeEnded(() => this.schedule());
  }

  /** Bytes published by workers and not yet produced, over all rings. */
  get usedBytes(): number {
    let used = 0;
    for (const reader of this.#readers) used += reader.usedBytes;
    return used;
  }

  get capacityBytes(): number {
    return this.#readers.reduce((sum, r) => sum + r.capacity, 0);
  }

  /** Calls `listener` after each slice that read records (ring space was given back). */
  onProduced(listener: () => void): void {
    this.#produced.push(listener);
  }

  schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(this.#run);
  }

  readonly #run = (): void => {
    this.#scheduled = false;
    let budget = RECORDS_PER_TURN;
    const n = this.#readers.length;
    for (let i = 0; i < n && budget > 0; i++) {
      const index = (this.#next + i) % n;
      const reader = this.#readers[index]!;
      budget -= this.#drain(reader, budget);
      reader.rewindIfIdle(this.#leases, index);
    }
    this.#next = (this.#next + 1) % n;
    if (budget < RECORDS_PER_TURN) for (const listener of this.#produced) listener();
    if (budget <= 0) this.schedule();
  };

  /** Produces up to `budget` records from one ring; returns how many it read. */
  #drain(reader: RingReader, budget: number): number {
    let read = 0;
    while (read < budget && reader.next()) {
      const entry = this.#ledger.get(reader.seq);
      // A request still being decoded published its records before its result
      // reached us: wait for the result (schedule() runs again then).
      if (entry !== undefined && entry.state === State.Decoding) break;
      read++;
      if (entry === undefined || entry.state === State.Answered) {
        this.#skip(entry);
      } else {
        this.#produce(reader, entry);
      }
      reader.consume();
    }
    if (read > 0) reader.release();
    return read;
  }

  #skip(entry: RequestEntry | undefined): void {
    this.skippedRecords++;
    if (entry?.admitted) this.#ledger.skipped(entry);
  }

  #produce(reader: RingReader, entry: RequestEntry): void {
    // The metricstream-id header, "<requestId>/<index>" (a batch:
    // "<requestId>/<first>+<count>"); the record's extra headers follow it.
    const batch = reader.partition !== PARTITION_BY_KEY;
    const id = batch ? `${entry.idPrefix}${reader.index}+${reader.count}` : entry.idPrefix + reader.index;
    const records = batch ? reader.count : 1;
    try {
      const tag = entry.dedupTag !== undefined && entry.produced === entry.messages - 1 ? entry.dedupTag : undefined;
      this.#producer.send(this.#topics[reader.topic]!, batch ? reader.partition : null, reader, id, records, ticketOf(entry, records), tag);
      entry.produced++;
    } catch (err) {
      const code = classifyProduceError(err);
      const message = `record ${reader.index}: ${(err as Error).message}`;
      if (statusOf(code) >= 500) this.#logRefusal({ err, requestId: entry.requestId, code, topic: this.#topics[reader.topic] }, 'produce refused; request answered with an error');
      this.#ledger.fail(entry, code, message);
      this.#ledger.skipped(entry);
    }
  }
}
