// docs/configuration.md, rendered from the schema: every key with its type,
// default, environment variables, unit and meaning. `npm run docs` writes it
// (scripts/config-reference.ts); test/config/reference.test.ts fails when the
// file in the repository is not what this renders.
import { z } from 'zod';
import { ENV_ALIASES, PRODUCER_ENV_PREFIX, RENAMED_KEYS, envNameOf } from './load';
import { configSchema } from './schema';

/** Where the reference lives, relative to the repository root. */
export const CONFIG_REFERENCE_PATH = 'docs/configuration.md';

type JsonSchema = z.core.JSONSchema.BaseSchema;

export interface ConfigKey {
  /** Dotted path, e.g. ingest.maxBodyBytes. */
  readonly path: string;
  readonly type: string;
  readonly defaultText: string;
  /** Every environment variable that sets it, the long name first. */
  readonly env: readonly string[];
  /** Empty when the name carries no unit. */
  readonly unit: string;
  readonly meaning: string;
}

export interface ConfigSection {
  readonly name: string;
  readonly meaning: string;
  readonly keys: readonly ConfigKey[];
}

/** The unit a key's name ends with (the schema names every unit). */
const UNIT_SUFFIXES: readonly (readonly [suffix: string, unit: string])[] = [
  ['Ms', 'ms'],
  ['Seconds', 's'],
  ['Bytes', 'bytes'],
  ['Mb', 'MiB'],
];

const MAX_SAFE = Number.MAX_SAFE_INTEGER;

function unitOf(path: string): string {
  const name = path.slice(path.lastIndexOf('.') + 1);
  return UNIT_SUFFIXES.find(([suffix]) => name.endsWith(suffix))?.[1] ?? '';
}

function isBranch(node: JsonSchema): boolean {
  return node.type === 'object' && node.properties !== undefined;
}

function describedBy(node: JsonSchema, path: string): string {
  if (typeof node.description !== 'string' || node.description === '') {
    throw new Error(`config key ${path} has no description in src/config/schema.ts`);
  }
  return node.description;
}

function integerRange(node: JsonSchema): string {
  const low = node.minimum ?? (typeof node.exclusiveMinimum === 'number' ? node.exclusiveMinimum + 1 : undefined);
  const high = node.maximum !== undefined && node.maximum < MAX_SAFE ? node.maximum : undefined;
  if (low !== undefined && high !== undefined) return ` ${low}–${high}`;
  if (low !== undefined) return ` ≥ ${low}`;
  return high !== undefined ? ` ≤ ${high}` : '';
}

function stringText(node: JsonSchema, noun: string): string {
  if (node.minLength === undefined) return noun;
  return node.minLength === 1 ? `non-empty ${noun}` : `${noun} of ≥ ${node.minLength} characters`;
}

function typeText(node: JsonSchema): string {
  if (Array.isArray(node.enum)) return `one of ${node.enum.map((v) => `\`${String(v)}\``).join(', ')}`;
  const types = Array.isArray(node.type) ? node.type : [node.type];
  if (types.length > 1) return types.join(', ');
  switch (node.type) {
    case 'integer':
      return `integer${integerRange(node)}`;
    case 'string':
      return stringText(node, 'string');
    case 'array': {
      const items = node.items !== undefined && !Array.isArray(node.items) && typeof node.items === 'object' ? node.items : undefined;
      return items?.type === 'string' ? `list of ${stringText(items, 'strings')}` : 'list';
    }
    case 'object': {
      const values = typeof node.additionalProperties === 'object' ? node.additionalProperties.type : undefined;
      return Array.isArray(values) ? `object: name → ${values.slice(0, -1).join(', ')} or ${values[values.length - 1]}` : 'object';
    }
    default:
      return String(node.type);
  }
}

function bytesText(bytes: number): string {
  for (const [size, name] of [[2 ** 30, 'GiB'], [2 ** 20, 'MiB'], [2 ** 10, 'KiB']] as const) {
    if (bytes >= size && bytes % size === 0) return ` (${bytes / size} ${name})`;
  }
  return '';
}

function defaultText(node: JsonSchema, unit: string): string {
  if (typeof node['defaultDescription'] === 'string') return node['defaultDescription'];
  const value: unknown = node.default;
  if (value === undefined) return 'none';
  if (value === '') return 'empty';
  if (typeof value === 'number') return `\`${value}\`${unit === 'bytes' ? bytesText(value) : ''}`;
  return `\`${typeof value === 'string' ? value : JSON.stringify(value)}\``;
}

function envNames(path: string): string[] {
  const long = envNameOf(path);
  const aliases = Object.entries(ENV_ALIASES).filter(([, target]) => target === path).map(([alias]) => alias);
  const perProperty = PRODUCER_ENV_PREFIX === `${long}__` ? [`${PRODUCER_ENV_PREFIX}<property>`] : [];
  return [...new Set([long, ...aliases, ...perProperty])];
}

function leaves(node: JsonSchema, path: string): ConfigKey[] {
  if (isBranch(node)) {
    return Object.entries(node.properties ?? {}).flatMap(([key, child]) => leaves(child as JsonSchema, `${path}.${key}`));
  }
  const unit = unitOf(path);
  return [{ path, type: typeText(node), defaultText: defaultText(node, unit), env: envNames(path), unit, meaning: describedBy(node, path) }];
}

/** The schema as sections (its top-level keys) of leaf keys, in schema order. */
export function configSections(): ConfigSection[] {
  const root = z.toJSONSchema(configSchema, { io: 'input' });
  return Object.entries(root.properties ?? {}).map(([name, node]) => {
    const section = node as JsonSchema;
    return { name, meaning: describedBy(section, name), keys: leaves(section, name) };
  });
}

/** Table cells are one line and may not hold a bare `|`. */
function cell(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').replace(/\|/g, '\\|');
}

function sectionText(section: ConfigSection): string {
  const rows = section.keys.map((k) => `| \`${k.path}\` | ${cell(k.type)} | ${cell(k.defaultText)} | ${k.env.map((e) => `\`${e}\``).join('<br>')} | ${k.unit || '–'} | ${cell(k.meaning)} |`);
  return [
    `## ${section.name}`,
    '',
    section.meaning,
    '',
    '| key | type | default | environment | unit | meaning |',
    '|---|---|---|---|---|---|',
    ...rows,
    '',
  ].join('\n');
}

function renamedText(): string {
  const rows = Object.entries(RENAMED_KEYS).map(([old, now]) => `| \`${old}\` (\`${envNameOf(old)}\`) | \`${now}\` (\`${envNameOf(now)}\`) |`);
  return [
    '## Renamed keys',
    '',
    'The old names still work, in the file and as environment variables, with a start-up warning naming the new ones.',
    '',
    '| old name | new name |',
    '|---|---|',
    ...rows,
    '',
  ].join('\n');
}

const INTRO = `# Configuration reference

<!-- Generated from src/config/schema.ts by \`npm run docs\`: edit the schema, then regenerate. -->

Every value comes from, in rising precedence: the default below, the JSON file
(\`--config PATH\` or \`METRICSTREAM_CONFIG\`), the environment. Every key has an environment
variable: \`METRICSTREAM_\` and its path in upper snake case; a value is read as JSON when it
parses (numbers, booleans, lists), as text otherwise, and always as text for string keys.
librdkafka properties go in \`kafka.producer\`, or one variable each:
\`METRICSTREAM_KAFKA_PRODUCER__linger_ms=10\` (underscores become dots). Unknown keys and
invalid values stop start-up with exit code 78 and a message naming the key;
\`node dist/main.js --check-config [--config PATH]\` checks a configuration without starting
([operations](operations.md#checking-a-configuration)).
[configs/metricstream.example.json](../configs/metricstream.example.json) names every key.
Sizes are bytes unless the name says otherwise (1 MiB = 1048576).
`;

export function renderConfigReference(): string {
  return [INTRO, ...configSections().map(sectionText), renamedText()].join('\n');
}
