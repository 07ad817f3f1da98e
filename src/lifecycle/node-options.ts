// The V8 options the daemon's process is started with. Every launcher passes
// them: `npm start`, the release package's bin/metricstream, the systemd
// units, the tests' and the benches' spawns (test/lifecycle/node-options.test.ts
// checks each file). V8 sizes a heap when the isolate is made, so the process
// cannot set them on itself once running.
//
// Why: the main thread allocates each request's small objects at tens of MB/s
// and keeps them for as long as Kafka takes to acknowledge, so V8 grows its
// young generation to the default 2 × 16 MiB semi-spaces, all of it resident.
// With 2 MiB semi-spaces peak RSS fell by 7–22 MB per route, records/s within
// the runs' spread; 1 MiB saved more but cost the JSON route, whose ceiling is
// the main thread, about a tenth of its records/s (bench/RESULTS.md, "the
// main thread's heap", where a smaller-memory setting and its price are too).
// The option is the main isolate's alone: see mainIsolateOnly.
import v8 from 'node:v8';

export const DAEMON_NODE_OPTIONS: readonly string[] = ['--max-semi-space-size=2'];

/** Takes back --max-semi-space-size once the main isolate's heap is sized
 * (at process start), before any worker starts: V8 lets the flag override
 * the young generation a worker's resourceLimits set, and pool workers with
 * 1 MiB semi-spaces promoted the log routes' large requests to their old
 * generations and lost a third of their records/s (measured). Zero is V8's
 * "not set". */
export function mainIsolateOnly(): void {
  v8.setFlagsFromString('--max-semi-space-size=0');
}

const nameOf = (option: string): string => option.split('=')[0]!;

/** The options of DAEMON_NODE_OPTIONS this process was started without, by
 * name: a value of the operator's own (e.g. --max-semi-space-size=1 for the
 * smaller-memory setting) counts as given. On the command line, or in
 * NODE_OPTIONS, which takes --max-semi-space-size. */
export function missingNodeOptions(execArgv: readonly string[], nodeOptions: string | undefined): string[] {
  const given = new Set([...execArgv, ...(nodeOptions ?? '').split(/\s+/)].map(nameOf));
  return DAEMON_NODE_OPTIONS.filter((option) => !given.has(nameOf(option)));
}
