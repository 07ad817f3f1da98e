// The daemon's own Prometheus metrics. Hot paths count in plain fields
// (Ledger.counters, RingPump.skippedRecords); gauges and counters read them at
// scrape time, so nothing on the hot path touches prom-client per record.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { RouteCounts, type RouteTotals } from './route-counts';

/** What the metricstream_kafka_* gauges show (src/produce/stats.ts reduces
 * librdkafka's statistics to this; declared here so telemetry depends on no
 * stage). */
export interface KafkaStatsSnapshot {
  readonly queueMessages: number;
  readonly queueBytes: number;
  readonly brokersUp: number;
  readonly brokersKnown: number;
  /** Average produce round trip per broker ("host:port/id" → seconds). */
  readonly rttSeconds: Readonly<Record<string, number>>;
}

export interface TelemetrySources {
  counters(): { accepted: number; delivered: number; failed: number; skipped: number };
  inFlightMessages(): number;
  openRequests(): number;
  activeHttpRequests(): number;
  ringUsedBytes(): number;
  ringCapacityBytes(): number;
  poolQueueSize(): number;
  poolBusySeconds(): number;
  /** remote_write 1.0 metric families whose remembered type another family replaced. */
  familyTypesReplaced(): number;
  poolThreads: number;
  kafkaReachable(): boolean;
  draining(): boolean;
  kafkaStats(): KafkaStatsSnapshot | undefined;
  /** delivery.mode spool only. */
  spool?: SpoolSources | undefined;
  /** The sum of every byte bound the configuration sets (src/config/memory.ts). */
  memoryCeilingBytes?: number | undefined;
  /** dedup.enabled only: the idempotency window. */
  dedup?: DedupSources | undefined;
  /** Where request bodies are read (src/pool/body-arena.ts). */
  bodyArena?: { readonly leasedBytes: number; readonly peakLeasedBytes: number; readonly misses: number } | undefined;
}

export interface DedupSources {
  keys(): number;
  bytes(): number;
  counters(): { replays: number; conflicts: number; evictions: number };
}

export interface SpoolSources {
  usedBytes(): number;
  readonly maxBytes: number;
  undeliveredMessages(): number;
  oldestUndeliveredSeconds(): number;
  /** Undelivered messages replay holds behind a message of a topic Kafka does not have. */
  blockedMessages(): number;
  replayed(): { messages: number; records: number; rewinds: number };
  syncs(): { syncs: number; failedSyncs: number };
}

/** A counter whose value is a running total kept elsewhere. */
function mirroredCounter(registry: Registry, name: string, help: string, read: () => number): void {
  let published = 0;
  new Counter({
    name, help, registers: [registry],
    collect() {
      const now = read();
      if (now > published) this.inc(now - published);
      published = now;
    },
  });
}

/** A counter per label value whose running totals are kept elsewhere. */
function mirroredLabelledCounter(registry: Registry, name: string, help: string, label: string,
  read: () => Iterable<readonly [string, number]>): void {
  const published = new Map<string, number>();
  new Counter({
    name, help, labelNames: [label], registers: [registry],
    collect() {
      for (const [value, now] of read()) {
        const before = published.get(value) ?? 0;
        if (now > before) this.inc({ [label]: value }, now - before);
        published.set(value, now);
      }
    },
  });
}

function gauge(registry: Registry, name: string, help: string, read: () => number): void {
  new Gauge({ name, help, registers: [registry], collect() { this.set(read()); } });
}

export class Telemetry {
  readonly registry = new Registry();
  readonly #requests: Counter<'route' | 'status'>;
  readonly #duration: Histogram<'route'>;
  /** Routes and statuses are fixed sets, so this map stays small. */
  readonly #requestChildren = new Map<string, { count: Counter.Internal; duration: Histogram.Internal<'route'>; totals: RouteTotals }>();
  /** Answers per route in plain fields (the status page's rates, metricstream_http_records_total). */
  readonly routes = new RouteCounts();
  /** Refusals by catalogue code: a fixed set. */
  readonly #refusalsByCode = new Map<string, number>();
  readonly #delivery: Histogram;
  readonly #spoolSync: Histogram | undefined;
  readonly #spoolBatch: Histogram | undefined;

  constructor(sources: TelemetrySources) {
    const r = this.registry;
    collectDefaultMetrics({ register: r });
    this.#requests = new Counter({
      name: 'metricstream_http_requests_total', help: 'Ingest requests answered, by route and status',
      labelNames: ['route', 'status'], registers: [r],
    });
    this.#duration = new Histogram({
      name: 'metricstream_http_request_duration_seconds', help: 'From request arrival to answer',
      labelNames: ['route'], registers: [r],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    });
    mirroredLabelledCounter(r, 'metricstream_http_records_total', 'Records accepted in successful ingest answers, by route; rate() is the ingest rate per route',
      'route', () => [...this.routes.totals].map(([route, totals]) => [route, totals.records]));
    mirroredLabelledCounter(r, 'metricstream_http_refusals_total', 'Refusals answered (ingest and admin listeners), by catalogue code (docs/protocols.md)',
      'code', () => this.#refusalsByCode);
    mirroredCounter(r, 'metricstream_records_accepted_total', 'Records decoded and admitted for Kafka', () => sources.counters().accepted);
    mirroredCounter(r, 'metricstream_records_delivered_total', 'Records acknowledged by Kafka', () => sources.counters().delivered);
    mirroredCounter(r, 'metricstream_records_failed_total', 'Records Kafka did not acknowledge', () => sources.counters().failed);
    mirroredCounter(r, 'metricstream_records_skipped_total', 'Decoded records dropped because their request was already answered with an error', () => sources.counters().skipped);
    gauge(r, 'metricstream_kafka_messages_in_flight', 'Kafka messages admitted and not yet settled (a batch message counts one; cap kafka.maxInFlightMessages)', sources.inFlightMessages);
    // Deprecated name of the gauge above (it counted messages, not records):
    // kept so existing dashboards and alerts keep working; docs/operations.md lists it.
    gauge(r, 'metricstream_records_in_flight', 'DEPRECATED: use metricstream_kafka_messages_in_flight', sources.inFlightMessages);
    gauge(r, 'metricstream_requests_open', 'Requests being decoded or produced', sources.openRequests);
    gauge(r, 'metricstream_http_requests_active', 'Ingest requests not yet answered', sources.activeHttpRequests);
    gauge(r, 'metricstream_ring_used_bytes', 'Bytes in the worker rings not yet produced', sources.ringUsedBytes);
    gauge(r, 'metricstream_ring_capacity_bytes', 'Total bytes of the worker rings', sources.ringCapacityBytes);
    gauge(r, 'metricstream_pool_queue_size', 'Requests waiting for a decode worker', sources.poolQueueSize);
    mirroredCounter(r, 'metricstream_pool_busy_seconds_total', 'Seconds decode workers spent on requests; rate() / metricstream_pool_threads = utilization', sources.poolBusySeconds);
    gauge(r, 'metricstream_pool_threads', 'Decode worker threads', () => sources.poolThreads);
    const arena = sources.bodyArena;
    if (arena !== undefined) {
      gauge(r, 'metricstream_body_arena_bytes', 'Bytes of the body arena holding request bodies now (cap ingest.maxBufferedBodyBytes)', () => arena.leasedBytes);
      gauge(r, 'metricstream_body_arena_peak_bytes', 'Most bytes of the body arena held at once since start: about what it keeps resident', () => arena.peakLeasedBytes);
      mirroredCounter(r, 'metricstream_body_arena_misses_total', 'Request bodies read into buffers of their own because the body arena had no room for them', () => arena.misses);
    }
    mirroredCounter(r, 'metricstream_remote_write_family_types_replaced_total', 'remote_write 1.0 metric families whose remembered type another family took the slot of (their samples are gauge until their metadata comes again)', sources.familyTypesReplaced);
    gauge(r, 'metricstream_kafka_reachable', '1 when Kafka metadata could be fetched', () => (sources.kafkaReachable() ? 1 : 0));
    gauge(r, 'metricstream_draining', '1 while shutting down', () => (sources.draining() ? 1 : 0));
    this.#delivery = new Histogram({
      name: 'metricstream_delivery_duration_seconds', help: 'From a request\'s records entering librdkafka to Kafka acknowledging the last of them',
      registers: [r], buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    });
    const ceiling = sources.memoryCeilingBytes;
    if (ceiling !== undefined) gauge(r, 'metricstream_memory_ceiling_bytes', 'The sum of every byte bound the configuration sets: resident memory should stay below it', () => ceiling);
    const dedup = sources.dedup;
    if (dedup !== undefined) {
      mirroredCounter(r, 'metricstream_dedup_replays_total', 'Repeats of an idempotency key that succeeded, answered the first answer again (Idempotent-Replayed: true); nothing was written again', () => dedup.counters().replays);
      mirroredCounter(r, 'metricstream_dedup_conflicts_total', 'Idempotency keys repeated with a different body (422 idempotency_key_reused)', () => dedup.counters().conflicts);
      mirroredCounter(r, 'metricstream_dedup_evictions_total', 'Idempotency keys forgotten before their window ended (dedup.maxKeys or dedup.maxBytes reached)', () => dedup.counters().evictions);
      gauge(r, 'metricstream_dedup_keys', 'Idempotency keys held: remembered successes and first requests in flight', dedup.keys);
      gauge(r, 'metricstream_dedup_bytes', 'Estimated memory of the idempotency keys held (cap dedup.maxBytes)', dedup.bytes);
    }
    const spool = sources.spool;
    if (spool !== undefined) {
      gauge(r, 'metricstream_spool_bytes', 'Bytes of spool segments on disk plus bytes waiting to be written (cap spool.maxBytes)', spool.usedBytes);
      gauge(r, 'metricstream_spool_max_bytes', 'spool.maxBytes', () => spool.maxBytes);
      gauge(r, 'metricstream_spool_messages', 'Kafka messages in the spool not yet delivered to Kafka', spool.undeliveredMessages);
      gauge(r, 'metricstream_spool_oldest_undelivered_seconds', 'Age of the oldest spooled message not yet delivered to Kafka (0 when none)', spool.oldestUndeliveredSeconds);
      gauge(r, 'metricstream_spool_blocked_messages', 'Spooled messages replay cannot deliver because a topic they wait behind does not exist in Kafka (0 when none; the log names the topic)', spool.blockedMessages);
      mirroredCounter(r, 'metricstream_spool_replayed_messages_total', 'Spooled Kafka messages delivered to Kafka by replay', () => spool.replayed().messages);
      mirroredCounter(r, 'metricstream_spool_replayed_records_total', 'Records in those messages; rate() is the replay rate', () => spool.replayed().records);
      mirroredCounter(r, 'metricstream_spool_replay_restarts_total', 'Times replay started again from the delivered checkpoint after a failed delivery', () => spool.replayed().rewinds);
      mirroredCounter(r, 'metricstream_spool_syncs_total', 'Batches written and fdatasync\'ed', () => spool.syncs().syncs);
      mirroredCounter(r, 'metricstream_spool_write_failures_total', 'Batches whose write or fdatasync failed (their requests got 503 spool_unavailable)', () => spool.syncs().failedSyncs);
      this.#spoolSync = new Histogram({
        name: 'metricstream_spool_sync_seconds', help: 'Writing and fdatasync\'ing one batch of the spool', registers: [r],
        buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      });
      this.#spoolBatch = new Histogram({
        name: 'metricstream_spool_messages_per_sync', help: 'Kafka messages per fdatasync (group commit)', registers: [r],
        buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000],
      });
    }
    const stat = (read: (s: KafkaStatsSnapshot) => number) => () => { const s = sources.kafkaStats(); return s === undefined ? 0 : read(s); };
    gauge(r, 'metricstream_kafka_producer_queue_messages', 'Messages in librdkafka\'s queue (librdkafka statistics msg_cnt)', stat((s) => s.queueMessages));
    gauge(r, 'metricstream_kafka_producer_queue_bytes', 'Bytes in librdkafka\'s queue (librdkafka statistics msg_size)', stat((s) => s.queueBytes));
    gauge(r, 'metricstream_kafka_brokers_up', 'Brokers librdkafka is connected to', stat((s) => s.brokersUp));
    gauge(r, 'metricstream_kafka_brokers_known', 'Brokers in the cluster metadata', stat((s) => s.brokersKnown));
    new Gauge({
      name: 'metricstream_kafka_broker_rtt_seconds', help: 'Average request round trip per broker (librdkafka statistics)',
      labelNames: ['broker'], registers: [r],
      collect() {
        this.reset();
        for (const [broker, seconds] of Object.entries(sources.kafkaStats()?.rttSeconds ?? {})) this.set({ broker }, seconds);
      },
    });
  }

  spoolSync(seconds: number, messages: number): void {
    this.#spoolSync?.observe(seconds);
    this.#spoolBatch?.observe(messages);
  }

  delivery(seconds: number): void {
    this.#delivery.observe(seconds);
  }

  /** Once per request: the label children are looked up once per (route,
   * status) rather than prom-client hashing the label object on every call. */
  request(route: string, status: number, seconds: number): void {
    const key = `${route} ${status}`;
    let child = this.#requestChildren.get(key);
    if (child === undefined) {
      child = { count: this.#requests.labels(route, String(status)), duration: this.#duration.labels(route), totals: this.routes.of(route) };
      this.#requestChildren.set(key, child);
    }
    child.count.inc();
    child.duration.observe(seconds);
    child.totals.requests++;
    if (status >= 400) child.totals.refused++;
  }

  /** Records in a successful answer of `route`. */
  recordsAccepted(route: string, records: number): void {
    this.routes.accepted(route, records);
  }

  /** One refusal answered with `code` (a catalogue code). */
  refusal(code: string): void {
    this.#refusalsByCode.set(code, (this.#refusalsByCode.get(code) ?? 0) + 1);
  }
}
