// Admission (src/request/admission.ts): one policy for refusing a request and
// for /readyz.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Admission, type DaemonState } from '../../src/request/admission';
import { Signal } from '../../src/signals';

function admission(over: { state?: Partial<DaemonState>; inFlight?: number; poolRoom?: boolean } = {}): Admission {
  const state: DaemonState = { draining: false, kafkaReachable: true, missingTopic: () => undefined, ...over.state };
  const ledger = { inFlightMessages: over.inFlight ?? 0 };
  const pool = { hasRoom: () => over.poolRoom ?? true };
  return new Admission({ maxConcurrentRequests: 2, maxBufferedBodyBytes: 1000, maxInFlightMessages: 10 }, state, ledger, pool);
}

describe('request: admission', () => {
  it('takes a request when nothing stands in the way, and is ready', () => {
    const a = admission();
    assert.equal(a.unavailable(Signal.Metrics), null);
    assert.equal(a.overloaded(100), null);
    assert.deepEqual(a.notReadyReasons(), []);
  });

  it('draining comes first, then Kafka reachability', () => {
    assert.equal(admission({ state: { draining: true, kafkaReachable: false } }).unavailable(Signal.Metrics)?.code, 'draining');
    assert.equal(admission({ state: { kafkaReachable: false } }).unavailable(Signal.Metrics)?.code, 'kafka_unavailable');
  });

  it('a topic Kafka does not have refuses its signal\'s routes with unknown_topic, naming it; /readyz names an authentication refusal', () => {
    const a = admission({ state: { missingTopic: (signal) => (signal === Signal.Logs ? 'app-logs' : undefined) } });
    assert.equal(a.unavailable(Signal.Metrics), null);
    const refusal = a.unavailable(Signal.Logs);
    assert.equal(refusal?.code, 'unknown_topic');
    assert.match(refusal?.message ?? '', /app-logs/);
    assert.deepEqual(a.notReadyReasons(), [], 'other topics are served: still ready');
    assert.deepEqual(admission({ state: { kafkaReachable: false, kafkaProblem: 'kafka_authentication_failed' } }).notReadyReasons(), ['kafka_authentication_failed']);
  });

  it('spool mode: Kafka unreachable is no refusal while the spool has room; a full spool and a missing topic are', () => {
    const state: DaemonState = { draining: false, kafkaReachable: false, missingTopic: (signal) => (signal === Signal.Logs ? 'app-logs' : undefined) };
    let room = true;
    const spool = { hasRoom: () => room, usedBytes: 10, maxBytes: 10 };
    const a = new Admission({ maxConcurrentRequests: 2, maxBufferedBodyBytes: 1000, maxInFlightMessages: 10 }, state, { inFlightMessages: 0 }, { hasRoom: () => true }, spool);
    assert.equal(a.unavailable(Signal.Metrics), null);
    assert.deepEqual(a.notReadyReasons(), []);
    assert.equal(a.unavailable(Signal.Logs)?.code, 'unknown_topic');
    room = false;
    assert.equal(a.unavailable(Signal.Metrics)?.code, 'spool_full');
    assert.deepEqual(a.notReadyReasons(), ['spool_full']);
  });

  it('each cap refuses with 503 overloaded, saying which', () => {
    const a = admission();
    a.entered(100);
    a.entered(100);
    assert.match(a.overloaded(1)?.message ?? '', /2 requests in progress; the limit is 2/);
    a.left(100);
    assert.match(a.overloaded(901)?.message ?? '', /bodies in memory/);
    assert.equal(a.overloaded(900), null, 'exactly at the byte cap fits');
    assert.match(admission({ inFlight: 10 }).overloaded(1)?.message ?? '', /Kafka messages in flight/);
    assert.match(admission({ poolRoom: false }).overloaded(1)?.message ?? '', /decode queue full/);
    assert.equal(admission({ inFlight: 10 }).overloaded(1)?.code, 'overloaded');
  });

  it('counts requests admitted and not answered', () => {
    const a = admission();
    a.entered(10);
    assert.equal(a.activeRequests, 1);
    a.left(10);
    assert.equal(a.activeRequests, 0);
  });

  it('readiness reasons follow the same policy: draining, kafka_unreachable, overloaded', () => {
    assert.deepEqual(admission({ state: { draining: true, kafkaReachable: false }, inFlight: 10 }).notReadyReasons(), ['draining', 'kafka_unreachable', 'overloaded']);
    assert.deepEqual(admission({ poolRoom: false }).notReadyReasons(), ['overloaded']);
  });
});
