// The one librdkafka producer. Only the main thread ever touches it (SPEC §2:
// node-rdkafka aborts inside worker threads), and only through this module.
import { Producer, type LibrdKafkaError, type Metadata, type NumberNullUndefined } from 'node-rdkafka';

// node-rdkafka's error class (what its own delivery callback wraps errors in;
// not exported by its typings).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const KafkaErrors = require('node-rdkafka/lib/error') as { create(error: unknown): LibrdKafkaError };
import type { Config } from '../config/schema';
import { keyView, valueView, type RecordBytes } from '../ring/reader';
import type { MessageProducer } from './sender';

export type ProducerProperties = Record<string, string | number | boolean>;
/** `opaque`: the ticket given to send(), or the object given to produce().
 * `topic` is '' for successful sends (reported by id, see DeliveredIdsClient). */
export type DeliveryHandler = (error: LibrdKafkaError | null, opaque: unknown, topic: string) => void;
export type RecordHeaders = Array<Record<string, string>>;

/** The one header every message carries (SPEC §5). */
export const ID_HEADER = 'metricstream-id';


/**
 * node-rdkafka's native producer with metricstream's patch
 * (patches/node-rdkafka-3.6.1-delivered-ids.patch, applied by
 * scripts/patch-node-rdkafka.js at npm install): produceWithId() queues one
 * message with one header and a numeric opaque; takeDelivered() hands over
 * the ids of successful deliveries in bulk. Stock node-rdkafka instead makes
 * a persistent handle per message and a JS object plus a callback per
 * delivery report: ~10 µs against ~2 µs of main-thread CPU per message here.
 * Failed deliveries still arrive through the delivery callback, opaque = id.
 */
interface DeliveredIdsClient {
  produceWithId(topic: string, partition: number | null, data: Buffer, valueAt: number, valueBytes: number,
    keyAt: number, keyBytes: number, id: number, headerName: string, headerValue: string): number;
  takeDelivered(out: Float64Array): number;
}

function deliveredIdsClient(producer: Producer): DeliveredIdsClient | null {
  const client = (producer as unknown as { _client?: Partial<DeliveredIdsClient> })._client;
  if (typeof client?.produceWithId !== 'function' || typeof client.takeDelivered !== 'function') return null;
  return client as DeliveredIdsClient;
}

/** Ids taken from the native client per call. */
const DELIVERED_IDS_PER_TAKE = 4096;

/** Defaults chosen for "acknowledged means in Kafka" (SPEC §4, §5); any key
 * can be overridden through kafka.producer. */
export function producerProperties(config: Config): ProducerProperties {
  const kafka = config.kafka;
  const embedded = kafka.brokers === '';
  return {
    'client.id': 'metricstream',
    // Embedded: librdkafka's mock cluster inside this producer (SPEC §6).
    ...(embedded ? { 'test.mock.num.brokers': 1 } : { 'bootstrap.servers': kafka.brokers }),
    acks: 'all',
    'enable.idempotence': true,
    // 1 ms, not librdkafka's 5: every request waits for its acknowledgement, so
    // linger is added to each answer; with 1-record requests at 64 connections
    // 1 ms gave 13.2k req/s against 7.5k with 5 ms (bench/, this machine), and
    // under load batches still fill while earlier requests are in flight.
    'linger.ms': 1,
    'compression.codec': 'lz4',
    'partitioner': 'murmur2_random',
    'message.timeout.ms': kafka.deliveryTimeoutMs,
    // Byte bound on librdkafka's own queue (its default is 1 GiB); our record
    // cap (kafka.maxInFlightMessages) stays below the message bound.
    'queue.buffering.max.kbytes': 65_536,
    'queue.buffering.max.messages': Math.max(kafka.maxInFlightMessages * 2, 100_000),
    'socket.keepalive.enable': true,
    // Back within a second of a broker's return (librdkafka's default backoff
    // grows to 10 s, during which requests for its partitions wait).
    'reconnect.backoff.max.ms': 1_000,
    'statistics.interval.ms': config.telemetry.kafkaStatsIntervalMs,
    ...kafka.producer,
  };
}

/** librdkafka's topic-level properties (CONFIGURATION.md, "Topic configuration
 * properties"). node-rdkafka ignores them in the global configuration (seen
 * here: `partitioner` and `message.timeout.ms` had no effect there), so they
 * are passed as the default topic configuration. */
const TOPIC_PROPERTIES = new Set([
  'request.required.acks', 'acks', 'request.timeout.ms', 'message.timeout.ms', 'delivery.timeout.ms',
  'queuing.strategy', 'produce.offset.report', 'partitioner', 'compression.codec', 'compression.type',
  'compression.level',
]);

export function splitProperties(properties: ProducerProperties): { global: ProducerProperties; topic: ProducerProperties } {
  const global: ProducerProperties = {};
  const topic: ProducerProperties = {};
  for (const [name, value] of Object.entries(properties)) {
    if (TOPIC_PROPERTIES.has(name)) topic[name] = value;
    else global[name] = value;
  }
  return { global, topic };
}

/**
 * Hands delivery reports straight to `handler`, in place of node-rdkafka's
 * own delivery callback, which wraps the error and re-emits each report as a
 * 'delivery-report' event (an EventEmitter dispatch per record on the main
 * thread). node-rdkafka 3.6.1 registers `_cb_configs.event.delivery_cb` with
 * the native client at connect(); its `dr_msg_cb` flag (false: no payload
 * copy) is kept. Returns false, leaving the event in use, when the internals
 * are not where 3.6.1 has them.
 */
function deliverDirectly(producer: Producer, handler: (error: LibrdKafkaError | null, report: { opaque?: unknown; topic: string }) => void): boolean {
  type Callback = ((error: unknown, report: { opaque?: unknown; topic: string }) => void) & { dr_msg_cb?: boolean };
  const configs = (producer as unknown as { _cb_configs?: { event?: { delivery_cb?: Callback } } })._cb_configs;
  const current = configs?.event?.delivery_cb;
  if (configs?.event === undefined || typeof current !== 'function' || current.dr_msg_cb !== false) return false;
  const direct = (error: unknown, report: { opaque?: unknown; topic: string }): void =>
    handler(error ? KafkaErrors.create(error) : null, report);
  configs.event.delivery_cb = Object.assign(direct, { dr_msg_cb: false });
  return true;
}

/** See KafkaProducer.connect. */
const CONNECT_ATTEMPT_MS = 2_000;

export class KafkaProducer implements MessageProducer {
  readonly #producer: Producer;
  readonly #onDelivery: DeliveryHandler;
  readonly #fast: DeliveredIdsClient | null;
  readonly #delivered = new Float64Array(DELIVERED_IDS_PER_TAKE);
  /** Stock node-rdkafka: one header object, reused (produce() copies it). */
  readonly #header: Record<string, string> = { [ID_HEADER]: '' };
  readonly #headers: RecordHeaders = [this.#header];
  #pollTimer: NodeJS.Timeout | undefined;
  #abandoned = false;

  /** `useDeliveredIds` false forces stock node-rdkafka's path (tests). */
  constructor(properties: ProducerProperties, onDelivery: DeliveryHandler, useDeliveredIds = true) {
    const { global, topic } = splitProperties(properties);
    // dr_cb, not dr_msg_cb: node-rdkafka then does not copy each payload back
    // into a JS Buffer for the report (src/callbacks.cc, DeliveryReport).
    this.#producer = new Producer({ ...global, dr_cb: true }, topic);
    this.#onDelivery = onDelivery;
    this.#fast = useDeliveredIds ? deliveredIdsClient(this.#producer) : null;
    const report = (error: LibrdKafkaError | null, r: { opaque?: unknown; topic: string }): void => onDelivery(error, r.opaque, r.topic);
    if (!deliverDirectly(this.#producer, report)) this.#producer.on('delivery-report', report);
  }

  /** Whether messages go through the patched produceWithId/takeDelivered
   * (false: node-rdkafka was installed without metricstream's patch). */
  get deliveredIds(): boolean {
    return this.#fast !== null;
  }

  onError(handler: (error: LibrdKafkaError) => void): void {
    this.#producer.on('event.error', handler);
  }

  /** librdkafka's statistics JSON, every statistics.interval.ms. */
  onStats(handler: (json: string) => void): void {
    this.#producer.on('event.stats', (event: { message: string }) => handler(event.message));
  }

  /** Connects and fetches metadata; rejects after timeoutMs, or at once
   * after abandonConnect().
   *
   * In attempts of at most CONNECT_ATTEMPT_MS: node-rdkafka waits for the
   * connect's metadata in a native call that the process cannot exit past
   * (process.exit waited the whole 15 s deadline after an authentication
   * refusal, measured here), so a refused start-up exits within one attempt. */
  async connect(timeoutMs: number): Promise<Metadata> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const attemptMs = Math.max(1, Math.min(CONNECT_ATTEMPT_MS, deadline - Date.now()));
      try {
        return await new Promise<Metadata>((resolve, reject) => {
          this.#producer.connect({ timeout: attemptMs }, (err, metadata) => (err ? reject(err) : resolve(metadata)));
        });
      } catch (err) {
        if (this.#abandoned || Date.now() >= deadline) throw err;
      }
    }
  }

  /** Stops connect() retrying (start-up was refused). */
  abandonConnect(): void {
    this.#abandoned = true;
  }

  /** Delivery reports and error events reach JS only when librdkafka is
   * polled. May start before connect() resolves (node-rdkafka refuses to poll
   * until its handle exists). */
  startPolling(intervalMs: number): void {
    this.#pollTimer = pollEvery(this.#producer, intervalMs, this.#fast === null ? undefined : this.#takeDelivered);
  }

  /** Copies value and key into librdkafka's queue; throws on QUEUE_FULL etc.
   * partition null = the configured partitioner decides from the key. */
  send(topic: string, partition: number | null, record: RecordBytes, id: string, _records: number, ticket: number): void {
    const fast = this.#fast;
    if (fast === null) {
      this.#header[ID_HEADER] = id;
      this.produce(topic, partition, valueView(record), keyView(record), this.#headers, ticket);
      return;
    }
    // The value and key are read from the ring in place: no Buffer view each.
    const code = fast.produceWithId(topic, partition, record.data, record.valueAt, record.valueBytes,
      record.keyAt, record.keyBytes, ticket, ID_HEADER, id);
    if (code !== 0) throw KafkaErrors.create(code);
  }

  /** node-rdkafka's own produce(): any headers, any opaque (the spool's
   * replay). Copies value, key and headers; throws on QUEUE_FULL etc. */
  produce(topic: string, partition: number | null, value: Buffer, key: Buffer | null, headers: RecordHeaders, opaque: unknown): void {
    this.#producer.produce(topic, partition, value, key, null, opaque, headers);
  }

  /** Hands the ids of successful sends to the delivery handler. */
  readonly #takeDelivered = (): void => {
    const fast = this.#fast!;
    const ids = this.#delivered;
    let n: number;
    do {
      n = fast.takeDelivered(ids);
      for (let i = 0; i < n; i++) this.#onDelivery(null, ids[i], '');
    } while (n === ids.length);
  };

  /** Waits until librdkafka's queue is empty or timeoutMs passes. */
  flush(timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#producer.flush(timeoutMs, (err) => {
        // flush() delivers on a libuv thread: hand those reports over now.
        if (this.#fast !== null) this.#takeDelivered();
        if (err) reject(err);
        else resolve();
      });
    });
  }

  async disconnect(timeoutMs: number): Promise<void> {
    clearInterval(this.#pollTimer);
    await disconnectWithin(this.#producer, timeoutMs);
    if (this.#fast !== null) this.#takeDelivered();
  }
}

/** Polls a librdkafka handle on an interval (delivery reports and error
 * events reach JS only then), then runs `afterPoll`; a poll before connect()
 * or after disconnect() throws in node-rdkafka and is skipped. */
export function pollEvery(handle: Producer, intervalMs: number, afterPoll?: () => void): NodeJS.Timeout {
  return setInterval(() => {
    try {
      handle.poll();
    } catch {
      // not connected yet, or disconnected
    }
    afterPoll?.();
  }, intervalMs);
}

/** Disconnects a librdkafka handle, giving up waiting after `timeoutMs`. */
export function disconnectWithin(handle: Producer, timeoutMs: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, timeoutMs);
    try {
      handle.disconnect(0, () => {
        clearTimeout(timer);
        resolve();
      });
    } catch {
      // never connected (node-rdkafka throws "Producer not connected")
      clearTimeout(timer);
      resolve();
    }
  });
}

export type { LibrdKafkaError, Metadata, NumberNullUndefined };
