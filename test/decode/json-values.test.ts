// decode/json-values.ts: how deep a parsed JSON value nests, against the
// definition (containers counted, the value itself level 1) written as a
// plain recursion.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { depthExceeds } from '../../src/decode/json-values';

function depthOf(value: unknown): number {
  if (value === null || typeof value !== 'object') return 0;
  let deepest = 0;
  for (const child of Object.values(value)) deepest = Math.max(deepest, depthOf(child));
  return 1 + deepest;
}

describe('depthExceeds', () => {
  it('is true exactly when the value nests deeper than the limit', () => {
    fc.assert(fc.property(fc.jsonValue({ maxDepth: 8 }), fc.integer({ min: 0, max: 9 }), (value, maxDepth) => {
      // Through JSON text, as the decoders get their values (own "__proto__" keys included).
      const parsed: unknown = JSON.parse(JSON.stringify(value));
      assert.equal(depthExceeds(parsed, maxDepth), depthOf(parsed) > maxDepth);
    }), { numRuns: 5000 });
  });

  it('counts an own "__proto__" member and empty containers, not scalars', () => {
    assert.equal(depthExceeds(JSON.parse('{"__proto__":{"a":{}}}'), 2), true);
    assert.equal(depthExceeds(JSON.parse('{"__proto__":{"a":{}}}'), 3), false);
    assert.equal(depthExceeds(JSON.parse('[[],[[]]]'), 2), true);
    assert.equal(depthExceeds(JSON.parse('[1,"x",null,true]'), 1), false);
    assert.equal(depthExceeds(5, 0), false);
  });

  it('walks nesting far deeper than the stack allows', () => {
    const deep = JSON.parse(`${'['.repeat(200_000)}${']'.repeat(200_000)}`) as unknown;
    assert.equal(depthExceeds(deep, 32), true);
    assert.equal(depthExceeds(deep, 200_000), false);
  });
});
