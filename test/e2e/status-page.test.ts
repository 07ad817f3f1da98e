// The admin listener's status page (GET /, src/ingest/status-page.ts) in a
// real browser: Debian's chromium, driven by playwright-core (which uses the
// system browser and downloads none). The page renders the build and
// readiness, its charts grow as traffic arrives, and a refused request shows
// in the refusals table with its route and code. METRICSTREAM_CHROMIUM names
// another browser binary; METRICSTREAM_STATUS_SCREENSHOT=<file.png> saves
// what the page looked like at the end.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { Daemon, metricBatch, post } from '../support/daemon';
import { MockKafka } from '../support/mock-kafka';

const CHROMIUM = process.env['METRICSTREAM_CHROMIUM'] ?? '/usr/bin/chromium';
const TOKEN = 'status-page-token-0123456789';
const { version } = require('../../../package.json') as { version: string }; // eslint-disable-line @typescript-eslint/no-require-imports

/** Polls `check` until it holds; fails naming `what` after 20 s. (The page's
 * Content-Security-Policy forbids eval, so no string predicates in the page.) */
async function eventually(what: string, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`status page: ${what}, not within 20 s`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function numberAt(page: Page, selector: string, attribute?: string): Promise<number> {
  const element = page.locator(selector);
  if (await element.count() === 0) return NaN;
  return Number(attribute === undefined ? await element.first().textContent() : await element.first().getAttribute(attribute));
}

describe('status page in headless Chromium', () => {
  let kafka: MockKafka;
  let daemon: Daemon;
  let browser: Browser;
  let dir: string;

  before(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'ms-status-'));
    writeFileSync(path.join(dir, 'tokens'), `${TOKEN}\n`);
    kafka = await MockKafka.start({ topics: { metrics: 2, logs: 2 } });
    daemon = await Daemon.start({
      METRICSTREAM_BROKERS: kafka.bootstrap,
      METRICSTREAM_TELEMETRY_KAFKA_STATS_INTERVAL_MS: '500',
      METRICSTREAM_INGEST_AUTH_TOKENS_FILE: path.join(dir, 'tokens'),
    });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  });

  after(async () => {
    await browser?.close();
    if (daemon !== undefined) assert.equal((await daemon.stop()).code, 0);
    kafka?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('renders, its charts follow the traffic, and a refusal shows with its route and code', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 1100 } });
    const elsewhere: string[] = [];
    const pageErrors: string[] = [];
    page.on('request', (request) => {
      if (!request.url().startsWith(daemon.adminUrl)) elsewhere.push(request.url());
    });
    page.on('pageerror', (err) => pageErrors.push(err.message));
    page.on('console', (message) => {
      if (message.type() === 'error') pageErrors.push(message.text());
    });

    const response = await page.goto(`${daemon.adminUrl}/`);
    assert.equal(response?.status(), 200);
    assert.equal(await page.title(), 'metricstream status');
    await eventually('the first status.json', async () => await page.textContent('#version') === version);
    assert.equal(await page.textContent('#ready'), 'ready');
    assert.equal(await page.textContent('#build-node'), daemon.ready['versions'] !== undefined
      ? (daemon.ready['versions'] as Record<string, string>)['node'] : undefined);
    await eventually('brokers from librdkafka statistics', async () => await page.locator('#brokers .state-UP').count() > 0);
    const pointsBefore = Number(await page.getAttribute('#chart-total', 'data-points'));

    const auth = { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` };
    for (let i = 0; i < 12; i++) {
      assert.equal((await post(`${daemon.ingestUrl}/metrics`, metricBatch(50, `status${i}`).body, auth)).status, 200);
      await new Promise((resolve) => setTimeout(resolve, 150));
    }
    await eventually('the chart gains points', async () => await numberAt(page, '#chart-total', 'data-points') > pointsBefore);
    await eventually('records/s of /metrics above 0', async () => await numberAt(page, '#routes tr[data-route="metrics"] .rec-rate') > 0);
    assert.ok(Number(await page.getAttribute('#chart-total', 'data-max')) > 0, 'the chart\'s largest value is a rate above 0');

    assert.equal((await post(`${daemon.ingestUrl}/metrics`, '{"metrics": [', auth)).status, 400);
    assert.equal((await post(`${daemon.ingestUrl}/logs`, '[{"m":1}]', { 'content-type': 'application/json', authorization: 'Bearer wrong' })).status, 401);
    await eventually('both refusals in the table', async () => await page.locator('#refusals tr .code').count() >= 2);
    const rows = await page.$$eval('#refusals tr', (trs) => trs.map((tr) => ({
      route: tr.querySelector('.route')?.textContent, status: tr.querySelector('.status')?.textContent,
      code: tr.querySelector('.code')?.textContent, reason: tr.querySelector('.reason')?.textContent,
    })));
    // Newest first.
    assert.deepEqual(rows[0], { route: 'logs', status: '401', code: 'unauthorized', reason: rows[0]!.reason });
    assert.equal(rows[1]!.route, 'metrics');
    assert.equal(rows[1]!.status, '400');
    assert.equal(rows[1]!.code, 'invalid_json');
    assert.ok((rows[1]!.reason ?? '').length > 0);

    const screenshot = process.env['METRICSTREAM_STATUS_SCREENSHOT'];
    if (screenshot !== undefined) await page.screenshot({ path: screenshot, fullPage: true });
    assert.deepEqual(elsewhere, [], 'the page loads nothing from anywhere but the admin listener');
    assert.deepEqual(pageErrors, [], 'no script error or CSP violation');
    await page.close();
  });
});
