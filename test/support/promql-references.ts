// What a PromQL expression names of the scraped metrics: the metric names of
// its selectors, the label names its selectors match on, and the label names
// its `by`/`without`/`on`/`ignoring`/`group_left`/`group_right` clauses list.
// A small tokenizer, not a PromQL parser: enough for the expressions of
// configs/ (dashboard panels and alert rules), and it refuses what it does not
// understand rather than guessing. checkReferences() holds them against a
// /metrics scrape.

export interface SelectorReference {
  readonly metric: string;
  /** Label names the selector's matchers use. */
  readonly labels: readonly string[];
}

export interface ExpressionReferences {
  readonly selectors: readonly SelectorReference[];
  /** Label names of grouping and vector-matching clauses. */
  readonly groupingLabels: readonly string[];
}

/** PromQL functions and aggregations the configs may call. */
const FUNCTIONS = new Set([
  'sum', 'avg', 'min', 'max', 'count', 'topk', 'bottomk', 'quantile', 'stddev', 'group',
  'rate', 'irate', 'increase', 'delta', 'deriv', 'predict_linear', 'histogram_quantile', 'clamp_min', 'clamp_max',
  'abs', 'absent', 'absent_over_time', 'avg_over_time', 'max_over_time', 'min_over_time', 'sum_over_time', 'changes', 'resets',
  'time', 'timestamp', 'vector', 'scalar',
]);
const GROUPING = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right']);
const OPERATOR_WORDS = new Set(['and', 'or', 'unless', 'bool', 'offset']);

/** Grafana's interval variables, replaced by a duration before reading. */
const GRAFANA_INTERVALS = /\$__(?:rate_interval|interval|range)\b|\$\{__(?:rate_interval|interval|range)\}/g;

const TOKEN = /"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`|\[[^\]]*\]|\{[^}]*\}|[A-Za-z_:][A-Za-z0-9_:]*|\d[\w.]*|\$\w+|\S/g;

export function expressionReferences(expression: string): ExpressionReferences {
  const tokens = expression.replace(GRAFANA_INTERVALS, '5m').match(TOKEN) ?? [];
  const selectors: SelectorReference[] = [];
  const groupingLabels: string[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    const next = tokens[i + 1];
    if (token.startsWith('{')) throw new Error(`a selector without a metric name is not checked: ${token} in ${expression}`);
    if (!/^[A-Za-z_:]/.test(token)) continue;
    if (GROUPING.has(token)) {
      if (next !== '(') continue; // group_left without a label list
      for (i += 2; i < tokens.length && tokens[i] !== ')'; i++) {
        if (tokens[i] !== ',') groupingLabels.push(tokens[i]!);
      }
      continue;
    }
    // A call, or an aggregation with its grouping first: `sum by (route) (...)`.
    if (next === '(' || (next !== undefined && GROUPING.has(next))) {
      if (!FUNCTIONS.has(token)) throw new Error(`unknown function ${token}() in ${expression}`);
      continue;
    }
    if (OPERATOR_WORDS.has(token)) continue;
    const matchers = next?.startsWith('{') ? next : undefined;
    selectors.push({ metric: token, labels: matchers === undefined ? [] : matcherLabels(matchers, expression) });
    if (matchers !== undefined) i++;
  }
  return { selectors, groupingLabels };
}

function matcherLabels(block: string, expression: string): string[] {
  const inner = block.slice(1, -1).trim();
  if (inner === '') return [];
  const labels: string[] = [];
  const matcher = /\s*([A-Za-z_][A-Za-z0-9_]*)\s*(=~|!~|!=|=)\s*"(?:[^"\\]|\\.)*"\s*(?:,|$)/y;
  let at = 0;
  while (at < inner.length) {
    matcher.lastIndex = at;
    const m = matcher.exec(inner);
    if (m === null) throw new Error(`unreadable matchers ${block} in ${expression}`);
    labels.push(m[1]!);
    at = matcher.lastIndex;
  }
  return labels;
}

/** Metric name → the label names its samples carry, from a text-format scrape. */
export function scrapedLabels(scrape: string): Map<string, Set<string>> {
  const families = new Map<string, Set<string>>();
  for (const line of scrape.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([A-Za-z_:][A-Za-z0-9_:]*)(?:\{(.*)\})? /.exec(line);
    if (m === null) throw new Error(`unreadable scrape line: ${line}`);
    const labels = families.get(m[1]!) ?? new Set<string>();
    for (const pair of (m[2] ?? '').matchAll(/([A-Za-z_][A-Za-z0-9_]*)="/g)) labels.add(pair[1]!);
    families.set(m[1]!, labels);
  }
  return families;
}

/** Labels Prometheus adds to every series it scrapes: the target's. */
export const TARGET_LABELS: readonly string[] = ['instance', 'job'];

/** Every way `expression` names something `scraped` does not have; empty when none. */
export function missingReferences(expression: string, scraped: ReadonlyMap<string, ReadonlySet<string>>): string[] {
  const { selectors, groupingLabels } = expressionReferences(expression);
  const problems: string[] = [];
  if (selectors.length === 0) problems.push(`no metric in ${expression}`);
  const available = new Set(TARGET_LABELS);
  for (const { metric, labels } of selectors) {
    const has = scraped.get(metric);
    if (has === undefined) {
      problems.push(`metric ${metric} is not exported`);
      continue;
    }
    for (const label of has) available.add(label);
    for (const label of labels) {
      if (!has.has(label) && !TARGET_LABELS.includes(label)) problems.push(`metric ${metric} has no label ${label}`);
    }
  }
  for (const label of groupingLabels) {
    if (!available.has(label)) problems.push(`no metric of the expression has the label ${label} it groups by`);
  }
  return problems;
}
