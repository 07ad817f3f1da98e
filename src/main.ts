// Composition root: config → log → ledger → Kafka → rings → (spool) → pump →
// pool → admission → forwarder → telemetry → answers → listeners → signals.
// Everything is built here and handed down; nothing reaches up.
import { version as nodeVersion } from 'node:process';
import { parseCommandLine } from './config/cli';
import { ConfigError, loadConfig } from './config/load';
import { maskSecrets } from './config/mask';
import type { Config } from './config/schema';
import { topicTableOf } from './config/topics';
import { AdminServer } from './ingest/admin';
import { Answers } from './ingest/answer';
import { ListenError } from './ingest/listen';
import { IngestServer } from './ingest/server';
import { loadNativeUws } from './ingest/uws';
import { boundHeapGrowth, mainIsolateOnly, missingNodeOptions } from './lifecycle/node-options';
import { drain, onShutdownSignal } from './lifecycle/shutdown';
import { notifySystemd } from './lifecycle/systemd';
import { DecodePool } from './pool/pool';
import { Kafka, KafkaStartError } from './produce/kafka';
import { NodeRdkafka } from './produce/rdkafka-adapter';
import { RingPump } from './produce/ring-pump';
import { Admission } from './request/admission';
import { Forwarder } from './request/forward';
import { Idempotency } from './request/idempotent';
import { DedupWindow } from './dedup/window';
import { ROUTES } from './protocols/routes';
import { createRingSet } from './ring/layout';
import { Ledger } from './settle/ledger';
import { checkSpoolDirectory, SpoolDirectoryError, type SpoolDirectoryReport } from './spool/directory';
import { Spool } from './spool/spool';
import { createLogger, type Logger } from './telemetry/log';
import type { Telemetry } from './telemetry/prometheus';
import { memoryCeilingBytes, observe, version } from './observability';

/** EX_CONFIG from sysexits.h: systemd and operators read it as "fix the config". */
const EXIT_CONFIG = 78;

export function runMain(argv: string[]): void {
  mainIsolateOnly();
  boundHeapGrowth(process.execArgv);
  let config: Config;
  let checkOnly = false;
  let spoolReport: SpoolDirectoryReport | undefined;
  const deprecations: string[] = [];
  try {
    const args = parseCommandLine(argv);
    checkOnly = args.checkOnly;
    config = loadConfig({ ...args, warn: (message) => deprecations.push(message) });
    if (config.delivery.mode === 'spool') spoolReport = checkSpoolDirectory(config.spool.dir);
    checkDedupRoutes(config);
  } catch (err) {
    process.stderr.write(`metricstream: ${(err as Error).message}\n`);
    process.exit(err instanceof ConfigError || err instanceof SpoolDirectoryError ? EXIT_CONFIG : 1);
  }
  if (checkOnly) {
    // The effective configuration, secrets masked, and what it implies.
    const spool = spoolReport === undefined ? undefined : { ...spoolReport, maxBytes: config.spool.maxBytes };
    process.stdout.write(JSON.stringify({ config: maskSecrets(config), memoryCeilingMiB: Math.round(memoryCeilingBytes(config) / 2 ** 20), spool }, null, 2) + '\n');
    process.exit(0);
  }
  const log = createLogger(config.log.level);
  for (const message of deprecations) log.warn(message);
  const missing = missingNodeOptions(process.execArgv, process.env['NODE_OPTIONS']);
  if (missing.length > 0) {
    log.warn({ missing }, `node was started without ${missing.join(' ')} (npm start, bin/metricstream and the systemd units give it): under load the main thread's young generation may take V8's default 2 × 16 MiB`);
  }
  start(config, log).catch((err: unknown) => {
    if (err instanceof ListenError) log.fatal({ address: err.address, reusePort: err.shared }, `start-up failed: ${err.message}`);
    else if (err instanceof KafkaStartError) log.fatal({ err: err.cause, kafka: err.connection }, err.message);
    else log.fatal({ err }, 'start-up failed');
    process.exit(1);
  });
}

async function start(config: Config, log: Logger): Promise<void> {
  const { uws, build: uwsBuild, binary, host } = loadNativeUws();
  log.info({ uWebSockets: uwsBuild, binary, node: host.node, nodeAbi: host.abi, glibc: host.glibc ?? null }, 'native uWebSockets.js loaded');
  let telemetry: Telemetry | undefined;
  const ledger = new Ledger({ maxInFlightMessages: config.kafka.maxInFlightMessages, requestTimeoutMs: config.ingest.requestTimeoutMs,
    observeDelivery: (seconds) => telemetry?.delivery(seconds) });
  const topics = topicTableOf(config);
  // Spool mode starts without Kafka when it cannot be reached (docs/spool.md).
  const kafka = await Kafka.connect(config, topics, ledger, log, { startWithoutKafka: config.delivery.mode === 'spool' });
  const ringSet = createRingSet(config.pool.threads + 2, config.pool.ringBytes);
  const dedup = config.dedup.enabled
    ? new DedupWindow({ windowMs: config.dedup.windowSeconds * 1000, maxKeys: config.dedup.maxKeys, maxBytes: config.dedup.maxBytes })
    : undefined;
  const spool = config.delivery.mode === 'spool'
    ? await Spool.open(config, ledger, kafka.producer, {
      kafkaReachable: () => kafka.reachable,
      partitionsOf: (topic) => kafka.partitionCounts.partitionsOfTopic(topic),
    }, log, dedup)
    : undefined;
  const state = {
    draining: false,
    get kafkaReachable(): boolean { return kafka.reachable; },
    get kafkaProblem() { return kafka.health.problem; },
    missingTopic: kafka.missingTopic.bind(kafka),
    get spoolReplayHeldBy() { return spool?.replay.hold?.reason === 'missing' ? spool.replay.hold.topic : undefined; },
  };
  const sender = spool?.journal ?? kafka.producer;
  const pump = new RingPump(ringSet, ledger, sender, topics, log);
  const pool = new DecodePool(config, ringSet, kafka.partitionCounts.shared, () => pump.usedBytes);
  pump.onProduced(() => pool.ringsDrained());
  const admission = new Admission({ ...config.ingest, maxInFlightMessages: config.kafka.maxInFlightMessages }, state, ledger, pool, spool?.journal ?? null);
  const idempotency = dedup && new Idempotency(dedup, { requestTimeoutMs: config.ingest.requestTimeoutMs, durableTags: spool !== undefined });
  const forwarder = new Forwarder(ledger, pool, log, idempotency);
  const seen = observe(config, { kafka, ledger, pool, pump, admission, spool, dedup, draining: () => state.draining, uwsBuild });
  telemetry = seen.telemetry;
  const { status } = seen;
  const answers = new Answers(config.ingest.retryAfterSeconds, config.delivery.mode, log, seen.answers);
  const ingest = new IngestServer(uws, { config, admission, forwarder, answers, telemetry, bodyArena: pool.bodyArena });
  const admin = new AdminServer(uws, telemetry, () => admission.notReadyReasons(), answers, status);
  const ingestPort = await ingest.listen();
  const adminPort = await admin.listen(config.admin.host, config.admin.port);
  log.info({
    versions: {
      metricstream: version, node: nodeVersion, nodeAbi: host.abi, glibc: host.glibc ?? null,
      uWebSockets: uwsBuild, ...NodeRdkafka.installed().versions,
    },
    ingest: `${config.ingest.host}:${ingestPort}`, admin: `${config.admin.host}:${adminPort}`,
    kafka: { bootstrap: kafka.bootstrap, embedded: config.kafka.brokers === '' }, poolThreads: config.pool.threads,
    memoryCeilingMiB: Math.round(memoryCeilingBytes(config) / 2 ** 20), delivery: config.delivery.mode, config: maskSecrets(config),
  }, 'metricstream ready');
  status.start();
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
      flush: (ms) => kafka.producer.flush(ms).catch(() => undefined),
      abandon: () => forwarder.abandon('draining', 'shutting down before Kafka acknowledged the records'),
      close: async () => {
        await spool?.close(config.spool.drainOnShutdown ? deadline : 0);
        status.stop();
        admin.close();
        await pool.destroy();
        await kafka.close();
      },
    }, log).then((code) => process.exit(code), (err: unknown) => {
      log.fatal({ err }, 'drain failed');
      process.exit(1);
    });
  });
}

/** dedup.byContent names routes of the route table (config/ cannot import it). */
function checkDedupRoutes(config: Config): void {
  const known = Object.values(ROUTES).map((spec) => spec.route as string);
  const unknown = config.dedup.byContent.filter((route) => !known.includes(route));
  if (unknown.length > 0) throw new ConfigError(`invalid configuration: dedup.byContent: no route ${unknown.join(', ')}; routes are ${known.join(', ')}`);
}
