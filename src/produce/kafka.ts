// Kafka as the daemon uses it, connected at start: the producer (the one
// librdkafka handle that sends), the metadata probe beside it with the health
// and partition counts it keeps fresh, librdkafka's statistics, and the
// client-error policy. Each delivery report goes to src/settle/deliveries.ts.
import type { Logger } from 'pino';
import type { Config } from '../config/schema';
import type { TopicSlot, TopicTable } from '../config/topics';
import { routeDeliveries } from '../settle/deliveries';
import type { Ledger } from '../settle/ledger';
import { ClientErrorPolicy, type KafkaConnection } from './client-errors';
import { describeDeliveryError, kafkaErrorText } from './kafka-errors';
import { KafkaHealth } from './health';
import { MetadataProbe } from './metadata-probe';
import { PartitionCounts } from './partition-counts';
import { KafkaProducer, producerProperties, type Metadata, type ProducerProperties } from './producer';
import { parseKafkaStats, type KafkaStatsSnapshot } from './stats';

const CONNECT_TIMEOUT_MS = 15_000;
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

export class Kafka {
  #stats: KafkaStatsSnapshot | undefined;

  private constructor(
    readonly producer: KafkaProducer,
    readonly probe: MetadataProbe,
    readonly health: KafkaHealth,
    readonly partitionCounts: PartitionCounts,
    /** The brokers the cluster metadata names, as bootstrap.servers. */
    readonly bootstrap: string,
  ) {}

  /** Connects the producer and the probe, reads the partition counts of
   * every topic in `topics` and starts the health probe; throws
   * KafkaStartError when Kafka cannot be used, or lacks a topic that only
   * elasticsearch.indexTopics names (a signal's missing topic is refused per
   * request instead, admission.ts; a mapped one cannot be: which topic a
   * request writes to is known only once its documents are read). */
  static async connect(config: Config, topics: TopicTable, ledger: Ledger, log: Logger): Promise<Kafka> {
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
    let metadata: Metadata;
    let probe: MetadataProbe;
    try {
      metadata = await Promise.race([producer.connect(CONNECT_TIMEOUT_MS), policy.startRefusal]);
      probe = new MetadataProbe(properties, bootstrapOf(metadata));
      probe.onError(policy.handle);
      await Promise.race([probe.connect(CONNECT_TIMEOUT_MS), policy.startRefusal]);
    } catch (err) {
      // librdkafka may still be connecting: no further attempt.
      producer.abandonConnect();
      await producer.disconnect(1_000);
      throw new KafkaStartError(`cannot use Kafka at ${policy.where}: ${kafkaErrorText(err)}`, connection, { cause: err });
    }
    const health = new KafkaHealth(probe, log, PROBE_INTERVAL_MS);
    policy.started(health);
    health.start();
    const partitionCounts = new PartitionCounts(probe, topics, log);
    await partitionCounts.refresh();
    const missing = topics.mappedSlots.flatMap((slot) => partitionCounts.missing(slot) ?? []);
    if (missing.length > 0) {
      health.stop();
      await Promise.all([producer.disconnect(1_000), probe.disconnect(1_000)]);
      throw new KafkaStartError(`Kafka at ${policy.where} does not have the topic${missing.length > 1 ? 's' : ''} ${missing.join(', ')} `
        + 'that elasticsearch.indexTopics names: create it (auto-creation is off) or remove it from the map', connection, { cause: undefined });
    }
    health.onProbe = () => void partitionCounts.refresh();
    const kafka = new Kafka(producer, probe, health, partitionCounts, bootstrapOf(metadata));
    producer.onStats((json) => kafka.#readStats(json, log));
    if (config.kafka.brokers === '') {
      log.warn({ bootstrap: kafka.bootstrap }, `no Kafka brokers configured (kafka.brokers / METRICSTREAM_BROKERS): using an embedded in-memory Kafka, data is NOT persistent; read it with: kcat -b ${kafka.bootstrap} -t ${config.kafka.topics.metrics} -C`);
    }
    return kafka;
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
    this.health.stop();
    await Promise.all([this.producer.disconnect(1_000), this.probe.disconnect(1_000)]);
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
