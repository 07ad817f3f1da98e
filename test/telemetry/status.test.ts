// The status page's data (src/telemetry/status.ts and the parts it holds):
// rates computed from totals, a history and a refusal ring of fixed size,
// and a status.json whose size stays bounded whatever clients send.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { STATUS_PAGE_HEADERS, STATUS_PAGE_HTML } from '../../src/ingest/status-page';
import { Telemetry, type TelemetrySources } from '../../src/telemetry/prometheus';
import { RateHistory } from '../../src/telemetry/rate-history';
import { RefusalRing, type RefusalEntry } from '../../src/telemetry/refusal-ring';
import { MAX_ROUTES, RouteCounts } from '../../src/telemetry/route-counts';
import { StatusBoard, type StatusSources } from '../../src/telemetry/status';

function refusal(i: number, over: Partial<RefusalEntry> = {}): RefusalEntry {
  return { at: 1_000 + i, route: 'metrics', client: '10.0.0.1', requestId: `r${i}`, status: 400, code: 'invalid_json', reason: `bad ${i}`, ...over };
}

function statusSources(routes: RouteCounts, over: Partial<StatusSources> = {}): StatusSources {
  return {
    build: { metricstream: '1.2.3', node: 'v20.0.0', uWebSockets: 'uws@1', librdkafka: '2.12.0', nodeRdkafka: '3.6.1', nodeRdkafkaPatch: 'abc', deliveryMode: 'kafka' },
    routes,
    notReadyReasons: () => [],
    deliveredRecords: () => 0,
    kafka: () => ({ reachable: true, bootstrap: 'k:9092', brokers: undefined, inFlightMessages: 0, maxInFlightMessages: 10 }),
    memory: () => ({ rssBytes: 1, ceilingBytes: 2 }),
    ...over,
  };
}

describe('status: refusal ring', () => {
  it('keeps the last `capacity` refusals, newest first, and counts every one', () => {
    const ring = new RefusalRing(3);
    for (let i = 0; i < 5; i++) ring.record(refusal(i));
    assert.equal(ring.total, 5);
    assert.deepEqual(ring.newestFirst().map((r) => r.requestId), ['r4', 'r3', 'r2']);
  });

  it('cuts long strings (reasons, paths) to a fixed length', () => {
    const ring = new RefusalRing(2);
    ring.record(refusal(0, { route: '/x'.repeat(5_000), reason: 'y'.repeat(100_000) }));
    const [kept] = ring.newestFirst();
    assert.ok(kept!.route.length <= 128 && kept!.route.endsWith('…'));
    assert.ok(kept!.reason.length <= 400 && kept!.reason.endsWith('…'));
  });
});

describe('status: rate history', () => {
  it('turns totals into rates per second over the time between samples', () => {
    const counts = new RouteCounts();
    const history = new RateHistory(10);
    history.sample({ routes: counts.totals, delivered: 0, replayed: 0 }, 10_000);
    const metrics = counts.of('metrics');
    metrics.requests += 4;
    metrics.refused += 2;
    counts.accepted('metrics', 300);
    counts.of('logs');
    history.sample({ routes: counts.totals, delivered: 600, replayed: 0 }, 12_000);
    const [sample] = history.since(0);
    assert.deepEqual(sample, { seq: 1, at: 12_000, routes: { metrics: [2, 150, 1] }, delivered: 300, replayed: 0 });
    assert.deepEqual(history.recent(10).get('metrics'), { requests: 2, records: 150, refused: 1 });
    assert.equal(history.recent(10).get('logs'), undefined, 'a route without answers in the window has no rates');
  });

  it('holds at most `capacity` samples and answers only those after `since`', () => {
    const counts = new RouteCounts();
    const history = new RateHistory(5);
    for (let i = 0; i <= 12; i++) history.sample({ routes: counts.totals, delivered: i, replayed: 0 }, i * 1000);
    assert.equal(history.since(0).length, 5);
    assert.deepEqual(history.since(10).map((s) => s.seq), [11, 12]);
    assert.deepEqual(history.since(12), []);
    assert.equal(history.latestSeq, 12);
  });

  it('route counts fold routes past MAX_ROUTES into one', () => {
    const counts = new RouteCounts();
    for (let i = 0; i < MAX_ROUTES * 2; i++) counts.accepted(`r${i}`, 1);
    assert.equal(counts.totals.size, MAX_ROUTES);
    assert.equal(counts.totals.get('other')?.records, MAX_ROUTES + 1);
  });
});

describe('status: status.json', () => {
  it('says what the sources say, with rates from the samples', () => {
    const counts = new RouteCounts();
    let delivered = 0;
    const board = new StatusBoard(statusSources(counts, {
      notReadyReasons: () => ['kafka_unreachable'],
      deliveredRecords: () => delivered,
      kafka: () => ({ reachable: false, bootstrap: 'k:9092', brokers: [{ name: 'k:9092/1', nodeId: 1, state: 'DOWN', rttSeconds: 0 }], inFlightMessages: 3, maxInFlightMessages: 10 }),
    }));
    board.sample(0);
    counts.accepted('metrics', 50);
    counts.of('metrics').requests += 1;
    delivered = 50;
    board.sample(1_000);
    board.record(refusal(1));
    const snap = board.snapshot(0, 5_000);
    assert.equal(snap.ready, false);
    assert.deepEqual(snap.reasons, ['kafka_unreachable']);
    assert.deepEqual(snap.routes, [{ route: 'metrics', total: { requests: 1, refused: 0, records: 50 }, perSecond: { requests: 1, records: 50, refused: 0 } }]);
    assert.deepEqual(snap.kafka.brokers, [{ name: 'k:9092/1', nodeId: 1, state: 'DOWN', rttSeconds: 0 }]);
    assert.equal(snap.history.samples.length, 1);
    assert.equal(snap.history.samples[0]!.delivered, 50);
    assert.equal(snap.spool, null);
    assert.equal(snap.refusals.latest[0]!.code, 'invalid_json');
    assert.deepEqual(board.snapshot(1, 5_000).history.samples, [], 'nothing after the sample the page has');
  });

  it('in spool mode: the spool\'s bytes, oldest undelivered age and replay rate', () => {
    let replayed = 0;
    const board = new StatusBoard(statusSources(new RouteCounts(), {
      spool: {
        usedBytes: () => 4_096, maxBytes: 1_048_576, undeliveredMessages: () => 12, oldestUndeliveredSeconds: () => 7.5, blockedMessages: () => 0,
        replayed: () => ({ messages: replayed, records: replayed * 10, rewinds: 0 }), syncs: () => ({ syncs: 0, failedSyncs: 0 }),
      },
    }));
    board.sample(0);
    replayed = 30;
    board.sample(1_000);
    replayed = 40;
    board.sample(2_000);
    assert.deepEqual(board.snapshot(0).spool, { bytes: 4_096, maxBytes: 1_048_576, undeliveredMessages: 12, oldestUndeliveredSeconds: 7.5, replayRecordsPerSecond: 200 });
  });

  it('stays bounded: a full history, every route and a ring of huge refusals', () => {
    const counts = new RouteCounts();
    const board = new StatusBoard(statusSources(counts));
    for (let t = 0; t <= 2_000; t++) {
      for (let r = 0; r < MAX_ROUTES * 2; r++) {
        const totals = counts.of(`route-${r}`);
        totals.requests += 1_000_003;
        totals.refused += 1_000_003;
        counts.accepted(`route-${r}`, 1_234_567);
      }
      board.sample(t * 1_000);
    }
    for (let i = 0; i < 1_000; i++) board.record(refusal(i, { route: '/'.repeat(10_000), client: 'c'.repeat(10_000), reason: 'r'.repeat(1_000_000), record: i }));
    const json = JSON.stringify(board.snapshot(0));
    const parsed = JSON.parse(json) as ReturnType<StatusBoard['snapshot']>;
    assert.equal(parsed.history.samples.length, board.history.capacity);
    assert.equal(parsed.refusals.latest.length, board.refusals.capacity);
    assert.equal(parsed.routes.length, MAX_ROUTES);
    // 600 samples × 64 routes of three rates, 100 refusals of cut strings, and the rest.
    assert.ok(json.length < 3_000_000, `status.json is ${json.length} bytes`);
    const one = JSON.stringify(board.snapshot(board.history.latestSeq - 1));
    assert.ok(one.length < 150_000, `status.json with one new sample is ${one.length} bytes`);
  });
});

describe('status: Prometheus counters the answers feed', () => {
  const sources: TelemetrySources = {
    counters: () => ({ accepted: 0, delivered: 0, failed: 0, skipped: 0 }), inFlightMessages: () => 0, openRequests: () => 0,
    activeHttpRequests: () => 0, ringUsedBytes: () => 0, ringCapacityBytes: () => 1, poolQueueSize: () => 0, poolBusySeconds: () => 0,
    poolThreads: 1, kafkaReachable: () => true, draining: () => false, kafkaStats: () => undefined, memoryCeilingBytes: 123,
    familyTypesReplaced: () => 0,
  };

  it('records per route, refusals per code, the memory ceiling; requests feed the route counts', async () => {
    const t = new Telemetry(sources);
    t.request('metrics', 200, 0.01);
    t.request('metrics', 400, 0.01);
    t.recordsAccepted('metrics', 7);
    t.refusal('invalid_json');
    t.refusal('invalid_json');
    let text = await t.registry.metrics();
    assert.match(text, /^metricstream_http_records_total\{route="metrics"\} 7$/m);
    assert.match(text, /^metricstream_http_refusals_total\{code="invalid_json"\} 2$/m);
    assert.match(text, /^metricstream_memory_ceiling_bytes 123$/m);
    assert.deepEqual(t.routes.totals.get('metrics'), { requests: 2, refused: 1, records: 7 });
    t.recordsAccepted('metrics', 3);
    text = await t.registry.metrics();
    assert.match(text, /^metricstream_http_records_total\{route="metrics"\} 10$/m, 'a second scrape adds what came since');
  });
});

describe('status: the page', () => {
  it('loads nothing from elsewhere: no src or href but data:, and a CSP that forbids it', () => {
    assert.doesNotMatch(STATUS_PAGE_HTML, /\bsrc\s*=/i);
    assert.deepEqual([...STATUS_PAGE_HTML.matchAll(/\bhref\s*=\s*"([^"]*)"/gi)].map((m) => m[1]), ['data:,']);
    assert.deepEqual([...STATUS_PAGE_HTML.matchAll(/https?:\/\/[^'"\s)]*/g)].map((m) => m[0]), ['http://www.w3.org/2000/svg'], 'only the SVG namespace name');
    assert.match(STATUS_PAGE_HEADERS['content-security-policy']!, /default-src 'none'/);
    assert.doesNotMatch(STATUS_PAGE_HTML, /innerHTML|insertAdjacentHTML|document\.write/, 'daemon data is written as text only');
  });
});
