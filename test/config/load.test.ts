// Configuration (src/config/load.ts): schema defaults ← JSON file ←
// environment, validated once, frozen; every error names the key.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { ConfigError, envNameOf, loadConfig } from '../../src/config/load';
import { maskSecrets } from '../../src/config/mask';
import { configSchema, defaultPoolThreads } from '../../src/config/schema';

const dir = mkdtempSync(path.join(os.tmpdir(), 'metricstream-config-test-'));
after(() => rmSync(dir, { recursive: true, force: true }));

let files = 0;
/** Writes a config file (an object as JSON, a string as is) and returns its path. */
function file(content: unknown): string {
  const p = path.join(dir, `config-${++files}.json`);
  writeFileSync(p, typeof content === 'string' ? content : JSON.stringify(content));
  return p;
}

/** Asserts loadConfig throws a ConfigError whose message matches every pattern. */
function assertConfigError(load: () => unknown, ...patterns: RegExp[]): void {
  assert.throws(load, (err: unknown) => {
    assert.ok(err instanceof ConfigError, `expected a ConfigError, got ${String(err)}`);
    assert.equal(err.name, 'ConfigError');
    for (const pattern of patterns) assert.match(err.message, pattern);
    return true;
  });
}

describe('config: defaults', () => {
  it('with no file and no environment, is the schema defaults with pool.threads from the host', () => {
    const c = loadConfig({ env: {} });
    const defaults = configSchema.parse({});
    assert.deepEqual({ ...c, pool: { ...c.pool, threads: undefined } }, { ...defaults, pool: { ...defaults.pool, threads: undefined } });
    assert.equal(c.pool.threads, defaultPoolThreads());
    assert.ok(c.pool.threads >= 1 && c.pool.threads <= 16);
  });

  it('has the documented listener defaults and safe producer settings', () => {
    const c = loadConfig({ env: {} });
    assert.equal(c.ingest.host, '0.0.0.0');
    assert.equal(c.ingest.port, 8090);
    assert.equal(c.admin.host, '127.0.0.1');
    assert.equal(c.admin.port, 8091);
    assert.equal(c.kafka.brokers, '');
    assert.deepEqual(c.kafka.topics, { metrics: 'metrics', logs: 'logs', traces: 'traces' });
    assert.deepEqual(c.otlp.encoding, { metrics: 'records', logs: 'records', traces: 'records' });
    assert.deepEqual(c.kafka.producer, {});
    assert.deepEqual(c.ingest.auth.tokens, []);
    assert.ok(c.ingest.requestTimeoutMs > c.kafka.deliveryTimeoutMs);
    assert.ok(c.ingest.maxDecompressedBytes >= c.ingest.maxBodyBytes);
  });

  it('reads only the environment it is given', () => {
    const saved = process.env['METRICSTREAM_PORT'];
    process.env['METRICSTREAM_PORT'] = '9999';
    try {
      assert.equal(loadConfig({ env: {} }).ingest.port, 8090);
      assert.equal(loadConfig().ingest.port, 9999, 'defaults to process.env');
    } finally {
      if (saved === undefined) delete process.env['METRICSTREAM_PORT'];
      else process.env['METRICSTREAM_PORT'] = saved;
    }
  });
});

describe('config: file', () => {
  it('takes values from the file and defaults for the rest', () => {
    const c = loadConfig({
      configPath: file({
        ingest: { port: 9000, maxBodyBytes: 1000, auth: { tokens: ['0123456789abcdef'] } },
        kafka: { brokers: 'k1:9092,k2:9092', topics: { logs: 'app-logs' }, messageMode: 'ndjson-batch', producer: { 'linger.ms': 5, 'enable.idempotence': true } },
        pool: { threads: 3, ringBytes: 65536 },
        log: { level: 'debug' },
      }),
      env: {},
    });
    assert.equal(c.ingest.port, 9000);
    assert.equal(c.ingest.maxBodyBytes, 1000);
    assert.deepEqual(c.ingest.auth.tokens, ['0123456789abcdef']);
    assert.equal(c.ingest.host, '0.0.0.0');
    assert.equal(c.kafka.brokers, 'k1:9092,k2:9092');
    assert.deepEqual(c.kafka.topics, { metrics: 'metrics', logs: 'app-logs', traces: 'traces' });
    assert.equal(c.kafka.messageMode, 'ndjson-batch');
    assert.deepEqual(c.kafka.producer, { 'linger.ms': 5, 'enable.idempotence': true });
    assert.equal(c.pool.threads, 3);
    assert.equal(c.pool.ringBytes, 65536);
    assert.equal(c.pool.maxQueue, 1024);
    assert.equal(c.pool.workerMaxYoungGenMb, 16);
    assert.equal(c.log.level, 'debug');
    assert.equal(c.admin.port, 8091);
  });

  it('METRICSTREAM_CONFIG names the file; an explicit configPath wins over it', () => {
    const fromEnv = file({ drain: { timeoutMs: 1234 } });
    const explicit = file({ drain: { timeoutMs: 5678 } });
    assert.equal(loadConfig({ env: { METRICSTREAM_CONFIG: fromEnv } }).drain.timeoutMs, 1234);
    assert.equal(loadConfig({ configPath: explicit, env: { METRICSTREAM_CONFIG: fromEnv } }).drain.timeoutMs, 5678);
  });

  it('adds the tokens of ingest.auth.tokensFile, skipping blank lines and comments', () => {
    const tokensFile = path.join(dir, 'tokens.txt');
    writeFileSync(tokensFile, '# operators\nabcdefghijklmnop1\n\n  abcdefghijklmnop2  \n');
    const c = loadConfig({ configPath: file({ ingest: { auth: { tokens: ['abcdefghijklmnop0'], tokensFile } } }), env: {} });
    assert.deepEqual(c.ingest.auth.tokens, ['abcdefghijklmnop0', 'abcdefghijklmnop1', 'abcdefghijklmnop2']);
  });

  it('kafka.saslPasswordFile sets sasl.password (trailing newline dropped), masked by maskSecrets; refused beside sasl.password or when unreadable', () => {
    const passwordFile = path.join(dir, 'kafka-password');
    writeFileSync(passwordFile, 's3cret pass\n');
    const c = loadConfig({ configPath: file({ kafka: { saslPasswordFile: passwordFile, producer: { 'sasl.username': 'metricstream' } } }), env: {} });
    assert.equal(c.kafka.producer['sasl.password'], 's3cret pass');
    assert.equal(maskSecrets(c).kafka.producer['sasl.password'], '***');
    assert.equal(maskSecrets(c).kafka.producer['sasl.username'], 'metricstream');
    const fromEnv = loadConfig({ env: { METRICSTREAM_KAFKA_SASL_PASSWORD_FILE: passwordFile } });
    assert.equal(fromEnv.kafka.producer['sasl.password'], 's3cret pass');
    assertConfigError(() => loadConfig({ configPath: file({ kafka: { saslPasswordFile: passwordFile, producer: { 'sasl.password': 'x' } } }), env: {} }), /kafka\.saslPasswordFile/, /set one of them/);
    assertConfigError(() => loadConfig({ configPath: file({ kafka: { saslPasswordFile: path.join(dir, 'nope') } }), env: {} }), /kafka\.saslPasswordFile: cannot read/);
  });

  it('refuses a missing file, a file that is not JSON, and a file that is not an object', () => {
    assertConfigError(() => loadConfig({ configPath: path.join(dir, 'does-not-exist.json'), env: {} }), /cannot read config file/, /does-not-exist\.json/);
    assertConfigError(() => loadConfig({ configPath: file('{"ingest": {'), env: {} }), /not valid JSON/);
    assertConfigError(() => loadConfig({ configPath: file('[1, 2]'), env: {} }), /not valid JSON.*top level must be an object/);
    assertConfigError(() => loadConfig({ configPath: file('null'), env: {} }), /top level must be an object/);
  });
});

describe('config: environment', () => {
  it('short names: METRICSTREAM_BROKERS, _PORT, _ADMIN_PORT, _WORKERS, _LOG_LEVEL', () => {
    const c = loadConfig({ env: {
      METRICSTREAM_BROKERS: 'b1:9092,b2:9092',
      METRICSTREAM_PORT: '9100',
      METRICSTREAM_ADMIN_PORT: '9101',
      METRICSTREAM_WORKERS: '3',
      METRICSTREAM_LOG_LEVEL: 'warn',
    } });
    assert.equal(c.kafka.brokers, 'b1:9092,b2:9092');
    assert.equal(c.ingest.port, 9100);
    assert.equal(c.admin.port, 9101);
    assert.equal(c.pool.threads, 3);
    assert.equal(c.log.level, 'warn');
  });

  it('long names for every key: METRICSTREAM_<SECTION>_<KEY_IN_SNAKE_CASE>', () => {
    const c = loadConfig({ env: {
      METRICSTREAM_INGEST_MAX_BODY_BYTES: '1000',
      METRICSTREAM_INGEST_MAX_DECOMPRESSED_BYTES: '5000',
      METRICSTREAM_INGEST_HOST: '127.0.0.2',
      METRICSTREAM_INGEST_PORT: '7000',
      METRICSTREAM_LIMITS_MAX_RECORDS_PER_REQUEST: '10',
      METRICSTREAM_KAFKA_TOPICS_METRICS: 'm2',
      METRICSTREAM_KAFKA_MESSAGE_MODE: 'ndjson-batch',
      METRICSTREAM_KAFKA_MAX_IN_FLIGHT_MESSAGES: '77',
      METRICSTREAM_POOL_THREADS: '5',
      METRICSTREAM_POOL_RING_BYTES: '131072',
      METRICSTREAM_TELEMETRY_KAFKA_STATS_INTERVAL_MS: '0',
      METRICSTREAM_DRAIN_TIMEOUT_MS: '100',
    } });
    assert.equal(c.ingest.maxBodyBytes, 1000);
    assert.equal(c.ingest.maxDecompressedBytes, 5000);
    assert.equal(c.ingest.host, '127.0.0.2');
    assert.equal(c.ingest.port, 7000);
    assert.equal(c.limits.maxRecordsPerRequest, 10);
    assert.equal(c.kafka.topics.metrics, 'm2');
    assert.equal(c.kafka.topics.logs, 'logs');
    assert.equal(c.kafka.messageMode, 'ndjson-batch');
    assert.equal(c.kafka.maxInFlightMessages, 77);
    assert.equal(c.pool.threads, 5);
    assert.equal(c.pool.ringBytes, 131072);
    assert.equal(c.telemetry.kafkaStatsIntervalMs, 0);
    assert.equal(c.drain.timeoutMs, 100);
  });

  it('text keys stay text even when they look like numbers', () => {
    const c = loadConfig({ env: {
      METRICSTREAM_BROKERS: '9092',
      METRICSTREAM_KAFKA_TOPICS_LOGS: '42',
      METRICSTREAM_KAFKA_LOG_KEY_FIELD: 'true',
    } });
    assert.equal(c.kafka.brokers, '9092');
    assert.equal(c.kafka.topics.logs, '42');
    assert.equal(c.kafka.logKeyField, 'true');
  });

  it('METRICSTREAM_KAFKA_PRODUCER__<name with _ for .> sets any librdkafka property', () => {
    const c = loadConfig({ env: {
      METRICSTREAM_KAFKA_PRODUCER__linger_ms: '10',
      METRICSTREAM_KAFKA_PRODUCER__queue_buffering_max_kbytes: '2048',
      METRICSTREAM_KAFKA_PRODUCER__acks: 'all',
    } });
    assert.deepEqual(c.kafka.producer, { 'linger.ms': '10', 'queue.buffering.max.kbytes': '2048', acks: 'all' });
  });

  it('producer properties from the environment merge with those of the file, and win', () => {
    const c = loadConfig({
      configPath: file({ kafka: { brokers: 'f:9092', producer: { 'linger.ms': 5, 'compression.type': 'lz4' } } }),
      env: { METRICSTREAM_KAFKA_PRODUCER__linger_ms: '10' },
    });
    assert.deepEqual(c.kafka.producer, { 'linger.ms': '10', 'compression.type': 'lz4' });
    assert.equal(c.kafka.brokers, 'f:9092');
  });

  it('the environment overrides the file, key by key', () => {
    const c = loadConfig({
      configPath: file({ ingest: { port: 9000, host: '10.0.0.1', maxBodyBytes: 1000 }, kafka: { brokers: 'file:9092' }, pool: { threads: 2 } }),
      env: {
        METRICSTREAM_PORT: '9100',
        METRICSTREAM_BROKERS: 'env:9092',
        METRICSTREAM_WORKERS: '4',
        METRICSTREAM_INGEST_MAX_BODY_BYTES: '2000',
      },
    });
    assert.equal(c.ingest.port, 9100);
    assert.equal(c.ingest.maxBodyBytes, 2000);
    assert.equal(c.ingest.host, '10.0.0.1', 'keys the environment does not set keep the file value');
    assert.equal(c.kafka.brokers, 'env:9092');
    assert.equal(c.pool.threads, 4);
  });

  it('tokens from the environment: comma-separated or a JSON array', () => {
    const csv = loadConfig({ env: { METRICSTREAM_INGEST_AUTH_TOKENS: 'abcdefghijklmnop1, abcdefghijklmnop2,' } });
    assert.deepEqual(csv.ingest.auth.tokens, ['abcdefghijklmnop1', 'abcdefghijklmnop2']);
    const json = loadConfig({ env: { METRICSTREAM_INGEST_AUTH_TOKENS: '["abcdefghijklmnop3"]' } });
    assert.deepEqual(json.ingest.auth.tokens, ['abcdefghijklmnop3']);
  });

  it('ignores unrelated environment variables', () => {
    const c = loadConfig({ env: { PATH: '/usr/bin', PORT: '1', METRICSTREAMPORT: '2' } });
    assert.equal(c.ingest.port, 8090);
  });
});

describe('config: invalid values', () => {
  it('names the key of an invalid value from the environment', () => {
    const cases: Array<[Record<string, string>, RegExp]> = [
      [{ METRICSTREAM_PORT: '70000' }, /ingest\.port/],
      [{ METRICSTREAM_PORT: '-1' }, /ingest\.port/],
      [{ METRICSTREAM_PORT: 'eighty' }, /ingest\.port/],
      [{ METRICSTREAM_PORT: '80.5' }, /ingest\.port/],
      [{ METRICSTREAM_ADMIN_PORT: '65536' }, /admin\.port/],
      [{ METRICSTREAM_WORKERS: 'many' }, /pool\.threads/],
      [{ METRICSTREAM_WORKERS: '0' }, /pool\.threads/],
      [{ METRICSTREAM_INGEST_MAX_BODY_BYTES: '0' }, /ingest\.maxBodyBytes/],
      [{ METRICSTREAM_INGEST_MAX_BODY_BYTES: '12abc' }, /ingest\.maxBodyBytes/],
      [{ METRICSTREAM_LOG_LEVEL: 'loud' }, /log\.level/],
      [{ METRICSTREAM_KAFKA_MESSAGE_MODE: 'zip' }, /kafka\.messageMode/],
      [{ METRICSTREAM_KAFKA_TOPICS_METRICS: '' }, /kafka\.topics\.metrics/],
      [{ METRICSTREAM_INGEST_AUTH_TOKENS: 'short' }, /ingest\.auth\.tokens/],
    ];
    for (const [env, key] of cases) {
      assertConfigError(() => loadConfig({ env }), /invalid configuration/, key);
    }
  });

  it('names the key of an invalid value from the file', () => {
    const cases: Array<[unknown, RegExp]> = [
      [{ ingest: { port: '8090' } }, /ingest\.port/],
      [{ ingest: { maxBodyBytes: -1 } }, /ingest\.maxBodyBytes/],
      [{ kafka: { messageMode: 'zip' } }, /kafka\.messageMode/],
      [{ kafka: { producer: { 'linger.ms': { nested: true } } } }, /kafka\.producer/],
      [{ pool: { ringBytes: 1024 } }, /pool\.ringBytes/],
      [{ limits: { maxValueDepth: 0 } }, /limits\.maxValueDepth/],
      [{ ingest: 5 }, /ingest/],
    ];
    for (const [content, key] of cases) {
      assertConfigError(() => loadConfig({ configPath: file(content), env: {} }), key);
    }
  });

  it('checks rules across keys', () => {
    assertConfigError(() => loadConfig({ configPath: file({ ingest: { requestTimeoutMs: 1000 } }), env: {} }), /ingest\.requestTimeoutMs/, /deliveryTimeoutMs/);
    assertConfigError(() => loadConfig({ env: { METRICSTREAM_KAFKA_DELIVERY_TIMEOUT_MS: '40000' } }), /ingest\.requestTimeoutMs/);
    assertConfigError(() => loadConfig({ env: { METRICSTREAM_INGEST_MAX_BODY_BYTES: '100000000' } }), /ingest\.maxDecompressedBytes/);
    assertConfigError(() => loadConfig({ configPath: file({ ingest: { tls: { certFile: '/x.pem' } } }), env: {} }), /ingest\.tls/);
  });

  it('an invalid environment value is reported even when the file is valid', () => {
    assertConfigError(() => loadConfig({ configPath: file({ ingest: { port: 9000 } }), env: { METRICSTREAM_PORT: '99999' } }), /ingest\.port/);
  });

  it('refuses a tokens file with a short token, naming the key', () => {
    const tokensFile = path.join(dir, 'short-tokens.txt');
    writeFileSync(tokensFile, 'abcdefghijklmnop1\nshort\n');
    assertConfigError(() => loadConfig({ env: { METRICSTREAM_INGEST_AUTH_TOKENS_FILE: tokensFile } }), /ingest\.auth\.tokensFile/, /token 2/);
    assertConfigError(() => loadConfig({ env: { METRICSTREAM_INGEST_AUTH_TOKENS_FILE: path.join(dir, 'nope.txt') } }), /ingest\.auth\.tokensFile/);
  });
});

describe('config: unknown keys', () => {
  it('refuses unknown keys at any level, naming them', () => {
    assertConfigError(() => loadConfig({ configPath: file({ ingest: { prot: 8090 } }), env: {} }), /ingest/, /prot/);
    assertConfigError(() => loadConfig({ configPath: file({ ingset: { port: 8090 } }), env: {} }), /ingset/);
    assertConfigError(() => loadConfig({ configPath: file({ kafka: { topics: { spans: 't' } } }), env: {} }), /kafka\.topics/, /spans/);
    assertConfigError(() => loadConfig({ configPath: file({ ingest: { auth: { token: ['abcdefghijklmnop1'] } } }), env: {} }), /ingest\.auth/, /token/);
  });
});

describe('config: frozen', () => {
  it('is deeply frozen: sections, nested sections, the producer map and token list', () => {
    const c = loadConfig({ configPath: file({ kafka: { producer: { 'linger.ms': 5 } }, ingest: { auth: { tokens: ['abcdefghijklmnop1'] } } }), env: {} });
    for (const part of [c, c.ingest, c.ingest.auth, c.ingest.auth.tokens, c.ingest.tls, c.admin, c.limits, c.pool, c.kafka, c.kafka.topics, c.kafka.producer, c.drain, c.log, c.telemetry]) {
      assert.ok(Object.isFrozen(part));
    }
    assert.throws(() => { (c.ingest as { port: number }).port = 1; }, TypeError);
    assert.throws(() => { (c.kafka.producer as Record<string, unknown>)['acks'] = '0'; }, TypeError);
    assert.throws(() => { (c.ingest.auth.tokens as string[]).push('abcdefghijklmnop2'); }, TypeError);
    assert.equal(c.ingest.port, 8090);
  });

  it('each load is independent of earlier ones', () => {
    const a = loadConfig({ env: { METRICSTREAM_PORT: '9001' } });
    const b = loadConfig({ env: {} });
    assert.equal(a.ingest.port, 9001);
    assert.equal(b.ingest.port, 8090);
  });
});

describe('config: environment names', () => {
  it('derives the long name of a key', () => {
    assert.equal(envNameOf('ingest.maxBodyBytes'), 'METRICSTREAM_INGEST_MAX_BODY_BYTES');
    assert.equal(envNameOf('ingest.port'), 'METRICSTREAM_INGEST_PORT');
    assert.equal(envNameOf('kafka.topics.metrics'), 'METRICSTREAM_KAFKA_TOPICS_METRICS');
    assert.equal(envNameOf('kafka.maxInFlightMessages'), 'METRICSTREAM_KAFKA_MAX_IN_FLIGHT_MESSAGES');
    assert.equal(envNameOf('ingest.auth.tokensFile'), 'METRICSTREAM_INGEST_AUTH_TOKENS_FILE');
    assert.equal(envNameOf('telemetry.kafkaStatsIntervalMs'), 'METRICSTREAM_TELEMETRY_KAFKA_STATS_INTERVAL_MS');
  });

  it('every key of the schema can be set through its long name', () => {
    // A value that differs from each default proves the variable was read.
    const defaults = configSchema.parse({}) as unknown as Record<string, Record<string, unknown>>;
    const numeric: Array<[string, number]> = [];
    for (const [section, keys] of Object.entries(defaults)) {
      for (const [key, value] of Object.entries(keys)) {
        if (typeof value === 'number') numeric.push([`${section}.${key}`, value]);
      }
    }
    assert.ok(numeric.length > 10);
    for (const [key, value] of numeric) {
      // Raising deliveryTimeoutMs alone would break the cross-key rule; raise the request deadline too.
      const env: Record<string, string> = { [envNameOf(key)]: String(value + 1) };
      if (key === 'kafka.deliveryTimeoutMs') env[envNameOf('ingest.requestTimeoutMs')] = String(value + 1000);
      if (key === 'ingest.maxBodyBytes') env[envNameOf('ingest.maxDecompressedBytes')] = String(value + 1);
      const c = loadConfig({ env }) as unknown as Record<string, Record<string, unknown>>;
      const [section, name] = key.split('.') as [string, string];
      assert.equal(c[section]![name], value + 1, `${envNameOf(key)} sets ${key}`);
    }
  });
});

describe('config: renamed keys', () => {
  it('old keys in a file still work, with a warning naming the new key', () => {
    const warnings: string[] = [];
    const c = loadConfig({ configPath: file({ kafka: { maxInFlightRecords: 123 }, limits: { maxLogDepth: 7 } }), env: {}, warn: (m) => warnings.push(m) });
    assert.equal(c.kafka.maxInFlightMessages, 123);
    assert.equal(c.limits.maxValueDepth, 7);
    assert.deepEqual(warnings, [
      'config key kafka.maxInFlightRecords is deprecated; use kafka.maxInFlightMessages',
      'config key limits.maxLogDepth is deprecated; use limits.maxValueDepth',
    ]);
  });

  it('old environment names still work, with a warning naming the new ones; the new name wins', () => {
    const warnings: string[] = [];
    const c = loadConfig({ env: { METRICSTREAM_KAFKA_MAX_IN_FLIGHT_RECORDS: '55', METRICSTREAM_LIMITS_MAX_LOG_DEPTH: '9' }, warn: (m) => warnings.push(m) });
    assert.equal(c.kafka.maxInFlightMessages, 55);
    assert.equal(c.limits.maxValueDepth, 9);
    assert.ok(warnings.includes('environment variable METRICSTREAM_KAFKA_MAX_IN_FLIGHT_RECORDS is deprecated; use METRICSTREAM_KAFKA_MAX_IN_FLIGHT_MESSAGES'));
    assert.ok(warnings.includes('environment variable METRICSTREAM_LIMITS_MAX_LOG_DEPTH is deprecated; use METRICSTREAM_LIMITS_MAX_VALUE_DEPTH'));
    const both = loadConfig({ env: { METRICSTREAM_KAFKA_MAX_IN_FLIGHT_RECORDS: '55', METRICSTREAM_KAFKA_MAX_IN_FLIGHT_MESSAGES: '66' } });
    assert.equal(both.kafka.maxInFlightMessages, 66);
    const fileBoth = loadConfig({ configPath: file({ kafka: { maxInFlightRecords: 1, maxInFlightMessages: 2 } }), env: {} });
    assert.equal(fileBoth.kafka.maxInFlightMessages, 2);
  });

  it('no warning when only the new names are used', () => {
    const warnings: string[] = [];
    loadConfig({ configPath: file({ kafka: { maxInFlightMessages: 5 } }), env: { METRICSTREAM_LIMITS_MAX_VALUE_DEPTH: '4' }, warn: (m) => warnings.push(m) });
    assert.deepEqual(warnings, []);
  });
});

describe('config: example file', () => {
  it('configs/metricstream.example.json is valid and names every key', () => {
    const examplePath = path.resolve(__dirname, '../../../configs/metricstream.example.json');
    loadConfig({ configPath: examplePath, env: {} });
    const raw = JSON.parse(readFileSync(examplePath, 'utf8')) as Record<string, Record<string, unknown>>;
    const defaults = configSchema.parse({}) as unknown as Record<string, Record<string, unknown>>;
    assert.deepEqual(Object.keys(raw).sort(), Object.keys(defaults).sort());
    for (const section of Object.keys(defaults)) {
      const expected = Object.keys(defaults[section]!).concat(section === 'pool' ? ['threads'] : []);
      assert.deepEqual(Object.keys(raw[section]!).sort(), expected.sort(), section);
    }
  });
});

describe('config: delivery.mode spool', () => {
  it('takes spool.dir from the environment, or from systemd\'s STATE_DIRECTORY', () => {
    assert.equal(loadConfig({ env: { METRICSTREAM_DELIVERY_MODE: 'spool', METRICSTREAM_SPOOL_DIR: '/srv/spool' } }).spool.dir, '/srv/spool');
    const c = loadConfig({ env: { METRICSTREAM_DELIVERY_MODE: 'spool', STATE_DIRECTORY: '/var/lib/metricstream:/var/lib/other' } });
    assert.equal(c.delivery.mode, 'spool');
    assert.equal(c.spool.dir, '/var/lib/metricstream/spool');
    assert.equal(loadConfig({ env: {} }).delivery.mode, 'kafka');
  });

  it('refuses spool mode with no directory, naming the keys', () => {
    assertConfigError(() => loadConfig({ env: { METRICSTREAM_DELIVERY_MODE: 'spool' } }), /spool\.dir/, /METRICSTREAM_SPOOL_DIR/);
  });

  it('refuses an unsynced bound larger than the spool', () => {
    assertConfigError(() => loadConfig({ env: { METRICSTREAM_SPOOL_MAX_BYTES: String(2 * 1024 * 1024), METRICSTREAM_SPOOL_MAX_UNSYNCED_BYTES: String(4 * 1024 * 1024) } }), /spool\.maxUnsyncedBytes/);
  });
});
