// A real Prometheus server (Debian package prometheus) scrapes a target and
// remote-writes to the daemon; the samples are read back from Kafka and
// compared with what Prometheus itself reports.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { compressSync } from 'snappy';
import { TopicReader, type ConsumedRecord } from '../support/consumer';
import { Daemon, post } from '../support/daemon';
import { MockKafka } from '../support/mock-kafka';
import { WriteRequest } from '../../src/protocols/remote-write/decode';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

interface MetricValue { name: string; value: number | string; type: string; timestamp: number; labels: Record<string, string> }

describe('Prometheus remote_write', () => {
  let kafka: MockKafka;
  let daemon: Daemon;

  before(async () => {
    kafka = await MockKafka.start({ topics: { rw: 4 } });
    daemon = await Daemon.start({ METRICSTREAM_BROKERS: kafka.bootstrap, METRICSTREAM_KAFKA_TOPICS_METRICS: 'rw' });
  });

  after(async () => {
    assert.equal((await daemon.stop()).code, 0);
    await kafka.stop();
  });

  it('a real Prometheus remote-writes scraped samples; they arrive in Kafka as sent', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'ms-prom-'));
    const adminPort = new URL(daemon.adminUrl).port;
    const webPort = await freePort();
    writeFileSync(path.join(dir, 'prometheus.yml'), [
      'global: { scrape_interval: 1s }',
      'scrape_configs:',
      `  - job_name: metricstream`,
      `    static_configs: [{ targets: ['127.0.0.1:${adminPort}'], labels: { env: 'test-é' } }]`,
      'remote_write:',
      `  - url: ${daemon.ingestUrl}/api/v1/write`,
      '    queue_config: { batch_send_deadline: 1s, max_samples_per_send: 500 }',
    ].join('\n'));
    const prometheus: ChildProcess = spawn('prometheus', [
      `--config.file=${path.join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${path.join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${webPort}`,
    ], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    prometheus.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    // A missing binary fails here, at once (Debian package prometheus; .ci/run installs it).
    await new Promise<void>((resolve, reject) => {
      prometheus.once('spawn', resolve);
      prometheus.once('error', reject);
    });
    const reader = await TopicReader.open(kafka.bootstrap, 'rw');
    try {
      const isUp = (r: ConsumedRecord): boolean => (JSON.parse(r.value) as MetricValue).name === 'up';
      const deadline = Date.now() + 60_000;
      while (!reader.records.some(isUp) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
      const ups = reader.records.filter(isUp).map((r) => ({ record: r, value: JSON.parse(r.value) as MetricValue }));
      assert.ok(ups.length > 0, `no "up" sample reached Kafka; prometheus said: ${stderr.slice(-2000)}`);
      const up = ups[0]!;
      assert.equal(up.value.value, 1);
      assert.deepEqual(up.value.labels, { env: 'test-é', instance: `127.0.0.1:${adminPort}`, job: 'metricstream' });
      assert.equal(up.record.key, `up{env="test-é",instance="127.0.0.1:${adminPort}",job="metricstream"}`);
      assert.ok(Number.isInteger(up.value.timestamp) && Math.abs(up.value.timestamp - Date.now()) < 120_000);

      // The same series as Prometheus itself holds it.
      const query = await fetch(`http://127.0.0.1:${webPort}/api/v1/query?query=up`).then((r) => r.json()) as
        { data: { result: Array<{ metric: Record<string, string>; value: [number, string] }> } };
      const held = query.data.result[0]!;
      assert.deepEqual({ ...held.metric, __name__: undefined }, { ...up.value.labels, __name__: undefined });
      assert.equal(held.value[1], '1');

      // Scraped daemon metrics came through too, with their labels.
      const scraped = reader.records.map((r) => JSON.parse(r.value) as MetricValue);
      assert.ok(scraped.some((m) => m.name === 'metricstream_kafka_reachable' && m.value === 1));
      const metrics = await fetch(`${daemon.adminUrl}/metrics`).then((r) => r.text());
      assert.match(metrics, /metricstream_http_requests_total\{route="remote_write",status="204"\} [1-9]/);
    } finally {
      const exited = new Promise((r) => prometheus.once('exit', r));
      prometheus.kill('SIGTERM');
      const killer = setTimeout(() => prometheus.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(killer);
      await reader.close();
    }
  });

  it('answers 204 to a valid write, 400 to undecodable data, 413 to a snappy bomb, 415 to JSON', async () => {
    const url = `${daemon.ingestUrl}/api/v1/write`;
    const headers = { 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy', 'x-prometheus-remote-write-version': '0.1.0' };
    const valid = compressSync(Buffer.from(WriteRequest.encode(WriteRequest.fromObject({
      timeseries: [{ labels: [{ name: '__name__', value: 'direct' }], samples: [{ value: 3, timestamp: 1000 }] }],
    })).finish()));
    const ok = await fetch(url, { method: 'POST', body: valid, headers });
    assert.equal(ok.status, 204);
    assert.equal(await ok.text(), '');
    assert.equal((await post(url, Buffer.from('garbage'), headers)).status, 400);
    assert.equal((await post(url, compressSync(Buffer.alloc(20 * 1024 * 1024)), headers)).status, 413);
    assert.equal((await post(url, '[]', { 'content-type': 'application/json' })).status, 415);
  });

  it('fuzz: mutated remote_write bodies never get a 5xx and never crash the daemon', async () => {
    const url = `${daemon.ingestUrl}/api/v1/write`;
    const headers = { 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy' };
    const proto = Buffer.from(WriteRequest.encode(WriteRequest.fromObject({
      timeseries: [{ labels: [{ name: '__name__', value: 'fuzzed' }, { name: 'k', value: 'v' }], samples: [{ value: 1.5, timestamp: 1000 }, { value: 2, timestamp: 2000 }] }],
    })).finish());
    const statuses = new Map<number, number>();
    await fc.assert(fc.asyncProperty(
      fc.record({ at: fc.array(fc.nat(), { minLength: 1, maxLength: 6 }), byte: fc.integer({ min: 0, max: 255 }), layer: fc.constantFrom('protobuf', 'snappy') }),
      async ({ at, byte, layer }) => {
        const mutate = (b: Buffer): Buffer => {
          const copy = Buffer.from(b);
          for (const i of at) copy[i % copy.length] = byte;
          return copy;
        };
        const body = layer === 'protobuf' ? compressSync(mutate(proto)) : mutate(compressSync(proto));
        const reply = await post(url, body, headers);
        statuses.set(reply.status, (statuses.get(reply.status) ?? 0) + 1);
        assert.ok(reply.status < 500, `${reply.status} ${JSON.stringify(reply.body)}`);
      }), { numRuns: 200, seed: 20261124 });
    process.stdout.write(`# remote_write fuzz statuses: ${JSON.stringify(Object.fromEntries(statuses))}\n`);
    assert.equal((await fetch(`${daemon.adminUrl}/healthz`)).status, 200);
  });
});
