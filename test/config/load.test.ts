// Configuration: defaults ← file ← environment, validated, frozen; errors name the key.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError, envNameOf, loadConfig } from '../../src/config/load';
import { configSchema } from '../../src/config/schema';

function file(content: unknown): string {
  const p = path.join(mkdtempSync(path.join(os.tmpdir(), 'ms-config-')), 'config.json');
  writeFileSync(p, typeof content === 'string' ? content : JSON.stringify(content));
  return p;
}

describe('config', () => {
  it('has defaults, and fills pool.threads from the host', () => {
    const c = loadConfig({ env: {} });
    assert.equal(c.ingest.port, 8090);
    assert.equal(c.admin.host, '127.0.0.1');
    assert.equal(c.kafka.brokers, '');
    assert.ok(c.pool.threads >= 1 && c.pool.threads <= 16);
    assert.ok(Object.isFrozen(c) && Object.isFrozen(c.ingest));
  });

  it('reads a file, and the environment overrides it', () => {
    const configPath = file({ ingest: { port: 9000, maxBodyBytes: 1000 }, kafka: { brokers: 'a:9092' } });
    const c = loadConfig({ configPath, env: {
      METRICSTREAM_PORT: '9100', METRICSTREAM_ADMIN_PORT: '9101', METRICSTREAM_WORKERS: '3',
      METRICSTREAM_BROKERS: 'b:9092,c:9092', METRICSTREAM_INGEST_MAX_DECOMPRESSED_BYTES: '5000',
      METRICSTREAM_KAFKA_PRODUCER__linger_ms: '10', METRICSTREAM_KAFKA_TOPICS_METRICS: 'm2',
    } });
    assert.equal(c.ingest.port, 9100);
    assert.equal(c.ingest.maxBodyBytes, 1000);
    assert.equal(c.ingest.maxDecompressedBytes, 5000);
    assert.equal(c.admin.port, 9101);
    assert.equal(c.pool.threads, 3);
    assert.equal(c.kafka.brokers, 'b:9092,c:9092');
    assert.equal(c.kafka.topics.metrics, 'm2');
    assert.equal(c.kafka.producer['linger.ms'], '10');
  });

  it('METRICSTREAM_CONFIG names the file', () => {
    const c = loadConfig({ env: { METRICSTREAM_CONFIG: file({ drain: { timeoutMs: 1234 } }) } });
    assert.equal(c.drain.timeoutMs, 1234);
  });

  it('names the key and the problem of an invalid value', () => {
    assert.throws(() => loadConfig({ env: { METRICSTREAM_PORT: '70000' } }), (e: unknown) => e instanceof ConfigError && /ingest\.port/.test(e.message));
    assert.throws(() => loadConfig({ env: { METRICSTREAM_WORKERS: 'many' } }), /pool\.threads/);
    assert.throws(() => loadConfig({ configPath: file({ ingest: { maxBodyBytes: -1 } }), env: {} }), /ingest\.maxBodyBytes/);
    assert.throws(() => loadConfig({ configPath: file({ kafka: { messageMode: 'zip' } }), env: {} }), /kafka\.messageMode/);
    assert.throws(() => loadConfig({ configPath: file({ ingest: { requestTimeoutMs: 1000 } }), env: {} }), /ingest\.requestTimeoutMs.*deliveryTimeoutMs/);
  });

  it('rejects unknown keys and broken files', () => {
    assert.throws(() => loadConfig({ configPath: file({ ingest: { prot: 1 } }), env: {} }), /ingest.*prot/);
    assert.throws(() => loadConfig({ configPath: file('{not json'), env: {} }), /not valid JSON/);
    assert.throws(() => loadConfig({ configPath: '/nonexistent/metricstream.json', env: {} }), /cannot read config file/);
  });

  it('derives environment names from keys', () => {
    assert.equal(envNameOf('ingest.maxBodyBytes'), 'METRICSTREAM_INGEST_MAX_BODY_BYTES');
    assert.equal(envNameOf('kafka.topics.metrics'), 'METRICSTREAM_KAFKA_TOPICS_METRICS');
  });

  it('the example file is valid and names every key', () => {
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
