// delivery.mode spool against a real Kafka broker (KRaft, one node), the
// daemon on its default producer settings: the broker is killed (-9) for
// 30 s under load and every request still succeeds; the daemon itself is then
// killed (-9) while it replays and restarted on the same spool; every
// acknowledged record ends up in Kafka, the first copies in order per series.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { TopicReader } from '../support/consumer';
import { Daemon } from '../support/daemon';
import { KafkaCluster } from '../support/kafka/cluster';
import { auditWhenRead, outOfOrder, startSeriesLoad } from '../support/load';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function report(name: string, data: Record<string, unknown>): void {
  process.stdout.write(`# ${name}: ${JSON.stringify(data)}\n`);
}


describe('delivery.mode spool on real Kafka', () => {
  let kafka: KafkaCluster;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spool-real-'));

  before(async () => {
    kafka = await KafkaCluster.start({ nodes: 1 });
    await kafka.createTopic('spoolreal', 4, 1);
  });

  after(async () => {
    await kafka.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('broker killed for 30 s under load, then the daemon killed while replaying: every request 200, every record in Kafka, in order', async () => {
    const env = { METRICSTREAM_BROKERS: kafka.bootstrap, METRICSTREAM_KAFKA_TOPICS_METRICS: 'spoolreal', METRICSTREAM_DELIVERY_MODE: 'spool', METRICSTREAM_SPOOL_DIR: dir };
    let daemon = await Daemon.start(env);
    const reader = await TopicReader.open(kafka.bootstrap, 'spoolreal');
    const load = startSeriesLoad(`${daemon.ingestUrl}/metrics`, 'spool_real');
    const { acknowledged, statuses } = load;
    try {
      await sleep(1_000);
      await kafka.kill(1);
      await sleep(30_000);
      await load.stop();
      const spooled = Number(/^metricstream_spool_messages (\S+)$/m.exec(await fetch(`${daemon.adminUrl}/metrics`).then((r) => r.text()))?.[1]);
      kafka.restart(1);
      await kafka.waitForBroker(1);
      // Replay under way: crash the daemon, start it again on the same spool.
      await sleep(500);
      daemon.child.kill('SIGKILL');
      await daemon.exited;
      daemon = await Daemon.start(env);
      const { expected, missing, duplicates } = await auditWhenRead(reader, acknowledged, 120_000);
      const wrongOrder = outOfOrder(reader.records);
      report('spool on real Kafka: broker down 30 s, daemon kill -9 while replaying', { statuses: Object.fromEntries(statuses), spooled, expected, missing, duplicates, wrongOrder });
      assert.deepEqual([...statuses.keys()], ['200']);
      assert.ok(spooled > 0);
      assert.equal(missing, 0);
      assert.equal(wrongOrder, 0);
    } finally {
      await load.stop();
      await reader.close();
      assert.equal((await daemon.stop()).code, 0);
    }
  });
});
