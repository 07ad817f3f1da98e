// collectd write_http `Format "JSON"`: an array of value lists,
//   [{"values":[1901474177],"dstypes":["counter"],"dsnames":["value"],
//     "time":1280959128.123,"interval":10.000,"host":"leeloo.octo.it",
//     "plugin":"cpu","plugin_instance":"0","type":"cpu","type_instance":"idle"}]
// `time` and `interval` are seconds (collectd prints 3 decimals); a gauge whose
// value is NaN arrives as null. A value list that does not have this shape is
// refused alone (counted, the first one described); the others are written.
import { BadEntryReason, CollectdError, DATA_SOURCE_TYPES, PointCollector, badEntry, type CollectdLimits, type CollectdResult, type DataSourceType, type ValueList } from './value-list';

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** True when a parsed JSON body has collectd's shape (so /metrics can tell it from native metrics). */
export function isCollectdJson(parsed: unknown): boolean {
  if (!Array.isArray(parsed) || parsed.length === 0) return false;
  const first: unknown = parsed[0];
  return isObject(first) && Array.isArray(first['values']) && Array.isArray(first['dstypes']) && Array.isArray(first['dsnames']);
}

function stringField(entry: Record<string, unknown>, field: string, required: boolean): string {
  const value = entry[field];
  if (value === undefined && !required) return '';
  if (typeof value !== 'string') badEntry(`"${field}" must be a string`);
  if (required && value === '') badEntry(`"${field}" must not be empty`);
  return value;
}

function valueListOf(entry: unknown, receivedAtMs: number): ValueList {
  if (!isObject(entry)) badEntry('a value list must be a JSON object');
  const { values, dstypes, dsnames, time } = entry;
  if (!Array.isArray(values) || values.length === 0) badEntry('"values" must be a non-empty array');
  if (!Array.isArray(dstypes) || dstypes.length !== values.length) badEntry('"dstypes" must be an array as long as "values"');
  if (!Array.isArray(dsnames) || dsnames.length !== values.length) badEntry('"dsnames" must be an array as long as "values"');
  for (let i = 0; i < values.length; i++) {
    const value: unknown = values[i];
    if (value !== null && (typeof value !== 'number' || !Number.isFinite(value))) badEntry(`values[${i}] must be a number or null`);
    const dstype: unknown = dstypes[i];
    if (typeof dstype !== 'string' || !DATA_SOURCE_TYPES.has(dstype)) badEntry(`dstypes[${i}] must be one of gauge, derive, counter, absolute`);
    const dsname: unknown = dsnames[i];
    if (typeof dsname !== 'string' || dsname === '') badEntry(`dsnames[${i}] must be a non-empty string`);
  }
  if (time !== undefined && (typeof time !== 'number' || !Number.isFinite(time) || time < 0)) badEntry('"time" must be a non-negative number of seconds');
  return {
    host: stringField(entry, 'host', false),
    plugin: stringField(entry, 'plugin', true),
    pluginInstance: stringField(entry, 'plugin_instance', false),
    type: stringField(entry, 'type', true),
    typeInstance: stringField(entry, 'type_instance', false),
    // collectd sends time 0 for "now" only in its unixsock protocol; treat it the same.
    timestamp: typeof time === 'number' && time > 0 ? Math.round(time * 1000) : receivedAtMs,
    values: values as Array<number | null>,
    dstypes: dstypes as DataSourceType[],
    dsnames: dsnames as string[],
  };
}

function describe(entry: unknown, index: number): string {
  if (!isObject(entry)) return `value list ${index}`;
  const part = (field: string): string => (typeof entry[field] === 'string' ? entry[field] : '');
  const instance = (name: string, inst: string): string => (inst === '' ? name : `${name}-${inst}`);
  return `value list ${index} (${part('host')}/${instance(part('plugin'), part('plugin_instance'))}/${instance(part('type'), part('type_instance'))})`;
}

/** Decodes a parsed collectd JSON body. Throws only CollectdError. */
export function decodeCollectdJson(parsed: unknown, receivedAtMs: number, limits: CollectdLimits): CollectdResult {
  if (!Array.isArray(parsed)) throw new CollectdError('invalid_body', 'a collectd JSON body must be an array of value lists');
  const collector = new PointCollector(limits);
  for (let i = 0; i < parsed.length; i++) {
    try {
      collector.add(valueListOf(parsed[i], receivedAtMs));
    } catch (err) {
      if (!(err instanceof BadEntryReason)) throw err;
      collector.refuse(describe(parsed[i], i), err.message);
    }
  }
  return collector.result();
}

/** Parses and decodes a collectd JSON body. Throws only CollectdError. */
export function parseCollectdJson(body: string, receivedAtMs: number, limits: CollectdLimits): CollectdResult {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch (err) {
    throw new CollectdError('invalid_body', `body is not JSON: ${(err as Error).message}`);
  }
  return decodeCollectdJson(parsed, receivedAtMs, limits);
}
