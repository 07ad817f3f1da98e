// Which request headers each route accepts (src/ingest/content-headers.ts).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { contentTypeProblem, encodingProblem } from '../../src/ingest/content-headers';
import { routeAt } from '../support/route-at';

const spec = routeAt;

describe('ingest: content headers', () => {
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
