// The start-up probes shippers make of an Elasticsearch cluster, and the
// media type negotiation the 8.x/9.x official clients rely on.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { answerMediaType, DEFAULT_CLUSTER, probeAnswer } from '../../../src/protocols/elasticsearch';

const json = (body: string | undefined): Record<string, unknown> => JSON.parse(body ?? 'null') as Record<string, unknown>;

describe('elasticsearch probes', () => {
  it('answers GET / with the cluster, a 9.x version and the product header', () => {
    const answer = probeAnswer({ method: 'GET', path: '/' })!;
    assert.equal(answer.status, 200);
    assert.equal(answer.headers['X-Elastic-Product'], 'Elasticsearch');
    assert.equal(answer.headers['Content-Type'], 'application/json');
    const body = json(answer.body);
    assert.equal(body['cluster_name'], DEFAULT_CLUSTER.clusterName);
    assert.equal(body['tagline'], 'You Know, for Search');
    const version = body['version'] as Record<string, unknown>;
    assert.equal(version['number'], '9.1.0');
    assert.equal(version['build_flavor'], 'default');
  });

  it('answers HEAD / with 200, the header and no body', () => {
    const answer = probeAnswer({ method: 'HEAD', path: '/' })!;
    assert.deepEqual([answer.status, answer.body, answer.headers['X-Elastic-Product']], [200, undefined, 'Elasticsearch']);
  });

  it('answers the license, cluster health and nodes/http', () => {
    assert.equal((json(probeAnswer({ method: 'GET', path: '/_license' })!.body)['license'] as Record<string, unknown>)['status'], 'active');
    assert.equal(json(probeAnswer({ method: 'GET', path: '/_cluster/health' })!.body)['status'], 'green');
    const nodes = json(probeAnswer({ method: 'GET', path: '/_nodes/_all/http', host: '10.0.0.5:9201' })!.body)['nodes'] as Record<string, { http: { publish_address: string } }>;
    assert.deepEqual(Object.values(nodes).map((n) => n.http.publish_address), ['10.0.0.5:9201']);
  });

  it('answers templates, ILM policies and pipelines as not there on GET/HEAD, acknowledged on PUT', () => {
    for (const path of ['/_index_template/filebeat-9.1.0', '/_ilm/policy/filebeat', '/_ingest/pipeline/filebeat-x']) {
      assert.equal(probeAnswer({ method: 'GET', path })!.status, 404, path);
      assert.equal(probeAnswer({ method: 'HEAD', path })!.status, 404, path);
      const put = probeAnswer({ method: 'PUT', path })!;
      assert.deepEqual([put.status, json(put.body), put.headers['X-Elastic-Product']], [200, { acknowledged: true }, 'Elasticsearch'], path);
    }
    assert.equal((json(probeAnswer({ method: 'GET', path: '/_index_template/x' })!.body)['error'] as Record<string, unknown>)['type'], 'resource_not_found_exception');
  });

  it('leaves other paths and methods to the caller', () => {
    assert.equal(probeAnswer({ method: 'GET', path: '/_search' }), undefined);
    assert.equal(probeAnswer({ method: 'POST', path: '/_license' }), undefined);
    assert.equal(probeAnswer({ method: 'GET', path: '/_bulk' }), undefined);
  });
});

describe('elasticsearch media types', () => {
  it('answers compatible-with=8 and 9 in the versioned media type, plain requests in application/json', () => {
    assert.deepEqual(answerMediaType('application/vnd.elasticsearch+json; compatible-with=9,text/plain', undefined),
      { ok: true, contentType: 'application/vnd.elasticsearch+json;compatible-with=9' });
    assert.deepEqual(answerMediaType(undefined, 'application/vnd.elasticsearch+x-ndjson; compatible-with=8'),
      { ok: true, contentType: 'application/vnd.elasticsearch+json;compatible-with=8' });
    assert.deepEqual(answerMediaType('*/*', 'application/x-ndjson'), { ok: true, contentType: 'application/json' });
  });

  it('refuses other compatible-with versions with 400 media_type_header_exception', () => {
    const choice = answerMediaType('application/vnd.elasticsearch+json; compatible-with=7', undefined);
    assert.equal(choice.ok, false);
    assert.equal(!choice.ok && choice.body.error.type, 'media_type_header_exception');
    const probe = probeAnswer({ method: 'GET', path: '/', accept: 'application/vnd.elasticsearch+json; compatible-with=7' })!;
    assert.equal(probe.status, 400);
  });
});
