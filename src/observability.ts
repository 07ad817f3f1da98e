// What the daemon shows of itself, composed from the running parts: the
// Prometheus metrics (/metrics), the status page's board (GET / and
// /status.json on the admin listener), the answers' observer that feeds both,
// and the memory ceiling the configuration implies. Like main.ts, it sits
// above every folder it reads and nothing but main.ts imports it.
import { version as nodeVersion } from 'node:process';
import { memoryBudget } from './config/memory';
import type { Config } from './config/schema';
import type { DedupWindow } from './dedup/window';
import type { AnswerObserver } from './ingest/answer';
import type { DecodePool } from './pool/pool';
import type { Kafka } from './produce/kafka';
import { producerProperties } from './produce/producer';
import { NodeRdkafka } from './produce/rdkafka-adapter';
import type { RingPump } from './produce/ring-pump';
import type { Admission } from './request/admission';
import type { Ledger } from './settle/ledger';
import { READ_CHUNK_BYTES } from './spool/replay';
import type { Spool } from './spool/spool';
import { Telemetry, type TelemetrySources } from './telemetry/prometheus';
import { StatusBoard } from './telemetry/status';

export const { version } = require('../../package.json') as { version: string }; // eslint-disable-line @typescript-eslint/no-require-imports

/** The sum of every byte bound the configuration sets (src/config/memory.ts). */
export function memoryCeilingBytes(config: Config): number {
  const producerQueueKbytes = Number(producerProperties(config)['queue.buffering.max.kbytes']);
  return memoryBudget(config, { producerQueueKbytes, spoolReadChunkBytes: READ_CHUNK_BYTES }).total;
}

export interface RunningParts {
  readonly kafka: Kafka;
  readonly ledger: Ledger;
  readonly pool: DecodePool;
  readonly pump: RingPump;
  readonly admission: Admission;
  readonly spool: Spool | undefined;
  /** The idempotency window; undefined when dedup is off. */
  readonly dedup: DedupWindow | undefined;
  readonly draining: () => boolean;
  /** Which uWebSockets.js build loaded. */
  readonly uwsBuild: string;
}

export interface Observability {
  readonly telemetry: Telemetry;
  readonly status: StatusBoard;
  readonly answers: AnswerObserver;
}

export function observe(config: Config, parts: RunningParts): Observability {
  const { kafka, ledger, pool, pump, admission, spool } = parts;
  const ceilingBytes = memoryCeilingBytes(config);
  const telemetry = new Telemetry({
    counters: () => ({ ...ledger.counters, skipped: pump.skippedRecords }),
    inFlightMessages: () => ledger.inFlightMessages,
    openRequests: () => ledger.openRequests,
    activeHttpRequests: () => admission.activeRequests,
    ringUsedBytes: () => pump.usedBytes,
    ringCapacityBytes: () => pump.capacityBytes,
    poolQueueSize: () => pool.queueSize,
    poolBusySeconds: () => pool.busySeconds,
    familyTypesReplaced: () => pool.familyTypesReplaced,
    bodyArena: pool.bodyArena,
    poolThreads: config.pool.threads,
    kafkaReachable: () => kafka.reachable,
    draining: parts.draining,
    kafkaStats: () => kafka.stats,
    spool: spool?.telemetry,
    memoryCeilingBytes: ceilingBytes,
    dedup: parts.dedup && dedupSources(parts.dedup),
  });
  const rdkafka = NodeRdkafka.installed();
  const status = new StatusBoard({
    build: {
      metricstream: version, node: nodeVersion, uWebSockets: parts.uwsBuild, ...rdkafka.versions,
      nodeRdkafkaPatch: rdkafka.patchSha256, deliveryMode: config.delivery.mode,
    },
    routes: telemetry.routes,
    notReadyReasons: () => admission.notReadyReasons(),
    deliveredRecords: () => ledger.counters.delivered,
    kafka: () => ({
      reachable: kafka.reachable, bootstrap: kafka.bootstrap, brokers: kafka.stats?.brokers,
      inFlightMessages: ledger.inFlightMessages, maxInFlightMessages: config.kafka.maxInFlightMessages,
    }),
    memory: () => ({ rssBytes: process.memoryUsage.rss(), ceilingBytes }),
    spool: spool?.telemetry,
  });
  if (spool !== undefined) spool.journal.onSync = (seconds, messages) => telemetry.spoolSync(seconds, messages);
  const answers: AnswerObserver = {
    accepted: (route, records) => telemetry.recordsAccepted(route, records),
    refused: (refusal) => {
      telemetry.refusal(refusal.code);
      status.record(refusal);
    },
  };
  return { telemetry, status, answers };
}

function dedupSources(window: DedupWindow): TelemetrySources['dedup'] {
  return { keys: () => window.size, bytes: () => window.bytes, counters: () => window.counters };
}
