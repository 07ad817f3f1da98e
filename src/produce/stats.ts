// librdkafka's statistics (statistics.interval.ms), reduced to what the
// Prometheus gauges and the status page show: producer queue depth and broker state.
export interface KafkaStatsSnapshot {
  queueMessages: number;
  queueBytes: number;
  brokersUp: number;
  brokersKnown: number;
  /** Average produce round trip per broker ("host:port/id" → seconds). */
  rttSeconds: Record<string, number>;
  /** Each broker in the cluster metadata, with librdkafka's state for it (UP, DOWN, CONNECT, ...). */
  brokers: { name: string; nodeId: number; state: string; rttSeconds: number }[];
}

interface RawStats {
  msg_cnt?: number;
  msg_size?: number;
  brokers?: Record<string, { nodeid?: number; state?: string; rtt?: { avg?: number } }>;
}

export function parseKafkaStats(json: string): KafkaStatsSnapshot {
  const raw = JSON.parse(json) as RawStats;
  const brokers = Object.entries(raw.brokers ?? {}).filter(([, b]) => (b.nodeid ?? -1) >= 0);
  return {
    queueMessages: raw.msg_cnt ?? 0,
    queueBytes: raw.msg_size ?? 0,
    brokersUp: brokers.filter(([, b]) => b.state === 'UP').length,
    brokersKnown: brokers.length,
    rttSeconds: Object.fromEntries(brokers.map(([name, b]) => [name, (b.rtt?.avg ?? 0) / 1e6])),
    brokers: brokers.map(([name, b]) => ({ name, nodeId: b.nodeid ?? -1, state: b.state ?? 'UNKNOWN', rttSeconds: (b.rtt?.avg ?? 0) / 1e6 })),
  };
}
