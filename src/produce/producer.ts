// The one librdkafka producer. Only the main thread ever touches it
// (node-rdkafka aborts inside worker threads), and only through this module,
// which reaches node-rdkafka through rdkafka-adapter.ts.
import type { LibrdKafkaError, Metadata, NumberNullUndefined, Producer } from 'node-rdkafka';
import type { Config } from '../config/schema';
import { decodeHeaders } from '../ring/headers';
import { keyView, valueView, type RecordBytes } from '../ring/reader';
import { NodeRdkafka, type DeliveredIdsClient, type LibrdkafkaProperties } from './rdkafka-adapter';
import type { MessageProducer } from './sender';

export type ProducerProperties = LibrdkafkaProperties;
/** `opaque`: the ticket given to send(), or the object given to produce().
 * `topic` is '' for successful sends (reported by id, see DeliveredIdsClient). */
export type DeliveryHandler = (error: LibrdKafkaError | null, opaque: unknown, topic: string) => void;
export type RecordHeaders = Array<Record<string, string>>;

/** The header every message carries, first. */
export const ID_HEADER = 'metricstream-id';

/** node-rdkafka's headers for produce(): metricstream-id, then the extra
 * headers of an encoded block (src/ring/headers.ts) of `data`. */
export function recordHeaders(id: string, data: Uint8Array, headersAt: number, headerBytes: number): RecordHeaders {
  const headers: RecordHeaders = [{ [ID_HEADER]: id }];
  for (const [name, value] of decodeHeaders(data, headersAt, headerBytes)) headers.push({ [name]: value });
  return headers;
}


/** Ids taken from the native client per call. */
const DELIVERED_IDS_PER_TAKE = 4096;

/** Defaults chosen for "acknowledged means in Kafka"; any key
 * can be overridden through kafka.producer. */
export function producerProperties(config: Config): ProducerProperties {
  const kafka = config.kafka;
  const embedded = kafka.brokers === '';
  return {
    'client.id': 'metricstream',
    // Embedded: librdkafka's mock cluster inside this producer.
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

/** See KafkaProducer.connect. */
const CONNECT_ATTEMPT_MS = 2_000;

/**
 * Sends through the patch's produceWithId() (the value and key read from the
 * ring in place, the ticket as a numeric opaque) and hands over successful
 * deliveries in bulk with takeDelivered() after each poll, instead of
 * node-rdkafka's own produce() (a persistent handle per message, a JS report
 * object and callback per delivery; what that costs the main thread is in
 * bench/RESULTS.md, "the delivered-ids patch of node-rdkafka"). Failed deliveries come through the
 * delivery callback.
 * Constructing one runs the node-rdkafka self-check (rdkafka-adapter.ts):
 * without the patch there is no producer.
 */
export class KafkaProducer implements MessageProducer {
  readonly #rdkafka: NodeRdkafka;
  readonly #producer: Producer;
  readonly #onDelivery: DeliveryHandler;
  readonly #fast: DeliveredIdsClient | null;
  readonly #delivered = new Float64Array(DELIVERED_IDS_PER_TAKE);
  /** The produce() path: one header object, reused (produce() copies it). */
  readonly #header: Record<string, string> = { [ID_HEADER]: '' };
  readonly #headers: RecordHeaders = [this.#header];
  #pollTimer: NodeJS.Timeout | undefined;
  #abandoned = false;

  /** `useDeliveredIds` false: send() goes through node-rdkafka's own produce()
   * and delivery reports, the path the patch replaced (bench/delivery-reports.ts
   * measures both). Throws NodeRdkafkaMismatchError when node-rdkafka is not
   * the patched version the adapter expects, whichever path is chosen. */
  constructor(properties: ProducerProperties, onDelivery: DeliveryHandler, useDeliveredIds = true) {
    const { global, topic } = splitProperties(properties);
    this.#rdkafka = NodeRdkafka.installed();
    const { producer, deliveredIds } = this.#rdkafka.createReportingProducer(global, topic,
      (error, report) => onDelivery(error, report.opaque, report.topic));
    this.#producer = producer;
    this.#onDelivery = onDelivery;
    this.#fast = useDeliveredIds ? deliveredIds : null;
  }

  /** Whether send() goes through the patch's produceWithId/takeDelivered
   * (false only when the constructor was told so). */
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
      let headers = this.#headers;
      if (record.headerBytes === 0) this.#header[ID_HEADER] = id;
      else headers = recordHeaders(id, record.data, record.headersAt, record.headerBytes);
      this.produce(topic, partition, valueView(record), keyView(record), headers, ticket);
      return;
    }
    // The value, key and extra headers are read from the ring in place: no Buffer view each.
    const code = fast.produceWithId(topic, partition, record.data, record.valueAt, record.valueBytes,
      record.keyAt, record.keyBytes, ticket, ID_HEADER, id, record.headersAt, record.headerBytes);
    if (code !== 0) throw this.#rdkafka.error(code);
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
