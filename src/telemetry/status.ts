// What the admin listener's status page shows (GET /status.json; the page
// itself is src/ingest/status-page.ts): build, uptime, readiness, rates per
// route over the last minutes, Kafka's brokers, the spool, the last
// refusals. Every part has a fixed bound: the history's and the ring's
// capacities, the routes of the route table, the brokers of the cluster
// (cut at MAX_BROKERS), strings cut to a fixed length.
import type { SpoolSources } from './prometheus';
import { RateHistory, type RateSample } from './rate-history';
import { RefusalRing, type RefusalEntry } from './refusal-ring';
import type { RouteCounts } from './route-counts';

export interface BuildInfo {
  readonly metricstream: string;
  readonly node: string;
  readonly uWebSockets: string;
  readonly librdkafka: string;
  readonly nodeRdkafka: string;
  /** The delivered-ids patch built into node-rdkafka's addon (its SHA-256). */
  readonly nodeRdkafkaPatch: string;
  readonly deliveryMode: 'kafka' | 'spool';
}

export interface BrokerState {
  /** librdkafka's name for it: "host:port/id". */
  readonly name: string;
  readonly nodeId: number;
  /** librdkafka's broker state: UP, DOWN, CONNECT, AUTH, ... */
  readonly state: string;
  readonly rttSeconds: number;
}

export interface StatusSources {
  readonly build: BuildInfo;
  readonly routes: RouteCounts;
  /** Empty when ready (src/request/admission.ts). */
  notReadyReasons(): readonly string[];
  /** Records settled, as metricstream_records_delivered_total. */
  deliveredRecords(): number;
  kafka(): {
    readonly reachable: boolean;
    readonly bootstrap: string;
    /** From librdkafka's statistics; undefined before the first arrive (or with them off). */
    readonly brokers: readonly BrokerState[] | undefined;
    readonly inFlightMessages: number;
    readonly maxInFlightMessages: number;
  };
  memory(): { readonly rssBytes: number; readonly ceilingBytes: number };
  readonly spool?: SpoolSources | undefined;
}

export const SAMPLE_INTERVAL_MS = 1_000;
/** The rates shown as numbers: the mean of this many samples. */
const RECENT_SAMPLES = 10;
const MAX_BROKERS = 64;
const MAX_BOOTSTRAP_CHARS = 512;

export class StatusBoard {
  readonly refusals = new RefusalRing();
  readonly history = new RateHistory();
  readonly #sources: StatusSources;
  readonly #startedAt = Date.now();
  #timer: NodeJS.Timeout | undefined;

  constructor(sources: StatusSources) {
    this.#sources = sources;
  }

  /** Samples the totals once a second (the timer does not keep the process alive). */
  start(): void {
    this.sample(Date.now());
    this.#timer = setInterval(() => this.sample(Date.now()), SAMPLE_INTERVAL_MS);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  sample(at: number): void {
    const sources = this.#sources;
    this.history.sample({ routes: sources.routes.totals, delivered: sources.deliveredRecords(), replayed: sources.spool?.replayed().records ?? 0 }, at);
  }

  record(refusal: RefusalEntry): void {
    this.refusals.record(refusal);
  }

  /** The status page's data; `since`: the last sample the page has (0: all). */
  snapshot(since: number, now = Date.now()): StatusSnapshot {
    const s = this.#sources;
    const reasons = s.notReadyReasons();
    const kafka = s.kafka();
    const recent = this.history.recent(RECENT_SAMPLES);
    return {
      at: now,
      build: s.build,
      uptimeSeconds: Math.round((now - this.#startedAt) / 1000),
      ready: reasons.length === 0,
      reasons: [...reasons],
      memory: s.memory(),
      routes: [...s.routes.totals].map(([route, totals]) => ({
        route, total: { ...totals }, perSecond: recent.get(route) ?? { requests: 0, records: 0, refused: 0 },
      })),
      kafka: {
        reachable: kafka.reachable,
        bootstrap: kafka.bootstrap.slice(0, MAX_BOOTSTRAP_CHARS),
        inFlightMessages: kafka.inFlightMessages,
        maxInFlightMessages: kafka.maxInFlightMessages,
        brokers: kafka.brokers === undefined ? null : kafka.brokers.slice(0, MAX_BROKERS),
      },
      spool: s.spool === undefined ? null : {
        bytes: s.spool.usedBytes(),
        maxBytes: s.spool.maxBytes,
        undeliveredMessages: s.spool.undeliveredMessages(),
        oldestUndeliveredSeconds: s.spool.oldestUndeliveredSeconds(),
        replayRecordsPerSecond: this.history.recentReplayed(RECENT_SAMPLES),
      },
      history: { intervalMs: SAMPLE_INTERVAL_MS, capacity: this.history.capacity, latestSeq: this.history.latestSeq, samples: this.history.since(since) },
      refusals: { capacity: this.refusals.capacity, total: this.refusals.total, latest: this.refusals.newestFirst() },
    };
  }
}

export interface StatusSnapshot {
  readonly at: number;
  readonly build: BuildInfo;
  readonly uptimeSeconds: number;
  readonly ready: boolean;
  readonly reasons: readonly string[];
  readonly memory: { readonly rssBytes: number; readonly ceilingBytes: number };
  readonly routes: readonly {
    readonly route: string;
    readonly total: { readonly requests: number; readonly refused: number; readonly records: number };
    readonly perSecond: { readonly requests: number; readonly records: number; readonly refused: number };
  }[];
  readonly kafka: {
    readonly reachable: boolean;
    readonly bootstrap: string;
    readonly inFlightMessages: number;
    readonly maxInFlightMessages: number;
    readonly brokers: readonly BrokerState[] | null;
  };
  readonly spool: {
    readonly bytes: number;
    readonly maxBytes: number;
    readonly undeliveredMessages: number;
    readonly oldestUndeliveredSeconds: number;
    readonly replayRecordsPerSecond: number;
  } | null;
  readonly history: { readonly intervalMs: number; readonly capacity: number; readonly latestSeq: number; readonly samples: readonly RateSample[] };
  readonly refusals: { readonly capacity: number; readonly total: number; readonly latest: readonly RefusalEntry[] };
}
