// Starts dist/bin/mock-kafka (librdkafka's mock cluster; test/support/mock-kafka.c)
// as a child process and drives its fault-injection commands.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';

const BINARY = path.resolve(__dirname, '../../bin/mock-kafka');

export interface MockKafkaOptions {
  brokers?: number;
  /** name → partitions, created before the daemon connects. */
  topics?: Record<string, number>;
}

export class MockKafka {
  readonly bootstrap: string;
  readonly #child: ChildProcessWithoutNullStreams;
  readonly #replies: Array<(line: string) => void> = [];

  private constructor(child: ChildProcessWithoutNullStreams, bootstrap: string, lines: AsyncIterable<string>) {
    this.#child = child;
    this.bootstrap = bootstrap;
    void (async () => {
      for await (const line of lines) this.#replies.shift()?.(line);
    })();
  }

  static start(options: MockKafkaOptions = {}): Promise<MockKafka> {
    const args = ['--brokers', String(options.brokers ?? 3)];
    for (const [name, partitions] of Object.entries(options.topics ?? { metrics: 4, logs: 4 })) {
      args.push('--topic', `${name}:${partitions}`);
    }
    const child = spawn(BINARY, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    child.stderr.resume();
    const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('mock-kafka did not start within 10 s')), 10_000);
      child.once('error', reject);
      void lines.next().then(({ value }) => {
        clearTimeout(timer);
        const match = /^BOOTSTRAP (\S+)$/.exec(String(value));
        if (!match) return reject(new Error(`mock-kafka said ${String(value)}`));
        resolve(new MockKafka(child, match[1]!, { [Symbol.asyncIterator]: () => lines }));
      });
    });
  }

  /** Sends one command (see mock-kafka.c); rejects unless it answers OK. */
  command(line: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`mock-kafka: no answer to ${line}`)), 5_000);
      this.#replies.push((reply) => {
        clearTimeout(timer);
        if (reply === 'OK') resolve();
        else reject(new Error(`mock-kafka: ${line} → ${reply}`));
      });
      this.#child.stdin.write(line + '\n');
    });
  }

  async stop(): Promise<void> {
    if (this.#child.exitCode !== null) return;
    const exited = new Promise((resolve) => this.#child.once('exit', resolve));
    this.#child.stdin.end();
    const timer = setTimeout(() => this.#child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  }
}
