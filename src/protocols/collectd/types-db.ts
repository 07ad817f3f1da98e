// The data sources of the collectd types the default plugins report (cpu,
// memory, load, interface, df, disk, processes, swap, vmem, uptime, users, ...),
// as collectd 5.12's types.db declares them: `<type> <dsname>:<dstype> ...`.
// The Command format (PUTVAL) carries values without their names or types;
// Prometheus' collectd_exporter reads types.db for them, we carry this table.
import type { DataSourceType } from './value-list';

export interface DataSource {
  readonly name: string;
  readonly type: DataSourceType;
}

const TYPES_DB = `
  absolute value:absolute
  bytes value:gauge
  connections value:derive
  contextswitch value:derive
  count value:gauge
  counter value:counter
  cpu value:derive
  cpufreq value:gauge
  current value:gauge
  delay value:gauge
  derive value:derive
  df used:gauge free:gauge
  df_complex value:gauge
  df_inodes value:gauge
  disk_io_time io_time:derive weighted_io_time:derive
  disk_merged read:derive write:derive
  disk_octets read:derive write:derive
  disk_ops read:derive write:derive
  disk_time read:derive write:derive
  dns_query value:derive
  duration seconds:gauge
  entropy value:gauge
  errors value:derive
  file_size value:gauge
  fork_rate value:derive
  frequency value:gauge
  gauge value:gauge
  if_dropped rx:derive tx:derive
  if_errors rx:derive tx:derive
  if_octets rx:derive tx:derive
  if_packets rx:derive tx:derive
  io_octets rx:derive tx:derive
  io_packets rx:derive tx:derive
  irq value:derive
  latency value:gauge
  load shortterm:gauge midterm:gauge longterm:gauge
  memory value:gauge
  objects value:gauge
  operations value:derive
  packets value:derive
  pending_operations value:gauge
  percent value:gauge
  percent_bytes value:gauge
  percent_inodes value:gauge
  power value:gauge
  protocol_counter value:derive
  ps_code value:gauge
  ps_count processes:gauge threads:gauge
  ps_cputime user:derive syst:derive
  ps_data value:gauge
  ps_disk_octets read:derive write:derive
  ps_disk_ops read:derive write:derive
  ps_pagefaults minflt:derive majflt:derive
  ps_rss value:gauge
  ps_stacksize value:gauge
  ps_state value:gauge
  ps_vm value:gauge
  response_time value:gauge
  swap value:gauge
  swap_io value:derive
  tcp_connections value:gauge
  temperature value:gauge
  threads value:gauge
  time_ref value:gauge
  timestamp value:gauge
  total_requests value:derive
  uptime value:gauge
  users value:gauge
  vmpage_action value:derive
  vmpage_faults minflt:derive majflt:derive
  vmpage_io in:derive out:derive
  vmpage_number value:gauge
  voltage value:gauge
`;

function parseTypesDb(text: string): ReadonlyMap<string, readonly DataSource[]> {
  const types = new Map<string, readonly DataSource[]>();
  for (const line of text.split('\n')) {
    const [type, ...sources] = line.trim().split(' ');
    if (type === undefined || type === '') continue;
    types.set(type, sources.map((source) => {
      const [name, dstype] = source.split(':') as [string, DataSourceType];
      return { name, type: dstype };
    }));
  }
  return types;
}

export const BUILT_IN_TYPES: ReadonlyMap<string, readonly DataSource[]> = parseTypesDb(TYPES_DB);

/**
 * The data sources of `count` values of a type: from the table when the type is
 * known and the count matches; else `value` for one value and `value0`..`valueN`
 * for more, all gauges (an unknown type's values are not assumed to count up).
 */
export function dataSourcesOf(type: string, count: number): readonly DataSource[] {
  const known = BUILT_IN_TYPES.get(type);
  if (known !== undefined && known.length === count) return known;
  if (count === 1) return [{ name: 'value', type: 'gauge' }];
  return Array.from({ length: count }, (_, i) => ({ name: `value${i}`, type: 'gauge' as const }));
}
