// What the daemon does about librdkafka's client-level errors (not a
// message's delivery): a fatal error (e.g. a refused InitProducerId: no ACL
// for idempotent writes) fails every open request and exits, so the service
// manager restarts it; an authentication refusal or every broker down marks
// Kafka unreachable, so requests are refused at once. During start-up either
// refusal ends start-up, naming what was refused, instead of waiting out the
// connect deadline.
import type { Logger } from 'pino';
import type { LibrdKafkaError } from 'node-rdkafka';
import type { Ledger } from '../settle/ledger';
import { rateLimited } from '../telemetry/log';
import { classifyClientError, kafkaErrorText } from './kafka-errors';
import type { KafkaHealth } from './health';

/** What the log lines say about the Kafka connection (no secrets). */
export interface KafkaConnection {
  readonly brokers: string;
  readonly securityProtocol: string;
  readonly saslMechanism?: string;
  readonly saslUsername?: string;
}

export interface ClientErrorActions {
  readonly ledger: Pick<Ledger, 'failAll'>;
  /** Closes the producer and exits with status 1. */
  readonly exitAfterFatal: () => void;
  readonly log: Logger;
}

export class ClientErrorPolicy {
  readonly #connection: KafkaConnection;
  readonly #actions: ClientErrorActions;
  readonly #logError: (context: object, message: string) => void;
  readonly #where: string;
  #refusedAtStart: ((err: LibrdKafkaError) => void) | undefined;
  readonly #startRefusal: Promise<never>;
  #health: KafkaHealth | undefined;
  #fatal = false;

  constructor(connection: KafkaConnection, actions: ClientErrorActions) {
    this.#connection = connection;
    this.#actions = actions;
    this.#logError = rateLimited(actions.log, 'warn', 10_000);
    this.#where = `${connection.brokers} (${connection.securityProtocol}` +
      `${connection.saslMechanism ? `, SASL ${connection.saslMechanism} as user ${connection.saslUsername}` : ''})`;
    this.#startRefusal = new Promise<never>((_, reject) => (this.#refusedAtStart = reject));
    this.#startRefusal.catch(() => undefined);
  }

  /** "brokers (protocol, SASL mechanism as user)", for log lines. */
  get where(): string {
    return this.#where;
  }

  /** Rejects with the first fatal or authentication error until started(). */
  get startRefusal(): Promise<never> {
    return this.#startRefusal;
  }

  /** Start-up is over: from now on errors go to `health`. */
  started(health: KafkaHealth): void {
    this.#refusedAtStart = undefined;
    this.#health = health;
  }

  readonly handle = (err: LibrdKafkaError): void => {
    const kind = classifyClientError(err);
    const { log, ledger } = this.#actions;
    if (kind === 'fatal') {
      if (this.#refusedAtStart) return this.#refusedAtStart(err);
      if (this.#fatal) return;
      this.#fatal = true;
      log.fatal({ err, kafka: this.#connection }, `Kafka refused the producer at ${this.#where}: ${kafkaErrorText(err)}; exiting so the service manager restarts it`);
      ledger.failAll('kafka_unavailable', `Kafka producer fatal error: ${kafkaErrorText(err)}`);
      this.#actions.exitAfterFatal();
    } else if (kind === 'authentication') {
      if (this.#refusedAtStart) return this.#refusedAtStart(err);
      this.#health?.markUnreachable('kafka_authentication_failed', err);
      this.#logError({ err, kafka: this.#connection }, 'Kafka refused authentication');
    } else if (kind === 'all_brokers_down') {
      this.#health?.markUnreachable('kafka_unreachable', err);
    } else {
      this.#logError({ err, kafkaCode: err.code }, 'librdkafka error');
    }
  };
}
