// A collectd value list (what both write_http formats carry) → metric points,
// named as Prometheus' collectd_exporter names them:
//  - name: `collectd_<plugin>_<type>`, or `collectd_<type>` when plugin and type
//    are the same (cpu/cpu, memory/memory, load/load); then `_<dsname>` unless
//    the data source is called `value`; then `_total` for counter and derive.
//  - labels: `instance` = host; `<plugin>` = plugin_instance when set; the
//    type_instance goes to `type`, or to `<plugin>` when there is no
//    plugin_instance (so `memory` used → collectd_memory{memory="used"}).
//  - type: counter for counter, derive and absolute, gauge for gauge. An
//    absolute value is a count since the last read, so it is not `_total`.
//  - names are made Prometheus-safe: characters outside [a-zA-Z0-9_:] (label
//    names: [a-zA-Z0-9_]) become `_`, and a leading digit gets a `_` before it.
//  - an unknown value (JSON null, PUTVAL `U` or `nan`: collectd's NaN) is not
//    written — no value is invented for it — and is counted in `unknownValues`.
//  - `meta` and `interval` are not written.
export type DataSourceType = 'gauge' | 'derive' | 'counter' | 'absolute';
export const DATA_SOURCE_TYPES: ReadonlySet<string> = new Set<DataSourceType>(['gauge', 'derive', 'counter', 'absolute']);

export interface CollectdLimits {
  readonly maxNameLength: number;
  readonly maxLabelsPerRecord: number;
  readonly maxLabelNameLength: number;
  readonly maxLabelValueLength: number;
  readonly maxRecordsPerRequest: number;
}

export interface ValueList {
  readonly host: string;
  readonly plugin: string;
  readonly pluginInstance: string;
  readonly type: string;
  readonly typeInstance: string;
  /** Milliseconds since the epoch. */
  readonly timestamp: number;
  /** null: unknown (collectd's NaN). */
  readonly values: ReadonlyArray<number | null>;
  readonly dstypes: readonly DataSourceType[];
  readonly dsnames: readonly string[];
}

export interface CollectdPoint {
  readonly name: string;
  readonly value: number;
  readonly type: 'gauge' | 'counter';
  readonly timestamp: number;
  readonly labels: Record<string, string>;
}

/** A value list (JSON) or line (Command) that was not written, and why. */
export interface BadEntry {
  /** e.g. `value list 3` or `line 7 'PUTVAL ...'`. */
  readonly where: string;
  readonly reason: string;
}

export interface CollectdResult {
  readonly points: CollectdPoint[];
  /** Value lists written (with at least one known value or not). */
  readonly valueLists: number;
  /** Data sources left out because their value was unknown. */
  readonly unknownValues: number;
  readonly badEntries: number;
  readonly firstBadEntry: BadEntry | undefined;
}

/** A request refused as a whole. */
export class CollectdError extends Error {
  readonly kind: 'invalid_body' | 'too_many_records';

  constructor(kind: CollectdError['kind'], message: string) {
    super(message);
    this.name = 'CollectdError';
    this.kind = kind;
  }
}

/** Why one value list or line is refused (caught by the format parsers). */
export class BadEntryReason extends Error {}

export function badEntry(reason: string): never {
  throw new BadEntryReason(reason);
}

const UNSAFE_METRIC_CHARS = /[^a-zA-Z0-9_:]/g;
const UNSAFE_LABEL_CHARS = /[^a-zA-Z0-9_]/g;

export function metricNameSafe(name: string): string {
  const safe = name.replace(UNSAFE_METRIC_CHARS, '_');
  return /^[0-9]/.test(safe) ? `_${safe}` : safe;
}

export function labelNameSafe(name: string): string {
  const safe = name.replace(UNSAFE_LABEL_CHARS, '_');
  return safe === '' || /^[0-9]/.test(safe) ? `_${safe}` : safe;
}

function pointName(vl: ValueList, index: number): string {
  let name = vl.plugin === vl.type ? `collectd_${vl.type}` : `collectd_${vl.plugin}_${vl.type}`;
  const dsname = vl.dsnames[index]!;
  if (dsname !== 'value') name += `_${dsname}`;
  const dstype = vl.dstypes[index];
  if (dstype === 'counter' || dstype === 'derive') name += '_total';
  return metricNameSafe(name);
}

function labelsOf(vl: ValueList): Record<string, string> {
  const labels: Record<string, string> = Object.create(null) as Record<string, string>;
  if (vl.host !== '') labels['instance'] = vl.host;
  const pluginLabel = labelNameSafe(vl.plugin);
  if (vl.pluginInstance !== '') labels[pluginLabel] = vl.pluginInstance;
  if (vl.typeInstance !== '') labels[vl.pluginInstance === '' ? pluginLabel : 'type'] = vl.typeInstance;
  return { ...labels };
}

function checkLabels(labels: Record<string, string>, limits: CollectdLimits): void {
  const entries = Object.entries(labels);
  if (entries.length > limits.maxLabelsPerRecord) badEntry(`more than ${limits.maxLabelsPerRecord} labels`);
  for (const [name, value] of entries) {
    if (name.length > limits.maxLabelNameLength) badEntry(`label name ${JSON.stringify(name.slice(0, 64))} longer than ${limits.maxLabelNameLength}`);
    if (value.length > limits.maxLabelValueLength) badEntry(`label ${name} longer than ${limits.maxLabelValueLength}`);
  }
}

/** Collects the points of value lists, with the counts a result reports. */
export class PointCollector {
  readonly points: CollectdPoint[] = [];
  valueLists = 0;
  unknownValues = 0;
  badEntries = 0;
  firstBadEntry: BadEntry | undefined;

  constructor(private readonly limits: CollectdLimits) {}

  /** Throws BadEntryReason when a limit refuses the value list (nothing of it is kept). */
  add(vl: ValueList): void {
    const labels = labelsOf(vl);
    checkLabels(labels, this.limits);
    const points: CollectdPoint[] = [];
    let unknown = 0;
    for (let i = 0; i < vl.values.length; i++) {
      const value = vl.values[i];
      if (value === null || value === undefined || Number.isNaN(value)) { unknown++; continue; }
      const name = pointName(vl, i);
      if (name.length > this.limits.maxNameLength) badEntry(`name ${JSON.stringify(name.slice(0, 64))} longer than ${this.limits.maxNameLength}`);
      const type = vl.dstypes[i] === 'gauge' ? 'gauge' : 'counter';
      points.push({ name, value, type, timestamp: vl.timestamp, labels: { ...labels } });
    }
    if (this.points.length + points.length > this.limits.maxRecordsPerRequest) {
      throw new CollectdError('too_many_records', `request holds more than ${this.limits.maxRecordsPerRequest} records`);
    }
    for (const point of points) this.points.push(point);
    this.valueLists++;
    this.unknownValues += unknown;
  }

  refuse(where: string, reason: string): void {
    this.badEntries++;
    this.firstBadEntry ??= { where, reason };
  }

  result(): CollectdResult {
    const { points, valueLists, unknownValues, badEntries, firstBadEntry } = this;
    return { points, valueLists, unknownValues, badEntries, firstBadEntry };
  }
}
