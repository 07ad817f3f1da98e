// The dispatch gate (src/pool/dispatch-gate.ts): tasks run at most `slots`
// at a time, none starts while the rings' backlog is at its bound, waiting
// tasks go first come first served, and closing refuses them.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DispatchGate, GateClosedError } from '../../src/pool/dispatch-gate';

/** Enters `n` tasks; `started` lists them in the order they were let through. */
function enterAll(gate: DispatchGate, n: number, started: number[]): Array<Promise<void>> {
  return Array.from({ length: n }, (_, i) => gate.enter().then(() => {
    started.push(i);
  }));
}

const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('dispatch gate', () => {
  it('lets `slots` tasks run at once; each leave() lets the next waiting one through, in order', async () => {
    const gate = new DispatchGate(2, 1024, () => 0);
    const started: number[] = [];
    enterAll(gate, 5, started);
    await settle();
    assert.deepEqual(started, [0, 1]);
    assert.equal(gate.waiting, 3);
    gate.leave();
    await settle();
    assert.deepEqual(started, [0, 1, 2]);
    gate.leave();
    gate.leave();
    await settle();
    assert.deepEqual(started, [0, 1, 2, 3, 4]);
    assert.equal(gate.waiting, 0);
  });

  it('holds every task while the backlog is at the bound, and pass() lets them through once it is below', async () => {
    let backlog = 4096;
    const gate = new DispatchGate(2, 4096, () => backlog);
    const started: number[] = [];
    enterAll(gate, 3, started);
    await settle();
    assert.deepEqual(started, [], 'a free slot is not enough while the rings hold 4096 bytes');
    gate.pass();
    await settle();
    assert.deepEqual(started, [], 'nor is pass() while they still do');
    backlog = 4095;
    gate.pass();
    await settle();
    assert.deepEqual(started, [0, 1], 'then as many as there are slots');
    assert.equal(gate.waiting, 1);
  });

  it('a task arriving while others wait queues behind them, even when the gate has just opened', async () => {
    let backlog = 10;
    const gate = new DispatchGate(1, 5, () => backlog);
    const started: number[] = [];
    enterAll(gate, 2, started);
    backlog = 0;
    const late = gate.enter().then(() => started.push(99));
    await settle();
    assert.deepEqual(started, [], 'nothing passes before pass() is called');
    gate.pass();
    await settle();
    assert.deepEqual(started, [0]);
    gate.leave();
    gate.leave();
    await late;
    assert.deepEqual(started, [0, 1, 99]);
  });

  it('a bound of 0 does not look at the backlog', async () => {
    const gate = new DispatchGate(1, 0, () => { throw new Error('read the backlog'); });
    await gate.enter();
    gate.leave();
  });

  it('close() refuses the tasks waiting and every later one', async () => {
    const gate = new DispatchGate(1, 0, () => 0);
    await gate.enter();
    const waiting = gate.enter();
    gate.close();
    await assert.rejects(waiting, GateClosedError);
    await assert.rejects(gate.enter(), GateClosedError);
    assert.equal(gate.waiting, 0);
  });
});
