// What the admin listener's status page costs the daemon: its CPU and RSS
// under the same light load with the page open in headless Chromium (polling
// status.json every 2 s) and without, alternated over several rounds; prints
// the medians. The browser runs in both phases (idle without the page), so
// only the page's polling differs.
//
//   npx tsc -p tsconfig.json && node dist/bench/status-page-cost.js
//   STATUS_COST_ROUNDS=5 STATUS_COST_PHASE_S=20 (defaults); METRICSTREAM_CHROMIUM=/usr/bin/chromium
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { chromium, type Page } from 'playwright-core';
import { Daemon, metricBatch, post } from '../test/support/daemon';
import { MockKafka } from '../test/support/mock-kafka';

const ROUNDS = Number(process.env['STATUS_COST_ROUNDS'] ?? 5);
const PHASE_S = Number(process.env['STATUS_COST_PHASE_S'] ?? 20);
const SETTLE_S = 3;
const CHROMIUM = process.env['METRICSTREAM_CHROMIUM'] ?? '/usr/bin/chromium';
/** The light load: one 50-record batch every 20 ms (50 requests/s, 2,500 records/s). */
const LOAD_INTERVAL_MS = 20;
const CLOCK_TICKS = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());

/** utime + stime of the whole process (all its threads), in seconds. */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}

function rssBytes(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmRSS:'))!;
  return Number(/(\d+)/.exec(line)![1]) * 1024;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Phase {
  cpuPercent: number;
  meanRssMiB: number;
}

async function measure(pid: number): Promise<Phase> {
  await sleep(SETTLE_S * 1000);
  const cpuBefore = cpuSeconds(pid);
  const started = process.hrtime.bigint();
  const rss: number[] = [];
  for (let s = 0; s < PHASE_S; s++) {
    await sleep(1000);
    rss.push(rssBytes(pid));
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return { cpuPercent: ((cpuSeconds(pid) - cpuBefore) / seconds) * 100, meanRssMiB: rss.reduce((a, b) => a + b, 0) / rss.length / 2 ** 20 };
}

/** Daemon CPU per status.json, asked back to back: the full history (a page's
 * first poll) and the last two samples (every later poll). The load goes on
 * meanwhile, so its CPU (`loadPercent`, measured without the page) is taken off. */
async function pollCost(pid: number, adminUrl: string, loadPercent: number): Promise<string> {
  const REQUESTS = 1_000;
  const parts: string[] = [];
  const latest = (JSON.parse(await (await fetch(`${adminUrl}/status.json`)).text()) as { history: { latestSeq: number } }).history.latestSeq;
  for (const [name, since] of [['full history', 0], ['two new samples', latest - 2]] as const) {
    let bytes = 0;
    const before = cpuSeconds(pid);
    const started = process.hrtime.bigint();
    for (let i = 0; i < REQUESTS; i++) bytes = (await (await fetch(`${adminUrl}/status.json?since=${since}`)).text()).length;
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const cpu = cpuSeconds(pid) - before - (loadPercent / 100) * seconds;
    parts.push(`${name}: ${bytes.toLocaleString('en')} bytes, ${((cpu / REQUESTS) * 1e6).toFixed(0)} µs daemon CPU each`);
  }
  return `status.json, ${REQUESTS} back to back under the same load (its CPU taken off): ${parts.join('; ')}`;
}

async function main(): Promise<void> {
  const kafka = await MockKafka.start({ topics: { metrics: 4, logs: 4 } });
  const daemon = await Daemon.start({ METRICSTREAM_BROKERS: kafka.bootstrap });
  const pid = daemon.child.pid!;
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  let loading = true;
  let sent = 0;
  let failed = 0;
  const batch = metricBatch(50, 'cost').body;
  const load = (async () => {
    while (loading) {
      const status = (await post(`${daemon.ingestUrl}/metrics`, batch)).status;
      if (status === 200) sent++;
      else failed++;
      await sleep(LOAD_INTERVAL_MS);
    }
  })();
  const closed: Phase[] = [];
  const open: Phase[] = [];
  let perPoll = '';
  try {
    for (let round = 1; round <= ROUNDS; round++) {
      // Alternate which phase comes first, so a drift over time favours neither.
      for (const withPage of round % 2 === 1 ? [false, true] : [true, false]) {
        let page: Page | undefined;
        if (withPage) {
          page = await browser.newPage();
          await page.goto(`${daemon.adminUrl}/`);
        }
        const phase = await measure(pid);
        await page?.close();
        (withPage ? open : closed).push(phase);
        process.stdout.write(`round ${round} ${withPage ? 'page open  ' : 'page closed'}: daemon CPU ${phase.cpuPercent.toFixed(1)}% of a core, RSS ${phase.meanRssMiB.toFixed(1)} MiB\n`);
      }
    }
    perPoll = await pollCost(pid, daemon.adminUrl, median(closed.map((p) => p.cpuPercent)));
  } finally {
    loading = false;
    await load;
    await browser.close();
    await daemon.stop();
    kafka.stop();
  }
  const summary = (phases: Phase[]) => `CPU ${median(phases.map((p) => p.cpuPercent)).toFixed(1)}% of a core, RSS ${median(phases.map((p) => p.meanRssMiB)).toFixed(1)} MiB`;
  process.stdout.write(`\nload: 50-record batches every ${LOAD_INTERVAL_MS} ms (${sent} answered 200, ${failed} not); ${ROUNDS} rounds of ${PHASE_S} s per phase\n`);
  process.stdout.write(`median without the page: ${summary(closed)}\n`);
  process.stdout.write(`median with the page:    ${summary(open)}\n`);
  process.stdout.write(`${perPoll}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${String(err)}\n`);
  process.exit(1);
});
