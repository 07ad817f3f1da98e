// What the ingest listener serves (src/ingest/routes.ts, paths and signals
// from src/routes.ts) and which headers each route accepts.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { INGEST_ROUTES, contentTypeProblem, encodingProblem } from '../../src/ingest/routes';
import { ROUTES, Route, SIGNAL_NAMES, Signal, topicsBySignal } from '../../src/routes';

const spec = (path: string) => {
  const s = INGEST_ROUTES.get(path);
  assert.ok(s, path);
  return s;
};

describe('ingest: routes', () => {
  it('serves the six POST paths, each from the one route table', () => {
    assert.deepEqual([...INGEST_ROUTES.keys()].sort(), ['/api/v1/write', '/logs', '/metrics', '/v1/logs', '/v1/metrics', '/v1/traces']);
    for (const [path, s] of INGEST_ROUTES) assert.equal(ROUTES[s.route].path, path);
  });

  it('OTLP routes carry their signal; remote_write answers 204', () => {
    assert.equal(spec('/v1/traces').otlpSignal, Signal.Traces);
    assert.equal(spec('/v1/logs').otlpSignal, Signal.Logs);
    assert.equal(spec('/metrics').otlpSignal, undefined);
    assert.equal(spec('/api/v1/write').successStatus, 204);
    assert.equal(ROUTES[Route.RemoteWrite].signal, Signal.Metrics);
  });

  it('topics by signal follow kafka.topics', () => {
    assert.deepEqual(topicsBySignal({ metrics: 'm', logs: 'l', traces: 't' }), ['m', 'l', 't']);
    assert.deepEqual([...SIGNAL_NAMES], ['metrics', 'logs', 'traces']);
  });

  it('Content-Type: JSON types (and none) on native routes, UTF-8 charset only', () => {
    assert.equal(contentTypeProblem(spec('/metrics'), ''), null);
    assert.equal(contentTypeProblem(spec('/metrics'), 'application/x-ndjson; charset=UTF-8'), null);
    assert.equal(contentTypeProblem(spec('/logs'), 'text/plain;charset="utf8"'), null);
    assert.match(contentTypeProblem(spec('/metrics'), 'application/xml') ?? '', /application\/xml is not supported here/);
    assert.match(contentTypeProblem(spec('/metrics'), 'application/json; charset=latin1') ?? '', /charset latin1/);
    assert.match(contentTypeProblem(spec('/v1/metrics'), '') ?? '', /\(none\)/);
    assert.equal(contentTypeProblem(spec('/v1/metrics'), 'application/x-protobuf'), null);
    assert.match(contentTypeProblem(spec('/api/v1/write'), 'application/json') ?? '', /send application\/x-protobuf/);
  });

  it('Content-Encoding: gzip, deflate, zstd or none; snappy only (and required) for remote_write', () => {
    for (const e of ['', 'identity', 'gzip', 'x-gzip', 'deflate', 'zstd']) assert.equal(encodingProblem(spec('/logs'), e), null, e);
    assert.match(encodingProblem(spec('/v1/logs'), 'snappy') ?? '', /snappy is not supported here/);
    assert.equal(encodingProblem(spec('/api/v1/write'), 'snappy'), null);
    assert.match(encodingProblem(spec('/api/v1/write'), '') ?? '', /\(none\).*send snappy/);
  });
});
