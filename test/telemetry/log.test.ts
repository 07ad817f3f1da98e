// Rate-limited log lines (src/telemetry/log.ts): the first line of a burst is
// written, the rest counted and reported with the next line that gets through.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { rateLimited, rateLimitedByKey } from '../../src/telemetry/log';
import { captureLog } from '../support/log-capture';

describe('telemetry: rate-limited log lines', () => {
  it('writes one line per interval and counts the suppressed ones', async () => {
    const { log, lines } = captureLog();
    const warn = rateLimited(log, 'warn', 30);
    for (let i = 0; i < 5; i++) warn({ i }, 'busy');
    assert.equal(lines.length, 1);
    assert.equal(lines[0]!['suppressedSinceLast'], 0);
    await new Promise((r) => setTimeout(r, 40));
    warn({ i: 5 }, 'busy');
    assert.equal(lines.length, 2);
    assert.equal(lines[1]!['suppressedSinceLast'], 4);
    assert.equal(lines[1]!['level'], 40);
  });

  it('per key: a flood of one key does not hide the first line of another', () => {
    const { log, lines } = captureLog();
    const refuse = rateLimitedByKey(log, 'warn', 60_000);
    for (let i = 0; i < 10; i++) refuse('overloaded', { code: 'overloaded' }, 'request refused');
    refuse('invalid_json', { code: 'invalid_json' }, 'request refused');
    assert.deepEqual(lines.map((l) => l['code']), ['overloaded', 'invalid_json']);
  });
});
