// What an operator relies on: own metrics that match the traffic, bearer-token
// auth, TLS, configuration errors that stop start-up naming the key.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Daemon, metricBatch, post } from '../support/daemon';
import { MockKafka } from '../support/mock-kafka';

const MAIN = path.resolve(__dirname, '../../main.js');
const TOKEN = 'test-token-0123456789abcdef';

function metricValue(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(series + ' '));
  return line === undefined ? NaN : Number(line.slice(series.length + 1));
}

describe('operations', () => {
  let kafka: MockKafka;

  before(async () => {
    kafka = await MockKafka.start({ topics: { metrics: 4, logs: 4 } });
  });

  after(() => kafka.stop());

  it('/metrics counts what was sent, and shows librdkafka statistics', async () => {
    const daemon = await Daemon.start({ METRICSTREAM_BROKERS: kafka.bootstrap, METRICSTREAM_TELEMETRY_KAFKA_STATS_INTERVAL_MS: '200' });
    try {
      for (let i = 0; i < 7; i++) assert.equal((await post(`${daemon.ingestUrl}/metrics`, metricBatch(100, `ops${i}`).body)).status, 200);
      assert.equal((await post(`${daemon.ingestUrl}/logs`, '[{"m":1},{"m":2}]')).status, 200);
      assert.equal((await post(`${daemon.ingestUrl}/metrics`, '[{"name":"x","value":"bad"}]')).status, 400);
      await new Promise((r) => setTimeout(r, 600));
      const text = await fetch(`${daemon.adminUrl}/metrics`).then((r) => r.text());
      assert.equal(metricValue(text, 'metricstream_http_requests_total{route="metrics",status="200"}'), 7);
      assert.equal(metricValue(text, 'metricstream_http_requests_total{route="logs",status="200"}'), 1);
      assert.equal(metricValue(text, 'metricstream_http_requests_total{route="metrics",status="400"}'), 1);
      assert.equal(metricValue(text, 'metricstream_records_accepted_total'), 702);
      assert.equal(metricValue(text, 'metricstream_records_delivered_total'), 702);
      assert.equal(metricValue(text, 'metricstream_records_failed_total'), 0);
      assert.equal(metricValue(text, 'metricstream_records_in_flight'), 0);
      assert.equal(metricValue(text, 'metricstream_delivery_duration_seconds_count'), 8);
      assert.equal(metricValue(text, 'metricstream_kafka_brokers_known'), 3);
      assert.ok(metricValue(text, 'metricstream_pool_busy_seconds_total') > 0);
      assert.ok(metricValue(text, 'metricstream_pool_threads') >= 1);
      assert.ok(metricValue(text, 'metricstream_kafka_brokers_up') >= 1);
      assert.equal(metricValue(text, 'metricstream_kafka_reachable'), 1);
      assert.ok(metricValue(text, 'process_resident_memory_bytes') > 0);
      process.stdout.write(`# /metrics sample:\n${text.split('\n').filter((l) => l.startsWith('metricstream_') && !l.includes('_bucket')).map((l) => `#   ${l}`).join('\n')}\n`);
      const start = daemon.logs.find((l) => l.msg === 'metricstream ready')!;
      process.stdout.write(`# start-up line: ${JSON.stringify(start)}\n`);
      const versions = start['versions'] as Record<string, string | null>;
      assert.ok(versions['librdkafka']);
      // Node, its ABI, glibc and the native uWebSockets.js build that loaded (issue 11).
      assert.equal(versions['node'], process.version);
      assert.equal(versions['nodeAbi'], process.versions.modules);
      assert.match(versions['glibc'] ?? '', /^2\.\d+$/);
      assert.match(versions['uWebSockets'] ?? '', /^@(btc-vision\/uwebsockets\.js@20\.57|trufflesuite\/uws-js-unofficial@20\.30)\./);
    } finally {
      assert.equal((await daemon.stop()).code, 0);
    }
  });

  it('bearer-token auth: 401 with WWW-Authenticate without the token, 200 with it; tokens never logged', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'ms-auth-'));
    writeFileSync(path.join(dir, 'tokens'), `# collectors\n${TOKEN}\n`);
    const daemon = await Daemon.start({ METRICSTREAM_BROKERS: kafka.bootstrap, METRICSTREAM_INGEST_AUTH_TOKENS_FILE: path.join(dir, 'tokens') });
    try {
      const url = `${daemon.ingestUrl}/metrics`;
      const none = await post(url, '[{"name":"a","value":1}]');
      assert.equal(none.status, 401);
      assert.equal(none.headers.get('www-authenticate'), 'Bearer realm="metricstream"');
      assert.equal(none.body['error'], 'unauthorized');
      assert.equal((await post(url, '[{"name":"a","value":1}]', { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}x` })).status, 401);
      const ok = await post(url, '[{"name":"a","value":1}]', { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` });
      assert.equal(ok.status, 200);
      assert.ok(!JSON.stringify(daemon.logs).includes(TOKEN));
    } finally {
      assert.equal((await daemon.stop()).code, 0);
    }
  });

  it('TLS on the ingest listener', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'ms-tls-'));
    const cert = path.join(dir, 'cert.pem');
    const key = path.join(dir, 'key.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1',
      '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost'], { stdio: 'ignore' });
    const daemon = await Daemon.start({ METRICSTREAM_BROKERS: kafka.bootstrap, METRICSTREAM_INGEST_TLS_CERT_FILE: cert, METRICSTREAM_INGEST_TLS_KEY_FILE: key });
    try {
      const port = Number(new URL(daemon.ingestUrl).port);
      const body = '[{"name":"over_tls","value":1}]';
      const reply = await new Promise<{ status: number; text: string }>((resolve, reject) => {
        const req = https.request({ host: '127.0.0.1', port, path: '/metrics', method: 'POST', ca: readFileSync(cert),
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
          let text = '';
          res.on('data', (d: Buffer) => (text += d.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
        });
        req.on('error', reject);
        req.end(body);
      });
      assert.equal(reply.status, 200);
      assert.equal(reply.text, '{"accepted":1}');
    } finally {
      assert.equal((await daemon.stop()).code, 0);
    }
  });

  it('invalid configuration stops start-up with exit 78, naming the key; --check-config masks secrets', () => {
    const bad = spawnSync(process.execPath, [MAIN], { env: { ...process.env, METRICSTREAM_INGEST_MAX_BODY_BYTES: '-5' }, encoding: 'utf8' });
    assert.equal(bad.status, 78);
    assert.match(bad.stderr, /ingest\.maxBodyBytes/);
    const check = spawnSync(process.execPath, [MAIN, '--check-config'], {
      env: { ...process.env, METRICSTREAM_INGEST_AUTH_TOKENS: TOKEN, METRICSTREAM_KAFKA_PRODUCER__sasl_password: 'hunter2-secret' }, encoding: 'utf8',
    });
    assert.equal(check.status, 0, check.stderr);
    const printed = JSON.parse(check.stdout) as { config: { ingest: { auth: { tokens: string[] } }; kafka: { producer: Record<string, string> } }; memoryCeilingMiB: number };
    assert.deepEqual(printed.config.ingest.auth.tokens, ['***']);
    assert.equal(printed.config.kafka.producer['sasl.password'], '***');
    assert.ok(printed.memoryCeilingMiB > 0);
    assert.ok(!check.stdout.includes('hunter2') && !check.stdout.includes(TOKEN));
  });

  it('--check-config in spool mode checks the directory is writable and reports the bound', () => {
    const base = mkdtempSync(path.join(os.tmpdir(), 'spool-check-'));
    try {
      const dir = path.join(base, 'spool');
      const check = spawnSync(process.execPath, [MAIN, '--check-config'], {
        env: { ...process.env, METRICSTREAM_DELIVERY_MODE: 'spool', METRICSTREAM_SPOOL_DIR: dir, METRICSTREAM_SPOOL_MAX_BYTES: String(512 * 1024 * 1024) }, encoding: 'utf8',
      });
      assert.equal(check.status, 0, check.stderr);
      const printed = JSON.parse(check.stdout) as { spool: { dir: string; maxBytes: number; freeBytes: number; filesystemType: string } };
      assert.equal(printed.spool.dir, dir);
      assert.equal(printed.spool.maxBytes, 512 * 1024 * 1024);
      assert.ok(printed.spool.freeBytes > 0);
      assert.deepEqual(readdirSync(dir), [], 'the write check leaves nothing behind');
      // A path under a regular file can be neither created nor written.
      writeFileSync(path.join(base, 'file'), '');
      const bad = spawnSync(process.execPath, [MAIN, '--check-config'], {
        env: { ...process.env, METRICSTREAM_DELIVERY_MODE: 'spool', METRICSTREAM_SPOOL_DIR: path.join(base, 'file', 'spool') }, encoding: 'utf8',
      });
      assert.equal(bad.status, 78);
      assert.match(bad.stderr, /spool\.dir .*file\/spool: cannot create it/);
    } finally {
      rmSync(base, { recursive: true, force: true });
    }
  });
});
