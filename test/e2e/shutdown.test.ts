// Shutdown and crashes under load: every record acknowledged with 200 must be
// in Kafka, whether the daemon drains on SIGTERM or dies on SIGKILL.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { TopicReader } from '../support/consumer';
import { Daemon, metricBatch, post } from '../support/daemon';
import { auditWhenRead, runLoad } from '../support/load';
import { MockKafka } from '../support/mock-kafka';

function report(name: string, data: Record<string, unknown>): void {
  process.stdout.write(`# ${name}: ${JSON.stringify(data)}\n`);
}

describe('shutdown under load', () => {
  let kafka: MockKafka;

  before(async () => {
    kafka = await MockKafka.start({ topics: { term: 16, kill: 16 } });
  });

  after(() => kafka.stop());

  for (const [signal, topic] of [['SIGTERM', 'term'], ['SIGKILL', 'kill']] as const) {
    it(`${signal}: every acknowledged record is in Kafka${signal === 'SIGTERM' ? ', exit code 0' : ''}`, async () => {
      const daemon = await Daemon.start({ METRICSTREAM_BROKERS: kafka.bootstrap, METRICSTREAM_KAFKA_TOPICS_METRICS: topic });
      const reader = await TopicReader.open(kafka.bootstrap, topic);
      try {
        let gone = false;
        const load = runLoad({ url: `${daemon.ingestUrl}/metrics`, clients: 16, metricsPerRequest: 100, maxRequestsPerClient: 400, stop: () => gone });
        // Signal once a good share of requests has been acknowledged.
        while (daemon.child.exitCode === null) {
          const metrics = await fetch(`${daemon.adminUrl}/metrics`).then((r) => r.text());
          const delivered = Number(/^metricstream_records_delivered_total (\d+)/m.exec(metrics)?.[1] ?? 0);
          if (delivered >= 20_000) break;
          await new Promise((r) => setTimeout(r, 50));
        }
        const signalledAt = Date.now();
        daemon.child.kill(signal);
        const exit = await daemon.exited;
        const drainMs = Date.now() - signalledAt;
        gone = true;
        const result = await load;
        if (signal === 'SIGTERM') assert.equal(exit.code, 0, `exit ${JSON.stringify(exit)}`);
        else assert.equal(exit.signal, 'SIGKILL');

        assert.ok(result.acknowledged.size > 0, 'some requests were acknowledged before the signal');
        const { expected, missing, duplicates } = await auditWhenRead(reader, result.acknowledged);
        const records = reader.records;
        report(signal, { sent: result.sent, statuses: Object.fromEntries(result.statuses), acknowledgedRecords: expected, inKafka: records.length, missing, duplicates, exitMs: drainMs });
        assert.equal(missing, 0, `${missing} of ${expected} acknowledged records missing`);
      } finally {
        await reader.close();
        if (daemon.child.exitCode === null && daemon.child.signalCode === null) await daemon.stop('SIGKILL');
      }
    });
  }

  it('at the drain deadline, requests still waiting for Kafka get 503 and the exit code is 1 with the count logged', async () => {
    const brokers = await MockKafka.start({ topics: { stuck: 4 } });
    const daemon = await Daemon.start({
      METRICSTREAM_BROKERS: brokers.bootstrap, METRICSTREAM_KAFKA_TOPICS_METRICS: 'stuck', METRICSTREAM_DRAIN_TIMEOUT_MS: '1500',
    });
    try {
      for (const id of [1, 2, 3]) await brokers.command(`down ${id}`);
      const pending = post(`${daemon.ingestUrl}/metrics`, metricBatch(10, 'stuck').body);
      // The request is in flight (admitted, waiting for Kafka) once the gauge shows it.
      for (let i = 0; i < 100; i++) {
        const text = await fetch(`${daemon.adminUrl}/metrics`).then((r) => r.text());
        if (/^metricstream_records_in_flight 10$/m.test(text)) break;
        await new Promise((r) => setTimeout(r, 20));
      }
      daemon.child.kill('SIGTERM');
      const reply = await pending;
      assert.equal(reply.status, 503);
      assert.equal(reply.body['error'], 'draining');
      const exit = await daemon.exited;
      assert.equal(exit.code, 1);
      const deadline = daemon.logs.find((l) => /drain deadline passed/.test(l.msg));
      assert.equal(deadline?.['messagesUndelivered'], 10);
    } finally {
      if (daemon.child.exitCode === null) await daemon.stop('SIGKILL');
      await brokers.stop();
    }
  });

  it('while draining, readiness is false and new requests are refused; a second signal exits at once', async () => {
    const daemon = await Daemon.start({ METRICSTREAM_BROKERS: kafka.bootstrap, METRICSTREAM_KAFKA_TOPICS_METRICS: 'term', METRICSTREAM_INGEST_BODY_READ_TIMEOUT_MS: '20000' });
    // A request whose body never completes holds the drain open.
    const net = await import('node:net');
    const port = Number(new URL(daemon.ingestUrl).port);
    const stuck = net.connect(port, '127.0.0.1');
    await new Promise((r) => stuck.once('connect', r));
    stuck.write('POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n[');
    await new Promise((r) => setTimeout(r, 200));
    daemon.child.kill('SIGTERM');
    let ready: Response | undefined;
    for (let i = 0; i < 50; i++) {
      ready = await fetch(`${daemon.adminUrl}/readyz`);
      if (ready.status === 503) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.equal(ready?.status, 503);
    const body = (await ready!.json()) as { reasons: string[] };
    assert.ok(body.reasons.includes('draining'));
    // The listener is closed: new connections are refused.
    await assert.rejects(fetch(`${daemon.ingestUrl}/metrics`, { method: 'POST', body: '[]' }));
    daemon.child.kill('SIGTERM');
    const exit = await daemon.exited;
    assert.equal(exit.code, 130);
    stuck.destroy();
  });
});
