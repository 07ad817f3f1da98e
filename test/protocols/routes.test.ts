// The route table (src/protocols/routes.ts): paths, signals, answer shapes.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { offeredToken, PROBES, probeOf, ROUTES, ROUTE_BY_PATH, Route, routeOf } from '../../src/protocols/routes';
import { SIGNAL_NAMES, Signal, topicsBySignal } from '../../src/signals';
import { routeAt } from '../support/route-at';

const spec = routeAt;

describe('protocols: the route table', () => {
  it('serves the exact paths, each once', () => {
    assert.deepEqual([...ROUTE_BY_PATH.keys()].sort(), ['/api/v1/write', '/api/v2/write', '/collectd', '/logs', '/loki/api/v1/push', '/metrics', '/v1/logs', '/v1/metrics', '/v1/traces', '/write']);
    for (const [path, s] of ROUTE_BY_PATH) assert.equal(ROUTES[s.route].path, path);
  });

  it('routes carry their signal; remote_write answers 204; OTLP answers in the request\'s encoding', () => {
    assert.equal(spec('/v1/traces').signal, Signal.Traces);
    assert.equal(spec('/v1/logs').signal, Signal.Logs);
    assert.equal(ROUTES[Route.RemoteWrite].signal, Signal.Metrics);
    assert.equal(spec('/api/v1/write').answers('application/x-protobuf').success(3, undefined, undefined).status, 204);
    assert.deepEqual(spec('/metrics').answers('').success(3, undefined, undefined), { status: 200, body: '{"accepted":3}', contentType: 'application/json' });
    assert.equal(spec('/v1/logs').answers('application/x-protobuf').success(3, undefined, undefined).contentType, 'application/x-protobuf');
    assert.equal(spec('/v1/logs').answers('application/json; charset=utf-8').success(3, undefined, undefined).contentType, 'application/json');
    assert.equal(spec('/v1/logs').answers('application/x-protobuf').acceptsEmptyBody, true);
    assert.equal(spec('/v1/logs').answers('application/json').acceptsEmptyBody, false);
  });

  it('only the JSON routes may be decoded on the main thread', () => {
    assert.deepEqual(Object.values(ROUTES).filter((s) => s.inline).map((s) => s.path).sort(), ['/collectd', '/logs', '/metrics']);
  });

  it('remote_write: an unknown proto= is refused before the body; every success says what was written', () => {
    const rw = spec('/api/v1/write');
    assert.equal(rw.contentTypeProblem!('application/x-protobuf;proto=io.prometheus.write.v2.Request'), null);
    assert.equal(rw.contentTypeProblem!('application/x-protobuf'), null);
    assert.match(rw.contentTypeProblem!('application/x-protobuf;proto=io.prometheus.write.v3.Request') ?? '', /proto=io\.prometheus\.write\.v3\.Request is not supported/);
    const written = { samples: 5, histograms: 0, exemplars: 0 };
    const ok = rw.answers('application/x-protobuf').success(5, undefined, written);
    assert.equal(ok.status, 204);
    assert.deepEqual(ok.headers, {
      'x-prometheus-remote-write-samples-written': '5', 'x-prometheus-remote-write-histograms-written': '0', 'x-prometheus-remote-write-exemplars-written': '0',
    });
    const partial = rw.answers('application/x-protobuf').success(5, { rejected: 2, message: 'not written: 2 samples' }, written);
    assert.equal(partial.status, 400);
    assert.equal(partial.headers?.['x-prometheus-remote-write-samples-written'], '5');
    assert.deepEqual(JSON.parse(String(partial.body)), { error: 'series_refused', message: 'not written: 2 samples' });
  });

  it('JSON routes: detail joins the count; a partial write is a 400 entries_refused with the count written', () => {
    const json = spec('/collectd').answers('application/json');
    assert.deepEqual(JSON.parse(String(json.success(4, undefined, { unknownValues: 1 }).body)), { accepted: 4, unknownValues: 1 });
    const partial = json.success(4, { rejected: 1, message: '1 not written; the first, value list 2: bad' }, { unknownValues: 0 });
    assert.equal(partial.status, 400);
    assert.deepEqual(JSON.parse(String(partial.body)), {
      error: 'entries_refused', message: '1 not written; the first, value list 2: bad', accepted: 4, refused: 1, unknownValues: 0,
    });
  });

  it('InfluxDB: /write and /api/v2/write answer 204, read their tokens where the clients put them; the probes answer without a route', () => {
    for (const path of ['/write', '/api/v2/write']) {
      assert.equal(spec(path).signal, Signal.Metrics);
      assert.equal(spec(path).answers('text/plain').success(3, undefined, undefined).status, 204);
    }
    const headers = (values: Record<string, string>) => (name: string): string => values[name] ?? '';
    assert.equal(offeredToken(spec('/write'), headers({}), 'db=x&u=me&p=t1'), 't1');
    assert.equal(offeredToken(spec('/write'), headers({ authorization: `Basic ${Buffer.from('me:t2').toString('base64')}` }), ''), 't2');
    assert.equal(offeredToken(spec('/write'), headers({ authorization: 'Token t3' }), ''), 't3');
    assert.equal(offeredToken(spec('/api/v2/write'), headers({ authorization: 'Token t4' }), ''), 't4');
    assert.equal(offeredToken(spec('/api/v2/write'), headers({}), 'p=t5'), null);
    assert.equal(probeOf('get', '/ping')?.answer({ ready: true, path: '/ping', query: '', header: () => '' }).status, 204);
    assert.equal(probeOf('head', '/health')?.answer({ ready: false, path: '/health', query: '', header: () => '' }).status, 503);
    assert.equal(probeOf('post', '/query')?.answer({ ready: true, path: '/query', query: '', header: () => '' }).status, 200);
    assert.equal(probeOf('post', '/query')?.answer({ ready: true, path: '/query', query: 'q=DROP+DATABASE+x', header: () => '' }).status, 400);
    assert.equal(probeOf('post', '/write'), undefined);
  });

  it('the log shippers\' patterns: _bulk with or without an index, the HEC event and raw paths', () => {
    assert.equal(routeOf('/_bulk')?.route, Route.ElasticsearchBulk);
    assert.equal(routeOf('/logs-2026.12/_bulk')?.route, Route.ElasticsearchBulk);
    assert.equal(routeOf('/_all/_bulk'), undefined);
    assert.equal(routeOf('/a/b/_bulk'), undefined);
    for (const path of ['/services/collector', '/services/collector/event', '/services/collector/event/1.0']) {
      assert.equal(routeOf(path)?.route, Route.SplunkHecEvent, path);
    }
    assert.equal(routeOf('/services/collector/raw')?.route, Route.SplunkHecRaw);
    assert.equal(routeOf('/services/collector/raw/1.0')?.route, Route.SplunkHecRaw);
    assert.equal(routeOf('/services/collector/ack'), undefined);
  });

  it('no probe stands on a path a route serves (the listener looks probes up only where no route is)', () => {
    const probePaths = ['/ping', '/health', '/query', '/ready', '/loki/api/v1/status/buildinfo', '/', '/_license', '/_cluster/health',
      '/_nodes/http', '/_index_template/x', '/_ilm/policy/x', '/_ingest/pipeline/x', '/services/collector/health', '/services/collector/health/1.0'];
    for (const path of probePaths) {
      assert.ok(['get', 'head', 'post', 'put'].some((method) => probeOf(method, path) !== undefined), `a probe at ${path}`);
      assert.equal(routeOf(path), undefined, path);
    }
    for (const probe of PROBES) {
      if (typeof probe.path === 'string') assert.equal(routeOf(probe.path), undefined, probe.path);
    }
  });

  it('probes: Loki /ready, Elasticsearch / and its settings paths, HEC health; not the data paths', () => {
    assert.ok(probeOf('get', '/ready'));
    assert.ok(probeOf('head', '/'));
    assert.ok(probeOf('put', '/_index_template/filebeat-9.1.0'));
    assert.ok(probeOf('get', '/services/collector/health/1.0'));
    assert.equal(probeOf('post', '/_bulk'), undefined);
    assert.equal(probeOf('post', '/'), undefined);
  });

  it('topics by signal follow kafka.topics', () => {
    assert.deepEqual(topicsBySignal({ metrics: 'm', logs: 'l', traces: 't' }), ['m', 'l', 't']);
    assert.deepEqual([...SIGNAL_NAMES], ['metrics', 'logs', 'traces']);
  });
});
