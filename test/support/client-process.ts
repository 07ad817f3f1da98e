// A real client (Prometheus, collectd) run by a test: started, its output
// kept for failure messages, stopped by its own PID (SIGTERM, then SIGKILL).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import path from 'node:path';

export class ClientProcess {
  #output = '';
  readonly #exited: Promise<void>;

  private constructor(readonly child: ChildProcess) {
    child.stdout?.on('data', (d: Buffer) => (this.#output += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (this.#output += d.toString()));
    this.#exited = new Promise((resolve) => child.once('exit', () => resolve()));
  }

  /** Starts `command`; rejects when it cannot be run at all (a missing binary fails here, at once). */
  static async start(command: string, args: readonly string[]): Promise<ClientProcess> {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', reject);
    });
    return new ClientProcess(child);
  }

  /** What it printed so far (the tail: for assertion messages). */
  output(tail = 4000): string {
    return this.#output.slice(-tail);
  }

  get fullOutput(): string {
    return this.#output;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGTERM');
    const killer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
    await this.#exited;
    clearTimeout(killer);
  }
}

/** Runs one of scripts/clients/ (idempotent: builds or installs once); throws with its output when it fails. */
export function runClientScript(script: string, timeoutMs: number): string {
  const file = path.resolve(__dirname, '../../../scripts/clients', script);
  const result = spawnSync('bash', [file], { encoding: 'utf8', timeout: timeoutMs });
  if (result.status !== 0) throw new Error(`${script} failed (${result.status ?? result.signal}): ${result.stdout}${result.stderr}`);
  return result.stdout;
}

/** Runs a build script of scripts/clients/ and returns the binary it built or found cached. */
export function clientBinary(script: string, timeoutMs: number): string {
  const output = runClientScript(script, timeoutMs);
  const binary = /(?:cached:|built) (\S+)/.exec(output)?.[1];
  if (binary === undefined) throw new Error(`${script} named no binary: ${output}`);
  return binary;
}

export async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs: number, details = (): string => ''): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${details() ? `: ${details()}` : ''}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
