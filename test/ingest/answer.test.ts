// Answers (src/ingest/answer.ts through exchange.ts): success per route,
// refusals from the catalogue with Retry-After exactly when retriable, OTLP
// errors as google.rpc.Status, one answer per exchange, and a refusal log
// line with code, route, client and request id.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Answers } from '../../src/ingest/answer';
import { Exchange } from '../../src/ingest/exchange';
import { JSON_ANSWERS } from '../../src/protocols/native/answers';
import { otlpAnswers } from '../../src/protocols/otlp/answers';
import { RPC_STATUS } from '../../src/protocols/otlp/proto';
import { REMOTE_WRITE_ANSWERS } from '../../src/protocols/remote-write/answers';
import { Signal } from '../../src/signals';
import { captureLog } from '../support/log-capture';
import { FakeResponse } from '../support/fake-uws';

function exchange(): { res: FakeResponse; ex: Exchange; statuses: number[] } {
  const res = new FakeResponse();
  const ex = new Exchange(res.asUws);
  const statuses: number[] = [];
  ex.onAnswered = (s) => statuses.push(s);
  ex.requestId = 'rid-1';
  ex.route = 'metrics';
  ex.client = '192.0.2.7';
  return { res, ex, statuses };
}

describe('ingest: answers', () => {
  it('200 {"accepted":N} with x-request-id; 204 without a body for remote_write', () => {
    const answers = new Answers(3, 'kafka', captureLog().log);
    const a = exchange();
    answers.answer(a.ex, JSON_ANSWERS, { ok: true, accepted: 12 });
    assert.deepEqual([a.res.status, a.res.body, a.res.header('content-type'), a.res.header('x-request-id')], ['200 OK', '{"accepted":12}', 'application/json', 'rid-1']);
    const b = exchange();
    answers.answer(b.ex, REMOTE_WRITE_ANSWERS, { ok: true, accepted: 5 });
    assert.deepEqual([b.res.status, b.res.body, b.res.header('content-type')], ['204 No Content', null, undefined]);
    assert.deepEqual([a.res.header('durable'), b.res.header('durable')], ['kafka', 'kafka']);
    const spooled = exchange();
    new Answers(3, 'spool', captureLog().log).answer(spooled.ex, JSON_ANSWERS, { ok: true, accepted: 1 });
    assert.equal(spooled.res.header('durable'), 'spool');
  });

  it('a refusal takes its status from the catalogue; Retry-After only when retriable', () => {
    const answers = new Answers(3, 'kafka', captureLog().log);
    const busy = exchange();
    answers.refuse(busy.ex, JSON_ANSWERS, { code: 'overloaded', message: 'decode queue full' });
    assert.equal(busy.res.status, '503 Service Unavailable');
    assert.equal(busy.res.header('retry-after'), '3');
    assert.deepEqual(JSON.parse(busy.res.body!), { error: 'overloaded', message: 'decode queue full' });
    const bad = exchange();
    answers.refuse(bad.ex, JSON_ANSWERS, { code: 'invalid_record', message: 'record 3: no', record: 3 });
    assert.equal(bad.res.status, '400 Bad Request');
    assert.equal(bad.res.header('retry-after'), undefined);
    assert.deepEqual(JSON.parse(bad.res.body!), { error: 'invalid_record', message: 'record 3: no', record: 3 });
    const late = exchange();
    answers.refuse(late.ex, JSON_ANSWERS, { code: 'request_timeout', message: 'slow' });
    assert.deepEqual([late.res.status, late.res.header('retry-after')], ['504 Gateway Timeout', '3']);
    const broken = exchange();
    answers.refuse(broken.ex, JSON_ANSWERS, { code: 'worker_failed', message: 'x' });
    assert.deepEqual([broken.res.status, broken.res.header('retry-after')], ['500 Internal Server Error', undefined]);
  });

  it('extra headers (Allow, WWW-Authenticate) follow', () => {
    const answers = new Answers(1, 'kafka', captureLog().log);
    const a = exchange();
    answers.refuse(a.ex, JSON_ANSWERS, { code: 'method_not_allowed', message: 'use POST' }, { allow: 'POST' });
    assert.equal(a.res.header('allow'), 'POST');
  });

  it('OTLP routes: errors as google.rpc.Status in the request\'s encoding, success as Export*ServiceResponse with partial success', () => {
    const answers = new Answers(1, 'kafka', captureLog().log);
    const proto = otlpAnswers(Signal.Logs)('application/x-protobuf');
    const a = exchange();
    answers.refuse(a.ex, proto, { code: 'invalid_protobuf', message: 'truncated' });
    assert.equal(a.res.header('content-type'), 'application/x-protobuf');
    assert.deepEqual(RPC_STATUS.toObject(RPC_STATUS.decode(Buffer.from(a.res.body!, 'latin1'))), { code: 3, message: 'invalid_protobuf: truncated' });
    const json = otlpAnswers(Signal.Traces)('application/json');
    const b = exchange();
    answers.answer(b.ex, json, { ok: true, accepted: 1, partial: { rejected: 2, message: 'bad ids' } });
    assert.deepEqual(JSON.parse(b.res.body!), { partialSuccess: { rejectedSpans: '2', errorMessage: 'bad ids' } });
  });

  it('answers once; counts an answer to a client that went away, writing nothing', () => {
    const answers = new Answers(1, 'kafka', captureLog().log);
    const a = exchange();
    answers.answer(a.ex, JSON_ANSWERS, { ok: true, accepted: 1 });
    answers.refuse(a.ex, JSON_ANSWERS, { code: 'draining', message: 'late' });
    assert.deepEqual(a.statuses, [200]);
    const gone = exchange();
    gone.res.abort();
    answers.refuse(gone.ex, JSON_ANSWERS, { code: 'body_timeout', message: 'slow' });
    assert.deepEqual(gone.statuses, [408]);
    assert.equal(gone.res.ended, false);
  });

  it('closes the connection after the answer when asked (an unread body, draining)', () => {
    const answers = new Answers(1, 'kafka', captureLog().log);
    const a = exchange();
    a.ex.closeAfter = true;
    answers.refuse(a.ex, JSON_ANSWERS, { code: 'length_required', message: 'x' });
    assert.equal(a.res.closedConnection, true);
  });

  it('every refusal is logged at warn with code, status, route, client and request id, once per code per interval', () => {
    const { log, lines } = captureLog();
    const answers = new Answers(1, 'kafka', log);
    for (let i = 0; i < 3; i++) answers.refuse(exchange().ex, JSON_ANSWERS, { code: 'invalid_json', message: 'line 2 is not valid JSON' });
    answers.refuse(exchange().ex, JSON_ANSWERS, { code: 'unauthorized', message: 'send Authorization' });
    assert.equal(lines.length, 2);
    const [first] = lines;
    assert.equal(first!['level'], 40);
    assert.equal(first!['msg'], 'request refused');
    assert.deepEqual([first!['code'], first!['status'], first!['route'], first!['client'], first!['requestId'], first!['reason']],
      ['invalid_json', 400, 'metrics', '192.0.2.7', 'rid-1', 'line 2 is not valid JSON']);
    assert.equal(lines[1]!['code'], 'unauthorized');
  });
});
