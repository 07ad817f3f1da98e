// The V8 options the daemon's process is started with. Every launcher passes
// them: `npm start`, the release package's bin/metricstream, the systemd
// units, the tests' and the benches' spawns (test/lifecycle/node-options.test.ts
// checks each file). V8 sizes a heap when the isolate is made, so the process
// cannot set them on itself once running.
//
// Why: the main thread allocates each request's small objects at tens of MB/s
// and keeps them for as long as Kafka takes to acknowledge. Surviving young
// objects make V8 grow the main isolate's young generation to its default
// 3 × 16 MiB, and the old generation is let grow to several times its live
// size before a full collection: together about 70 MiB of a 200 MiB peak RSS
// under load. A 1 MiB semi-space and old-generation growth of 25 % over the
// live size bring the routes under 150 MiB at no cost in throughput
// (bench/RESULTS.md, "the main thread's heap"). The heap-growth option is
// process-wide, so the pool's isolates collect sooner too. The semi-space
// option is the main isolate's alone: see mainIsolateOnly.
import v8 from 'node:v8';

export const DAEMON_NODE_OPTIONS: readonly string[] = ['--max-semi-space-size=1', '--heap-growing-percent=25'];

/** Takes back --max-semi-space-size once the main isolate's heap is sized
 * (at process start), before any worker starts: V8 lets the flag override
 * the young generation a worker's resourceLimits set, and a pool worker with
 * a 1 MiB semi-space promotes a large request's objects and pays for full
 * collections (1.5–2× its CPU per record on the log routes, measured). Zero
 * is V8's "not set". */
export function mainIsolateOnly(): void {
  v8.setFlagsFromString('--max-semi-space-size=0');
}

/** The options of DAEMON_NODE_OPTIONS this process was started without
 * (given on the command line, or in NODE_OPTIONS where node allows them). */
export function missingNodeOptions(execArgv: readonly string[], nodeOptions: string | undefined): string[] {
  const given = new Set([...execArgv, ...(nodeOptions ?? '').split(/\s+/)]);
  return DAEMON_NODE_OPTIONS.filter((option) => !given.has(option));
}
