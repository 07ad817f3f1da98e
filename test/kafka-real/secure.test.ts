// SASL_SSL with SCRAM-SHA-512 against a real broker (a CA and a broker
// certificate made by the test, an ACL authorizer): the daemon connects with
// credentials from its config file, the environment or a secrets file, masked
// by --check-config; a wrong password or missing ACLs are a prompt, clear
// failure naming the mechanism, the user and the broker.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { TopicReader, recordId } from '../support/consumer';
import { Daemon, metricBatch, post, runToExit } from '../support/daemon';
import { KafkaCluster } from '../support/kafka/cluster';

const PASSWORD = 'ms-Secret-9f2c';

describe('real Kafka: SASL_SSL with SCRAM-SHA-512', () => {
  let kafka: KafkaCluster;
  let dir: string;
  let configFile: string;
  let passwordFile: string;

  /** The SASL_SSL configuration of docs/kafka.md, written for this broker. */
  function writeConfig(file: string, producer: Record<string, string>, extra: Record<string, string> = {}): string {
    writeFileSync(file, JSON.stringify({
      kafka: {
        brokers: kafka.bootstrap,
        producer: {
          'security.protocol': 'SASL_SSL',
          'sasl.mechanisms': 'SCRAM-SHA-512',
          'ssl.ca.location': kafka.certificates!.caFile,
          ...producer,
        },
        ...extra,
      },
    }));
    return file;
  }

  before(async () => {
    kafka = await KafkaCluster.start({ nodes: 1, secure: { users: { admin: 'admin-secret', metricstream: PASSWORD, nobody: 'nobody-secret' } } });
    for (const topic of ['metrics', 'logs', 'traces']) await kafka.createTopic(topic, 2, 1);
    // The producer's ACLs: write and describe its topics (idempotent writes
    // follow from WRITE on a topic since Kafka 2.8). User "nobody" gets none.
    await kafka.tool('org.apache.kafka.tools.AclCommand', ['--add', '--allow-principal', 'User:metricstream',
      '--operation', 'Write', '--operation', 'Describe', '--topic', 'metrics', '--topic', 'logs', '--topic', 'traces']);
    dir = mkdtempSync(path.join(tmpdir(), 'metricstream-sasl-'));
    passwordFile = path.join(dir, 'kafka-password');
    writeFileSync(passwordFile, `${PASSWORD}\n`, { mode: 0o600 });
    configFile = writeConfig(path.join(dir, 'config.json'), { 'sasl.username': 'metricstream' }, { saslPasswordFile: passwordFile });
  });

  after(async () => {
    await kafka?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('--check-config masks the password read from the secrets file', async () => {
    const run = await runToExit({}, ['--config', configFile, '--check-config']);
    assert.equal(run.code, 0, run.stderr);
    assert.ok(!run.stdout.includes(PASSWORD), 'the password is not printed');
    const printed = JSON.parse(run.stdout) as { config: { kafka: { producer: Record<string, string>; saslPasswordFile: string } } };
    assert.equal(printed.config.kafka.producer['sasl.password'], '***');
    assert.equal(printed.config.kafka.producer['sasl.username'], 'metricstream');
    assert.equal(printed.config.kafka.saslPasswordFile, passwordFile);
  });

  it('password from a secrets file: records written over SASL_SSL and read back', async () => {
    const daemon = await Daemon.start({}, ['--config', configFile]);
    try {
      assert.ok(!JSON.stringify(daemon.logs).includes(PASSWORD), 'the password is in no log line');
      const reply = await post(`${daemon.ingestUrl}/metrics`, metricBatch(10, 'sasl').body);
      assert.equal(reply.status, 200, JSON.stringify(reply.body));
      const reader = await TopicReader.open(kafka.bootstrap, 'metrics', { config: {
        'security.protocol': 'SASL_SSL', 'sasl.mechanisms': 'SCRAM-SHA-512', 'sasl.username': 'admin', 'sasl.password': 'admin-secret',
        'ssl.ca.location': kafka.certificates!.caFile,
      } });
      try {
        const records = await reader.waitFor(10, 20_000);
        assert.deepEqual(records.map((r) => recordId(r).requestId), Array(10).fill(reply.headers.get('x-request-id')));
      } finally {
        await reader.close();
      }
    } finally {
      assert.equal((await daemon.stop()).code, 0);
    }
  });

  it('password from the environment (and the config file): accepted the same way', async () => {
    const bare = writeConfig(path.join(dir, 'env.json'), { 'sasl.username': 'metricstream' });
    const daemon = await Daemon.start({ METRICSTREAM_KAFKA_PRODUCER__sasl_password: PASSWORD }, ['--config', bare]);
    try {
      assert.equal((await post(`${daemon.ingestUrl}/metrics`, metricBatch(3, 'env').body)).status, 200);
    } finally {
      assert.equal((await daemon.stop()).code, 0);
    }
    const inline = writeConfig(path.join(dir, 'inline.json'), { 'sasl.username': 'metricstream', 'sasl.password': PASSWORD });
    const fromFile = await Daemon.start({}, ['--config', inline]);
    try {
      assert.equal((await post(`${fromFile.ingestUrl}/metrics`, metricBatch(3, 'inline').body)).status, 200);
    } finally {
      assert.equal((await fromFile.stop()).code, 0);
    }
  });

  it('a wrong password: exit 1 at start with a FATAL line naming the protocol, mechanism, user and broker', async () => {
    const wrong = writeConfig(path.join(dir, 'wrong.json'), { 'sasl.username': 'metricstream', 'sasl.password': 'not-the-password' });
    const run = await runToExit({}, ['--config', wrong]);
    const fatal = run.logs.find((l) => l.level === 60);
    process.stdout.write(`# wrong password: ${JSON.stringify({ code: run.code, ms: run.ms, fatal: fatal?.msg })}\n`);
    assert.equal(run.code, 1);
    assert.ok(fatal, `a FATAL log line; logs: ${run.stdout}`);
    for (const part of ['SASL_SSL', 'SCRAM-SHA-512', 'metricstream', kafka.bootstrap]) assert.ok(String(fatal.msg).includes(part), `names ${part}: ${fatal.msg}`);
    assert.match(String(fatal.msg), /auth/i);
    assert.ok(!run.stdout.includes('not-the-password'), 'the password is in no log line');
    assert.ok(run.logs.every((l) => l.msg !== 'metricstream ready'), 'never ready');
  });

  it('a user without ACLs: exit 1 at start naming the refusal', async () => {
    const nobody = writeConfig(path.join(dir, 'nobody.json'), { 'sasl.username': 'nobody', 'sasl.password': 'nobody-secret' });
    const run = await runToExit({}, ['--config', nobody]);
    const fatal = run.logs.find((l) => l.level === 60);
    process.stdout.write(`# no ACLs: ${JSON.stringify({ code: run.code, ms: run.ms, fatal: fatal?.msg })}\n`);
    assert.equal(run.code, 1);
    assert.ok(fatal, `a FATAL log line; logs: ${run.stdout}`);
    assert.match(String(fatal.msg), /authori[sz]ation/i);
    assert.ok(String(fatal.msg).includes('nobody'), `names the user: ${fatal.msg}`);
  });
});
