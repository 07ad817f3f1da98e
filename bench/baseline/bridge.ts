// The baseline the benchmark compares against: the smallest honest bridge —
// one thread, node:http, JSON.parse on the event loop, one node-rdkafka
// producer, and the answer only after every record's delivery report.
import http from 'node:http';
import { Producer } from 'node-rdkafka';

interface Metric {
  name: string;
  value: number;
  type?: string;
  timestamp?: number;
  labels?: Record<string, string>;
}

interface Pending {
  left: number;
  failed: boolean;
  res: http.ServerResponse;
}

const [brokers = '', topic = 'metrics', port = '0'] = process.argv.slice(2);
// The same producer settings as the daemon's defaults (producerProperties in
// src/produce/producer.ts, with kafka.deliveryTimeoutMs 20 s and
// kafka.maxInFlightMessages 200,000), so the comparison is of the paths, not
// of librdkafka's tuning. Topic-level properties go in the topic
// configuration (see splitProperties there). What differs on purpose:
// - no statistics.interval.ms (the daemon's 5 s statistics feed its
//   /metrics; the bridge has none) and client.id 'baseline';
// - no cap of its own on records in flight (the daemon's 503 overloaded):
//   librdkafka's queue bounds below are the bridge's only bound.
const producer = new Producer(
  {
    'client.id': 'baseline',
    'bootstrap.servers': brokers,
    'enable.idempotence': true,
    'linger.ms': 1,
    'queue.buffering.max.kbytes': 65_536,
    'queue.buffering.max.messages': 400_000,
    'socket.keepalive.enable': true,
    'reconnect.backoff.max.ms': 1_000,
    dr_cb: true,
  },
  { acks: -1, 'compression.codec': 'lz4', partitioner: 'murmur2_random', 'message.timeout.ms': 20_000 },
);

producer.on('delivery-report', (err, report) => {
  const pending = report.opaque as Pending;
  if (err) pending.failed = true;
  if (--pending.left === 0) {
    pending.res.writeHead(pending.failed ? 503 : 200, { 'content-type': 'application/json' });
    pending.res.end(pending.failed ? '{"error":"delivery_failed"}' : '{"accepted":true}');
  }
});

producer.connect({}, (err) => {
  if (err) throw err;
  setInterval(() => producer.poll(), 1); // as the daemon (POLL_INTERVAL_MS, src/main.ts)
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      let metrics: Metric[];
      try {
        const doc = JSON.parse(Buffer.concat(chunks).toString()) as { metrics?: Metric[] } | Metric[];
        metrics = Array.isArray(doc) ? doc : doc.metrics ?? [];
      } catch {
        res.writeHead(400).end('{"error":"malformed_json"}');
        return;
      }
      const pending: Pending = { left: metrics.length, failed: false, res };
      for (const m of metrics) {
        const labels = m.labels ?? {};
        const key = m.name + '{' + Object.keys(labels).sort().map((k) => `${k}=${JSON.stringify(labels[k])}`).join(',') + '}';
        const value = JSON.stringify({ name: m.name, value: m.value, type: m.type ?? 'gauge', timestamp: m.timestamp ?? Date.now(), labels });
        try {
          producer.produce(topic, null, Buffer.from(value), key, null, pending);
        } catch {
          pending.failed = true;
          pending.left--;
        }
      }
      if (pending.left === 0) res.writeHead(pending.failed ? 503 : 200).end();
    });
  });
  server.listen(Number(port), '127.0.0.1', () => {
    const address = server.address() as { port: number };
    process.stdout.write(JSON.stringify({ msg: 'baseline ready', port: address.port }) + '\n');
  });
  process.on('SIGTERM', () => producer.flush(5_000, () => process.exit(0)));
});
