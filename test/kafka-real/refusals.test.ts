// What a real cluster refuses (auto-creation off): a topic that does not exist
// (a signal's: its requests refused; one elasticsearch.indexTopics maps to:
// start-up refused), and a record over the topic's max.message.bytes. Each is
// a clear answer naming the topic or the limit, never a hang or a silent retry loop.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { Daemon, metricBatch, post, runToExit } from '../support/daemon';
import { KafkaCluster } from '../support/kafka/cluster';

const MAX_MESSAGE_BYTES = 4_096;

describe('real Kafka: what the cluster refuses', () => {
  let kafka: KafkaCluster;
  let daemon: Daemon;

  before(async () => {
    kafka = await KafkaCluster.start({ nodes: 1 });
    await kafka.createTopic('small', 2, 1, { 'max.message.bytes': String(MAX_MESSAGE_BYTES) });
    daemon = await Daemon.start({
      METRICSTREAM_BROKERS: kafka.bootstrap,
      METRICSTREAM_KAFKA_TOPICS_METRICS: 'small',
      METRICSTREAM_KAFKA_TOPICS_LOGS: 'absent-logs',
      METRICSTREAM_KAFKA_TOPICS_TRACES: 'small',
    });
  });

  after(async () => {
    assert.equal((await daemon.stop()).code, 0);
    await kafka?.stop();
  });

  it('a topic that does not exist: an ERROR at start naming it, its requests 503 unknown_topic at once, served once it is created', async () => {
    const startError = daemon.logs.find((l) => l.level === 50 && String(l.msg).includes('absent-logs'));
    assert.ok(startError, 'an ERROR log line at start names the missing topic');
    assert.match(String(startError.msg), /does not exist/);
    // Other topics still work: the daemon stays ready.
    assert.equal((await fetch(`${daemon.adminUrl}/readyz`)).status, 200);
    assert.equal((await post(`${daemon.ingestUrl}/metrics`, metricBatch(5, 'ok').body)).status, 200);

    const refused = await post(`${daemon.ingestUrl}/logs`, '{"msg":"x"}\n', { 'content-type': 'application/x-ndjson' });
    assert.equal(refused.status, 503);
    assert.equal(refused.body['error'], 'unknown_topic');
    assert.match(String(refused.body['message']), /absent-logs/);
    assert.ok(refused.headers.get('retry-after'));

    await kafka.createTopic('absent-logs', 2, 1);
    const deadline = Date.now() + 30_000;
    let status = 0;
    while (status !== 200 && Date.now() < deadline) {
      status = (await post(`${daemon.ingestUrl}/logs`, '{"msg":"y"}\n', { 'content-type': 'application/x-ndjson' })).status;
      if (status !== 200) await new Promise((r) => setTimeout(r, 200));
    }
    assert.equal(status, 200, 'requests for the topic are accepted once it exists');
  });

  it('a topic only elasticsearch.indexTopics names does not exist: start-up refused, exit code 1, the topic named; served once it is created', async () => {
    const env = {
      METRICSTREAM_BROKERS: kafka.bootstrap, METRICSTREAM_KAFKA_TOPICS_METRICS: 'small', METRICSTREAM_KAFKA_TOPICS_LOGS: 'small',
      METRICSTREAM_KAFKA_TOPICS_TRACES: 'small',
      METRICSTREAM_ELASTICSEARCH_INDEX_TOPICS: JSON.stringify({ 'app-*': 'absent-app', audit: 'small' }),
    };
    const refused = await runToExit(env);
    const fatal = refused.logs.find((l) => l.level === 60);
    process.stdout.write(`# mapped topic missing at start: ${JSON.stringify({ code: refused.code, ms: refused.ms, fatal: fatal?.msg })}\n`);
    assert.equal(refused.code, 1);
    assert.match(String(fatal?.msg), /does not have the topic absent-app that elasticsearch\.indexTopics names/);
    await kafka.createTopic('absent-app', 2, 1);
    const served = await Daemon.start(env);
    try {
      const body = `${JSON.stringify({ create: { _index: 'app-web' } })}\n${JSON.stringify({ message: 'mapped' })}\n`;
      const reply = await post(`${served.ingestUrl}/_bulk`, body, { 'content-type': 'application/x-ndjson' });
      assert.equal(reply.status, 200);
      assert.equal(reply.body['errors'], false);
    } finally {
      assert.equal((await served.stop()).code, 0);
    }
  });

  it("a record over the topic's max.message.bytes: 413 record_too_large naming the limit, and the daemon keeps serving", async () => {
    // Random hex does not compress below the limit (the broker checks the compressed batch).
    const labels = Object.fromEntries(Array.from({ length: 8 }, (_, i) => [`l${i}`, randomBytes(1_000).toString('hex')]));
    const body = JSON.stringify({ metrics: [{ name: 'huge', value: 1, labels }] });
    const t0 = Date.now();
    const reply = await post(`${daemon.ingestUrl}/metrics`, body);
    process.stdout.write(`# record over max.message.bytes: ${JSON.stringify({ status: reply.status, ms: Date.now() - t0, body: reply.body })}\n`);
    assert.equal(reply.status, 413);
    assert.equal(reply.body['error'], 'record_too_large');
    assert.match(String(reply.body['message']), /max\.message\.bytes/);
    assert.match(String(reply.body['message']), /small/);
    assert.equal((await post(`${daemon.ingestUrl}/metrics`, metricBatch(5, 'after').body)).status, 200);
  });
});
