// The one librdkafka producer. Only the main thread ever touches it (SPEC §2:
// node-rdkafka aborts inside worker threads), and only through this module.
import { Producer, type LibrdKafkaError, type Metadata, type NumberNullUndefined } from 'node-rdkafka';
import type { Config } from '../config/schema';

export type ProducerProperties = Record<string, string | number | boolean>;
export type DeliveryHandler = (error: LibrdKafkaError | null, opaque: unknown) => void;
export type RecordHeaders = Array<Record<string, string>>;

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
    'linger.ms': 5,
    'compression.codec': 'lz4',
    'partitioner': 'murmur2_random',
    'message.timeout.ms': kafka.deliveryTimeoutMs,
    // Byte bound on librdkafka's own queue (its default is 1 GiB); our record
    // cap (kafka.maxInFlightRecords) stays below the message bound.
    'queue.buffering.max.kbytes': 65_536,
    'queue.buffering.max.messages': Math.max(kafka.maxInFlightRecords * 2, 100_000),
    'socket.keepalive.enable': true,
    ...kafka.producer,
  };
}

export class KafkaProducer {
  readonly #producer: Producer;
  #pollTimer: NodeJS.Timeout | undefined;

  constructor(properties: ProducerProperties, onDelivery: DeliveryHandler) {
    this.#producer = new Producer({ ...properties, dr_cb: true });
    this.#producer.on('delivery-report', (error, report) => onDelivery(error, report.opaque));
  }

  onError(handler: (error: LibrdKafkaError) => void): void {
    this.#producer.on('event.error', handler);
  }

  /** Connects and fetches metadata; rejects after timeoutMs. */
  connect(timeoutMs: number): Promise<Metadata> {
    return new Promise((resolve, reject) => {
      this.#producer.connect({ timeout: timeoutMs }, (err, metadata) => {
        if (err) reject(new Error(`cannot connect to Kafka: ${err.message}`));
        else resolve(metadata);
      });
    });
  }

  /** Delivery reports reach JS only when librdkafka is polled. */
  startPolling(intervalMs: number): void {
    this.#pollTimer = setInterval(() => this.#producer.poll(), intervalMs);
  }

  /** Copies value and key into librdkafka's queue; throws on QUEUE_FULL etc. */
  produce(topic: string, value: Buffer, key: Buffer | null, headers: RecordHeaders, opaque: unknown): void {
    this.#producer.produce(topic, null, value, key, null, opaque, headers);
  }

  metadata(timeoutMs: number): Promise<Metadata> {
    return new Promise((resolve, reject) => {
      this.#producer.getMetadata({ timeout: timeoutMs }, (err, metadata) => {
        if (err) reject(err);
        else resolve(metadata);
      });
    });
  }

  /** Waits until librdkafka's queue is empty or timeoutMs passes. */
  flush(timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#producer.flush(timeoutMs, (err) => (err ? reject(err) : resolve()));
    });
  }

  poll(): void {
    this.#producer.poll();
  }

  disconnect(timeoutMs: number): Promise<void> {
    if (this.#pollTimer) clearInterval(this.#pollTimer);
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      this.#producer.disconnect(0, () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}

export type { LibrdKafkaError, Metadata, NumberNullUndefined };
