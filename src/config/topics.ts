// The Kafka topics the daemon writes to, fixed at start-up: a table whose
// slot number each ring record carries (src/ring/layout.ts, Field.Topic).
// Slots 0..2 are the signals' topics (kafka.topics, in Signal order, so a
// Signal is its own topic's slot); the topics elasticsearch.indexTopics maps
// indexes to follow, each once, in the order the map names them.
import { SIGNAL_NAMES, Signal, type TopicNames } from '../signals';
import type { Config } from './schema';

/** A slot of the topic table: what a ring record carries to pick its topic. */
export type TopicSlot = number;

/** The ring record's topic field is one byte. */
export const MAX_TOPICS = 256;

/** What elasticsearch.indexTopics maps: an index name, or a prefix ending in `*`, to a topic. */
export type IndexTopicMap = Readonly<Record<string, string>>;

/** One entry of elasticsearch.indexTopics, resolved to its slot: plain data,
 * handed to the pool workers (src/pool/task.ts). */
export interface IndexTopicRule {
  /** The index name, or the prefix a `*` pattern stands for. */
  readonly index: string;
  readonly prefix: boolean;
  readonly slot: TopicSlot;
}

export class TopicTable {
  /** Topic names by slot. */
  readonly names: readonly string[];
  /** elasticsearch.indexTopics with each topic's slot. */
  readonly indexRules: readonly IndexTopicRule[];

  constructor(signals: TopicNames, indexTopics: IndexTopicMap) {
    const names: string[] = SIGNAL_NAMES.map((name) => signals[name]);
    const slotOf = (topic: string): TopicSlot => {
      // A topic that is also a signal's (or mapped twice) shares its slot.
      const known = names.indexOf(topic);
      if (known >= 0) return known;
      if (names.length >= MAX_TOPICS) throw new RangeError(`more than ${MAX_TOPICS} distinct Kafka topics`);
      return names.push(topic) - 1;
    };
    this.indexRules = Object.entries(indexTopics).map(([pattern, topic]) => {
      const prefix = pattern.endsWith('*');
      return { index: prefix ? pattern.slice(0, -1) : pattern, prefix, slot: slotOf(topic) };
    });
    this.names = names;
  }

  /** The slots beyond the signals' topics: the ones only the index map uses. */
  get mappedSlots(): readonly TopicSlot[] {
    return this.names.map((_, slot) => slot).filter((slot) => slot >= SIGNAL_NAMES.length);
  }

  get size(): number {
    return this.names.length;
  }
}

/** The table a configuration makes (the same in every thread that makes it). */
export function topicTableOf(config: Config): TopicTable {
  return new TopicTable(config.kafka.topics, config.elasticsearch.indexTopics);
}

/** Cached lookups per thread; past it the cache is cleared (index names are
 * few in practice, but a client could send a new one per document). */
const MAX_CACHED_INDEXES = 4096;

/**
 * The topic slot of an Elasticsearch index: an exact name in the map wins,
 * then the longest `*` prefix that matches, else the logs topic.
 */
export class IndexTopics {
  readonly #exact = new Map<string, TopicSlot>();
  /** Longest prefix first. */
  readonly #prefixes: readonly IndexTopicRule[];
  readonly #cache = new Map<string, TopicSlot>();

  constructor(rules: readonly IndexTopicRule[], readonly fallback: TopicSlot = Signal.Logs) {
    for (const rule of rules) if (!rule.prefix) this.#exact.set(rule.index, rule.slot);
    this.#prefixes = rules.filter((rule) => rule.prefix).sort((a, b) => b.index.length - a.index.length);
  }

  slotOf(index: string): TopicSlot {
    const exact = this.#exact.get(index);
    if (exact !== undefined) return exact;
    const cached = this.#cache.get(index);
    if (cached !== undefined) return cached;
    const slot = this.#prefixes.find((rule) => index.startsWith(rule.index))?.slot ?? this.fallback;
    if (this.#cache.size >= MAX_CACHED_INDEXES) this.#cache.clear();
    this.#cache.set(index, slot);
    return slot;
  }
}
