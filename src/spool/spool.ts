// Spool mode (delivery.mode spool), started and stopped in one place: the
// journal takes the pump's messages and syncs them to disk, each sync
// settling its request as a Kafka delivery would; replay produces what was
// spooled to Kafka and advances the delivered checkpoint.
import type { Logger } from 'pino';
import type { Config } from '../config/schema';
import type { DedupWindow } from '../dedup/window';
import { settleDelivery, type Ledger } from '../settle/ledger';
import type { SpoolSources } from '../telemetry/prometheus';
import { DedupLog } from './dedup-log';
import { SpoolJournal } from './journal';
import { READ_CHUNK_BYTES, SpoolReplay, type ReplayOptions, type ReplayProducer } from './replay';

/** Start-up recovery reads every segment once; a full 1 GiB spool takes seconds. */
const RECOVERY_TIMEOUT_MS = 120_000;
const CHECKPOINT_INTERVAL_MS = 500;
const CLOSE_TIMEOUT_MS = 5_000;

export class Spool {
  private constructor(readonly journal: SpoolJournal, readonly replay: SpoolReplay, readonly log: Logger, readonly dedupLog: DedupLog | undefined) {}

  /** Recovers the spool directory (and the idempotency window kept in it) and starts replay. */
  static async open(config: Config, ledger: Ledger, producer: ReplayProducer, kafka: Pick<ReplayOptions, 'kafkaReachable' | 'partitionsOf'>, log: Logger,
    window?: DedupWindow): Promise<Spool> {
    let replay: SpoolReplay | undefined;
    const { journal, recovered } = await SpoolJournal.open({
      dir: config.spool.dir,
      maxBytes: config.spool.maxBytes,
      maxUnsyncedBytes: config.spool.maxUnsyncedBytes,
      segmentBytes: config.spool.segmentBytes,
      groupCommitMs: config.spool.groupCommitMs,
      recoveryTimeoutMs: RECOVERY_TIMEOUT_MS,
    }, (error, ticket) => {
      if (error === null) replay?.appended(Date.now());
      if (!settleDelivery(ledger, ticket, error === null ? null : { code: error.code, message: error.message })) {
        log.error({ ticket }, 'spool sync for no open request (a bug: please report it)');
      }
    }, log);
    log.info({ dir: config.spool.dir, segments: journal.segments.length, bytes: journal.usedBytes,
      undeliveredMessages: recovered.messages, checkpoint: recovered.checkpoint, repairs: recovered.repairs.length },
    recovered.messages > 0 ? 'spool: replaying what was not yet delivered to Kafka' : 'spool: ready');
    let dedupLog: DedupLog | undefined;
    if (window !== undefined) {
      const opened = await DedupLog.open(config.spool.dir, window, journal.segments.map((s) => [s.id, s.durableBytes] as const), log);
      dedupLog = opened.dedupLog;
      journal.beforeCheckpoint = () => opened.dedupLog.flushed();
      log.info({ dir: config.spool.dir, keys: opened.restored }, 'spool: idempotency keys restored');
    }
    replay = new SpoolReplay(journal, producer, recovered, {
      maxInFlightMessages: config.spool.replayMaxInFlightMessages,
      readChunkBytes: READ_CHUNK_BYTES,
      checkpointIntervalMs: CHECKPOINT_INTERVAL_MS,
      ...kafka,
    }, log);
    replay.start();
    return new Spool(journal, replay, log, dedupLog);
  }

  /** What /metrics reads of the spool. */
  get telemetry(): SpoolSources {
    const { journal, replay } = this;
    return {
      usedBytes: () => journal.usedBytes,
      maxBytes: journal.maxBytes,
      undeliveredMessages: () => replay.undeliveredMessages,
      oldestUndeliveredSeconds: () => replay.oldestUndeliveredSeconds(),
      blockedMessages: () => replay.blockedMessages,
      replayed: () => replay.counters,
      syncs: () => journal.stats,
    };
  }

  /** SIGTERM: replays until the spool is empty or `deadline` (0: not at all),
   * then persists the checkpoint and stops the writer. What is not yet in
   * Kafka stays in the spool for the next start. */
  async close(deadline: number): Promise<void> {
    while (!this.replay.caughtUp && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    await this.replay.stop();
    await this.dedupLog?.close();
    await this.journal.close(CLOSE_TIMEOUT_MS);
    this.log.info({ undeliveredMessages: this.replay.undeliveredMessages },
      this.replay.caughtUp ? 'spool: everything delivered to Kafka' : 'spool: closed; the rest is replayed on the next start');
  }
}
