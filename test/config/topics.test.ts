// The topic table (src/config/topics.ts): the signals' topics in slots 0..2,
// each mapped topic once after them; an index goes to its exact name's topic,
// else the longest matching prefix's, else the logs topic.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadConfig } from '../../src/config/load';
import { IndexTopics, TopicTable, topicTableOf } from '../../src/config/topics';
import { Signal } from '../../src/signals';

const SIGNALS = { metrics: 'm', logs: 'l', traces: 't' };

describe('config: topic table', () => {
  it('puts the signals first, then each mapped topic once; a mapped signal topic keeps its slot', () => {
    const table = new TopicTable(SIGNALS, { 'app-*': 'app', audit: 'audit', 'app-web-*': 'app', old: 'l' });
    assert.deepEqual(table.names, ['m', 'l', 't', 'app', 'audit']);
    assert.deepEqual(table.mappedSlots, [3, 4]);
    assert.deepEqual(table.indexRules, [
      { index: 'app-', prefix: true, slot: 3 }, { index: 'audit', prefix: false, slot: 4 },
      { index: 'app-web-', prefix: true, slot: 3 }, { index: 'old', prefix: false, slot: Signal.Logs },
    ]);
  });

  it('routes an exact name first, then the longest prefix, else the logs topic', () => {
    const table = new TopicTable(SIGNALS, { 'logs-*': 'a', 'logs-app-*': 'b', 'logs-app-x': 'c', '*': 'd' });
    const topics = new IndexTopics(table.indexRules);
    const topicOf = (index: string): string => table.names[topics.slotOf(index)]!;
    assert.equal(topicOf('logs-app-x'), 'c');
    assert.equal(topicOf('logs-app-y'), 'b');
    assert.equal(topicOf('logs-other'), 'a');
    assert.equal(topicOf('metrics-ish'), 'd', 'a lone * matches every index');
    assert.equal(topicOf('logs-app-y'), 'b', 'a cached lookup answers the same');
    assert.equal(new IndexTopics([]).slotOf('anything'), Signal.Logs);
  });

  it('reads the map from the config file or the environment (JSON) and refuses bad patterns and topic names', () => {
    const config = loadConfig({ env: { METRICSTREAM_ELASTICSEARCH_INDEX_TOPICS: '{"app-*":"app-logs"}' } });
    assert.deepEqual(config.elasticsearch.indexTopics, { 'app-*': 'app-logs' });
    assert.deepEqual(topicTableOf(config).names, ['metrics', 'logs', 'traces', 'app-logs']);
    assert.throws(() => loadConfig({ env: { METRICSTREAM_ELASTICSEARCH_INDEX_TOPICS: '{"a*b":"x"}' } }), /elasticsearch\.indexTopics/);
    assert.throws(() => loadConfig({ env: { METRICSTREAM_ELASTICSEARCH_INDEX_TOPICS: '{"a":"no spaces"}' } }), /a Kafka topic name/);
    const many = Object.fromEntries(Array.from({ length: 254 }, (_, i) => [`i${i}`, `t${i}`]));
    assert.throws(() => loadConfig({ env: { METRICSTREAM_ELASTICSEARCH_INDEX_TOPICS: JSON.stringify(many) } }), /at most 253 distinct topics/);
  });
});
