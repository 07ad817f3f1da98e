// Kafka record headers and topics beyond the signals', end to end against the
// mock cluster, read back from Kafka: a Loki push with X-Scope-OrgID gives
// each message a `tenant` header beside metricstream-id (and one without gives
// none), directly and through the spool in both message modes; a spool
// segment written before frames carried headers replays after the upgrade;
// elasticsearch.indexTopics sends each _bulk document to its index's topic.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { sealFrames } from '../../src/spool/frame';
import { segmentFile } from '../../src/spool/segments';
import { TopicReader, type ConsumedRecord } from '../support/consumer';
import { Daemon, post } from '../support/daemon';
import { MockKafka } from '../support/mock-kafka';
import { segmentV1 } from '../support/spool-frame-v1';

const dirs: string[] = [];

function spoolDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'headers-e2e-'));
  dirs.push(dir);
  return dir;
}

/** A Loki JSON push of `lines` in one stream. */
function lokiPush(stream: string, lines: readonly string[]): string {
  return JSON.stringify({ streams: [{ stream: { app: stream }, values: lines.map((line, i) => [String(1_796_580_338_000_000_000n + BigInt(i)), line]) }] });
}

async function pushLoki(daemon: Daemon, stream: string, lines: readonly string[], tenant?: string): Promise<number> {
  const headers: Record<string, string> = { 'content-type': 'application/json', ...(tenant === undefined ? {} : { 'X-Scope-OrgID': tenant }) };
  return (await post(`${daemon.ingestUrl}/loki/api/v1/push`, lokiPush(stream, lines), headers)).status;
}

/** Every message of `reader` whose value holds a line of `stream`, once `count` lines arrived (NDJSON batches split). */
async function linesOf(reader: TopicReader, stream: string, count: number): Promise<Array<{ line: string; headers: Record<string, string> }>> {
  const found = (): Array<{ line: string; headers: Record<string, string> }> => reader.records.flatMap((r) =>
    r.value.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as { body: string; attributes: Record<string, string> })
      .filter((v) => v.attributes['app'] === stream).map((v) => ({ line: v.body, headers: r.headers })));
  const deadline = Date.now() + 30_000;
  while (found().length < count && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  const lines = found();
  assert.equal(lines.length, count, `${lines.length} lines of ${stream} in Kafka, expected ${count}`);
  return lines;
}

function assertTenantHeaders(lines: ReadonlyArray<{ line: string; headers: Record<string, string> }>, tenant: string | undefined): void {
  for (const { line, headers } of lines) {
    assert.deepEqual(Object.keys(headers), tenant === undefined ? ['metricstream-id'] : ['metricstream-id', 'tenant'], line);
    if (tenant !== undefined) assert.equal(headers['tenant'], tenant, line);
  }
}

after(() => {
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

describe('record headers and mapped topics', () => {
  let kafka: MockKafka;

  before(async () => {
    kafka = await MockKafka.start({ topics: { 'hd-logs': 4, 'hd-metrics': 2, 'es-app': 2, 'es-audit': 2, 'sp-logs': 4 } });
  });

  after(async () => {
    await kafka.stop();
  });

  for (const messageMode of ['per-record', 'ndjson-batch']) {
    it(`Loki push (${messageMode}): X-Scope-OrgID becomes a tenant header on every message beside metricstream-id; no header without it`, async () => {
      const daemon = await Daemon.start({
        METRICSTREAM_BROKERS: kafka.bootstrap, METRICSTREAM_KAFKA_TOPICS_LOGS: 'hd-logs', METRICSTREAM_KAFKA_TOPICS_METRICS: 'hd-metrics',
        METRICSTREAM_KAFKA_MESSAGE_MODE: messageMode,
      });
      const reader = await TopicReader.open(kafka.bootstrap, 'hd-logs');
      try {
        const stream = `direct-${messageMode}`;
        assert.equal(await pushLoki(daemon, `${stream}-acme`, ['a0', 'a1', 'a2'], 'acme'), 204);
        assert.equal(await pushLoki(daemon, `${stream}-none`, ['n0', 'n1']), 204);
        assert.equal(await pushLoki(daemon, `${stream}-other`, ['o0'], 'team_b.prod-1'), 204);
        assertTenantHeaders(await linesOf(reader, `${stream}-acme`, 3), 'acme');
        assertTenantHeaders(await linesOf(reader, `${stream}-none`, 2), undefined);
        assertTenantHeaders(await linesOf(reader, `${stream}-other`, 1), 'team_b.prod-1');
        // The record field stays as it was.
        const acme = reader.records.find((r) => r.value.includes(`${stream}-acme`))!;
        assert.equal((JSON.parse(acme.value.split('\n')[0]!) as { tenant: string }).tenant, 'acme');
        const tooLong = await post(`${daemon.ingestUrl}/loki/api/v1/push`, lokiPush(`${stream}-long`, ['x']),
          { 'content-type': 'application/json', 'X-Scope-OrgID': 't'.repeat(2_000) });
        assert.equal(tooLong.status, 400);
        assert.match(JSON.stringify(tooLong.body), /X-Scope-OrgID is too long/);
      } finally {
        await reader.close();
        assert.equal((await daemon.stop()).code, 0);
      }
    });
  }

  it('spool mode: a segment of the format before headers replays after the upgrade, and new tenant headers survive the spool', async () => {
    const dir = spoolDir();
    const old = Array.from({ length: 3 }, (_, i) => ({
      topic: 'sp-logs', key: 'legacy', id: `legacy-req/${i}`,
      value: JSON.stringify({ body: `legacy ${i}`, attributes: { app: 'legacy' } }),
    }));
    fs.writeFileSync(segmentFile(dir, 1), segmentV1(old, sealFrames));
    const reader = await TopicReader.open(kafka.bootstrap, 'sp-logs');
    const daemon = await Daemon.start({
      METRICSTREAM_BROKERS: kafka.bootstrap, METRICSTREAM_KAFKA_TOPICS_LOGS: 'sp-logs', METRICSTREAM_KAFKA_TOPICS_METRICS: 'hd-metrics',
      METRICSTREAM_DELIVERY_MODE: 'spool', METRICSTREAM_SPOOL_DIR: dir,
    });
    try {
      const legacy = await linesOf(reader, 'legacy', 3);
      assert.deepEqual(legacy.map((l) => [l.line, l.headers]).sort(), old.map((o, i) => [`legacy ${i}`, { 'metricstream-id': o.id }]));
      const reply = await post(`${daemon.ingestUrl}/loki/api/v1/push`, lokiPush('spooled', ['s0', 's1']), { 'content-type': 'application/json', 'X-Scope-OrgID': 'acme' });
      assert.equal(reply.status, 204);
      assert.equal(reply.headers.get('durable'), 'spool');
      assert.equal(await pushLoki(daemon, 'spooled-none', ['s2']), 204);
      assertTenantHeaders(await linesOf(reader, 'spooled', 2), 'acme');
      assertTenantHeaders(await linesOf(reader, 'spooled-none', 1), undefined);
    } finally {
      await reader.close();
      assert.equal((await daemon.stop()).code, 0);
    }
  });

  for (const mode of ['kafka', 'spool']) {
    it(`Elasticsearch _bulk (${mode} mode): each document goes to the topic its _index maps to (exact name, prefix), the rest to the logs topic`, async () => {
      const daemon = await Daemon.start({
        METRICSTREAM_BROKERS: kafka.bootstrap, METRICSTREAM_KAFKA_TOPICS_LOGS: 'hd-logs', METRICSTREAM_KAFKA_TOPICS_METRICS: 'hd-metrics',
        METRICSTREAM_ELASTICSEARCH_INDEX_TOPICS: JSON.stringify({ 'app-*': 'es-app', audit: 'es-audit' }),
        ...(mode === 'spool' ? { METRICSTREAM_DELIVERY_MODE: 'spool', METRICSTREAM_SPOOL_DIR: spoolDir() } : {}),
      });
      const readers = await Promise.all(['es-app', 'es-audit', 'hd-logs'].map((t) => TopicReader.open(kafka.bootstrap, t)));
      try {
        const tag = `es-${mode}`;
        const docs: Array<[string, string]> = [['app-web', 'w'], ['audit', 'a'], ['unmapped', 'u'], ['app-db', 'd'], ['auditx', 'x']];
        const ndjson = docs.map(([index, m]) => `${JSON.stringify({ create: { _index: index } })}\n${JSON.stringify({ message: `${tag}-${m}` })}\n`).join('');
        const reply = await post(`${daemon.ingestUrl}/_bulk`, ndjson, { 'content-type': 'application/x-ndjson' });
        assert.equal(reply.status, 200);
        const items = reply.body['items'] as Array<{ create: { _index: string; status: number } }>;
        assert.deepEqual(items.map((i) => [i.create._index, i.create.status]), docs.map(([index]) => [index, 201]));
        const where = async (reader: TopicReader, count: number): Promise<string[]> => {
          const mine = (): ConsumedRecord[] => reader.records.filter((r) => r.value.includes(`"${tag}-`));
          const deadline = Date.now() + 30_000;
          while (mine().length < count && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
          await new Promise((r) => setTimeout(r, 300));
          return mine().map((r) => String((JSON.parse(r.value) as { message: string }).message)).sort();
        };
        assert.deepEqual(await where(readers[0]!, 2), [`${tag}-d`, `${tag}-w`]);
        assert.deepEqual(await where(readers[1]!, 1), [`${tag}-a`]);
        assert.deepEqual(await where(readers[2]!, 2), [`${tag}-u`, `${tag}-x`]);
        const audit = readers[1]!.records.find((r) => r.value.includes(`${tag}-a`))!;
        assert.equal((JSON.parse(audit.value) as { _index: string })._index, 'audit');
        assert.deepEqual(Object.keys(audit.headers), ['metricstream-id']);
      } finally {
        await Promise.all(readers.map((r) => r.close()));
        assert.equal((await daemon.stop()).code, 0);
      }
    });
  }
});
