// The log shippers' request bodies the benches send (bench/run.ts) and decode
// in process (bench/otlp-cpu.ts): `records` ~150-byte structured log lines as
// /logs NDJSON, a Loki push (snappy protobuf, 10 streams), Filebeat's `_bulk`
// create actions, or concatenated Splunk HEC events.
import protobuf from 'protobufjs';
import { compressSync } from 'snappy';

export type LogFormat = 'logs' | 'loki' | 'elasticsearch' | 'splunk_hec';

/** One ~150-byte structured log line, the i-th of a request. */
export function logLine(i: number): Record<string, string | number> {
  return { level: i % 10 === 0 ? 'warn' : 'info', msg: `GET /api/items/${i} 200`, duration_ms: i % 97, host: `web-${i % 10}`, trace_id: (0x1000000 + i).toString(16).padStart(32, '0') };
}

const LOKI_PUSH = protobuf.parse(`
syntax = "proto3";
message PushRequest { repeated Stream streams = 1; }
message Stream { string labels = 1; repeated Entry entries = 2; }
message Entry { Timestamp timestamp = 1; string line = 2; }
message Timestamp { int64 seconds = 1; int32 nanos = 2; }
`).root.lookupType('PushRequest');

/** A request of `records` log lines in `format`, stamped around `nowMs`. */
export function logBody(format: LogFormat, records: number, nowMs: number): Buffer {
  const lines = Array.from({ length: records }, (_, i) => logLine(i));
  const nowS = Math.floor(nowMs / 1000);
  switch (format) {
    case 'logs': return Buffer.from(lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
    case 'elasticsearch': return Buffer.from(lines.map((l) => `{"create":{"_index":"app-logs"}}\n${JSON.stringify({ '@timestamp': new Date(nowMs).toISOString(), ...l })}\n`).join(''));
    case 'splunk_hec': return Buffer.from(lines.map((l, i) => JSON.stringify({ time: nowS + i / 1000, host: l['host'], source: 'app', event: l })).join(''));
    case 'loki': {
      const streams = Array.from({ length: 10 }, (_, s) => ({
        labels: `{app="api", host="web-${s}", level="info"}`,
        entries: lines.filter((_, i) => i % 10 === s).map((l, i) => ({ timestamp: { seconds: nowS, nanos: i }, line: JSON.stringify(l) })),
      }));
      return compressSync(Buffer.from(LOKI_PUSH.encode(LOKI_PUSH.fromObject({ streams })).finish()));
    }
  }
}
