// checkJson (src/protocols/otlp/json-check.ts) against the check it replaced
// (reference/json-check.ts): on valid requests of every signal and on
// thousands of mutations of them (a value swapped for one of another type,
// a key dropped, an unknown or prototype-named key added), both accept, or
// both refuse with the same message.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DecodeError } from '../../../src/decode/decode-error';
import { checkJson } from '../../../src/protocols/otlp/json-check';
import { EXPORT_REQUEST } from '../../../src/protocols/otlp/proto';
import { Signal } from '../../../src/signals';
import { DOCUMENTS, mutate } from '../../support/otlp-json-documents';
import { random } from '../../support/random';
import { checkJson as referenceCheckJson } from './reference/json-check';

/** The refusal's message, or null when accepted. */
function outcome(check: typeof checkJson, signal: Signal, document: object): string | null {
  try {
    check(document, EXPORT_REQUEST[signal]);
    return null;
  } catch (err) {
    assert.ok(err instanceof DecodeError, String(err));
    return `${err.code}: ${err.message}`;
  }
}

describe('OTLP/JSON check: the same outcome as the check it replaced', () => {
  it('valid requests of every signal are accepted by both', () => {
    for (const [signal, document] of DOCUMENTS) {
      assert.equal(outcome(checkJson, signal, document), null);
      assert.equal(outcome(referenceCheckJson, signal, document), null);
    }
  });

  it('mutated requests: both accept, or both refuse with the same message', () => {
    const next = random(25);
    let refused = 0;
    for (let i = 0; i < 6000; i++) {
      const [signal, document] = DOCUMENTS[i % DOCUMENTS.length]!;
      const mutated = mutate(document, next);
      const expected = outcome(referenceCheckJson, signal, mutated);
      assert.equal(outcome(checkJson, signal, mutated), expected, `mutation ${i}`);
      if (expected !== null) refused++;
    }
    // The mutations reach both outcomes often.
    assert.ok(refused > 1000 && refused < 5000, `${refused} of 6000 refused`);
  });
});
