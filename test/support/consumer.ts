// Reads records back from Kafka, so tests assert what actually arrived.
import { KafkaConsumer, type Message } from 'node-rdkafka';

export interface ConsumedRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly key: string | null;
  readonly value: string;
  /** The value's raw bytes, when the reader was opened with `{ bytes: true }` (binary values). */
  readonly bytes?: Buffer;
  readonly headers: Record<string, string>;
}

/** Splits the metricstream-id header ("<requestId>/<index>") of a record. */
export function recordId(record: ConsumedRecord): { requestId: string; index: number } {
  const id = record.headers['metricstream-id'] ?? '';
  const slash = id.lastIndexOf('/');
  return { requestId: id.slice(0, slash), index: Number(id.slice(slash + 1)) };
}

function toRecord(m: Message, keepBytes: boolean): ConsumedRecord {
  const headers: Record<string, string> = {};
  for (const h of m.headers ?? []) {
    for (const [k, v] of Object.entries(h)) headers[k] = Buffer.isBuffer(v) ? v.toString() : String(v);
  }
  return {
    topic: m.topic, partition: m.partition, offset: m.offset,
    key: m.key === undefined || m.key === null ? null : m.key.toString(),
    value: m.value?.toString() ?? '', headers,
    ...(keepBytes ? { bytes: m.value ?? Buffer.alloc(0) } : {}),
  };
}

/**
 * A consumer assigned to every partition of `topic` from offset 0 that keeps
 * reading in the background (so a test can read while it writes: the mock
 * cluster trims partitions past ~5 MB).
 */
export class TopicReader {
  readonly records: ConsumedRecord[] = [];
  readonly #consumer: KafkaConsumer;
  readonly #keepBytes: boolean;
  #stopped = false;

  private constructor(consumer: KafkaConsumer, keepBytes: boolean) {
    this.#consumer = consumer;
    this.#keepBytes = keepBytes;
  }

  /** `bytes: true` keeps each value's raw bytes too (off by default: it doubles what a long read holds);
   * `config`: further librdkafka properties (e.g. SASL_SSL). */
  static async open(bootstrap: string, topic: string, options: { bytes?: boolean; config?: Record<string, string> } = {}): Promise<TopicReader> {
    const consumer = new KafkaConsumer({
      ...options.config,
      'bootstrap.servers': bootstrap,
      'group.id': `test-${process.pid}-${Date.now()}-${Math.random()}`,
      'enable.auto.commit': false,
      'fetch.wait.max.ms': 50,
    }, { 'auto.offset.reset': 'earliest' });
    await new Promise<void>((resolve, reject) => consumer.connect({ timeout: 10_000 }, (err) => (err ? reject(err) : resolve())));
    const metadata = await new Promise<{ topics: Array<{ name: string; partitions: unknown[] }> }>((resolve, reject) =>
      consumer.getMetadata({ topic, timeout: 10_000 }, (err, md) => (err ? reject(err) : resolve(md))));
    const partitions = metadata.topics.find((t) => t.name === topic)?.partitions.length ?? 0;
    if (partitions === 0) throw new Error(`topic ${topic} has no partitions`);
    consumer.assign(Array.from({ length: partitions }, (_, partition) => ({ topic, partition, offset: 0 })));
    const reader = new TopicReader(consumer, options.bytes ?? false);
    reader.#loop();
    return reader;
  }

  #loop(): void {
    if (this.#stopped) return;
    this.#consumer.consume(1000, (err, messages) => {
      if (!err) for (const m of messages) this.records.push(toRecord(m, this.#keepBytes));
      setImmediate(() => this.#loop());
    });
  }

  /** Waits until at least `count` records arrived, or `timeoutMs` passed; returns what arrived. */
  async waitFor(count: number, timeoutMs = 30_000): Promise<ConsumedRecord[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.records.length < count && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    return this.records;
  }

  /** Reads until nothing new arrives for `quietMs` (to catch duplicates), bounded by timeoutMs. */
  async settle(quietMs = 1_000, timeoutMs = 30_000): Promise<ConsumedRecord[]> {
    const deadline = Date.now() + timeoutMs;
    let seen = -1;
    let since = Date.now();
    while (Date.now() < deadline) {
      if (this.records.length !== seen) {
        seen = this.records.length;
        since = Date.now();
      } else if (Date.now() - since >= quietMs) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    return this.records;
  }

  /** Per partition: records read, and the high watermark Kafka reports (to tell "not in Kafka" from "not read"). */
  async progress(topic: string): Promise<Array<{ partition: number; read: number; highWatermark: number }>> {
    const partitions = [...new Set(this.records.filter((r) => r.topic === topic).map((r) => r.partition))].sort((a, b) => a - b);
    return Promise.all(partitions.map((partition) => new Promise<{ partition: number; read: number; highWatermark: number }>((resolve) =>
      this.#consumer.queryWatermarkOffsets(topic, partition, 5_000, (err, offsets) => resolve({
        partition, read: this.records.filter((r) => r.topic === topic && r.partition === partition).length,
        highWatermark: err ? -1 : offsets.highOffset,
      })))));
  }

  async close(): Promise<void> {
    this.#stopped = true;
    await new Promise<void>((resolve) => this.#consumer.disconnect(() => resolve()));
  }
}
