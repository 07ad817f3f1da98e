// configs/prometheus/metricstream-alerts.yml: valid rules (`promtool check
// rules`) that fire as metricstream-alerts.test.yml expects (`promtool test
// rules`, Debian's prometheus package). A copy of the tests with one expected
// alert changed must fail, so a promtool that checked nothing would be caught.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';

const DIR = path.resolve(__dirname, '../../../configs/prometheus');
const RULES = 'metricstream-alerts.yml';
const TESTS = 'metricstream-alerts.test.yml';

function promtool(args: string[], cwd: string): { status: number | null; output: string } {
  const run = spawnSync('promtool', args, { cwd, encoding: 'utf8' });
  if (run.error !== undefined) throw new Error(`promtool cannot run (Debian: apt-get install prometheus): ${run.error.message}`);
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

describe('Prometheus alert rules', () => {
  it('promtool check rules accepts them', () => {
    const { status, output } = promtool(['check', 'rules', RULES], DIR);
    assert.equal(status, 0, output);
    assert.match(output, /SUCCESS: 7 rules found/);
  });

  it('promtool test rules: each rule fires as the unit tests expect', () => {
    const { status, output } = promtool(['test', 'rules', TESTS], DIR);
    assert.equal(status, 0, output);
  });

  it('every rule has a unit test', () => {
    const rules = [...readFileSync(path.join(DIR, RULES), 'utf8').matchAll(/^\s*- alert: (\w+)$/gm)].map((m) => m[1]);
    const tested = new Set([...readFileSync(path.join(DIR, TESTS), 'utf8').matchAll(/^\s*alertname: (\w+)$/gm)].map((m) => m[1]));
    assert.ok(rules.length > 0);
    assert.deepEqual(rules.filter((rule) => !tested.has(rule)), []);
  });

  it('a wrong expectation fails promtool test rules', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'ms-alerts-'));
    try {
      copyFileSync(path.join(DIR, RULES), path.join(dir, RULES));
      const tests = readFileSync(path.join(DIR, TESTS), 'utf8');
      const wrong = tests.replace('exp_labels: { severity: critical, instance: "a:9464"', 'exp_labels: { severity: critical, instance: "b:9464"');
      assert.notEqual(wrong, tests);
      writeFileSync(path.join(dir, TESTS), wrong);
      const { status, output } = promtool(['test', 'rules', TESTS], dir);
      assert.notEqual(status, 0);
      assert.match(output, /MetricstreamKafkaUnreachable/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
