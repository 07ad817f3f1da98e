// The spool journal and replay (src/spool/journal.ts, replay.ts) against a
// fake producer: a message is reported durable only after its batch was
// synced; many messages share one sync; a full spool refuses; replay delivers
// everything in journal order, starts again from the checkpoint after a
// failed delivery, deletes delivered segments, and a restart on the same
// directory resumes from the checkpoint.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import pino from 'pino';
import { SpoolError, SpoolJournal, type SpoolOptions } from '../../src/spool/journal';
import { partitionOf } from '../../src/decode/murmur2';
import { PARTITION_AT_REPLAY, PARTITION_BY_KEY } from '../../src/ring/layout';
import { ReplayTicket, replayTarget, SpoolReplay } from '../../src/spool/replay';
import { listSegments, readCheckpoint } from '../../src/spool/segments';
import { recordBytes } from '../support/record-bytes';

const log = pino({ level: 'silent' });
const dirs: string[] = [];
after(() => {
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

function options(overrides: Partial<SpoolOptions> = {}): SpoolOptions {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spool-journal-'));
  dirs.push(dir);
  return { dir, maxBytes: 64 * 1024 * 1024, maxUnsyncedBytes: 16 * 1024 * 1024, segmentBytes: 64 * 1024, groupCommitMs: 0, recoveryTimeoutMs: 10_000, ...overrides };
}

async function waitFor(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await delay(5);
  }
}

interface Outcome { error: SpoolError | null; opaque: unknown }

async function openJournal(opts: SpoolOptions): Promise<{ journal: SpoolJournal; outcomes: Outcome[]; recovered: Awaited<ReturnType<typeof SpoolJournal.open>>['recovered'] }> {
  const outcomes: Outcome[] = [];
  const { journal, recovered } = await SpoolJournal.open(opts, (error, opaque) => outcomes.push({ error, opaque }), log);
  return { journal, outcomes, recovered };
}

function append(journal: SpoolJournal, n: number, from = 0): void {
  for (let i = from; i < from + n; i++) {
    journal.send('metrics', null, recordBytes(`{"n":${i}}`, `series-${i % 7}`), `req/${i}`, 1, i);
  }
}

/** A producer that records what it was given and reports deliveries when told. */
class FakeProducer {
  readonly produced: Array<{ topic: string; partition: number | null; value: string; key: string | null; id: string; ticket: ReplayTicket }> = [];
  failNext = 0;
  replay: SpoolReplay | undefined;
  produce(topic: string, partition: number | null, value: Buffer, key: Buffer | null, headers: Array<Record<string, string>>, opaque: unknown): void {
    this.produced.push({ topic, partition, value: value.toString(), key: key?.toString() ?? null, id: headers[0]!['metricstream-id']!, ticket: opaque as ReplayTicket });
  }
  /** Reports every message not yet reported, failing the first `failNext`. */
  deliverAll(): number {
    const pending = this.produced.filter((p) => !p.ticket.settled);
    for (const p of pending) this.replay!.onDelivery(p.ticket, this.failNext-- > 0 ? new Error('Local: Message timed out') : null);
    return pending.length;
  }
}

describe('spool journal', () => {
  it('reports messages durable only after their batch is synced, many per sync', async () => {
    const { journal, outcomes } = await openJournal(options());
    append(journal, 500);
    assert.equal(outcomes.length, 0, 'nothing is durable before the writer thread synced it');
    await waitFor(() => outcomes.length === 500, 'every message durable');
    assert.ok(outcomes.every((o) => o.error === null));
    assert.deepEqual(outcomes.map((o) => o.opaque), Array.from({ length: 500 }, (_, i) => i), 'in order');
    assert.ok(journal.stats.syncs < 500 && journal.stats.syncs >= 1, `group commit: ${journal.stats.syncs} syncs for 500 messages`);
    assert.equal(journal.stats.syncedMessages, 500);
    await journal.close(5_000);
  });

  it('refuses with spool_full past maxBytes, and says it has no room until delivered segments are deleted', async () => {
    const opts = options({ maxBytes: 4096 });
    const { journal, outcomes } = await openJournal(opts);
    let refused: unknown;
    let taken = 0;
    try {
      for (let i = 0; i < 1000; i++) {
        append(journal, 1, i);
        taken++;
      }
    } catch (err) {
      refused = err;
    }
    assert.ok(refused instanceof SpoolError && refused.code === 'spool_full', String(refused));
    assert.ok(taken > 10 && taken < 1000);
    assert.ok(journal.usedBytes <= 4096);
    assert.equal(journal.hasRoom(), false, 'no room reported after a refusal');
    await waitFor(() => outcomes.length === taken, 'the taken messages durable');
    await journal.close(5_000);
  });

  it('rolls segments at segmentBytes and keeps each batch in one segment', async () => {
    const { journal, outcomes } = await openJournal(options({ segmentBytes: 4096 }));
    for (let round = 0; round < 10; round++) {
      append(journal, 40, round * 40);
      await waitFor(() => outcomes.length === (round + 1) * 40, 'round durable');
    }
    const ids = listSegments(journal.dir);
    assert.ok(ids.length >= 5, `${ids.length} segments`);
    assert.deepEqual(journal.segments.map((s) => s.id), ids);
    assert.ok(journal.segments.slice(0, -1).every((s) => s.sealed));
    for (const s of journal.segments) assert.equal(fs.statSync(path.join(journal.dir, `${String(s.id).padStart(12, '0')}.seg`)).size, s.durableBytes);
    await journal.close(5_000);
  });
});

describe('spool replay', () => {
  it('produces every message in journal order, checkpoints and deletes delivered segments', async () => {
    const { journal, outcomes, recovered } = await openJournal(options({ segmentBytes: 2048 }));
    const producer = new FakeProducer();
    const replay = new SpoolReplay(journal, producer, recovered, { maxInFlightMessages: 50, readChunkBytes: 1024, checkpointIntervalMs: 10, kafkaReachable: () => true, partitionsOf: () => 4 }, log);
    producer.replay = replay;
    journal.onAppended(() => undefined);
    replay.start();
    append(journal, 300);
    await waitFor(() => outcomes.length === 300, 'durable');
    for (let i = 0; i < outcomes.length; i++) replay.appended(Date.now());
    while (producer.produced.length < 300 || !replay.caughtUp) {
      producer.deliverAll();
      await delay(5);
    }
    assert.deepEqual(producer.produced.map((p) => p.id), Array.from({ length: 300 }, (_, i) => `req/${i}`));
    // Batches after the first are laid out in the buffer the writer handed back: every frame reads back whole.
    assert.deepEqual(producer.produced.map((p) => p.value), Array.from({ length: 300 }, (_, i) => `{"n":${i}}`));
    assert.equal(producer.produced[5]!.key, 'series-5');
    assert.equal(replay.undeliveredMessages, 0);
    await waitFor(() => listSegments(journal.dir).length === 1, 'delivered segments deleted');
    await replay.stop();
    await journal.close(5_000);
    assert.equal(readCheckpoint(journal.dir)?.segment, listSegments(journal.dir)[0]);
  });

  it('after a failed delivery starts again from the checkpoint: everything arrives, repeats counted', async () => {
    const { journal, outcomes, recovered } = await openJournal(options());
    const producer = new FakeProducer();
    let reachable = true;
    const replay = new SpoolReplay(journal, producer, recovered, { maxInFlightMessages: 40, readChunkBytes: 4096, checkpointIntervalMs: 10, kafkaReachable: () => reachable, partitionsOf: () => 4 }, log);
    producer.replay = replay;
    replay.start();
    append(journal, 200);
    await waitFor(() => outcomes.length === 200, 'durable');
    for (let i = 0; i < 200; i++) replay.appended(Date.now());
    await waitFor(() => producer.produced.length === 40, 'a window in flight');
    producer.deliverAll(); // first 40 delivered
    await waitFor(() => producer.produced.length === 80, 'next window');
    producer.failNext = 1;
    reachable = false;
    producer.deliverAll(); // message 40 fails, 41..79 delivered
    assert.equal(replay.counters.rewinds, 1);
    await delay(30);
    assert.equal(producer.produced.length, 80, 'nothing produced while Kafka is unreachable');
    reachable = true;
    while (!replay.caughtUp) {
      producer.deliverAll();
      await delay(5);
    }
    const ids = producer.produced.map((p) => p.id);
    const distinct = new Set(ids);
    assert.equal(distinct.size, 200, 'every message delivered');
    assert.equal(ids.length - distinct.size, 40, 'the failed window produced again');
    assert.deepEqual(ids.slice(80, 120), Array.from({ length: 40 }, (_, i) => `req/${40 + i}`), 'again from the checkpoint, in order');
    await replay.stop();
    await journal.close(5_000);
  });

  it('a restart on the same directory resumes from the checkpoint', async () => {
    const opts = options({ segmentBytes: 4096 });
    const first = await openJournal(opts);
    const producer = new FakeProducer();
    const replay = new SpoolReplay(first.journal, producer, first.recovered, { maxInFlightMessages: 1000, readChunkBytes: 4096, checkpointIntervalMs: 10, kafkaReachable: () => true, partitionsOf: () => 4 }, log);
    producer.replay = replay;
    replay.start();
    append(first.journal, 100);
    await waitFor(() => first.outcomes.length === 100, 'durable');
    await waitFor(() => producer.produced.length === 100, 'produced');
    for (const p of producer.produced.slice(0, 60)) replay.onDelivery(p.ticket, null);
    await replay.stop();
    await first.journal.close(5_000);

    const second = await openJournal(opts);
    assert.equal(second.recovered.messages, 40, 'the 40 undelivered messages are found again');
    const producer2 = new FakeProducer();
    const replay2 = new SpoolReplay(second.journal, producer2, second.recovered, { maxInFlightMessages: 1000, readChunkBytes: 4096, checkpointIntervalMs: 10, kafkaReachable: () => true, partitionsOf: () => 4 }, log);
    producer2.replay = replay2;
    replay2.start();
    await waitFor(() => producer2.produced.length === 40, 'the rest produced');
    assert.deepEqual(producer2.produced.map((p) => p.id), Array.from({ length: 40 }, (_, i) => `req/${60 + i}`));
    producer2.deliverAll();
    assert.ok(replay2.caughtUp);
    await replay2.stop();
    await second.journal.close(5_000);
  });

  it('a message whose partition was left to replay goes where murmur2 of its key says with the count Kafka has then, as a keyless one-line batch', async () => {
    const { journal, outcomes, recovered } = await openJournal(options());
    const producer = new FakeProducer();
    let partitions: number | undefined;
    const replay = new SpoolReplay(journal, producer, recovered, { maxInFlightMessages: 1000, readChunkBytes: 4096, checkpointIntervalMs: 10, kafkaReachable: () => true, partitionsOf: () => partitions }, log);
    producer.replay = replay;
    replay.start();
    const keys = Array.from({ length: 60 }, (_, i) => `cpu{host="h${i % 13}"}`);
    keys.forEach((key, i) => journal.send('metrics', PARTITION_AT_REPLAY, recordBytes(`{"n":${i}}\n`, key), `req/${i}+1`, 1, i));
    await waitFor(() => outcomes.length === 60, 'durable');
    for (let i = 0; i < 60; i++) replay.appended(Date.now());
    await delay(100);
    assert.equal(producer.produced.length, 0, 'nothing produced while the partition count is unknown');
    assert.deepEqual(replay.hold && { topic: replay.hold.topic, reason: replay.hold.reason }, { topic: 'metrics', reason: 'unknown' });
    assert.equal(replay.blockedMessages, 0, 'an unknown count is not a missing topic');
    partitions = 7;
    await waitFor(() => producer.produced.length === 60, 'produced once the count is known');
    assert.deepEqual(producer.produced.map((p) => p.partition), keys.map((key) => partitionOf(Buffer.from(key), 7)));
    assert.ok(producer.produced.every((p) => p.key === null), 'sent without a key, like every ndjson batch');
    assert.deepEqual(producer.produced.map((p) => p.id), keys.map((_, i) => `req/${i}+1`), 'in journal order');
    assert.equal(replay.hold, null);
    producer.deliverAll();
    await replay.stop();
    await journal.close(5_000);
  });

  it('holds at a message of a topic Kafka does not have: nothing after it is produced or acknowledged, counted as blocked, then replays once the topic exists', async () => {
    const { journal, outcomes, recovered } = await openJournal(options());
    const producer = new FakeProducer();
    const counts = new Map<string, number>([['metrics', 4], ['logs', 0]]);
    const replay = new SpoolReplay(journal, producer, recovered, { maxInFlightMessages: 1000, readChunkBytes: 4096, checkpointIntervalMs: 10, kafkaReachable: () => true, partitionsOf: (t) => counts.get(t) }, log);
    producer.replay = replay;
    replay.start();
    for (let i = 0; i < 30; i++) journal.send(i >= 10 && i < 15 ? 'logs' : 'metrics', null, recordBytes(`{"n":${i}}`, `k${i}`), `req/${i}`, 1, i);
    await waitFor(() => outcomes.length === 30, 'durable');
    for (let i = 0; i < 30; i++) replay.appended(Date.now());
    await waitFor(() => producer.produced.length === 10, 'the messages before the missing topic');
    producer.deliverAll();
    await delay(100);
    assert.equal(producer.produced.length, 10, 'replay holds at the first message of the missing topic');
    assert.equal(replay.hold?.topic, 'logs');
    assert.equal(replay.hold?.reason, 'missing');
    assert.equal(replay.undeliveredMessages, 20, 'nothing from the held message on counts as delivered');
    assert.equal(replay.blockedMessages, 20);
    counts.set('logs', 2);
    await waitFor(() => producer.produced.length === 30, 'the rest, once the topic exists');
    assert.deepEqual(producer.produced.map((p) => p.id), Array.from({ length: 30 }, (_, i) => `req/${i}`));
    producer.deliverAll();
    assert.ok(replay.caughtUp);
    assert.equal(replay.hold, null);
    assert.equal(replay.blockedMessages, 0);
    await replay.stop();
    await journal.close(5_000);
  });

  it('replayTarget: by key, left to replay (keyless → 0), or the partition the frame names', () => {
    const key = Buffer.from('mem{host="a"}');
    assert.deepEqual(replayTarget({ partition: PARTITION_BY_KEY, key }, 8), { partition: null, key });
    assert.deepEqual(replayTarget({ partition: PARTITION_AT_REPLAY, key }, 8), { partition: partitionOf(key, 8), key: null });
    assert.deepEqual(replayTarget({ partition: PARTITION_AT_REPLAY, key: null }, 8), { partition: 0, key: null });
    assert.deepEqual(replayTarget({ partition: 3, key: null }, 8), { partition: 3, key: null });
  });
});
