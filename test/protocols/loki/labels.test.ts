// The label-set text of a Loki stream: parsing (Prometheus syntax, Go
// escapes) and the canonical form that keys the stream's records.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { canonicalLabels, LabelSyntaxError, parseLabels } from '../../../src/protocols/loki';

describe('loki labels: parsing', () => {
  it('reads names and quoted values with any spacing and a trailing comma', () => {
    assert.deepEqual(parseLabels('{job="api", env="prod"}'), [['job', 'api'], ['env', 'prod']]);
    assert.deepEqual(parseLabels(' { job = "api" ,env="prod", } '), [['job', 'api'], ['env', 'prod']]);
    assert.deepEqual(parseLabels('{}'), []);
    assert.deepEqual(parseLabels('{_a1="", B_2="x"}'), [['_a1', ''], ['B_2', 'x']]);
  });

  it('undoes escapes in values', () => {
    assert.deepEqual(parseLabels(String.raw`{k="v\"2", b="back\\slash", n="a\nb\tc", u="\u00e9\U0001F600", x="\x41"}`), [
      ['k', 'v"2'], ['b', 'back\\slash'], ['n', 'a\nb\tc'], ['u', 'é😀'], ['x', 'A'],
    ]);
  });

  it('reads quoted names (UTF-8 names, as Prometheus 3 writes them)', () => {
    assert.deepEqual(parseLabels('{"service.name"="api"}'), [['service.name', 'api']]);
  });

  it('refuses malformed label sets with a LabelSyntaxError naming the offset', () => {
    for (const text of ['', 'job="api"', '{job="api"', '{job=api}', '{1job="x"}', '{job="a" env="b"}', '{job="a"} x',
      '{job="a\\q"}', '{job="a\\x80"}', '{job="\\ud800"}', '{job="a\nb"}', '{job!="a"}', '{,}']) {
      assert.throws(() => parseLabels(text), (e: unknown) => e instanceof LabelSyntaxError && /at offset \d+/.test(e.message), JSON.stringify(text));
    }
  });

  it('raises nothing but LabelSyntaxError on arbitrary text', () => {
    fc.assert(fc.property(fc.oneof(fc.string(), fc.string({ unit: fc.constantFrom('{', '}', '"', '\\', '=', ',', 'a', ' ', 'u', 'x', '0') })), (text) => {
      try {
        parseLabels(text);
      } catch (error) {
        if (!(error instanceof LabelSyntaxError)) throw error;
      }
    }), { numRuns: 3000 });
  });
});

describe('loki labels: canonical form', () => {
  it('sorts by name and writes {a="x", b="y"} with \\, " and newline escaped', () => {
    assert.equal(canonicalLabels([['job', 'api'], ['env', 'p"r\\o\nd']]), String.raw`{env="p\"r\\o\nd", job="api"}`);
    assert.equal(canonicalLabels([['service.name', 'x']]), '{"service.name"="x"}');
  });

  it('parses back to the same pairs, sorted, for any label set', () => {
    const name = fc.oneof(fc.stringMatching(/^[a-zA-Z_][a-zA-Z0-9_]{0,8}$/), fc.string({ minLength: 1, maxLength: 8 }));
    const pairs = fc.uniqueArray(fc.tuple(name, fc.string({ maxLength: 12 })), { selector: ([n]) => n, maxLength: 6 });
    fc.assert(fc.property(pairs, (labels) => {
      const sorted = [...labels].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      assert.deepEqual(parseLabels(canonicalLabels(labels)), sorted);
      assert.equal(canonicalLabels([...labels].reverse()), canonicalLabels(labels));
    }), { numRuns: 1000 });
  });
});
