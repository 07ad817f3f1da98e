// Starts the real daemon (node dist/main.js, with the V8 options every
// launcher gives it) as a child process and learns its ports from the
// start-up log line.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { DAEMON_NODE_OPTIONS } from '../../src/lifecycle/node-options';

/** METRICSTREAM_TEST_DAEMON lets a run point the tests at another build (e.g. to compare with an earlier commit). */
const MAIN = process.env['METRICSTREAM_TEST_DAEMON'] ?? path.resolve(__dirname, '../../main.js');

export interface LogLine {
  level: number;
  msg: string;
  [key: string]: unknown;
}

export class Daemon {
  readonly ingestUrl: string;
  readonly adminUrl: string;
  readonly logs: LogLine[];
  readonly child: ChildProcess;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  readonly ready: LogLine;

  private constructor(child: ChildProcess, logs: LogLine[], ready: LogLine,
    exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>) {
    this.child = child;
    this.logs = logs;
    this.ready = ready;
    this.exited = exited;
    this.ingestUrl = `http://127.0.0.1:${String(ready['ingest']).split(':').pop()}`;
    this.adminUrl = `http://127.0.0.1:${String(ready['admin']).split(':').pop()}`;
  }

  /** env is added to the test's environment; ports default to 0 (any free port). */
  static start(env: Record<string, string>, args: string[] = [], nodeOptions: readonly string[] = DAEMON_NODE_OPTIONS): Promise<Daemon> {
    const child = spawn(process.execPath, [...nodeOptions, MAIN, ...args], {
      env: { ...process.env, METRICSTREAM_PORT: '0', METRICSTREAM_ADMIN_PORT: '0', METRICSTREAM_INGEST_HOST: '127.0.0.1', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const logs: LogLine[] = [];
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.once('exit', (code, signal) => resolve({ code, signal })));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`daemon not ready within 30 s; stderr: ${stderr}`));
      }, 30_000);
      void exited.then(({ code }) => {
        clearTimeout(timer);
        reject(new Error(`daemon exited with ${code} before ready; stderr: ${stderr}; logs: ${JSON.stringify(logs)}`));
      });
      createInterface({ input: child.stdout! }).on('line', (line) => {
        let parsed: LogLine;
        try {
          parsed = JSON.parse(line) as LogLine;
        } catch {
          return;
        }
        logs.push(parsed);
        if (parsed.msg === 'metricstream ready') {
          clearTimeout(timer);
          resolve(new Daemon(child, logs, parsed, exited));
        }
      });
    });
  }

  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 60_000);
    const result = await this.exited;
    clearTimeout(timer);
    return result;
  }
}

export interface Reply {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
}

export async function post(url: string, body: string | Uint8Array, headers: Record<string, string> = { 'content-type': 'application/json' }): Promise<Reply> {
  const res = await fetch(url, { method: 'POST', body, headers });
  const text = await res.text();
  let parsed: Record<string, unknown> = {};
  try {
    parsed = JSON.parse(text) as Record<string, unknown>;
  } catch {
    parsed = { raw: text };
  }
  return { status: res.status, headers: res.headers, body: parsed };
}

export function metricBatch(count: number, tag: string): { body: string; names: string[] } {
  const metrics = Array.from({ length: count }, (_, i) => ({
    name: `m_${tag}_${i % 10}`,
    value: i + 0.5,
    type: 'gauge',
    timestamp: 1_762_045_907_000 + i,
    labels: { host: `h${i}`, batch: tag, zone: 'z-é' },
  }));
  return { body: JSON.stringify({ batch_timestamp: 1_762_045_907_341, metrics }), names: metrics.map((m) => m.name) };
}

/** Runs the daemon expecting it to exit by itself (e.g. a refused start-up): its exit code, log lines and how long it ran. */
export async function runToExit(env: Record<string, string>, args: string[] = [], timeoutMs = 60_000): Promise<{ code: number | null; logs: LogLine[]; stdout: string; stderr: string; ms: number }> {
  const started = Date.now();
  const child = spawn(process.execPath, [...DAEMON_NODE_OPTIONS, MAIN, ...args], {
    env: { ...process.env, METRICSTREAM_PORT: '0', METRICSTREAM_ADMIN_PORT: '0', METRICSTREAM_INGEST_HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
  clearTimeout(timer);
  const logs = stdout.split('\n').flatMap((line) => {
    try {
      return [JSON.parse(line) as LogLine];
    } catch {
      return [];
    }
  });
  return { code, logs, stdout, stderr, ms: Date.now() - started };
}
