// The drain (src/lifecycle/shutdown.ts): stop accepting, wait for requests and
// messages, abandon what is left at the deadline, close; exit 1 whenever
// anything was still pending at the deadline.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { drain, type DrainStages } from '../../src/lifecycle/shutdown';
import { captureLog } from '../support/log-capture';

function stages(pending: { requests: number; messages: number }, over: Partial<DrainStages> = {}): DrainStages & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    drainTimeoutMs: 100,
    stopAccepting: () => void calls.push('stopAccepting'),
    pending: () => ({ ...pending }),
    flush: async () => undefined,
    abandon: () => {
      calls.push('abandon');
      const n = pending.requests;
      pending.requests = 0;
      return n;
    },
    close: async () => void calls.push('close'),
    ...over,
  };
}

describe('lifecycle: drain', () => {
  it('nothing pending: stops accepting, closes, exit 0, abandons nothing', async () => {
    const s = stages({ requests: 0, messages: 0 });
    const { log } = captureLog();
    assert.equal(await drain(s, log), 0);
    assert.deepEqual(s.calls, ['stopAccepting', 'close']);
  });

  it('waits for requests to finish before the deadline: exit 0', async () => {
    const pending = { requests: 2, messages: 5 };
    setTimeout(() => { pending.requests = 0; pending.messages = 0; }, 20);
    const s = stages(pending, { drainTimeoutMs: 5_000 });
    const { log } = captureLog();
    assert.equal(await drain(s, log), 0);
    assert.ok(!s.calls.includes('abandon'));
  });

  it('requests still receiving their body at the deadline (no messages in flight) are abandoned, and the exit code is 1', async () => {
    const s = stages({ requests: 1, messages: 0 });
    const { log, lines } = captureLog();
    assert.equal(await drain(s, log), 1);
    assert.deepEqual(s.calls, ['stopAccepting', 'abandon', 'close']);
    const line = lines.find((l) => l['requestsAnswered503'] !== undefined);
    assert.equal(line?.['requestsAnswered503'], 1);
    assert.equal(line?.['messagesUndelivered'], 0);
    assert.equal(line?.['level'], 50);
  });

  it('messages librdkafka still holds at the deadline: exit 1 with the count logged', async () => {
    const s = stages({ requests: 0, messages: 7 });
    const { log, lines } = captureLog();
    assert.equal(await drain(s, log), 1);
    assert.equal(lines.find((l) => l['messagesUndelivered'] !== undefined)?.['messagesUndelivered'], 7);
  });
});
