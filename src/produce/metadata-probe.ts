// A librdkafka handle used only for metadata requests: Kafka health and topic
// partition counts.
//
// Why not the producer's own handle (issue 10): librdkafka sends a metadata
// request on the producer's broker connections, behind the produce requests
// already queued there. While delivery was backlogged (a leader killed under
// load) the probe timed out, the daemon refused every new request with
// kafka_unavailable, and it stayed so until the backlog's records waited out
// message.timeout.ms. Its own connections carry nothing else.
import type { LibrdKafkaError, Metadata, Producer } from 'node-rdkafka';
import { disconnectWithin, pollEvery, splitProperties, type ProducerProperties } from './producer';
import { NodeRdkafka } from './rdkafka-adapter';

/** Producer properties that only concern producing; the probe keeps the
 * connection and security ones (bootstrap, sasl.*, ssl.*, socket.*, ...). */
const PRODUCE_ONLY = /^(enable\.idempotence|transactional\.id|statistics\.interval\.ms|queue\.buffering\.|batch\.|linger\.ms|queue\.|compression\.|message\.|retries|retry\.|max\.in\.flight|enable\.gapless|sticky\.|dr_|test\.mock\.)/;

/** Error events reach JS only when the handle is polled. */
const POLL_INTERVAL_MS = 100;

/** What the health probe and the partition counts ask of Kafka. */
export interface MetadataSource {
  /** Cluster metadata; with `topic`, only that topic's (which may auto-create it where the broker allows). */
  metadata(timeoutMs: number, topic?: string): Promise<Metadata>;
}

export class MetadataProbe implements MetadataSource {
  readonly #handle: Producer;
  #pollTimer: NodeJS.Timeout | undefined;

  /** `bootstrap` replaces bootstrap.servers (the embedded cluster's address is known only after connect). */
  constructor(properties: ProducerProperties, bootstrap: string) {
    const { global } = splitProperties(properties);
    const conf: ProducerProperties = { 'client.id': 'metricstream-probe' };
    for (const [name, value] of Object.entries(global)) if (!PRODUCE_ONLY.test(name) && name !== 'client.id') conf[name] = value;
    conf['bootstrap.servers'] = bootstrap;
    this.#handle = NodeRdkafka.installed().createProducer(conf, {});
  }

  /** librdkafka error events of this handle (e.g. authentication failures). */
  onError(handler: (error: LibrdKafkaError) => void): void {
    this.#handle.on('event.error', handler);
  }

  connect(timeoutMs: number): Promise<Metadata> {
    this.#pollTimer = pollEvery(this.#handle, POLL_INTERVAL_MS);
    this.#pollTimer.unref();
    return new Promise((resolve, reject) => {
      this.#handle.connect({ timeout: timeoutMs }, (err, metadata) => (err ? reject(err) : resolve(metadata)));
    });
  }

  /** Cluster metadata; with `topic`, only that topic's (which may auto-create it where the broker allows). */
  metadata(timeoutMs: number, topic?: string): Promise<Metadata> {
    return new Promise((resolve, reject) => {
      this.#handle.getMetadata(topic === undefined ? { timeout: timeoutMs } : { timeout: timeoutMs, topic }, (err, metadata) => {
        if (err) reject(err);
        else resolve(metadata);
      });
    });
  }

  disconnect(timeoutMs: number): Promise<void> {
    clearInterval(this.#pollTimer);
    return disconnectWithin(this.#handle, timeoutMs);
  }
}
