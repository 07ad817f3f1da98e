// The DecodeError a decoder throws, for tests of what workers refuse.
import assert from 'node:assert/strict';
import { DecodeError } from '../../src/decode/decode-error';

/** The DecodeError `fn` throws; fails the test if it throws nothing or something else. */
export function refusal(fn: () => unknown): DecodeError {
  let thrown: unknown;
  try {
    fn();
  } catch (err) {
    thrown = err;
  }
  assert.ok(thrown !== undefined, 'expected a DecodeError, but nothing was thrown');
  assert.ok(thrown instanceof DecodeError, `expected a DecodeError, got ${String(thrown)}`);
  return thrown;
}
