// Configuration = schema defaults ← JSON file (--config / METRICSTREAM_CONFIG)
// ← environment. Validated once at start, then frozen.
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { configSchema, defaultPoolThreads, type Config } from './schema';

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** Short names operators reach for first; every key also has a long name (below). */
export const ENV_ALIASES: Readonly<Record<string, string>> = {
  METRICSTREAM_BROKERS: 'kafka.brokers',
  METRICSTREAM_PORT: 'ingest.port',
  METRICSTREAM_ADMIN_PORT: 'admin.port',
  METRICSTREAM_WORKERS: 'pool.threads',
  METRICSTREAM_LOG_LEVEL: 'log.level',
};

/** Keys renamed because the old name misled (issue 13); the old names, in a
 * file or as environment variables, still work with a start-up warning. */
export const RENAMED_KEYS: Readonly<Record<string, string>> = {
  // It counts Kafka messages (an ndjson-batch message holds many records).
  'kafka.maxInFlightRecords': 'kafka.maxInFlightMessages',
  // It bounds OTLP attribute values too, not only log records.
  'limits.maxLogDepth': 'limits.maxValueDepth',
};

/** ingest.maxBodyBytes → METRICSTREAM_INGEST_MAX_BODY_BYTES */
export function envNameOf(path: string): string {
  return 'METRICSTREAM_' + path.replace(/\./g, '_').replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();
}

/** METRICSTREAM_KAFKA_PRODUCER__linger_ms=10 → kafka.producer["linger.ms"] */
export const PRODUCER_ENV_PREFIX = 'METRICSTREAM_KAFKA_PRODUCER__';

type Tree = { [key: string]: unknown };

/** Keys whose environment value is always taken as text. */
const STRING_KEYS = new Set([
  'kafka.brokers', 'kafka.topics.metrics', 'kafka.topics.logs', 'kafka.topics.traces', 'kafka.logKeyField', 'ingest.host', 'admin.host',
  'ingest.auth.tokensFile', 'ingest.tls.certFile', 'ingest.tls.keyFile', 'spool.dir', 'dedup.requestIdHeader',
]);

/** Keys whose value is one object of free keys (set whole, from the
 * environment as JSON: METRICSTREAM_ELASTICSEARCH_INDEX_TOPICS='{"app-*":"app-logs"}'). */
const MAP_KEYS = new Set(['kafka.producer', 'elasticsearch.indexTopics']);

function leafPaths(tree: Tree, prefix = ''): string[] {
  return Object.entries(tree).flatMap(([key, value]) => {
    const path = prefix + key;
    const isBranch = value !== null && typeof value === 'object' && !Array.isArray(value) && !MAP_KEYS.has(path);
    return isBranch ? leafPaths(value as Tree, path + '.') : [path];
  });
}

function getPath(tree: Tree, path: string): unknown {
  let node: unknown = tree;
  for (const key of path.split('.')) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Tree)[key];
  }
  return node;
}

function deletePath(tree: Tree, path: string): void {
  const keys = path.split('.');
  const parent = getPath(tree, keys.slice(0, -1).join('.'));
  if (parent !== null && typeof parent === 'object') delete (parent as Tree)[keys[keys.length - 1]!];
}

function setPath(tree: Tree, path: string, value: unknown): void {
  const keys = path.split('.');
  let node = tree;
  for (const key of keys.slice(0, -1)) {
    const next = node[key];
    if (next === undefined || next === null || typeof next !== 'object') node[key] = {};
    node = node[key] as Tree;
  }
  node[keys[keys.length - 1]!] = value;
}

/** Environment values are strings; numbers and booleans are read as JSON,
 * token lists also as comma-separated text. */
function envValue(raw: string, path: string): unknown {
  if ((path === 'ingest.auth.tokens' || path === 'dedup.byContent') && !raw.trimStart().startsWith('[')) return raw.split(',').map((t) => t.trim()).filter((t) => t !== '');
  if (STRING_KEYS.has(path)) return raw;
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

function readFile(path: string): Tree {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read config file ${path}: ${(err as Error).message}`);
  }
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('top level must be an object');
    return parsed as Tree;
  } catch (err) {
    throw new ConfigError(`config file ${path} is not valid JSON: ${(err as Error).message}`);
  }
}

function describe(error: z.ZodError): string {
  return error.issues
    .map((issue) => `${issue.path.join('.') || '(top level)'}: ${issue.message}`)
    .join('; ');
}

export interface LoadOptions {
  configPath?: string | undefined;
  env?: NodeJS.ProcessEnv;
  /** Told of each deprecated key or environment name in use (logged at start). */
  warn?: (message: string) => void;
}

/** Moves values under renamed keys to their new names (the new name wins
 * when both are given), warning about each. */
function renameKeys(tree: Tree, env: NodeJS.ProcessEnv, warn: (message: string) => void): void {
  for (const [oldPath, newPath] of Object.entries(RENAMED_KEYS)) {
    const value = getPath(tree, oldPath);
    if (value !== undefined) {
      deletePath(tree, oldPath);
      if (getPath(tree, newPath) === undefined) setPath(tree, newPath, value);
      warn(`config key ${oldPath} is deprecated; use ${newPath}`);
    }
    const raw = env[envNameOf(oldPath)];
    if (raw !== undefined) {
      setPath(tree, newPath, envValue(raw, newPath));
      warn(`environment variable ${envNameOf(oldPath)} is deprecated; use ${envNameOf(newPath)}`);
    }
  }
}

export function loadConfig({ configPath, env = process.env, warn = () => undefined }: LoadOptions = {}): Config {
  const path = configPath ?? env['METRICSTREAM_CONFIG'];
  const tree: Tree = path ? readFile(path) : {};
  renameKeys(tree, env, warn);

  const known = leafPaths(configSchema.parse({}) as unknown as Tree);
  known.push('pool.threads');
  for (const leaf of known) {
    const raw = env[envNameOf(leaf)];
    if (raw !== undefined) setPath(tree, leaf, envValue(raw, leaf));
  }
  for (const [name, leaf] of Object.entries(ENV_ALIASES)) {
    const raw = env[name];
    if (raw !== undefined) setPath(tree, leaf, envValue(raw, leaf));
  }
  for (const [name, raw] of Object.entries(env)) {
    if (name.startsWith(PRODUCER_ENV_PREFIX) && raw !== undefined) {
      const property = name.slice(PRODUCER_ENV_PREFIX.length).replace(/_/g, '.');
      setPath(tree, 'kafka.producer', { ...((tree['kafka'] as Tree | undefined)?.['producer'] as Tree | undefined), [property]: raw });
    }
  }

  const result = configSchema.safeParse(tree);
  if (!result.success) throw new ConfigError(`invalid configuration: ${describe(result.error)}`);
  const parsed = result.data;
  const tokens = [...parsed.ingest.auth.tokens, ...readTokens(parsed.ingest.auth.tokensFile)];
  const config = {
    ...parsed,
    kafka: { ...parsed.kafka, producer: withSaslPasswordFile(parsed.kafka.producer, parsed.kafka.saslPasswordFile) },
    spool: { ...parsed.spool, dir: spoolDir(parsed.delivery.mode, parsed.spool.dir, env) },
    ingest: { ...parsed.ingest, auth: { ...parsed.ingest.auth, tokens } },
    pool: { ...parsed.pool, threads: parsed.pool.threads ?? defaultPoolThreads() },
  };
  return deepFreeze(config);
}

function withSaslPasswordFile<T extends Record<string, unknown>>(producer: T, path: string): T {
  if (path === '') return producer;
  if (producer['sasl.password'] !== undefined) {
    throw new ConfigError('kafka.saslPasswordFile: kafka.producer["sasl.password"] is set too; set one of them');
  }
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`kafka.saslPasswordFile: cannot read ${path}: ${(err as Error).message}`);
  }
  const password = text.replace(/\r?\n$/, '');
  if (password === '') throw new ConfigError(`kafka.saslPasswordFile: ${path} is empty`);
  return { ...producer, 'sasl.password': password };
}

/** spool.dir, or systemd's state directory (StateDirectory= sets
 * $STATE_DIRECTORY, a colon-separated list) with /spool appended. */
function spoolDir(mode: 'kafka' | 'spool', dir: string, env: NodeJS.ProcessEnv): string {
  if (dir !== '' || mode !== 'spool') return dir;
  const state = env['STATE_DIRECTORY']?.split(':')[0];
  if (state === undefined || state === '') {
    throw new ConfigError('delivery.mode is spool: set spool.dir (METRICSTREAM_SPOOL_DIR), or run under systemd with StateDirectory=');
  }
  return `${state}/spool`;
}

function readTokens(path: string): string[] {
  if (path === '') return [];
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`ingest.auth.tokensFile: cannot read ${path}: ${(err as Error).message}`);
  }
  const tokens = text.split('\n').map((t) => t.trim()).filter((t) => t !== '' && !t.startsWith('#'));
  const short = tokens.findIndex((t) => t.length < 16);
  if (short >= 0) throw new ConfigError(`ingest.auth.tokensFile: token ${short + 1} of ${path} is shorter than 16 characters`);
  return tokens;
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object') {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
