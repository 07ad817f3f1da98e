// The last refusals the daemon answered, every one of them (the log line of
// a refusal is rate-limited per code; this ring is not): what the status
// page shows an operator looking for why a collector is refused. Fixed
// capacity, and every string cut to a fixed length, so it holds a bounded
// number of bytes whatever clients send.

export interface RefusalEntry {
  /** Milliseconds since the epoch. */
  readonly at: number;
  /** The route, or for an unknown path the path itself. */
  readonly route: string;
  readonly client: string;
  readonly requestId: string;
  readonly status: number;
  readonly code: string;
  readonly reason: string;
  /** Which record was at fault, when one was. */
  readonly record?: number | undefined;
}

export const REFUSAL_RING_CAPACITY = 100;
/** Longest route, client or request id kept; longer ones are cut, marked with "…". */
const MAX_FIELD_CHARS = 128;
const MAX_REASON_CHARS = 400;

function cut(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

export class RefusalRing {
  readonly capacity: number;
  readonly #entries: RefusalEntry[] = [];
  /** Where the next entry goes once the ring is full. */
  #next = 0;
  #total = 0;

  constructor(capacity = REFUSAL_RING_CAPACITY) {
    if (!(capacity > 0)) throw new RangeError(`refusal ring capacity ${capacity} must be positive`);
    this.capacity = capacity;
  }

  record(entry: RefusalEntry): void {
    const kept: RefusalEntry = {
      at: entry.at, status: entry.status,
      route: cut(entry.route, MAX_FIELD_CHARS), client: cut(entry.client, MAX_FIELD_CHARS),
      requestId: cut(entry.requestId, MAX_FIELD_CHARS), code: cut(entry.code, MAX_FIELD_CHARS),
      reason: cut(entry.reason, MAX_REASON_CHARS),
      ...(entry.record === undefined ? {} : { record: entry.record }),
    };
    this.#total++;
    if (this.#entries.length < this.capacity) {
      this.#entries.push(kept);
      return;
    }
    this.#entries[this.#next] = kept;
    this.#next = (this.#next + 1) % this.capacity;
  }

  /** Refusals answered since start, including those the ring no longer holds. */
  get total(): number {
    return this.#total;
  }

  newestFirst(): RefusalEntry[] {
    const oldestFirst = [...this.#entries.slice(this.#next), ...this.#entries.slice(0, this.#next)];
    return oldestFirst.reverse();
  }
}
