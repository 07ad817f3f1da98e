// The InfluxDB-shaped answers: statuses, headers and bodies the clients read.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  badLinesAnswer, badLinesDetail, errorAnswer, healthAnswer, influxAnswers, pingAnswer, queryAnswer, writtenAnswer,
} from '../../../src/protocols/influx/answers';

const bad = { line: 3, text: 'cpu,host=a usage=oops', reason: 'invalid field format' };

describe('influx answers', () => {
  it('success is 204 with no body', () => {
    assert.deepEqual(writtenAnswer(), { status: 204, headers: {}, body: '' });
  });

  it('v1 partial write: 400, JSON {"error"} with "partial write" and the line, the same text in X-Influxdb-Error', () => {
    const answer = badLinesAnswer('v1', bad, 5, 1);
    const message = "partial write: unable to parse 'cpu,host=a usage=oops': invalid field format (line 3) dropped=1";
    assert.equal(answer.status, 400);
    assert.deepEqual(JSON.parse(answer.body), { error: message });
    assert.equal(answer.headers['X-Influxdb-Error'], message);
    assert.match(answer.headers['Content-Type']!, /^application\/json/);
  });

  it('v2 partial write: 400 {"code":"invalid","message":"partial write error (n written): ..."}', () => {
    const answer = badLinesAnswer('v2', bad, 5, 1);
    assert.equal(answer.status, 400);
    assert.deepEqual(JSON.parse(answer.body), {
      code: 'invalid',
      message: "partial write error (5 written): unable to parse 'cpu,host=a usage=oops': invalid field format (line 3)",
    });
  });

  it('with nothing written the message is the parse error alone, as InfluxDB answers', () => {
    assert.deepEqual(JSON.parse(badLinesAnswer('v1', bad, 0, 1).body), { error: "unable to parse 'cpu,host=a usage=oops': invalid field format (line 3)" });
    assert.equal((JSON.parse(badLinesAnswer('v2', bad, 0, 1).body) as { message: string }).message.startsWith('unable to parse'), true);
  });

  it('keeps X-Influxdb-Error on one line when the quoted line held a newline', () => {
    const answer = badLinesAnswer('v1', { line: 1, text: 'm s="a\nb', reason: 'unbalanced quotes' }, 0, 1);
    assert.doesNotMatch(answer.headers['X-Influxdb-Error']!, /[\r\n]/);
    const control = badLinesAnswer('v1', { line: 1, text: 'm\u0000x é', reason: 'r' }, 0, 1);
    assert.match(control.headers['X-Influxdb-Error']!, /^unable to parse 'm\?x \?': r/);
    assert.match(JSON.parse(control.body).error as string, /m\u0000x é/);
  });

  it('refusals keep the catalogue\'s status (413, 503, never 429) in the version\'s shape; Retry-After is the listener\'s', () => {
    assert.equal(errorAnswer('v1', 413, 'too big').status, 413);
    assert.deepEqual(JSON.parse(errorAnswer('v1', 413, 'too big').body), { error: 'too big' });
    assert.deepEqual(JSON.parse(errorAnswer('v2', 413, 'too big').body), { code: 'request too large', message: 'too big' });
    const v2 = errorAnswer('v2', 503, 'Kafka is slow');
    assert.equal(v2.status, 503);
    assert.equal(v2.headers['Retry-After'], undefined);
    assert.deepEqual(JSON.parse(v2.body), { code: 'unavailable', message: 'Kafka is slow' });
    assert.deepEqual(JSON.parse(errorAnswer('v2', 400, 'bad precision').body), { code: 'invalid', message: 'bad precision' });
    assert.deepEqual(JSON.parse(errorAnswer('v2', 401, 'no token').body), { code: 'unauthorized', message: 'no token' });
    assert.deepEqual(JSON.parse(errorAnswer('v2', 408, 'slow body').body), { code: 'invalid', message: 'slow body' });
    for (const status of [400, 401, 404, 405, 408, 411, 413, 415, 500, 503, 504]) {
      assert.equal(influxAnswers('v1').refusal('overloaded', status, 'm', undefined).status, status);
      assert.equal(influxAnswers('v2').refusal('overloaded', status, 'm', undefined).status, status);
    }
  });

  it('the route shape: 204 without a body, or 400 partial write from the decoder\'s detail, lower-case headers', () => {
    assert.deepEqual(influxAnswers('v2').success(7, undefined, undefined), { status: 204, body: null, contentType: '', headers: {} });
    const partial = influxAnswers('v1').success(5, { rejected: 1, message: 'ignored' }, badLinesDetail(bad));
    assert.equal(partial.status, 400);
    assert.match(partial.contentType, /^application\/json/);
    assert.match(partial.headers!['x-influxdb-error']!, /^partial write: unable to parse 'cpu,host=a usage=oops'.* dropped=1$/);
    const v2 = influxAnswers('v2').success(5, { rejected: 2, message: 'ignored' }, badLinesDetail(bad));
    assert.match((JSON.parse(String(v2.body)) as { message: string }).message, /^partial write error \(5 written\)/);
    const withoutDetail = influxAnswers('v2').success(5, { rejected: 2, message: 'why' }, undefined);
    assert.deepEqual([withoutDetail.status, JSON.parse(String(withoutDetail.body))], [400, { code: 'invalid', message: 'why' }]);
  });

  it('ping, health and CREATE DATABASE answer as InfluxDB does so clients start', () => {
    assert.equal(pingAnswer().status, 204);
    assert.ok(pingAnswer().headers['X-Influxdb-Version']);
    assert.equal(healthAnswer().status, 200);
    assert.equal((JSON.parse(healthAnswer().body) as { status: string }).status, 'pass');
    assert.equal(healthAnswer(false).status, 503);
    assert.equal((JSON.parse(healthAnswer(false).body) as { status: string }).status, 'fail');
    const created = queryAnswer('CREATE DATABASE "telegraf"');
    assert.equal(created.status, 200);
    assert.deepEqual(JSON.parse(created.body), { results: [{ statement_id: 0 }] });
    assert.equal(queryAnswer('  create database x').status, 200);
    assert.equal(queryAnswer('SELECT * FROM cpu').status, 400);
  });
});
