// Listening on the ingest port (issue 12): exclusive by default, so a second
// daemon started by mistake on a busy port refuses to start, naming it; shared
// only when every instance opts in (ingest.reusePort), each with its own admin
// port and its own drain.
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { Daemon, metricBatch, runToExit } from '../support/daemon';
import { MockKafka } from '../support/mock-kafka';

/** A port free at the time of asking (the kernel's pick, then released). */
async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** One request on a connection of its own (so the kernel picks a listener for each). */
function postOnNewConnection(port: number, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: '/metrics', method: 'POST', agent: false, headers: { 'content-type': 'application/json', connection: 'close' } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function delivered(daemon: Daemon): Promise<number> {
  const text = await fetch(`${daemon.adminUrl}/metrics`).then((r) => r.text());
  return Number(/^metricstream_records_delivered_total (\d+)/m.exec(text)?.[1] ?? 0);
}

describe('ingest listen', () => {
  let kafka: MockKafka;

  before(async () => {
    kafka = await MockKafka.start({ topics: { listen: 4 } });
  });

  after(() => kafka.stop());

  it('a busy ingest port stops start-up with a non-zero exit and a log line naming host:port', async () => {
    const port = await freePort();
    const first = await Daemon.start({ METRICSTREAM_BROKERS: kafka.bootstrap, METRICSTREAM_KAFKA_TOPICS_METRICS: 'listen', METRICSTREAM_PORT: String(port) });
    try {
      for (const reuse of ['false', 'true']) {
        // The second instance asking to share does not help: the first did not.
        const second = await runToExit({ METRICSTREAM_BROKERS: kafka.bootstrap, METRICSTREAM_KAFKA_TOPICS_METRICS: 'listen', METRICSTREAM_PORT: String(port), METRICSTREAM_INGEST_REUSE_PORT: reuse });
        assert.notEqual(second.code, 0, `reusePort ${reuse}: exit code ${second.code}`);
        const fatal = second.logs.find((l) => l.level === 60);
        assert.ok(fatal, `reusePort ${reuse}: a fatal line; stdout: ${second.stdout}`);
        assert.match(fatal.msg, new RegExp(`127\\.0\\.0\\.1:${port}`), `reusePort ${reuse}: ${fatal.msg}`);
        assert.equal(fatal['address'], `127.0.0.1:${port}`);
        assert.equal(second.logs.some((l) => l.msg === 'metricstream ready'), false);
      }
      // The first one still has every connection.
      assert.equal(await postOnNewConnection(port, metricBatch(3, 'busy').body), 200);
    } finally {
      assert.equal((await first.stop()).code, 0);
    }
  });

  it('two instances with ingest.reusePort share the port, both serve, and each drains on its own SIGTERM', async () => {
    const port = await freePort();
    const env = { METRICSTREAM_BROKERS: kafka.bootstrap, METRICSTREAM_KAFKA_TOPICS_METRICS: 'listen', METRICSTREAM_PORT: String(port), METRICSTREAM_INGEST_REUSE_PORT: 'true' };
    const a = await Daemon.start(env);
    const b = await Daemon.start(env).catch(async (err: unknown) => {
      await a.stop('SIGKILL');
      throw err;
    });
    try {
      assert.notEqual(a.adminUrl, b.adminUrl);
      // The kernel spreads new connections over both listeners (by the
      // connection's address hash): 64 connections all on one is 2^-63.
      for (let i = 0; i < 64; i++) assert.equal(await postOnNewConnection(port, metricBatch(2, `share${i}`).body), 200);
      const [da, db] = [await delivered(a), await delivered(b)];
      assert.equal(da + db, 128);
      assert.ok(da > 0 && db > 0, `both served: ${da} and ${db} records`);

      assert.deepEqual(await a.stop('SIGTERM'), { code: 0, signal: null });
      // b goes on alone, on the same port.
      const before = await delivered(b);
      for (let i = 0; i < 16; i++) assert.equal(await postOnNewConnection(port, metricBatch(2, `alone${i}`).body), 200);
      assert.equal(await delivered(b) - before, 32);
      assert.deepEqual(await b.stop('SIGTERM'), { code: 0, signal: null });
    } finally {
      for (const d of [a, b]) if (d.child.exitCode === null && d.child.signalCode === null) await d.stop('SIGKILL');
    }
  });
});
