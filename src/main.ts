// Composition root: config → log → producer → rings → pool → pump → listeners
// → signals. Everything is built here and handed down; nothing reaches up.
import { version as nodeVersion } from 'node:process';
import { librdkafkaVersion } from 'node-rdkafka';
import { ConfigError, loadConfig } from './config/load';
import { memoryBudget } from './config/memory';
import { maskSecrets } from './config/mask';
import type { Config } from './config/schema';
import { AdminServer } from './ingest/admin';
import { Answers } from './ingest/answer';
import { IngestServer } from './ingest/server';
import { ListenError } from './ingest/listen';
import { loadNativeUws } from './ingest/uws';
import { drain, onShutdownSignal } from './lifecycle/shutdown';
import { notifySystemd } from './lifecycle/systemd';
import { DecodePool } from './pool/pool';
import { classifyClientError, describeDeliveryError, kafkaErrorText } from './produce/errors';
import { KafkaHealth } from './produce/health';
import { MetadataProbe } from './produce/metadata-probe';
import { KafkaProducer, producerProperties, type LibrdKafkaError, type Metadata, type ProducerProperties } from './produce/producer';
import { PartitionCounts } from './produce/partition-counts';
import { RingPump } from './produce/ring-pump';
import { parseKafkaStats, type KafkaStatsSnapshot } from './produce/stats';
import { Admission, type NotReadyReason } from './request/admission';
import { Forwarder } from './request/forward';
import { createRingSet } from './ring/layout';
import type { Signal } from './signals';
import { Ledger, settleDelivery } from './settle/ledger';
import { checkSpoolDirectory, SpoolDirectoryError, type SpoolDirectoryReport } from './spool/directory';
import { SpoolJournal } from './spool/journal';
import { READ_CHUNK_BYTES, ReplayTicket, SpoolReplay } from './spool/replay';
import { createLogger, rateLimited, type Logger } from './telemetry/log';
import { Telemetry } from './telemetry/prometheus';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { version } = require('../../package.json') as { version: string };

/** EX_CONFIG from sysexits.h: systemd and operators read it as "fix the config". */
const EXIT_CONFIG = 78;
const CONNECT_TIMEOUT_MS = 15_000;
const KAFKA_PROBE_INTERVAL_MS = 2_000;
/** Delivery reports reach JS only when librdkafka is polled; each poll is one
 * cheap native call, and the interval is added to every answer's latency. */
const POLL_INTERVAL_MS = 1;
/** Start-up recovery reads every segment once; a full 1 GiB spool takes seconds. */
const SPOOL_RECOVERY_TIMEOUT_MS = 120_000;
const SPOOL_CHECKPOINT_INTERVAL_MS = 500;
const SPOOL_CLOSE_TIMEOUT_MS = 5_000;

const USAGE = 'usage: metricstream [--config PATH] [--check-config]';

function parseArgs(argv: string[]): { configPath: string | undefined; checkOnly: boolean } {
  let configPath: string | undefined;
  let checkOnly = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--config' && argv[i + 1] !== undefined) configPath = argv[++i];
    else if (arg.startsWith('--config=')) configPath = arg.slice('--config='.length);
    else if (arg === '--check-config') checkOnly = true;
    else throw new ConfigError(`unknown argument ${arg}; ${USAGE}`);
  }
  return { configPath, checkOnly };
}

export function runMain(argv: string[]): void {
  let config: Config;
  let checkOnly = false;
  const deprecations: string[] = [];
  try {
    const args = parseArgs(argv);
    checkOnly = args.checkOnly;
    config = loadConfig({ ...args, warn: (message) => deprecations.push(message) });
  } catch (err) {
    process.stderr.write(`metricstream: ${(err as Error).message}\n`);
    process.exit(err instanceof ConfigError ? EXIT_CONFIG : 1);
  }
  let spoolReport: SpoolDirectoryReport | undefined;
  try {
    if (config.delivery.mode === 'spool') spoolReport = checkSpoolDirectory(config.spool.dir);
  } catch (err) {
    process.stderr.write(`metricstream: ${(err as Error).message}\n`);
    process.exit(err instanceof SpoolDirectoryError ? EXIT_CONFIG : 1);
  }
  if (checkOnly) {
    // The effective configuration, secrets masked, and what it implies.
    const spool = spoolReport === undefined ? undefined : { ...spoolReport, maxBytes: config.spool.maxBytes };
    process.stdout.write(JSON.stringify({ config: maskSecrets(config), memoryCeilingMiB: memoryCeilingMiB(config), spool }, null, 2) + '\n');
    process.exit(0);
  }
  const log = createLogger(config.log.level);
  for (const message of deprecations) log.warn(message);
  start(config, log).catch((err: unknown) => {
    if (err instanceof ListenError) log.fatal({ address: err.address, reusePort: err.shared }, `start-up failed: ${err.message}`);
    else log.fatal({ err }, 'start-up failed');
    process.exit(1);
  });
}

async function start(config: Config, log: Logger): Promise<void> {
  const { uws, build: uwsBuild, binary: uwsBinary, host } = loadNativeUws();
  log.info({ uWebSockets: uwsBuild, binary: uwsBinary, node: host.node, nodeAbi: host.abi, glibc: host.glibc ?? null },
    'native uWebSockets.js loaded');
  let telemetry: Telemetry | undefined;
  const ledger = new Ledger({
    maxInFlightMessages: config.kafka.maxInFlightMessages,
    requestTimeoutMs: config.ingest.requestTimeoutMs,
    observeDelivery: (seconds) => telemetry?.delivery(seconds),
  });
  const properties = producerProperties(config);
  let replay: SpoolReplay | undefined;
  const logUnmatched = rateLimited(log, 'error', 10_000);
  const producer = new KafkaProducer(properties, (error, opaque, topic) => {
    if (opaque instanceof ReplayTicket) {
      replay!.onDelivery(opaque, error);
    } else if (typeof opaque !== 'number' || !settleDelivery(ledger, opaque, error === null ? null : describeDeliveryError(error, topic))) {
      logUnmatched({ opaque: String(opaque), err: error?.message }, 'delivery report for no open request (a bug: please report it)');
    }
  });
  if (producer.deliveredIds) log.info('node-rdkafka with metricstream\'s delivered-ids patch: successful deliveries are reported by id');
  else log.warn('node-rdkafka without metricstream\'s patch (scripts/patch-node-rdkafka.js, run by npm install): each delivery report costs the main thread ~8 µs more');
  let kafkaStats: KafkaStatsSnapshot | undefined;
  producer.onStats((json) => {
    try {
      kafkaStats = parseKafkaStats(json);
    } catch (err) {
      log.warn({ err }, 'unreadable librdkafka statistics');
    }
  });
  const connection = connectionOf(properties);
  // An authentication refusal or a fatal error (e.g. a refused InitProducerId:
  // no ACL for idempotent writes) ends start-up at once, naming what was
  // refused, instead of waiting out the connect deadline.
  let refusedAtStart: ((err: LibrdKafkaError) => void) | undefined;
  const refusal = new Promise<never>((_, reject) => (refusedAtStart = reject));
  refusal.catch(() => undefined);
  const logKafkaError = rateLimited(log, 'warn', 10_000);
  let health: KafkaHealth | undefined;
  let fatal = false;
  const where = `${connection.brokers} (${connection.securityProtocol}` +
    `${connection.saslMechanism ? `, SASL ${connection.saslMechanism} as user ${connection.saslUsername}` : ''})`;
  const onKafkaError = (err: LibrdKafkaError): void => {
    const kind = classifyClientError(err);
    if (kind === 'fatal') {
      if (refusedAtStart) return refusedAtStart(err);
      if (fatal) return;
      fatal = true;
      log.fatal({ err, kafka: connection }, `Kafka refused the producer at ${where}: ${kafkaErrorText(err)}; exiting so the service manager restarts it`);
      ledger.failAll('kafka_unavailable', `Kafka producer fatal error: ${kafkaErrorText(err)}`);
      void producer.disconnect(1_000).finally(() => process.exit(1));
    } else if (kind === 'authentication') {
      if (refusedAtStart) return refusedAtStart(err);
      health?.markUnreachable('kafka_authentication_failed', err);
      logKafkaError({ err, kafka: connection }, 'Kafka refused authentication');
    } else if (kind === 'all_brokers_down') {
      health?.markUnreachable('kafka_unreachable', err);
    } else {
      logKafkaError({ err, kafkaCode: err.code }, 'librdkafka error');
    }
  };
  producer.onError(onKafkaError);
  // Error events reach JS only when librdkafka is polled: poll from the start,
  // so an authentication refusal is seen while connecting.
  producer.startPolling(POLL_INTERVAL_MS);
  let metadata: Metadata;
  let probe: MetadataProbe;
  try {
    metadata = await Promise.race([producer.connect(CONNECT_TIMEOUT_MS), refusal]);
    probe = new MetadataProbe(properties, bootstrapOf(metadata));
    probe.onError(onKafkaError);
    await Promise.race([probe.connect(CONNECT_TIMEOUT_MS), refusal]);
  } catch (err) {
    log.fatal({ err, kafka: connection }, `cannot use Kafka at ${where}: ${kafkaErrorText(err)}`);
    // librdkafka may still be connecting: no further attempt, and exit after this one.
    producer.abandonConnect();
    await producer.disconnect(1_000);
    process.exit(1);
  }
  refusedAtStart = undefined;
  const bootstrap = bootstrapOf(metadata);
  if (config.kafka.brokers === '') {
    log.warn({ bootstrap }, `no Kafka brokers configured (kafka.brokers / METRICSTREAM_BROKERS): using an embedded in-memory Kafka, data is NOT persistent; read it with: kcat -b ${bootstrap} -t ${config.kafka.topics.metrics} -C`);
  }

  const kafkaHealth = new KafkaHealth(probe, log, KAFKA_PROBE_INTERVAL_MS);
  health = kafkaHealth;
  kafkaHealth.start();
  const partitionCounts = new PartitionCounts(probe, config.kafka.topics, log);
  await partitionCounts.refresh();
  kafkaHealth.onProbe = () => void partitionCounts.refresh();
  const state = {
    draining: false,
    get kafkaReachable(): boolean { return kafkaHealth.reachable; },
    get kafkaProblem(): NotReadyReason | undefined { return kafkaHealth.problem; },
    missingTopic: (signal: Signal) => partitionCounts.missing(signal),
  };

  const ringSet = createRingSet(config.pool.threads + 2, config.pool.ringBytes);
  const pool = new DecodePool(config, ringSet, partitionCounts.shared);
  const journal = config.delivery.mode === 'spool' ? await openSpool(config, ledger, (r) => replay?.appended(r), () => telemetry, log) : undefined;
  if (journal !== undefined) {
    replay = new SpoolReplay(journal.journal, producer, journal.recovered, {
      maxInFlightMessages: config.spool.replayMaxInFlightMessages,
      readChunkBytes: READ_CHUNK_BYTES,
      checkpointIntervalMs: SPOOL_CHECKPOINT_INTERVAL_MS,
      kafkaReachable: () => kafkaHealth.reachable,
    }, log);
    replay.start();
  }
  const spool = journal?.journal;
  const pump = new RingPump(ringSet, ledger, spool ?? producer, config.kafka.topics, log);
  const admission = new Admission({ ...config.ingest, maxInFlightMessages: config.kafka.maxInFlightMessages }, state, ledger, pool, spool ?? null);
  const forwarder = new Forwarder(ledger, pool, log);
  telemetry = new Telemetry({
    counters: () => ({ ...ledger.counters, skipped: pump.skippedRecords }),
    inFlightMessages: () => ledger.inFlightMessages,
    openRequests: () => ledger.openRequests,
    activeHttpRequests: () => admission.activeRequests,
    ringUsedBytes: () => pump.usedBytes,
    ringCapacityBytes: () => pump.capacityBytes,
    poolQueueSize: () => pool.queueSize,
    poolBusySeconds: () => pool.busySeconds,
    poolThreads: config.pool.threads,
    kafkaReachable: () => kafkaHealth.reachable,
    draining: () => state.draining,
    kafkaStats: () => kafkaStats,
    spool: spool === undefined || replay === undefined ? undefined : spoolSources(spool, replay),
  });
  const answers = new Answers(config.ingest.retryAfterSeconds, config.delivery.mode, log);
  const ingest = new IngestServer(uws, { config, admission, forwarder, answers, telemetry });
  const admin = new AdminServer(uws, telemetry, () => admission.notReadyReasons(), answers);
  const ingestPort = await ingest.listen();
  const adminPort = await admin.listen(config.admin.host, config.admin.port);
  log.info({
    versions: {
      metricstream: version, node: nodeVersion, nodeAbi: host.abi, glibc: host.glibc ?? null,
      uWebSockets: uwsBuild, librdkafka: librdkafkaVersion,
    },
    ingest: `${config.ingest.host}:${ingestPort}`, admin: `${config.admin.host}:${adminPort}`,
    kafka: { bootstrap, embedded: config.kafka.brokers === '' }, poolThreads: config.pool.threads,
    memoryCeilingMiB: memoryCeilingMiB(config),
    delivery: config.delivery.mode,
    config: maskSecrets(config),
  }, 'metricstream ready');
  notifySystemd('READY=1', log);

  onShutdownSignal(log, (signal) => {
    log.info({ signal }, 'signal received');
    const deadline = Date.now() + config.drain.timeoutMs;
    void drain({
      drainTimeoutMs: config.drain.timeoutMs,
      stopAccepting: () => {
        state.draining = true;
        notifySystemd('STOPPING=1', log);
        ingest.stopListening();
      },
      pending: () => ({ requests: admission.activeRequests, messages: ledger.inFlightMessages }),
      flush: (ms) => producer.flush(ms).catch(() => undefined),
      abandon: () => forwarder.abandon('draining', 'shutting down before Kafka acknowledged the records'),
      close: async () => {
        if (spool !== undefined && replay !== undefined) await closeSpool(spool, replay, config.spool.drainOnShutdown ? deadline : 0, log);
        kafkaHealth.stop();
        admin.close();
        await pool.destroy();
        await Promise.all([producer.disconnect(1_000), probe.disconnect(1_000)]);
      },
    }, log).then((code) => process.exit(code), (err: unknown) => {
      log.fatal({ err }, 'drain failed');
      process.exit(1);
    });
  });
}

/** Checks and recovers the spool directory; every message the journal syncs
 * settles its request like a Kafka delivery report would, and is counted
 * for replay. */
async function openSpool(config: Config, ledger: Ledger, appended: (appendedAtMs: number) => void,
  telemetry: () => Telemetry | undefined, log: Logger): Promise<Awaited<ReturnType<typeof SpoolJournal.open>>> {
  const opened = await SpoolJournal.open({
    dir: config.spool.dir,
    maxBytes: config.spool.maxBytes,
    maxUnsyncedBytes: config.spool.maxUnsyncedBytes,
    segmentBytes: config.spool.segmentBytes,
    groupCommitMs: config.spool.groupCommitMs,
    recoveryTimeoutMs: SPOOL_RECOVERY_TIMEOUT_MS,
  }, (error, ticket) => {
    if (error === null) appended(Date.now());
    if (!settleDelivery(ledger, ticket, error === null ? null : { code: error.code, message: error.message })) {
      log.error({ ticket }, 'spool sync for no open request (a bug: please report it)');
    }
  }, log);
  opened.journal.onSync = (seconds, messages) => telemetry()?.spoolSync(seconds, messages);
  const { recovered } = opened;
  log.info({ dir: config.spool.dir, segments: opened.journal.segments.length, bytes: opened.journal.usedBytes,
    undeliveredMessages: recovered.messages, checkpoint: recovered.checkpoint, repairs: recovered.repairs.length },
  recovered.messages > 0 ? 'spool: replaying what was not yet delivered to Kafka' : 'spool: ready');
  return opened;
}

function spoolSources(journal: SpoolJournal, replay: SpoolReplay): NonNullable<ConstructorParameters<typeof Telemetry>[0]['spool']> {
  return {
    usedBytes: () => journal.usedBytes,
    maxBytes: journal.maxBytes,
    undeliveredMessages: () => replay.undeliveredMessages,
    oldestUndeliveredSeconds: () => replay.oldestUndeliveredSeconds(),
    replayed: () => replay.counters,
    syncs: () => journal.stats,
  };
}

/** SIGTERM in spool mode: with drainOnShutdown, replays until the spool is
 * empty or `deadline`; then persists the checkpoint and stops the writer.
 * What is not yet in Kafka stays in the spool for the next start. */
async function closeSpool(journal: SpoolJournal, replay: SpoolReplay, deadline: number, log: Logger): Promise<void> {
  while (!replay.caughtUp && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
  await replay.stop();
  await journal.close(SPOOL_CLOSE_TIMEOUT_MS);
  log.info({ undeliveredMessages: replay.undeliveredMessages }, replay.caughtUp ? 'spool: everything delivered to Kafka' : 'spool: closed; the rest is replayed on the next start');
}

/** The sum of every byte bound the configuration sets (src/config/memory.ts). */
function memoryCeilingMiB(config: Config): number {
  const queueKbytes = Number(producerProperties(config)['queue.buffering.max.kbytes']);
  return Math.round(memoryBudget(config, queueKbytes).total / 2 ** 20);
}

/** The brokers the cluster metadata names, as bootstrap.servers. */
function bootstrapOf(metadata: Metadata): string {
  return metadata.brokers.map((b) => `${b.host}:${b.port}`).join(',');
}

/** What the start-up and refusal log lines say about the Kafka connection (no secrets). */
function connectionOf(properties: ProducerProperties): { brokers: string; securityProtocol: string; saslMechanism?: string; saslUsername?: string } {
  const mechanism = properties['sasl.mechanisms'] ?? properties['sasl.mechanism'];
  return {
    brokers: String(properties['bootstrap.servers'] ?? 'embedded'),
    securityProtocol: String(properties['security.protocol'] ?? 'plaintext'),
    ...(mechanism === undefined ? {} : { saslMechanism: String(mechanism), saslUsername: String(properties['sasl.username'] ?? '') }),
  };
}
