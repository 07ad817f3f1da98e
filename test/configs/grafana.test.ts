// configs/grafana/metricstream.json and configs/prometheus/metricstream-alerts.yml
// name only what the daemon exports: every metric and label in the dashboard's
// queries and the rules' expressions is in a /metrics scrape of a daemon that
// took traffic (spool mode, so the spool metrics are there too). The reader of
// PromQL (test/support/promql-references.ts) is tested first, so a panel that
// names a metric the daemon does not export is shown to fail.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { Daemon, metricBatch, post } from '../support/daemon';
import { MockKafka } from '../support/mock-kafka';
import { expressionReferences, missingReferences, scrapedLabels } from '../support/promql-references';

const CONFIGS = path.resolve(__dirname, '../../../configs');

interface Panel {
  readonly title?: string;
  readonly type: string;
  readonly datasource?: { type: string; uid: string };
  readonly targets?: readonly { expr: string; datasource?: { uid: string } }[];
  readonly panels?: readonly Panel[];
}

interface Dashboard {
  readonly __inputs: readonly { name: string; type: string; pluginId: string }[];
  readonly panels: readonly Panel[];
  readonly templating: { list: readonly { name: string; query: { query: string } }[] };
}

function dashboard(): Dashboard {
  return JSON.parse(readFileSync(path.join(CONFIGS, 'grafana/metricstream.json'), 'utf8')) as Dashboard;
}

function panels(list: readonly Panel[]): Panel[] {
  return list.flatMap((p) => [p, ...panels(p.panels ?? [])]);
}

/** Every PromQL expression of the dashboard, named by its panel. */
function dashboardExpressions(d: Dashboard): { where: string; expr: string }[] {
  const fromPanels = panels(d.panels).flatMap((p) => (p.targets ?? []).map((t) => ({ where: `panel "${p.title ?? p.type}"`, expr: t.expr })));
  const fromVariables = d.templating.list.map((v) => {
    const m = /^label_values\(([^,]+),\s*(\w+)\)$/.exec(v.query.query);
    assert.ok(m, `variable ${v.name}: ${v.query.query} is label_values(metric, label)`);
    return { where: `variable ${v.name}`, expr: `sum by (${m[2]}) (${m[1]})` };
  });
  return [...fromPanels, ...fromVariables];
}

/** The `expr:` of every rule: one line, or a `|` block of deeper-indented lines. */
function ruleExpressions(yaml: string): { where: string; expr: string }[] {
  const lines = yaml.split('\n');
  const found: { where: string; expr: string }[] = [];
  let alert = '';
  for (let i = 0; i < lines.length; i++) {
    const name = /^\s*- alert: (\S+)/.exec(lines[i]!);
    if (name) alert = name[1]!;
    const expr = /^(\s*)expr: (.*)$/.exec(lines[i]!);
    if (!expr) continue;
    let text = expr[2]!;
    if (text === '|' || text === '>-' || text === '|-') {
      const block: string[] = [];
      while (i + 1 < lines.length && (lines[i + 1]!.trim() === '' || lines[i + 1]!.search(/\S/) > expr[1]!.length)) block.push(lines[++i]!.trim());
      text = block.join(' ');
    }
    found.push({ where: `rule ${alert}`, expr: text });
  }
  return found;
}

const SCRAPE = [
  '# HELP a_total x', 'a_total{route="metrics",status="200"} 3', 'b_seconds_bucket{le="0.1"} 1', 'b_seconds_bucket{le="+Inf"} 2', 'c 1', '',
].join('\n');

describe('PromQL references (test/support/promql-references.ts)', () => {
  it('reads metric names, matcher labels and grouping labels', () => {
    const refs = expressionReferences('histogram_quantile(0.99, sum by (route, le) (rate(b_seconds_bucket{instance=~"$instance", route!="x"}[$__rate_interval]))) / on (instance) c');
    assert.deepEqual(refs.selectors, [{ metric: 'b_seconds_bucket', labels: ['instance', 'route'] }, { metric: 'c', labels: [] }]);
    assert.deepEqual(refs.groupingLabels, ['route', 'le', 'instance']);
  });

  it('accepts what the scrape has (and the target labels Prometheus adds)', () => {
    const scraped = scrapedLabels(SCRAPE);
    assert.deepEqual(missingReferences('sum by (route, status, job) (rate(a_total{instance=~"$instance", status=~"4..|5.."}[5m]))', scraped), []);
    assert.deepEqual(missingReferences('histogram_quantile(0.5, sum by (le) (rate(b_seconds_bucket[5m]))) > c', scraped), []);
  });

  it('fails a panel naming a metric the daemon does not export', () => {
    assert.deepEqual(missingReferences('sum(rate(metricstream_made_up_total[5m]))', scrapedLabels(SCRAPE)), ['metric metricstream_made_up_total is not exported']);
  });

  it('fails a label the metric does not have, in a matcher or a grouping', () => {
    const scraped = scrapedLabels(SCRAPE);
    assert.deepEqual(missingReferences('c{route="metrics"}', scraped), ['metric c has no label route']);
    assert.deepEqual(missingReferences('sum by (code) (c)', scraped), ['no metric of the expression has the label code it groups by']);
  });

  it('refuses what it cannot read rather than passing it', () => {
    assert.throws(() => expressionReferences('label_replace(c, "x", "$1", "y", "(.*)")'), /unknown function label_replace/);
    assert.throws(() => expressionReferences('{__name__=~"metricstream_.*"}'), /without a metric name/);
  });
});

describe('the dashboard and the alert rules against a daemon\'s /metrics', () => {
  it('the dashboard is importable: a templated Prometheus datasource input on every panel', () => {
    const d = dashboard();
    assert.deepEqual(d.__inputs.map((i) => [i.name, i.type, i.pluginId]), [['DS_PROMETHEUS', 'datasource', 'prometheus']]);
    const withQueries = panels(d.panels).filter((p) => p.type !== 'row');
    assert.ok(withQueries.length >= 7);
    for (const p of withQueries) {
      assert.equal(p.datasource?.uid, '${DS_PROMETHEUS}', `panel ${p.title}`);
      assert.ok((p.targets ?? []).length > 0, `panel ${p.title} has queries`);
    }
  });

  it('every metric and label they name is exported after traffic and a refusal', async () => {
    const kafka = await MockKafka.start({ topics: { metrics: 2, logs: 2 } });
    const spoolDir = mkdtempSync(path.join(os.tmpdir(), 'ms-grafana-'));
    const daemon = await Daemon.start({
      METRICSTREAM_BROKERS: kafka.bootstrap, METRICSTREAM_TELEMETRY_KAFKA_STATS_INTERVAL_MS: '200',
      METRICSTREAM_DELIVERY_MODE: 'spool', METRICSTREAM_SPOOL_DIR: spoolDir,
    });
    let scrape: string;
    try {
      for (let i = 0; i < 3; i++) assert.equal((await post(`${daemon.ingestUrl}/metrics`, metricBatch(20, `grafana${i}`).body)).status, 200);
      assert.equal((await post(`${daemon.ingestUrl}/logs`, '[{"m":1}]')).status, 200);
      assert.equal((await post(`${daemon.ingestUrl}/metrics`, 'not json')).status, 400);
      // Until librdkafka's statistics name the brokers (metricstream_kafka_broker_rtt_seconds{broker}).
      const deadline = Date.now() + 20_000;
      do {
        scrape = await fetch(`${daemon.adminUrl}/metrics`).then((r) => r.text());
        if (scrape.includes('metricstream_kafka_broker_rtt_seconds{')) break;
        await new Promise((resolve) => setTimeout(resolve, 200));
      } while (Date.now() < deadline);
    } finally {
      assert.equal((await daemon.stop()).code, 0);
      kafka.stop();
      rmSync(spoolDir, { recursive: true, force: true });
    }
    const scraped = scrapedLabels(scrape);
    const expressions = [
      ...dashboardExpressions(dashboard()),
      ...ruleExpressions(readFileSync(path.join(CONFIGS, 'prometheus/metricstream-alerts.yml'), 'utf8')),
    ];
    assert.ok(expressions.filter((e) => e.where.startsWith('rule ')).length >= 7, 'the rules\' expressions were read');
    const problems = expressions.flatMap(({ where, expr }) => missingReferences(expr, scraped).map((p) => `${where}: ${p}`));
    assert.deepEqual(problems, []);
  });
});
