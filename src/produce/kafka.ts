// Kafka as the daemon uses it, connected at start: the producer (the one
// librdkafka handle that sends), the metadata probe beside it with the health
// and partition counts it keeps fresh, librdkafka's statistics, and the
// client-error policy. Each delivery report goes to src/settle/deliveries.ts.
// In spool mode start-up does not wait for Kafka: when it cannot be reached
// the daemon starts anyway (Kafka unreachable, the spool absorbs), and the
// connection is made in the background; the probe, the health and the
// partition counts begin when it is.
import type { Logger } from 'pino';
import type { Config } from '../config/schema';
import type { TopicSlot, TopicTable } from '../config/topics';
import { routeDeliveries } from '../settle/deliveries';
import type { Ledger } from '../settle/ledger';
import { ClientErrorPolicy, type KafkaConnection } from './client-errors';
import { describeDeliveryError, kafkaErrorText } from './kafka-errors';
import { KafkaHealth } from './health';
import { MetadataProbe, type MetadataSource } from './metadata-probe';
import { PartitionCounts } from './partition-counts';
import { KafkaProducer, producerProperties, type Metadata, type ProducerProperties } from './producer';
import { parseKafkaStats, type KafkaStatsSnapshot } from './stats';

const CONNECT_TIMEOUT_MS = 15_000;
/** Spool mode: how long start-up waits for Kafka before it goes on without it. */
const SPOOL_START_WAIT_MS = 2_000;
const PROBE_INTERVAL_MS = 2_000;
/** Delivery reports reach JS only when librdkafka is polled; each poll is one
 * cheap native call, and the interval is added to every answer's latency. */
const POLL_INTERVAL_MS = 1;

/** Start-up could not use Kafka; the daemon exits 1 with this message. */
export class KafkaStartError extends Error {
  constructor(message: string, readonly connection: KafkaConnection, options: { cause: unknown }) {
    super(message, options);
    this.name = 'KafkaStartError';
  }
}

/** The probe once connected; until then every metadata request fails at once. */
class ProbeWhenConnected implements MetadataSource {
  probe: MetadataProbe | undefined;

  metadata(timeoutMs: number, topic?: string): Promise<Metadata> {
    if (this.probe === undefined) return Promise.reject(new Error('not connected to Kafka yet'));
    return this.probe.metadata(timeoutMs, topic);
  }
}

export interface KafkaStartOptions {
  /** Spool mode: start without Kafka when it cannot be reached (a refusal still ends start-up). */
  readonly startWithoutKafka: boolean;
}

export class Kafka {
  #stats: KafkaStatsSnapshot | undefined;
  #bootstrap: string;
  #closed = false;

  private constructor(
    readonly producer: KafkaProducer,
    readonly metadata: ProbeWhenConnected,
    readonly health: KafkaHealth,
    readonly partitionCounts: PartitionCounts,
    bootstrap: string,
  ) {
    this.#bootstrap = bootstrap;
  }

  /** The brokers the cluster metadata names, as bootstrap.servers (the configured ones until connected). */
  get bootstrap(): string {
    return this.#bootstrap;
  }

  /** Connects the producer and the probe, reads the partition counts of
   * every topic in `topics` and starts the health probe; throws
   * KafkaStartError when Kafka cannot be used (in spool mode only when it
   * refused: unreachable, it connects later), or lacks a topic that only
   * elasticsearch.indexTopics names (a signal's missing topic is refused per
   * request instead, admission.ts; a mapped one cannot be: which topic a
   * request writes to is known only once its documents are read). */
  static async connect(config: Config, topics: TopicTable, ledger: Ledger, log: Logger,
    options: KafkaStartOptions = { startWithoutKafka: false }): Promise<Kafka> {
    const properties = producerProperties(config);
    const connection = connectionOf(properties);
    const producer = new KafkaProducer(properties, routeDeliveries(ledger, describeDeliveryError, log));
    const policy = new ClientErrorPolicy(connection, {
      ledger, log, exitAfterFatal: () => void producer.disconnect(1_000).finally(() => process.exit(1)),
    });
    producer.onError(policy.handle);
    // Error events reach JS only when librdkafka is polled: poll from the start,
    // so an authentication refusal is seen while connecting.
    producer.startPolling(POLL_INTERVAL_MS);
    const metadata = new ProbeWhenConnected();
    const health = new KafkaHealth(metadata, log, PROBE_INTERVAL_MS);
    const partitionCounts = new PartitionCounts(metadata, topics, log);
    const kafka = new Kafka(producer, metadata, health, partitionCounts, connection.brokers);
    producer.onStats((json) => kafka.#readStats(json, log));
    const connectMs = options.startWithoutKafka ? SPOOL_START_WAIT_MS : CONNECT_TIMEOUT_MS;
    let refused = false;
    // Registered before the race below, so it has run when the race rejects.
    policy.startRefusal.catch(() => { refused = true; });
    try {
      await Promise.race([kafka.#connectHandles(properties, connectMs, policy), policy.startRefusal]);
    } catch (err) {
      if (!options.startWithoutKafka || refused) {
        // librdkafka may still be connecting: no further attempt.
        producer.abandonConnect();
        await producer.disconnect(1_000);
        throw new KafkaStartError(`cannot use Kafka at ${policy.where}: ${kafkaErrorText(err)}`, connection, { cause: err });
      }
      log.warn({ err, kafka: connection }, `Kafka at ${policy.where} cannot be reached; starting without it (delivery.mode spool): requests are spooled, topics and partition counts are checked when Kafka is reached`);
      policy.started(health);
      health.markUnreachable('kafka_unreachable', err);
      void kafka.#connectInBackground(properties, log);
      return kafka;
    }
    await kafka.#started(policy);
    const missing = topics.mappedSlots.flatMap((slot) => partitionCounts.missing(slot) ?? []);
    if (missing.length > 0) {
      await kafka.close();
      throw new KafkaStartError(`Kafka at ${policy.where} does not have the topic${missing.length > 1 ? 's' : ''} ${missing.join(', ')} `
        + 'that elasticsearch.indexTopics names: create it (auto-creation is off) or remove it from the map', connection, { cause: undefined });
    }
    if (config.kafka.brokers === '') {
      log.warn({ bootstrap: kafka.bootstrap }, `no Kafka brokers configured (kafka.brokers / METRICSTREAM_BROKERS): using an embedded in-memory Kafka, data is NOT persistent; read it with: kcat -b ${kafka.bootstrap} -t ${config.kafka.topics.metrics} -C`);
    }
    return kafka;
  }

  /** Connects the producer, then the probe on the brokers the producer's metadata names. */
  async #connectHandles(properties: ProducerProperties, timeoutMs: number, policy?: ClientErrorPolicy): Promise<void> {
    const cluster = await this.producer.connect(timeoutMs);
    const probe = new MetadataProbe(properties, bootstrapOf(cluster));
    if (policy !== undefined) probe.onError(policy.handle);
    try {
      await probe.connect(timeoutMs);
    } catch (err) {
      await probe.disconnect(1_000);
      throw err;
    }
    this.#bootstrap = bootstrapOf(cluster);
    this.metadata.probe = probe;
  }

  /** Start-up is over with both handles connected: counts read, health probing. */
  async #started(policy: ClientErrorPolicy): Promise<void> {
    policy.started(this.health);
    this.health.start();
    await this.partitionCounts.refresh();
    this.health.onProbe = () => void this.partitionCounts.refresh();
  }

  /** Spool mode after a start without Kafka: connects until it succeeds (or close()). */
  async #connectInBackground(properties: ProducerProperties, log: Logger): Promise<void> {
    // The first successful probe marks Kafka reachable; counts are read on every probe.
    this.health.onProbe = () => void this.partitionCounts.refresh();
    while (!this.#closed) {
      try {
        await this.#connectHandles(properties, CONNECT_TIMEOUT_MS);
        break;
      } catch {
        // Still unreachable: the health probe keeps saying so; try again.
      }
    }
    if (this.#closed) {
      await this.metadata.probe?.disconnect(1_000);
      return;
    }
    log.info({ bootstrap: this.#bootstrap }, 'connected to Kafka after starting without it; checking topics and partition counts');
    this.health.start();
  }

  get reachable(): boolean {
    return this.health.reachable;
  }

  /** The latest librdkafka statistics, once the first have arrived. */
  get stats(): KafkaStatsSnapshot | undefined {
    return this.#stats;
  }

  /** The topic in a slot (a signal's: slot = Signal) that Kafka does not have, if it lacks it. */
  missingTopic(topic: TopicSlot): string | undefined {
    return this.partitionCounts.missing(topic);
  }

  /** Stops probing and disconnects both handles (after the drain's flush). */
  async close(): Promise<void> {
    this.#closed = true;
    this.producer.abandonConnect();
    this.health.stop();
    await Promise.all([this.producer.disconnect(1_000), this.metadata.probe?.disconnect(1_000)]);
  }

  #readStats(json: string, log: Logger): void {
    try {
      this.#stats = parseKafkaStats(json);
    } catch (err) {
      log.warn({ err }, 'unreadable librdkafka statistics');
    }
  }
}

function bootstrapOf(metadata: Metadata): string {
  return metadata.brokers.map((b) => `${b.host}:${b.port}`).join(',');
}

function connectionOf(properties: ProducerProperties): KafkaConnection {
  const mechanism = properties['sasl.mechanisms'] ?? properties['sasl.mechanism'];
  return {
    brokers: String(properties['bootstrap.servers'] ?? 'embedded'),
    securityProtocol: String(properties['security.protocol'] ?? 'plaintext'),
    ...(mechanism === undefined ? {} : { saslMechanism: String(mechanism), saslUsername: String(properties['sasl.username'] ?? '') }),
  };
}
