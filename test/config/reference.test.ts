// docs/configuration.md is generated from the schema (src/config/reference.ts):
// the file in the repository must be exactly what the schema renders now, and
// the rendering must cover every key the daemon reads.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { CONFIG_REFERENCE_PATH, configSections, renderConfigReference } from '../../src/config/reference';
import { configSchema } from '../../src/config/schema';

const ROOT = path.resolve(__dirname, '../../..');

/** Dotted paths of every value the defaults hold (kafka.producer and elasticsearch.indexTopics are one value each). */
function defaultPaths(node: unknown, prefix: string): string[] {
  if (node === null || typeof node !== 'object' || Array.isArray(node) || prefix === 'kafka.producer.' || prefix === 'elasticsearch.indexTopics.') return [prefix.slice(0, -1)];
  return Object.entries(node).flatMap(([key, child]) => defaultPaths(child, `${prefix}${key}.`));
}

describe('configuration reference', () => {
  it(`${CONFIG_REFERENCE_PATH} is what the schema renders (else: run \`npm run docs\`)`, () => {
    const written = readFileSync(path.join(ROOT, CONFIG_REFERENCE_PATH), 'utf8');
    assert.ok(written === renderConfigReference(), `${CONFIG_REFERENCE_PATH} is out of date with src/config/schema.ts: run \`npm run docs\` and commit the result`);
  });

  it('lists every key, once, with a meaning and an environment variable', () => {
    const keys = configSections().flatMap((s) => s.keys);
    const expected = [...defaultPaths(configSchema.parse({}), ''), 'pool.threads'];
    assert.deepEqual(keys.map((k) => k.path).sort(), expected.sort());
    for (const key of keys) {
      assert.notEqual(key.meaning.trim(), '', key.path);
      assert.match(key.env[0] ?? '', /^METRICSTREAM_[A-Z0-9_]+$/, key.path);
    }
  });

  it('renders defaults that do not depend on the machine', () => {
    const threads = configSections().flatMap((s) => s.keys).find((k) => k.path === 'pool.threads');
    assert.equal(threads?.defaultText, 'one per core, at most 16');
    const maxBody = configSections().flatMap((s) => s.keys).find((k) => k.path === 'ingest.maxBodyBytes');
    assert.deepEqual([maxBody?.defaultText, maxBody?.unit], ['`4194304` (4 MiB)', 'bytes']);
  });

  it('names the short environment aliases and the per-property producer variables', () => {
    const env = new Map(configSections().flatMap((s) => s.keys).map((k) => [k.path, k.env]));
    assert.deepEqual(env.get('kafka.brokers'), ['METRICSTREAM_KAFKA_BROKERS', 'METRICSTREAM_BROKERS']);
    assert.deepEqual(env.get('pool.threads'), ['METRICSTREAM_POOL_THREADS', 'METRICSTREAM_WORKERS']);
    assert.deepEqual(env.get('kafka.producer'), ['METRICSTREAM_KAFKA_PRODUCER', 'METRICSTREAM_KAFKA_PRODUCER__<property>']);
  });
});
