// Where a process's resident memory is (the daemon's, or any other's: the
// bench samples the OpenTelemetry Collector too), at its peak: samples /proc/PID/smaps
// every 250 ms for a while and keeps the sample with the most resident bytes,
// split by what the mappings are. With the daemon's admin port it also reads
// the main isolate's heap from the admin /metrics at each sample, so the
// V8 pages of the pool workers are the rest.
//
//   node dist/bench/rss-breakdown.js PID SECONDS [ADMIN_PORT] [--json]
//
// npm run bench runs it beside each scenario with BENCH_RSS_BREAKDOWN=1.
//
// The kernel does not say which allocator owns an anonymous mapping; the
// parts below are told apart by layout (the rules are in `partOf`):
// - V8 reserves its heap pages 256 KiB-aligned (MemoryChunk alignment), one
//   mapping each unless neighbours merge;
// - glibc's per-thread malloc arenas are 64 MiB reservations, 64 MiB-aligned,
//   whose unused rest is an inaccessible (---p) mapping;
// - thread stacks sit just above a one-page ---p guard;
// - the rings are one SharedArrayBuffer of (threads + 2) × pool.ringBytes
//   (32 MiB by default), larger than any V8 page run: anonymous mappings of
//   8 MiB or more that are neither arenas nor stacks are counted as "large
//   anonymous" (the rings, and any other buffer that large). The kernel places
//   such mappings 2 MiB-aligned, so alignment alone would count them as V8's.
// What none of these rules claims (malloc's mmap'd chunks, librdkafka's
// buffers) is "other anonymous".
import { readFileSync, readlinkSync } from 'node:fs';

const KiB = 1024;
const MiB = 1024 * KiB;
const V8_PAGE = 256 * KiB;
const MALLOC_HEAP = 64 * MiB;
const PAGE = 4 * KiB;
const LARGE = 8 * MiB;

export const PARTS = [
  'executable (node)',
  'libraries and addons',
  'malloc main arena',
  'malloc thread arenas',
  'V8 heap pages',
  'thread stacks',
  'large anonymous (the rings)',
  'other anonymous',
] as const;
export type Part = (typeof PARTS)[number];

export interface Breakdown {
  /** Resident bytes of every mapping at the peak sample. */
  totalBytes: number;
  parts: Record<Part, number>;
  /** The main isolate's heap (nodejs_heap_size_total_bytes) at that sample, when an admin port was given. */
  mainIsolateHeapBytes?: number;
  /** VmHWM when the sampling ended: the kernel's own peak, which a 250 ms sample can miss. */
  vmHwmBytes: number;
  samples: number;
}

interface Mapping { start: number; end: number; perms: string; path: string; rss: number }

function parseSmaps(text: string): Mapping[] {
  const maps: Mapping[] = [];
  let current: Mapping | undefined;
  for (const line of text.split('\n')) {
    const head = /^([0-9a-f]+)-([0-9a-f]+) (\S+) \S+ \S+ \S+ *(.*)$/.exec(line);
    if (head !== null) {
      current = { start: parseInt(head[1]!, 16), end: parseInt(head[2]!, 16), perms: head[3]!, path: head[4]!, rss: 0 };
      maps.push(current);
    } else if (current !== undefined && line.startsWith('Rss:')) {
      current.rss = Number(/(\d+)/.exec(line)![1]) * KiB;
    }
  }
  return maps;
}

function partOf(maps: Mapping[], i: number, exe: string): Part {
  const m = maps[i]!;
  if (m.path === exe) return 'executable (node)';
  if (m.path === '[heap]') return 'malloc main arena';
  if (m.path === '[stack]') return 'thread stacks';
  if (m.path.startsWith('/')) return 'libraries and addons';
  if (m.path !== '') return 'other anonymous'; // [vvar], [vdso], [anon:...]
  const before = maps[i - 1];
  const after = maps[i + 1];
  if (m.start % MALLOC_HEAP === 0 && after !== undefined && after.start === m.end && after.perms.startsWith('---')) return 'malloc thread arenas';
  if (before !== undefined && before.end === m.start && before.perms.startsWith('---') && before.end - before.start === PAGE) return 'thread stacks';
  if (m.end - m.start >= LARGE) return 'large anonymous (the rings)';
  if (m.start % V8_PAGE === 0) return 'V8 heap pages';
  return 'other anonymous';
}

export function breakdownOf(smaps: string, exe: string): Pick<Breakdown, 'totalBytes' | 'parts'> {
  const maps = parseSmaps(smaps);
  const parts = Object.fromEntries(PARTS.map((p) => [p, 0])) as Record<Part, number>;
  let totalBytes = 0;
  maps.forEach((m, i) => {
    parts[partOf(maps, i, exe)] += m.rss;
    totalBytes += m.rss;
  });
  return { totalBytes, parts };
}

async function mainIsolateHeap(adminPort: number): Promise<number | undefined> {
  try {
    const text = await fetch(`http://127.0.0.1:${adminPort}/metrics`, { signal: AbortSignal.timeout(1_000) }).then((r) => r.text());
    const value = /^nodejs_heap_size_total_bytes (\S+)/m.exec(text)?.[1];
    return value === undefined ? undefined : Number(value);
  } catch {
    return undefined; // the daemon is busy or gone: this sample has no heap figure
  }
}

/** The kernel's own peak resident bytes of a process (VmHWM). */
export function peakRssBytes(pid: number): number {
  const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(match?.[1] ?? 0) * KiB;
}

type Peak = Pick<Breakdown, 'totalBytes' | 'parts' | 'mainIsolateHeapBytes'>;

export async function sampleRss(pid: number, seconds: number, adminPort?: number): Promise<Breakdown> {
  const exe = readlinkSync(`/proc/${pid}/exe`);
  const until = Date.now() + seconds * 1000;
  let peak: Peak | undefined;
  let samples = 0;
  let vmHwmBytes = 0;
  while (Date.now() < until) {
    let smaps: string;
    try {
      smaps = readFileSync(`/proc/${pid}/smaps`, 'utf8');
      vmHwmBytes = peakRssBytes(pid);
    } catch {
      break; // the process ended
    }
    samples++;
    const sample = breakdownOf(smaps, exe);
    if (peak === undefined || sample.totalBytes > peak.totalBytes) {
      const heap = adminPort === undefined ? undefined : await mainIsolateHeap(adminPort);
      peak = { ...sample, ...(heap === undefined ? {} : { mainIsolateHeapBytes: heap }) };
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  if (peak === undefined) throw new Error(`process ${pid} could not be sampled`);
  return { ...peak, vmHwmBytes, samples };
}

const mb = (bytes: number): string => (bytes / MiB).toFixed(1);

export function breakdownTable(b: Breakdown): string {
  const rows = PARTS.map((p) => {
    if (p === 'V8 heap pages' && b.mainIsolateHeapBytes !== undefined) {
      const workers = b.parts[p] - b.mainIsolateHeapBytes;
      return `| ${p} | ${mb(b.parts[p])} (main isolate ${mb(b.mainIsolateHeapBytes)}, the rest ${mb(workers)}) |`;
    }
    return `| ${p} | ${mb(b.parts[p])} |`;
  });
  return ['| part | MiB at the peak sample |', '|---|---|', ...rows,
    `| **total** (VmHWM ${mb(b.vmHwmBytes)}, ${b.samples} samples) | **${mb(b.totalBytes)}** |`].join('\n');
}

if (require.main === module) {
  const [pid, seconds, adminPort] = process.argv.slice(2).filter((a) => !a.startsWith('--')).map(Number);
  if (pid === undefined || seconds === undefined || !Number.isInteger(pid)) {
    process.stderr.write('usage: rss-breakdown PID SECONDS [ADMIN_PORT] [--json]\n');
    process.exit(2);
  }
  sampleRss(pid, seconds, adminPort).then((b) => {
    process.stdout.write(process.argv.includes('--json') ? JSON.stringify(b) + '\n' : breakdownTable(b) + '\n');
  }, (err: unknown) => {
    process.stderr.write(`${(err as Error).message}\n`);
    process.exit(1);
  });
}
