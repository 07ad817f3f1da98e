// Secrets never reach a log line or --check-config output.
import type { Config } from './schema';

/** librdkafka properties that hold secrets (CONFIGURATION.md). */
const SECRET_PROPERTY = /password|secret|sasl\.oauthbearer\.config|ssl\.key\.pem|ssl_key|token/i;

export function maskSecrets(config: Config): Config {
  const producer = Object.fromEntries(Object.entries(config.kafka.producer)
    .map(([name, value]) => [name, SECRET_PROPERTY.test(name) ? '***' : value]));
  const auth = { ...config.ingest.auth, tokens: config.ingest.auth.tokens.map(() => '***') };
  return { ...config, ingest: { ...config.ingest, auth }, kafka: { ...config.kafka, producer } };
}
