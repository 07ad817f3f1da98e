// The spool on disks that fail, under load (delivery.mode spool, the mock
// cluster up): a filesystem whose writes fail with EIO (test/support/faultfs,
// a FUSE passthrough: this kernel has no device-mapper, so no dm "error" or
// "flakey" target), and an ext4 on a loop device that the kernel turns
// read-only (errors=remount-ro after a filesystem error: EROFS on every write,
// open files included), brought back by unmounting, checking and mounting it
// again. Both: every refusal is 503 spool_unavailable, every 2xx's records
// reach Kafka (replay reads only what the disk holds, so a 2xx for a record
// not synced would be missing), requests succeed again once the disk does,
// and a restart on the directory finds no damaged segment. Needs root (FUSE
// mount, loop devices); skipped, saying why, without it.
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, describe, it } from 'node:test';
import { TopicReader } from '../support/consumer';
import { Daemon, metricBatch } from '../support/daemon';
import { auditWhenRead } from '../support/load';
import { MockKafka } from '../support/mock-kafka';

const REPO = path.resolve(__dirname, '../../..');
const dirs: string[] = [];

function tempDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  dirs.push(dir);
  return dir;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

async function until(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

function report(name: string, data: Record<string, unknown>): void {
  process.stdout.write(`# ${name}: ${JSON.stringify(data)}\n`);
}

/** Why these tests cannot run here, or null. */
function missingPrivilege(needs: 'fuse' | 'loop'): string | null {
  if (process.getuid?.() !== 0) return 'needs root (mounting a FUSE filesystem or a loop device)';
  if (needs === 'fuse' && !fs.existsSync('/dev/fuse')) return 'needs /dev/fuse';
  if (needs === 'loop' && !fs.existsSync('/dev/loop-control')) return 'needs loop devices (/dev/loop-control)';
  if (needs === 'loop' && spawnSync('mkfs.ext4', ['-V']).error !== undefined) return 'needs mkfs.ext4 (e2fsprogs)';
  return null;
}

/** test/support/faultfs mounted over `backing` at `mountPoint`. */
class FaultFs {
  readonly #child: ChildProcessWithoutNullStreams;
  readonly #lines: AsyncIterator<string>;

  private constructor(child: ChildProcessWithoutNullStreams, lines: AsyncIterator<string>) {
    this.#child = child;
    this.#lines = lines;
  }

  static async mount(backing: string, mountPoint: string): Promise<FaultFs> {
    const built = execFileSync('bash', [path.join(REPO, 'scripts/build-faultfs.sh')], { encoding: 'utf8', timeout: 10 * 60_000 });
    const binary = built.trim().split('\n').at(-1)!;
    const child = spawn(binary, [backing, mountPoint], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
    const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
    const first = await Promise.race([lines.next(), sleep(10_000).then(() => ({ value: 'timeout' }))]);
    if (first.value !== 'READY') throw new Error(`faultfs did not mount: ${String(first.value)} ${stderr}`);
    return new FaultFs(child, lines);
  }

  async command(line: 'fail' | 'ok'): Promise<void> {
    this.#child.stdin.write(`${line}\n`);
    const reply = await this.#lines.next();
    assert.equal(reply.value, 'OK', `faultfs ${line}`);
  }

  async unmount(): Promise<void> {
    if (this.#child.exitCode !== null) return;
    const exited = new Promise((resolve) => this.#child.once('exit', resolve));
    this.#child.stdin.end();
    await exited;
  }
}

/** Clients posting 20-record batches until stop(); answers counted by status and error code. */
function startLoad(url: string, clients = 4) {
  const acknowledged = new Map<string, number>();
  const answers = new Map<string, number>();
  const refusalMessages = new Set<string>();
  let requests = 0;
  let stopped = false;
  const count = (key: string): void => { answers.set(key, (answers.get(key) ?? 0) + 1); };
  const done = Promise.all(Array.from({ length: clients }, async (_, client) => {
    for (let r = 0; !stopped; r++) {
      requests++;
      const res = await fetch(url, { method: 'POST', body: metricBatch(20, `fault-c${client}-r${r}`).body, headers: { 'content-type': 'application/json' } });
      const body = (await res.json()) as { accepted?: number; error?: string; message?: string };
      count(res.status === 200 ? '200' : `${res.status} ${body.error}`);
      if (res.status === 200) acknowledged.set(res.headers.get('x-request-id')!, body.accepted!);
      else refusalMessages.add(String(body.message).replace(/\d+/g, 'N'));
      await sleep(5);
    }
  }));
  return {
    acknowledged, answers, refusalMessages,
    get requests() { return requests; },
    count: (key: string) => answers.get(key) ?? 0,
    stop: async () => { stopped = true; await done; },
  };
}

function repairsLogged(daemon: Daemon): number {
  return daemon.logs.filter((l) => l.msg.startsWith('spool: cut') || l.msg.startsWith('spool: skipped')).length;
}

describe('the spool on a failing disk', () => {
  let kafka: MockKafka;

  before(async () => {
    kafka = await MockKafka.start({ topics: { faulteio: 4, faultro: 4 } });
  });

  after(async () => {
    await kafka.stop();
    for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
  });

  function startDaemon(topic: string, dir: string): Promise<Daemon> {
    return Daemon.start({
      METRICSTREAM_BROKERS: kafka.bootstrap,
      METRICSTREAM_KAFKA_TOPICS_METRICS: topic,
      METRICSTREAM_DELIVERY_MODE: 'spool',
      METRICSTREAM_SPOOL_DIR: dir,
      METRICSTREAM_SPOOL_SEGMENT_BYTES: String(256 * 1024),
    });
  }

  it('writes failing with EIO (FUSE): 503 spool_unavailable, nothing acknowledged lost, success again once writes do, no damaged segment', async (t) => {
    const why = missingPrivilege('fuse');
    if (why !== null) return t.skip(why);
    const backing = tempDir('spool-eio-backing-');
    const mountPoint = tempDir('spool-eio-');
    const faultfs = await FaultFs.mount(backing, mountPoint);
    let daemon: Daemon | undefined;
    const reader = await TopicReader.open(kafka.bootstrap, 'faulteio');
    try {
      daemon = await startDaemon('faulteio', mountPoint);
      const load = startLoad(`${daemon.ingestUrl}/metrics`);
      await until('load under way', () => load.count('200') >= 50);
      await faultfs.command('fail');
      await until('refusals while writes fail', () => load.count('503 spool_unavailable') >= 50);
      const okDuringFault = load.count('200');
      await faultfs.command('ok');
      await until('success again', () => load.count('200') >= okDuringFault + 100);
      await load.stop();
      const { expected, missing, duplicates } = await auditWhenRead(reader, load.acknowledged, 60_000);
      assert.equal((await daemon.stop()).code, 0);
      const logs = daemon.logs;
      daemon = await startDaemon('faulteio', mountPoint);
      const repairs = repairsLogged(daemon);
      assert.equal((await daemon.stop()).code, 0);
      daemon = undefined;
      report('spool: EIO', { requests: load.requests, answers: Object.fromEntries(load.answers), refusals: [...load.refusalMessages], expected, missing, duplicates, repairs });
      assert.deepEqual([...load.answers.keys()].sort(), ['200', '503 spool_unavailable'], 'only 200 or 503 spool_unavailable');
      assert.ok([...load.refusalMessages].every((m) => /EIO/.test(m)), 'the refusals name EIO');
      assert.equal(missing, 0, 'every acknowledged record is in Kafka');
      assert.equal(repairs, 0, 'no damaged segment');
      assert.ok(logs.some((l) => l.msg.startsWith('spool: write failed')));
      assert.ok(logs.some((l) => l.msg === 'spool: writes succeed again'));
    } finally {
      if (daemon !== undefined) await daemon.stop('SIGKILL');
      await reader.close();
      await faultfs.unmount();
    }
  });

  it('ext4 turned read-only under load (errors=remount-ro): 503 spool_unavailable, nothing acknowledged lost, success again once it is mounted read-write, no damaged segment', async (t) => {
    const why = missingPrivilege('loop');
    if (why !== null) return t.skip(why);
    const work = tempDir('spool-ro-');
    const image = path.join(work, 'ext4.img');
    const mountPoint = path.join(work, 'mnt');
    fs.mkdirSync(mountPoint);
    execFileSync('truncate', ['-s', '64M', image]);
    execFileSync('mkfs.ext4', ['-q', image]);
    const mount = (): void => { execFileSync('mount', ['-o', 'loop,errors=remount-ro', image, mountPoint]); };
    mount();
    const spoolDir = path.join(mountPoint, 'spool');
    let mounted = true;
    let daemon: Daemon | undefined;
    const reader = await TopicReader.open(kafka.bootstrap, 'faultro');
    try {
      daemon = await startDaemon('faultro', spoolDir);
      const load = startLoad(`${daemon.ingestUrl}/metrics`);
      await until('load under way', () => load.count('200') >= 50);
      // The kernel's own read-only switch: what ext4 does after an I/O error.
      // (`mount -o remount,ro` is refused with EBUSY while the spool holds a
      // segment open for writing.)
      const device = path.basename(execFileSync('findmnt', ['-n', '-o', 'SOURCE', mountPoint], { encoding: 'utf8' }).trim());
      fs.writeFileSync(`/sys/fs/ext4/${device}/trigger_fs_error`, 'metricstream spool fault test\n');
      await until('refusals while read-only', () => load.count('503 spool_unavailable') >= 50);
      const okDuringFault = load.count('200');
      // Back: unmount (the daemon keeps no file open on it while writes fail
      // and replay has caught up), check, mount again.
      await until('the filesystem unmounted', () => spawnSync('umount', [mountPoint]).status === 0, 30_000);
      mounted = false;
      const fsck = spawnSync('e2fsck', ['-fy', image], { encoding: 'utf8' });
      mount();
      mounted = true;
      await until('success again', () => load.count('200') >= okDuringFault + 100, 60_000);
      await load.stop();
      const { expected, missing, duplicates } = await auditWhenRead(reader, load.acknowledged, 60_000);
      assert.equal((await daemon.stop()).code, 0);
      const logs = daemon.logs;
      daemon = await startDaemon('faultro', spoolDir);
      const repairs = repairsLogged(daemon);
      assert.equal((await daemon.stop()).code, 0);
      daemon = undefined;
      report('spool: read-only', { requests: load.requests, answers: Object.fromEntries(load.answers), refusals: [...load.refusalMessages], expected, missing, duplicates, repairs, e2fsck: fsck.status });
      assert.deepEqual([...load.answers.keys()].sort(), ['200', '503 spool_unavailable'], 'only 200 or 503 spool_unavailable');
      // EROFS, or EIO from an fdatasync the switch interrupted, or ENOENT from a
      // segment created while the filesystem was unmounted for its check (the
      // spool directory is not there then).
      assert.ok([...load.refusalMessages].every((m) => /EROFS|EIO|ENOENT/.test(m)), 'the refusals name EROFS, EIO or ENOENT');
      assert.ok([...load.refusalMessages].some((m) => /EROFS/.test(m)), 'the refusals name EROFS');
      assert.ok(fsck.status === 0 || fsck.status === 1, `e2fsck found nothing it could not fix: ${fsck.status} ${fsck.stdout}`);
      assert.equal(missing, 0, 'every acknowledged record is in Kafka');
      assert.equal(repairs, 0, 'no damaged segment');
      assert.ok(logs.some((l) => l.msg === 'spool: writes succeed again'));
    } finally {
      if (daemon !== undefined) await daemon.stop('SIGKILL');
      await reader.close();
      if (mounted) execFileSync('umount', ['-l', mountPoint]);
    }
  });
});
