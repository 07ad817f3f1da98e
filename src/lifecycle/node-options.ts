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

/** How far past what a full collection found live an isolate's old
 * generation may grow before the next one (V8's --heap-growing-percent).
 * V8 picks up to 4× live when the isolate's heap limit is large, as the main
 * isolate's is (about 4 GB on a 24 GiB host), and at most 1.3× when the limit
 * is 256 MB or less, as the pool workers' 128 MB are. The main isolate keeps
 * each in-flight request's objects until Kafka acknowledges them, so under
 * load its old generation swung to 51–59 MB with about 15 MB live, all of it
 * resident at the peak. At 30 % it peaked at 27–28 MB: peak RSS 15–36 MB lower
 * on the JSON and OTLP routes, records/s within the runs' spread
 * (bench/RESULTS.md, "the main isolate's old generation"). The workers keep
 * the 1.3× they had at most.
 *
 * Unlike the semi-space, V8 reads this one at each collection, process-wide,
 * so the daemon sets it on itself and the launchers need not pass it; unlike
 * --max-old-space-size it puts no ceiling on the heap. */
export const HEAP_GROWING_PERCENT = 30;

/** The V8 flag that bounds heap growth, or undefined when the operator
 * started node with a --heap-growing-percent of their own. */
export function heapGrowthFlag(execArgv: readonly string[]): string | undefined {
  return execArgv.some((option) => nameOf(option) === '--heap-growing-percent') ? undefined : `--heap-growing-percent=${HEAP_GROWING_PERCENT}`;
}

export function boundHeapGrowth(execArgv: readonly string[]): void {
  const flag = heapGrowthFlag(execArgv);
  if (flag !== undefined) v8.setFlagsFromString(flag);
}

/** The options of DAEMON_NODE_OPTIONS this process was started without, by
 * name: a value of the operator's own (e.g. --max-semi-space-size=1 for the
 * smaller-memory setting) counts as given. On the command line, or in
 * NODE_OPTIONS, which takes --max-semi-space-size. */
export function missingNodeOptions(execArgv: readonly string[], nodeOptions: string | undefined): string[] {
  const given = new Set([...execArgv, ...(nodeOptions ?? '').split(/\s+/)].map(nameOf));
  return DAEMON_NODE_OPTIONS.filter((option) => !given.has(nameOf(option)));
}
