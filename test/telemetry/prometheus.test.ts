// The daemon's Prometheus metrics (src/telemetry/prometheus.ts): values are
// read from their sources at scrape time; renamed metrics keep their old name.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Telemetry, type TelemetrySources } from '../../src/telemetry/prometheus';

function sources(over: Partial<TelemetrySources> = {}): TelemetrySources {
  return {
    counters: () => ({ accepted: 10, delivered: 7, failed: 1, skipped: 2 }),
    inFlightMessages: () => 42,
    openRequests: () => 3,
    activeHttpRequests: () => 4,
    ringUsedBytes: () => 100,
    ringCapacityBytes: () => 1000,
    poolQueueSize: () => 0,
    poolBusySeconds: () => 1.5,
    familyTypesReplaced: () => 0,
    poolThreads: 2,
    kafkaReachable: () => true,
    draining: () => false,
    kafkaStats: () => undefined,
    ...over,
  };
}

function value(text: string, name: string): number {
  const m = new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(text);
  assert.ok(m, `${name} in the scrape`);
  return Number(m[1]);
}

describe('telemetry: Prometheus metrics', () => {
  it('reads gauges and counters from their sources at scrape time', async () => {
    const t = new Telemetry(sources());
    const text = await t.registry.metrics();
    assert.equal(value(text, 'metricstream_records_accepted_total'), 10);
    assert.equal(value(text, 'metricstream_records_skipped_total'), 2);
    assert.equal(value(text, 'metricstream_http_requests_active'), 4);
    assert.equal(value(text, 'metricstream_kafka_reachable'), 1);
    assert.equal(value(text, 'metricstream_pool_threads'), 2);
  });

  it('metricstream_kafka_messages_in_flight, and its deprecated old name with the same value', async () => {
    const text = await new Telemetry(sources()).registry.metrics();
    assert.equal(value(text, 'metricstream_kafka_messages_in_flight'), 42);
    assert.equal(value(text, 'metricstream_records_in_flight'), 42);
    assert.match(text, /# HELP metricstream_records_in_flight DEPRECATED/);
  });

  it('the body arena: bytes held now, the most held at once, bodies it had no room for', async () => {
    const text = await new Telemetry(sources({ bodyArena: { leasedBytes: 128, peakLeasedBytes: 4096, misses: 3 } })).registry.metrics();
    assert.equal(value(text, 'metricstream_body_arena_bytes'), 128);
    assert.equal(value(text, 'metricstream_body_arena_peak_bytes'), 4096);
    assert.equal(value(text, 'metricstream_body_arena_misses_total'), 3);
  });

  it('counts answered requests by route and status', async () => {
    const t = new Telemetry(sources());
    t.request('metrics', 200, 0.01);
    t.request('metrics', 200, 0.02);
    t.request('logs', 503, 0.001);
    const text = await t.registry.metrics();
    assert.match(text, /metricstream_http_requests_total\{route="metrics",status="200"\} 2/);
    assert.match(text, /metricstream_http_requests_total\{route="logs",status="503"\} 1/);
  });
});
