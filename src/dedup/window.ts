// The idempotency window: for each scoped key (tenant, route, key), whether
// its first request is still in flight or what its success answer was, for
// `windowMs` after it succeeded. Bounded by a key count and an estimate of the
// bytes held; past either bound the oldest key is evicted (and counted). A
// failure forgets the key, so a repeat is processed again. Knows nothing of
// HTTP, Kafka or the spool: the forward path (src/request/idempotent.ts)
// claims keys, the spool (src/spool/dedup-log.ts) restores them after a restart.
import type { AnswerDetail, PartialRejection } from '../protocols/protocol';

/** The success answer a repeat gets again: rendered anew by the route's
 * answer shape for the first request's Content-Type, so it is the same bytes. */
export interface Remembered {
  /** The first request's body fingerprint (src/dedup/fingerprint.ts). */
  readonly fingerprint: string;
  readonly contentType: string;
  readonly accepted: number;
  readonly partial?: PartialRejection | undefined;
  readonly detail?: AnswerDetail | undefined;
}

/** What a request carrying a key is to do. */
export type Claim =
  /** Process it; `settle` with what it was answered (null: not a success). */
  | { readonly kind: 'first'; readonly settle: (outcome: Remembered | null) => void }
  /** The key succeeded: answer what it was answered. */
  | { readonly kind: 'replay'; readonly remembered: Remembered }
  /** The key was used with another body. */
  | { readonly kind: 'conflict' }
  /** The first request with this key is in flight: claim again once `settled` resolves. */
  | { readonly kind: 'pending'; readonly settled: Promise<void> };

export interface WindowLimits {
  readonly windowMs: number;
  readonly maxKeys: number;
  readonly maxBytes: number;
}

export interface WindowCounters {
  replays: number;
  conflicts: number;
  evictions: number;
}

/** A key's share of memory beyond its strings: the Map slot, the entry object, its closures. */
const ENTRY_OVERHEAD_BYTES = 200;

interface Entry {
  readonly fingerprint: string;
  remembered: Remembered | null;
  /** Set when it succeeded; 0 while pending. */
  expiresAtMs: number;
  bytes: number;
  readonly wake: Array<() => void>;
}

export class DedupWindow {
  readonly #limits: WindowLimits;
  readonly #clock: () => number;
  /** Insertion order: pending keys when claimed, successes moved to the end when they succeed. */
  readonly #entries = new Map<string, Entry>();
  #bytes = 0;
  readonly counters: WindowCounters = { replays: 0, conflicts: 0, evictions: 0 };
  /** Told of each success as it is remembered (the spool's dedup log persists it). */
  onRemembered: ((key: string, remembered: Remembered, atMs: number) => void) | undefined;

  constructor(limits: WindowLimits, clock: () => number = Date.now) {
    this.#limits = limits;
    this.#clock = clock;
  }

  /** Keys held (pending or remembered), after dropping expired ones. */
  get size(): number {
    this.#expire(this.#clock(), Infinity);
    return this.#entries.size;
  }

  /** The estimate of bytes held that `maxBytes` bounds. */
  get bytes(): number {
    return this.#bytes;
  }

  claim(key: string, fingerprint: string): Claim {
    const now = this.#clock();
    this.#expire(now, 64);
    const entry = this.#entries.get(key);
    if (entry !== undefined && entry.remembered !== null && entry.expiresAtMs <= now) this.#delete(key, entry);
    else if (entry !== undefined) {
      if (entry.fingerprint !== fingerprint) {
        this.counters.conflicts++;
        return { kind: 'conflict' };
      }
      if (entry.remembered !== null) {
        this.counters.replays++;
        return { kind: 'replay', remembered: entry.remembered };
      }
      return { kind: 'pending', settled: new Promise((resolve) => entry.wake.push(resolve)) };
    }
    const fresh: Entry = { fingerprint, remembered: null, expiresAtMs: 0, bytes: estimate(key, fingerprint, null), wake: [] };
    this.#insert(key, fresh);
    return { kind: 'first', settle: (outcome) => this.#settle(key, fresh, outcome) };
  }

  /** A success remembered before a restart, completed at `atMs`; oldest first. */
  restore(key: string, remembered: Remembered, atMs: number): void {
    const expiresAtMs = atMs + this.#limits.windowMs;
    if (expiresAtMs <= this.#clock()) return;
    const old = this.#entries.get(key);
    if (old !== undefined) this.#delete(key, old);
    this.#insert(key, { fingerprint: remembered.fingerprint, remembered, expiresAtMs, bytes: estimate(key, remembered.fingerprint, remembered), wake: [] });
  }

  /** Remembered keys with when they succeeded, oldest first (for compaction). */
  *remembered(): Generator<{ key: string; remembered: Remembered; atMs: number }> {
    for (const [key, entry] of this.#entries) {
      if (entry.remembered !== null) yield { key, remembered: entry.remembered, atMs: entry.expiresAtMs - this.#limits.windowMs };
    }
  }

  #settle(key: string, entry: Entry, outcome: Remembered | null): void {
    // Evicted (or expired and claimed anew) meanwhile: nothing to record.
    if (this.#entries.get(key) !== entry) return;
    this.#delete(key, entry);
    if (outcome !== null) {
      const now = this.#clock();
      this.#insert(key, { fingerprint: entry.fingerprint, remembered: outcome, expiresAtMs: now + this.#limits.windowMs, bytes: estimate(key, entry.fingerprint, outcome), wake: [] });
      this.onRemembered?.(key, outcome, now);
    }
    for (const wake of entry.wake) wake();
  }

  #insert(key: string, entry: Entry): void {
    this.#entries.set(key, entry);
    this.#bytes += entry.bytes;
    while (this.#entries.size > this.#limits.maxKeys || (this.#bytes > this.#limits.maxBytes && this.#entries.size > 1)) {
      const [oldestKey, oldest] = this.#entries.entries().next().value as [string, Entry];
      this.#delete(oldestKey, oldest);
      this.counters.evictions++;
      // A pending key evicted: its waiters claim again and are processed.
      for (const wake of oldest.wake) wake();
    }
  }

  #delete(key: string, entry: Entry): void {
    this.#entries.delete(key);
    this.#bytes -= entry.bytes;
  }

  /** Drops expired successes from the oldest end, at most `budget` of them. Successes
   * sit in the order they succeeded, so the first unexpired one ends the walk;
   * pending keys among them are stepped over. */
  #expire(now: number, budget: number): void {
    for (const [key, entry] of this.#entries) {
      if (budget-- <= 0) return;
      if (entry.remembered === null) continue;
      if (entry.expiresAtMs > now) return;
      this.#delete(key, entry);
    }
  }
}

function estimate(key: string, fingerprint: string, remembered: Remembered | null): number {
  let bytes = ENTRY_OVERHEAD_BYTES + 2 * (key.length + fingerprint.length);
  if (remembered !== null) {
    bytes += 2 * remembered.contentType.length;
    if (remembered.partial !== undefined || remembered.detail !== undefined) {
      bytes += 2 * JSON.stringify([remembered.partial, remembered.detail]).length;
    }
  }
  return bytes;
}
