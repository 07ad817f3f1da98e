// The InfluxDB-shaped answers: statuses, headers and bodies the clients read.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  badLinesAnswer, healthAnswer, invalidRequestAnswer, pingAnswer, queryAnswer, tooLargeAnswer, unavailableAnswer, writtenAnswer,
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
  });

  it('413 and 503 (with Retry-After, at least 1 s), never 429', () => {
    assert.equal(tooLargeAnswer('v1', 'too big').status, 413);
    assert.deepEqual(JSON.parse(tooLargeAnswer('v2', 'too big').body), { code: 'request too large', message: 'too big' });
    const v2 = unavailableAnswer('v2', 'Kafka is slow', 0.2);
    assert.equal(v2.status, 503);
    assert.equal(v2.headers['Retry-After'], '1');
    assert.deepEqual(JSON.parse(v2.body), { code: 'unavailable', message: 'Kafka is slow' });
    assert.equal(unavailableAnswer('v1', 'x', 4.5).headers['Retry-After'], '5');
    assert.deepEqual(JSON.parse(invalidRequestAnswer('v2', 'bad precision').body), { code: 'invalid', message: 'bad precision' });
  });

  it('ping, health and CREATE DATABASE answer as InfluxDB does so clients start', () => {
    assert.equal(pingAnswer().status, 204);
    assert.ok(pingAnswer().headers['X-Influxdb-Version']);
    assert.equal(healthAnswer().status, 200);
    assert.equal((JSON.parse(healthAnswer().body) as { status: string }).status, 'pass');
    const created = queryAnswer('CREATE DATABASE "telegraf"');
    assert.equal(created.status, 200);
    assert.deepEqual(JSON.parse(created.body), { results: [{ statement_id: 0 }] });
    assert.equal(queryAnswer('  create database x').status, 200);
    assert.equal(queryAnswer('SELECT * FROM cpu').status, 400);
  });
});
