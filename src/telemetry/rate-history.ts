// Rates per second, computed in the daemon from the totals it already keeps
// (route-counts.ts, the ledger's delivered records, the spool's replayed
// records): sampled once a second into a fixed number of samples, so the
// status page draws the last minutes without the browser doing arithmetic
// on counters, and the history never grows past its capacity.
import type { RouteTotals } from './route-counts';

export interface CounterTotals {
  readonly routes: ReadonlyMap<string, Readonly<RouteTotals>>;
  /** Records settled: acknowledged by Kafka (spool mode: synced to the spool). */
  readonly delivered: number;
  /** Records replayed from the spool to Kafka; 0 outside spool mode. */
  readonly replayed: number;
}

/** Per second over one sampling interval, rounded to 1/100. */
export interface RouteRates {
  readonly requests: number;
  readonly records: number;
  readonly refused: number;
}

export interface RateSample {
  /** Increases by one per sample; the page asks for samples after the last it has. */
  readonly seq: number;
  /** Milliseconds since the epoch at the end of the interval. */
  readonly at: number;
  /** Only routes with an answer in the interval: [requests, records, refused] per second. */
  readonly routes: Readonly<Record<string, readonly [number, number, number]>>;
  readonly delivered: number;
  readonly replayed: number;
}

/** 10 minutes of one sample a second. */
export const HISTORY_CAPACITY = 600;

interface Reading {
  readonly at: number;
  readonly routes: ReadonlyMap<string, readonly [number, number, number]>;
  readonly delivered: number;
  readonly replayed: number;
}

function perSecond(delta: number, seconds: number): number {
  return Math.round((delta / seconds) * 100) / 100;
}

export class RateHistory {
  readonly capacity: number;
  readonly #samples: RateSample[] = [];
  #previous: Reading | undefined;
  #seq = 0;

  constructor(capacity = HISTORY_CAPACITY) {
    if (!(capacity > 0)) throw new RangeError(`history capacity ${capacity} must be positive`);
    this.capacity = capacity;
  }

  /** Reads the totals at `at` (ms); from the second reading on, appends the rates since the one before. */
  sample(totals: CounterTotals, at: number): void {
    const reading: Reading = {
      at, delivered: totals.delivered, replayed: totals.replayed,
      routes: new Map([...totals.routes].map(([route, t]) => [route, [t.requests, t.records, t.refused] as const])),
    };
    const previous = this.#previous;
    this.#previous = reading;
    if (previous === undefined || at <= previous.at) return;
    const seconds = (at - previous.at) / 1000;
    const routes: Record<string, readonly [number, number, number]> = {};
    for (const [route, now] of reading.routes) {
      const before = previous.routes.get(route) ?? [0, 0, 0];
      if (now[0] === before[0] && now[1] === before[1]) continue;
      routes[route] = [perSecond(now[0] - before[0], seconds), perSecond(now[1] - before[1], seconds), perSecond(now[2] - before[2], seconds)];
    }
    this.#samples.push({
      seq: ++this.#seq, at, routes,
      delivered: perSecond(reading.delivered - previous.delivered, seconds),
      replayed: perSecond(reading.replayed - previous.replayed, seconds),
    });
    if (this.#samples.length > this.capacity) this.#samples.shift();
  }

  /** The last sample's seq (0 before the first). */
  get latestSeq(): number {
    return this.#seq;
  }

  /** The samples after `seq` (all held when 0), oldest first. */
  since(seq: number): RateSample[] {
    const samples = this.#samples;
    const first = samples.findIndex((s) => s.seq > seq);
    return first < 0 ? [] : samples.slice(first);
  }

  /** Mean rates per route over the last `count` samples (fewer at start). */
  recent(count: number): Map<string, RouteRates> {
    const window = this.#samples.slice(-count);
    const sums = new Map<string, [number, number, number]>();
    for (const sample of window) {
      for (const [route, rates] of Object.entries(sample.routes)) {
        const sum = sums.get(route) ?? [0, 0, 0];
        for (let i = 0; i < 3; i++) sum[i]! += rates[i]!;
        sums.set(route, sum);
      }
    }
    const n = Math.max(window.length, 1);
    return new Map([...sums].map(([route, [requests, records, refused]]) =>
      [route, { requests: perSecond(requests, n), records: perSecond(records, n), refused: perSecond(refused, n) }]));
  }

  /** Mean replay rate (records/s) over the last `count` samples. */
  recentReplayed(count: number): number {
    const window = this.#samples.slice(-count);
    return window.length === 0 ? 0 : perSecond(window.reduce((sum, s) => sum + s.replayed, 0), window.length);
  }
}
