// Series key: the Kafka key of a metric is its series identity,
// name + labels sorted by name, in Prometheus notation with JSON-quoted values.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { seriesKey } from '../../src/decode/series-key';

describe('seriesKey', () => {
  it('is just the name when there are no labels', () => {
    assert.equal(seriesKey('cpu_usage', undefined), 'cpu_usage');
    assert.equal(seriesKey('cpu_usage', {}), 'cpu_usage');
  });

  it('renders one label in Prometheus notation', () => {
    assert.equal(seriesKey('cpu_usage', { host: 'h1' }), 'cpu_usage{host="h1"}');
  });

  it('sorts labels by name, whatever their insertion order', () => {
    const expected = 'http_requests{code="200",host="h1",method="GET"}';
    assert.equal(seriesKey('http_requests', { method: 'GET', host: 'h1', code: '200' }), expected);
    assert.equal(seriesKey('http_requests', { host: 'h1', code: '200', method: 'GET' }), expected);
    assert.equal(seriesKey('http_requests', { code: '200', method: 'GET', host: 'h1' }), expected);
  });

  it('gives every permutation of the same labels the same key', () => {
    const entries: Array<[string, string]> = [['a', '1'], ['b', '2'], ['c', '3'], ['d', '4']];
    const keys = new Set<string>();
    const permute = (rest: Array<[string, string]>, acc: Array<[string, string]>): void => {
      if (rest.length === 0) {
        keys.add(seriesKey('m', Object.fromEntries(acc)));
        return;
      }
      rest.forEach((e, i) => permute([...rest.slice(0, i), ...rest.slice(i + 1)], [...acc, e]));
    };
    permute(entries, []);
    assert.deepEqual([...keys], ['m{a="1",b="2",c="3",d="4"}']);
  });

  it('sorts by label name only, not by value', () => {
    assert.equal(seriesKey('m', { b: 'a', a: 'z' }), 'm{a="z",b="a"}');
  });

  it('sorts label names by code unit (uppercase before lowercase, prefixes first)', () => {
    assert.equal(seriesKey('m', { b: '1', B: '2', a_b: '3', a: '4' }), 'm{B="2",a="4",a_b="3",b="1"}');
  });

  it('JSON-quotes values: quotes, backslashes, newlines and unicode', () => {
    assert.equal(seriesKey('m', { v: 'say "hi"' }), 'm{v="say \\"hi\\""}');
    assert.equal(seriesKey('m', { v: 'C:\\dir' }), 'm{v="C:\\\\dir"}');
    assert.equal(seriesKey('m', { v: 'a\nb' }), 'm{v="a\\nb"}');
    assert.equal(seriesKey('m', { v: 'é€' }), 'm{v="é€"}');
    assert.equal(seriesKey('m', { v: '' }), 'm{v=""}');
  });

  it('distinguishes series that differ in one label value', () => {
    assert.notEqual(seriesKey('m', { host: 'h1' }), seriesKey('m', { host: 'h2' }));
    assert.notEqual(seriesKey('m', { host: 'h1' }), seriesKey('m', { host: 'h1', dc: 'x' }));
    assert.notEqual(seriesKey('m', { host: 'h1' }), seriesKey('n', { host: 'h1' }));
  });

  it('does not modify the labels object', () => {
    const labels = { z: '1', a: '2' };
    seriesKey('m', labels);
    assert.deepEqual(Object.keys(labels), ['z', 'a']);
  });
});
