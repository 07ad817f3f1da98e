// Main-thread CPU per Kafka message of KafkaProducer.send(), through the
// delivered-ids patch and through stock node-rdkafka (produce() and a report
// object per delivery), alternating, against librdkafka's mock cluster:
//   node dist/bench/delivery-reports.js [messages=200000] [rounds=3]
// Prints µs per message (utime + stime of the main thread, /proc) and the medians.
import { readFileSync } from 'node:fs';
import { KafkaProducer } from '../src/produce/producer';
import type { RecordBytes } from '../src/ring/reader';

const [messagesArg = '200000', roundsArg = '3'] = process.argv.slice(2);
const MESSAGES = Number(messagesArg);
const ROUNDS = Number(roundsArg);
const TICK_US = 10_000; // USER_HZ 100

function mainThreadTicks(): number {
  const fields = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

/** 1,000 records of a 100-metric request's shape, each key and value a byte range of one buffer. */
function records(): RecordBytes[] {
  const value = JSON.stringify({ name: 'http_requests_total', value: 12345.5, type: 'counter', timestamp: 1764000000000, labels: { host: 'web-01', path: '/api/v1/items' } });
  return Array.from({ length: 1000 }, (_, i) => {
    const key = `http_requests_total{host="web-${i % 50}",path="/api/${i}"}`;
    const data = Buffer.from(key + value);
    return { data, keyAt: 0, keyBytes: Buffer.byteLength(key), valueAt: Buffer.byteLength(key), valueBytes: Buffer.byteLength(value), headersAt: 0, headerBytes: 0 };
  });
}

async function round(useDeliveredIds: boolean, recs: RecordBytes[]): Promise<number> {
  let delivered = 0;
  const producer = new KafkaProducer({
    'test.mock.num.brokers': 3, acks: 'all', 'enable.idempotence': true, 'linger.ms': 1, 'compression.codec': 'lz4',
    'queue.buffering.max.messages': 1_000_000, 'queue.buffering.max.kbytes': 1_048_576,
  }, (error) => {
    if (error) throw error;
    delivered++;
  }, useDeliveredIds);
  if (producer.deliveredIds !== useDeliveredIds) throw new Error('node-rdkafka lacks the delivered-ids patch (npm install applies it)');
  await producer.connect(10_000);
  producer.startPolling(1);
  const started = mainThreadTicks();
  let sent = 0;
  await new Promise<void>((resolve) => {
    const slice = (): void => {
      for (let k = 0; k < 2048 && sent < MESSAGES; k++, sent++) {
        const seq = 1 + Math.floor(sent / 100);
        producer.send('bench', null, recs[sent % recs.length]!, `abcd1234-${seq.toString(36)}/${sent % 100}`, 1, 2 ** 31 + seq);
      }
      if (sent < MESSAGES) setImmediate(slice);
      else resolve();
    };
    slice();
  });
  while (delivered < MESSAGES) await new Promise((r) => setTimeout(r, 5));
  const us = ((mainThreadTicks() - started) * TICK_US) / MESSAGES;
  await producer.disconnect(5_000);
  return us;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function main(): Promise<void> {
  const recs = records();
  const results: Record<'patched' | 'stock', number[]> = { patched: [], stock: [] };
  for (let r = 0; r < ROUNDS; r++) {
    for (const way of ['patched', 'stock'] as const) {
      const us = await round(way === 'patched', recs);
      results[way].push(us);
      process.stdout.write(`round ${r + 1} ${way}: ${us.toFixed(2)} µs main-thread CPU per message\n`);
    }
  }
  process.stdout.write(`median of ${ROUNDS}: patched ${median(results.patched).toFixed(2)} µs, stock ${median(results.stock).toFixed(2)} µs per message (${MESSAGES} messages a round)\n`);
}

void main().then(() => process.exit(0), (err: unknown) => {
  process.stderr.write(`${String(err)}\n`);
  process.exit(1);
});
