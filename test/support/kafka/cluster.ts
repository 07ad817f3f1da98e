// A real Apache Kafka cluster for the tests: 1 or 3 KRaft nodes (each broker and
// controller at once) from Kafka's own jars and configuration, on free loopback
// ports, in a temporary folder removed at stop().
//
//   node i:  CLIENT listener    ─ what the daemon uses (PLAINTEXT, or SASL_SSL)
//            INTERNAL listener  ─ PLAINTEXT, inter-broker traffic and the test's admin client
//            CONTROLLER         ─ the KRaft quorum (controller.quorum.voters, static)
//
// Brokers can be killed (SIGKILL, as a crash) and restarted on the same data.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, openSync, closeSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { AdminClient, Producer, type IAdminClient, type Metadata } from 'node-rdkafka';
import { kafkaClasspath } from './libs';
import { makeCertificates, type TestCertificates } from './tls';

const run = promisify(execFile);

export interface KafkaClusterOptions {
  /** 1 or 3 combined broker+controller nodes. */
  nodes?: number;
  /** A SASL_SSL (SCRAM-SHA-512) client listener, an ACL authorizer and these users. */
  secure?: { users: Record<string, string> };
  /** Extra broker properties (e.g. message.max.bytes). */
  properties?: Record<string, string>;
}

interface KafkaNode {
  readonly id: number;
  readonly dir: string;
  readonly clientPort: number;
  readonly internalPort: number;
  readonly controllerPort: number;
  child: ChildProcess | undefined;
  exited: Promise<void>;
}

/** Every broker started by this process, killed if the test process exits without stop(). */
const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`Kafka test cluster: timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

export class KafkaCluster {
  /** bootstrap.servers for the daemon (the CLIENT listener). */
  readonly bootstrap: string;
  /** bootstrap.servers of the PLAINTEXT INTERNAL listener (a super user there). */
  readonly internalBootstrap: string;
  readonly certificates: TestCertificates | undefined;
  readonly #dir: string;
  readonly #nodes: KafkaNode[];
  readonly #classpath: string;
  readonly #admin: IAdminClient;
  readonly #metadataClient: Producer;

  private constructor(dir: string, nodes: KafkaNode[], classpath: string, certificates: TestCertificates | undefined) {
    this.#dir = dir;
    this.#nodes = nodes;
    this.#classpath = classpath;
    this.certificates = certificates;
    this.bootstrap = nodes.map((n) => `127.0.0.1:${n.clientPort}`).join(',');
    this.internalBootstrap = nodes.map((n) => `127.0.0.1:${n.internalPort}`).join(',');
    this.#admin = AdminClient.create({ 'bootstrap.servers': this.internalBootstrap, 'client.id': 'test-admin' });
    this.#metadataClient = new Producer({ 'bootstrap.servers': this.internalBootstrap, 'client.id': 'test-metadata', 'topic.metadata.refresh.interval.ms': 1_000 });
  }

  static async start(options: KafkaClusterOptions = {}): Promise<KafkaCluster> {
    const count = options.nodes ?? 1;
    const classpath = kafkaClasspath();
    const dir = mkdtempSync(path.join(tmpdir(), 'metricstream-kafka-'));
    const certificates = options.secure ? makeCertificates(dir) : undefined;
    const nodes: KafkaNode[] = [];
    for (let id = 1; id <= count; id++) {
      const nodeDir = path.join(dir, `node-${id}`);
      mkdirSync(path.join(nodeDir, 'data'), { recursive: true });
      nodes.push({ id, dir: nodeDir, clientPort: await freePort(), internalPort: await freePort(), controllerPort: await freePort(), child: undefined, exited: Promise.resolve() });
    }
    const voters = nodes.map((n) => `${n.id}@127.0.0.1:${n.controllerPort}`).join(',');
    const replicas = String(Math.min(3, count));
    const minIsr = String(Math.min(2, count));
    // Kafka's StorageTool parses an id that starts with "-" as an option (1 in 64
    // base64url ids did, failing a CI run): start it with a letter.
    const clusterId = `M${randomBytes(16).toString('base64url').slice(1)}`;
    const cluster = new KafkaCluster(dir, nodes, classpath, certificates);
    await Promise.all(nodes.map(async (node) => {
      const clientProtocol = certificates ? 'SASL_SSL' : 'PLAINTEXT';
      const properties: Record<string, string> = {
        'process.roles': 'broker,controller',
        'node.id': String(node.id),
        'controller.quorum.voters': voters,
        'listeners': `CLIENT://127.0.0.1:${node.clientPort},INTERNAL://127.0.0.1:${node.internalPort},CONTROLLER://127.0.0.1:${node.controllerPort}`,
        'advertised.listeners': `CLIENT://127.0.0.1:${node.clientPort},INTERNAL://127.0.0.1:${node.internalPort}`,
        'listener.security.protocol.map': `CLIENT:${clientProtocol},INTERNAL:PLAINTEXT,CONTROLLER:PLAINTEXT`,
        'inter.broker.listener.name': 'INTERNAL',
        'controller.listener.names': 'CONTROLLER',
        'log.dirs': path.join(node.dir, 'data'),
        // What operators run (issue 10): no auto-creation, replicated internal topics.
        'auto.create.topics.enable': 'false',
        'offsets.topic.replication.factor': replicas,
        'transaction.state.log.replication.factor': replicas,
        'transaction.state.log.min.isr': minIsr,
        'share.coordinator.state.topic.replication.factor': replicas,
        'share.coordinator.state.topic.min.isr': minIsr,
        'group.initial.rebalance.delay.ms': '0',
        // Two cores shared by everything: fewer threads than Kafka's defaults.
        'num.network.threads': '2',
        'num.io.threads': '4',
        'background.threads': '2',
        'num.recovery.threads.per.data.dir': '1',
        'log.segment.bytes': String(64 * 2 ** 20),
        ...(certificates ? {
          'sasl.enabled.mechanisms': 'SCRAM-SHA-512',
          'listener.name.client.scram-sha-512.sasl.jaas.config': 'org.apache.kafka.common.security.scram.ScramLoginModule required;',
          'listener.name.client.ssl.keystore.location': certificates.keystoreFile,
          'listener.name.client.ssl.keystore.type': 'PKCS12',
          'listener.name.client.ssl.keystore.password': certificates.keystorePassword,
          'authorizer.class.name': 'org.apache.kafka.metadata.authorizer.StandardAuthorizer',
          'allow.everyone.if.no.acl.found': 'false',
          // INTERNAL and CONTROLLER are PLAINTEXT: their principal is ANONYMOUS.
          'super.users': 'User:ANONYMOUS;User:admin',
        } : {}),
        ...options.properties,
      };
      writeFileSync(path.join(node.dir, 'server.properties'), Object.entries(properties).map(([k, v]) => `${k}=${v}`).join('\n') + '\n');
      writeFileSync(path.join(node.dir, 'log4j2.properties'), [
        'rootLogger.level=INFO', 'rootLogger.appenderRef.f.ref=F',
        'appender.f.type=File', 'appender.f.name=F', `appender.f.fileName=${path.join(node.dir, 'server.log')}`,
        'appender.f.layout.type=PatternLayout', 'appender.f.layout.pattern=[%d] %p %m (%c)%n',
        'logger.state.name=state.change.logger', 'logger.state.level=WARN',
      ].join('\n') + '\n');
      const scram = Object.entries(options.secure?.users ?? {}).flatMap(([name, password]) =>
        ['--add-scram', `SCRAM-SHA-512=[name=${name},password=${password}]`]);
      await run('java', ['-Xmx128m', '-cp', classpath, `-Dlog4j2.configurationFile=${path.join(node.dir, 'log4j2.properties')}`,
        'kafka.tools.StorageTool', 'format', '-t', clusterId, '-c', path.join(node.dir, 'server.properties'), ...scram], { timeout: 60_000 });
    }));
    try {
      for (const node of nodes) cluster.#spawn(node);
      await cluster.waitForBrokers(count);
    } catch (err) {
      await cluster.stop();
      throw err;
    }
    return cluster;
  }

  #spawn(node: KafkaNode): void {
    const out = openSync(path.join(node.dir, 'stdout.log'), 'a');
    const child = spawn('java', [
      '-Xms64m', '-Xmx256m', '-XX:+UseSerialGC', '-XX:-UsePerfData', '-Djava.awt.headless=true',
      `-Dlog4j2.configurationFile=${path.join(node.dir, 'log4j2.properties')}`,
      '-cp', this.#classpath, 'kafka.Kafka', path.join(node.dir, 'server.properties'),
    ], { stdio: ['ignore', out, out] });
    closeSync(out);
    live.add(child);
    node.child = child;
    node.exited = new Promise((resolve) => child.once('exit', () => {
      live.delete(child);
      resolve();
    }));
  }

  get nodeIds(): number[] {
    return this.#nodes.map((n) => n.id);
  }

  /** The broker's JVM process id (for its CPU time), while it runs. */
  pid(id: number): number | undefined {
    return this.#node(id).child?.pid;
  }

  /** The node's server.log (for failure messages). */
  logFile(id: number): string {
    return path.join(this.#node(id).dir, 'server.log');
  }

  #node(id: number): KafkaNode {
    const node = this.#nodes.find((n) => n.id === id);
    if (!node) throw new Error(`no Kafka node ${id}`);
    return node;
  }

  /** Cluster metadata as the INTERNAL listener tells it. */
  async metadata(topic?: string): Promise<Metadata> {
    if (!this.#metadataClient.isConnected()) {
      await new Promise<void>((resolve, reject) => this.#metadataClient.connect({ timeout: 10_000 }, (err) => (err ? reject(err) : resolve())));
    }
    return new Promise((resolve, reject) => this.#metadataClient.getMetadata(
      topic === undefined ? { timeout: 5_000 } : { topic, timeout: 5_000 }, (err, md) => (err ? reject(err) : resolve(md))));
  }

  /** Until `count` brokers are registered and serve metadata. */
  async waitForBrokers(count: number, timeoutMs = 90_000): Promise<void> {
    await until(`${count} brokers in metadata`, async () => (await this.metadata()).brokers.length >= count, timeoutMs);
  }

  /** Until node `id` is registered (unfenced) and listed in metadata again, e.g. after restart(). */
  async waitForBroker(id: number, timeoutMs = 90_000): Promise<void> {
    await until(`broker ${id} in metadata`, async () => (await this.metadata()).brokers.some((b) => b.id === id), timeoutMs);
  }

  /** Creates a topic and waits until every partition has a leader and its full ISR.
   * As long as the other waits here: on a loaded host, a cluster just started,
   * or whose nodes were all just restarted, took more than 30 s to get there. */
  async createTopic(topic: string, partitions: number, replicationFactor: number, config: Record<string, string> = {}, timeoutMs = 90_000): Promise<void> {
    await new Promise<void>((resolve, reject) => this.#admin.createTopic(
      { topic, num_partitions: partitions, replication_factor: replicationFactor, config }, 30_000, (err) => (err ? reject(err) : resolve())));
    await until(`topic ${topic} to have leaders`, async () => {
      const t = (await this.metadata(topic)).topics.find((x) => x.name === topic);
      return t !== undefined && t.partitions.length === partitions && t.partitions.every((p) => p.leader >= 0 && p.isrs.length === replicationFactor);
    }, timeoutMs);
  }

  /** The node id leading a partition. */
  async leaderOf(topic: string, partition: number): Promise<number> {
    const t = (await this.metadata(topic)).topics.find((x) => x.name === topic);
    const leader = t?.partitions.find((p) => p.id === partition)?.leader;
    if (leader === undefined || leader < 0) throw new Error(`${topic}/${partition} has no leader`);
    return leader;
  }

  /** Until every partition of `topic` has all `replicas` in its ISR. */
  async waitForFullIsr(topic: string, replicas: number, timeoutMs = 90_000): Promise<void> {
    await until(`${topic} to have ${replicas} in-sync replicas`, async () => {
      const t = (await this.metadata(topic)).topics.find((x) => x.name === topic);
      return t !== undefined && t.partitions.every((p) => p.isrs.length === replicas);
    }, timeoutMs);
  }

  /** kill -9 one node (a crash): its data stays for restart(). */
  async kill(id: number): Promise<void> {
    const node = this.#node(id);
    node.child?.kill('SIGKILL');
    await node.exited;
    node.child = undefined;
  }

  /** Starts a killed node again on its own data. */
  restart(id: number): void {
    const node = this.#node(id);
    if (node.child) throw new Error(`Kafka node ${id} is running`);
    this.#spawn(node);
  }

  /** Runs one of Kafka's command-line tools (e.g. org.apache.kafka.tools.AclCommand) against the INTERNAL listener. */
  async tool(mainClass: string, args: string[]): Promise<string> {
    const { stdout } = await run('java', ['-Xmx128m', '-cp', this.#classpath, '-Dlog4j2.configurationFile=/dev/null', mainClass,
      '--bootstrap-server', this.internalBootstrap, ...args], { timeout: 60_000 });
    return stdout;
  }

  /** SIGTERM every node (SIGKILL after 10 s) and remove the data. */
  async stop(): Promise<void> {
    this.#admin.disconnect();
    if (this.#metadataClient.isConnected()) await new Promise<void>((resolve) => this.#metadataClient.disconnect(() => resolve()));
    await Promise.all(this.#nodes.map(async (node) => {
      if (!node.child) return;
      node.child.kill('SIGTERM');
      const timer = setTimeout(() => node.child?.kill('SIGKILL'), 10_000);
      await node.exited;
      clearTimeout(timer);
      node.child = undefined;
    }));
    if (process.env['METRICSTREAM_KEEP_KAFKA'] === undefined) rmSync(this.#dir, { recursive: true, force: true });
  }
}
