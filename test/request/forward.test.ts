// The forward path (src/request/forward.ts) with a fake pool: body → ledger
// → decode → answer, OTLP partial success carried by the ledger, worker
// failures answered 500, and the drain's abandon() reaching requests still
// receiving their body.
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { ownBody } from '../../src/pool/body-arena';
import type { DecodePool, PoolTask } from '../../src/pool/pool';
import type { DecodeResult } from '../../src/pool/task';
import { Forwarder, type RequestHead } from '../../src/request/forward';
import { Route } from '../../src/protocols/routes';
import { Ledger, type Answer } from '../../src/settle/ledger';
import { captureLog } from '../support/log-capture';

class FakePool {
  readonly tasks: PoolTask[] = [];
  result: DecodeResult | Error = { ok: true, records: 1, messages: 1, ring: 0, busyMs: 0 };
  decode(task: PoolTask): Promise<DecodeResult> {
    this.tasks.push(task);
    return this.result instanceof Error ? Promise.reject(this.result) : Promise.resolve(this.result);
  }
}

const ledgers: Ledger[] = [];
afterEach(() => {
  for (const l of ledgers.splice(0)) l.failAll('draining', 'test over');
});

function setup(): { ledger: Ledger; pool: FakePool; forwarder: Forwarder; head: (id?: string) => RequestHead & { answers: Answer[] }; lines: Array<Record<string, unknown>> } {
  const ledger = new Ledger({ maxInFlightMessages: 100, requestTimeoutMs: 60_000 });
  ledgers.push(ledger);
  const pool = new FakePool();
  const { log, lines } = captureLog();
  const forwarder = new Forwarder(ledger, pool as unknown as DecodePool, log);
  const head = (id = 'r1'): RequestHead & { answers: Answer[] } => {
    const answers: Answer[] = [];
    return {
      answers, requestId: id, route: Route.OtlpLogs, contentType: 'application/x-protobuf', contentEncoding: '',
      client: '10.0.0.1', receivedAtMs: 1, path: '/v1/logs', query: '', headers: {}, respond: (a) => answers.push(a),
    };
  };
  return { ledger, pool, forwarder, head, lines };
}

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('request: forward path', () => {
  it('hands the body to the pool with the ledger seq and the request\'s headers', async () => {
    const { ledger, pool, forwarder, head } = setup();
    const h = head();
    forwarder.receiving(h);
    const body = ownBody(new ArrayBuffer(3));
    forwarder.forward(h, body);
    assert.equal(pool.tasks.length, 1);
    const task = pool.tasks[0]!;
    assert.equal(task.body, body);
    assert.equal(ledger.get(task.seq)?.requestId, 'r1');
    assert.deepEqual([task.route, task.contentType, task.client, task.receivedAtMs], [Route.OtlpLogs, 'application/x-protobuf', '10.0.0.1', 1]);
    await tick();
    assert.equal(ledger.inFlightMessages, 1, 'admitted; the pump produces it');
  });

  it('OTLP partial success travels in the ledger entry to the 200 answer', async () => {
    const { ledger, pool, forwarder, head } = setup();
    pool.result = { ok: true, records: 0, messages: 0, ring: 0, busyMs: 0, partial: { rejected: 2, message: 'bad ids' } };
    const h = head();
    forwarder.forward(h, ownBody(new ArrayBuffer(1)));
    await tick();
    assert.deepEqual(h.answers, [{ ok: true, accepted: 0, partial: { rejected: 2, message: 'bad ids' } }]);
    assert.equal(ledger.openRequests, 0);
  });

  it('a worker\'s refusal is the answer, with its record', async () => {
    const { pool, forwarder, head } = setup();
    pool.result = { ok: false, code: 'invalid_record', message: 'record 2: no', record: 2, busyMs: 0 };
    const h = head();
    forwarder.forward(h, ownBody(new ArrayBuffer(1)));
    await tick();
    assert.deepEqual(h.answers, [{ ok: false, code: 'invalid_record', message: 'record 2: no', record: 2 }]);
  });

  it('a failed worker is answered worker_failed and logged at error', async () => {
    const { pool, forwarder, head, lines } = setup();
    pool.result = new Error('worker died');
    const h = head();
    forwarder.forward(h, ownBody(new ArrayBuffer(1)));
    await tick();
    assert.equal((h.answers[0] as { code: string }).code, 'worker_failed');
    assert.equal(lines.find((l) => l['msg'] === 'decode worker failed; request answered 500')?.['level'], 50);
  });

  it('a body that could not be read is refused without the pool', () => {
    const { pool, forwarder, head } = setup();
    const h = head();
    forwarder.receiving(h);
    forwarder.refuse(h, { code: 'body_timeout', message: 'slow' });
    assert.deepEqual(h.answers, [{ ok: false, code: 'body_timeout', message: 'slow' }]);
    assert.equal(pool.tasks.length, 0);
    assert.equal(forwarder.abandon('draining', 'late'), 0, 'no longer receiving');
  });

  it('abandon() answers requests in the ledger and those still receiving their body', async () => {
    const { pool, forwarder, head } = setup();
    pool.decode = () => new Promise(() => undefined); // a worker that never answers
    const decoding = head('decoding');
    forwarder.forward(decoding, ownBody(new ArrayBuffer(1)));
    const receiving = head('receiving');
    forwarder.receiving(receiving);
    assert.equal(forwarder.abandon('draining', 'shutting down'), 2);
    for (const h of [decoding, receiving]) assert.deepEqual(h.answers, [{ ok: false, code: 'draining', message: 'shutting down' }]);
    assert.equal(forwarder.abandon('draining', 'again'), 0);
  });
});
