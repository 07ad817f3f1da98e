// How records become Kafka messages (src/decode/batching.ts): one per record, or
// NDJSON groups per partition in request order, on the partition librdkafka's
// murmur2_random would pick for each key.
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { describe, it } from 'node:test';
import { Signal } from '../../src/signals';
import { PARTITION_AT_REPLAY, PARTITION_BY_KEY } from '../../src/ring/layout';
import { NdjsonBatchSink, PerRecordSink } from '../../src/decode/batching';
import { partitionOf } from '../../src/decode/murmur2';
import type { EncodedMessageSink } from '../../src/decode/sink';
import { refusal } from '../support/refusal';

interface Message { signal: Signal; index: number; key: string | null; value: string; partition: number; count: number; headers: Uint8Array | null }

class Messages implements EncodedMessageSink {
  readonly out: Message[] = [];
  message(signal: Signal, index: number, key: string | null, value: string | Uint8Array, partition: number, count: number,
    headers: Uint8Array | null = null): void {
    this.out.push({ signal, index, key, value: typeof value === 'string' ? value : Buffer.from(value).toString(), partition, count, headers });
  }

  messageEncoded(signal: Signal, index: number, bytes: Uint8Array, keyBytes: number, valueBytes: number, partition: number, count: number): void {
    const encoded = Buffer.from(bytes.buffer, bytes.byteOffset, keyBytes + valueBytes);
    const key = keyBytes === 0 ? null : encoded.toString('utf8', 0, keyBytes);
    this.out.push({ signal, index, key, value: encoded.toString('utf8', keyBytes), partition, count, headers: null });
  }
}

/** A record encoded as the encoded sinks take it: key bytes, then value bytes, then slack. */
function encoded(key: string, value: string): [Uint8Array, number, number] {
  const k = Buffer.from(key);
  const v = Buffer.from(value);
  return [Buffer.concat([k, v, Buffer.from('slack')]), k.length, v.length];
}

describe('workers: batching', () => {
  it('per-record: one keyed message per record, partition left to librdkafka', () => {
    const messages = new Messages();
    const sink = new PerRecordSink(messages);
    sink.append(Signal.Metrics, 0, 'a', '{"v":1}');
    sink.append(Signal.Metrics, 1, 'b', '{"v":2}');
    assert.equal(sink.messages, 2);
    assert.deepEqual(messages.out.map((m) => [m.index, m.key, m.partition, m.count]), [[0, 'a', PARTITION_BY_KEY, 1], [1, 'b', PARTITION_BY_KEY, 1]]);
  });

  it('per-record: a record\'s extra headers go with its message', () => {
    const messages = new Messages();
    const headers = new Uint8Array([1, 2, 3]);
    new PerRecordSink(messages).append(Signal.Logs, 0, 'a', '{}', headers);
    assert.equal(messages.out[0]!.headers, headers);
  });

  it('ndjson-batch: one message per topic, partition and header block, each with its own topic\'s partition count', () => {
    const messages = new Messages();
    const counts = [0, 4, 0, 2];
    const sink = new NdjsonBatchSink(messages, (topic) => counts[topic]!);
    const tenant = new Uint8Array([9]);
    sink.append(Signal.Logs, 0, 'k', '{"i":0}');
    sink.append(3, 1, 'k', '{"i":1}');
    sink.append(Signal.Logs, 2, 'k', '{"i":2}', tenant);
    sink.append(3, 3, 'k', '{"i":3}');
    sink.finish();
    assert.deepEqual(messages.out.map((m) => [m.signal, m.partition, m.count, m.value, m.headers]), [
      [Signal.Logs, partitionOf(Buffer.from('k'), 4), 1, '{"i":0}\n', null],
      [3, partitionOf(Buffer.from('k'), 2), 2, '{"i":1}\n{"i":3}\n', null],
      [Signal.Logs, partitionOf(Buffer.from('k'), 4), 1, '{"i":2}\n', tenant],
    ]);
  });

  it('per-record: an encoded record is the same message as its strings', () => {
    const messages = new Messages();
    const sink = new PerRecordSink(messages);
    sink.append(Signal.Metrics, 0, 'cpu{host="é"}', '{"v":1}');
    sink.appendEncoded(Signal.Metrics, 1, ...encoded('cpu{host="é"}', '{"v":1}'));
    assert.equal(sink.messages, 2);
    assert.deepEqual(messages.out[1], { ...messages.out[0], index: 1 });
  });

  it('ndjson-batch: an encoded record joins the group of the same key given as a string', () => {
    const messages = new Messages();
    const sink = new NdjsonBatchSink(messages, () => 7);
    sink.append(Signal.Metrics, 0, 'mem{host="ü"}', '{"i":0}');
    sink.appendEncoded(Signal.Metrics, 1, ...encoded('mem{host="ü"}', '{"i":1}'));
    sink.finish();
    assert.deepEqual(messages.out.map((m) => [m.index, m.value, m.count, m.partition]),
      [[0, '{"i":0}\n{"i":1}\n', 2, partitionOf(Buffer.from('mem{host="ü"}'), 7)]]);
  });

  it('ndjson-batch: records grouped by murmur2 partition, in request order, one message per group', () => {
    const messages = new Messages();
    const sink = new NdjsonBatchSink(messages, () => 4);
    const keys = ['cpu{host="a"}', 'cpu{host="b"}', 'cpu{host="a"}', 'mem{host="c"}', 'cpu{host="b"}'];
    keys.forEach((key, i) => sink.append(Signal.Metrics, i, key, `{"i":${i}}`));
    assert.equal(messages.out.length, 0, 'nothing before finish()');
    sink.finish();
    assert.equal(sink.messages, messages.out.length);
    let total = 0;
    for (const m of messages.out) {
      assert.equal(m.key, null, 'batches carry no key');
      const lines = m.value.trimEnd().split('\n').map((l) => (JSON.parse(l) as { i: number }).i);
      assert.equal(m.count, lines.length);
      assert.equal(m.index, lines[0], 'index = first record of the group');
      assert.deepEqual(lines, [...lines].sort((a, b) => a - b), 'request order within a group');
      for (const i of lines) assert.equal(partitionOf(Buffer.from(keys[i]!), 4), m.partition);
      total += lines.length;
    }
    assert.equal(total, keys.length);
  });

  it('ndjson-batch: an unknown partition count refuses the request with 503 metadata_unavailable', () => {
    const sink = new NdjsonBatchSink(new Messages(), () => 0);
    const err = refusal(() => sink.append(Signal.Logs, 0, 'k', '{}'));
    assert.deepEqual([err.status, err.code], [503, 'metadata_unavailable']);
  });

  it('ndjson-batch in spool mode, partition count unknown: one keyed one-line message per record, partition left to replay, at once and in order', () => {
    const messages = new Messages();
    const sink = new NdjsonBatchSink(messages, () => 0, true);
    sink.append(Signal.Metrics, 0, 'cpu{host="a"}', '{"i":0}');
    sink.append(Signal.Metrics, 1, 'cpu{host="b"}', '{"i":1}');
    sink.finish();
    assert.equal(sink.messages, 2);
    assert.deepEqual(messages.out.map((m) => [m.index, m.key, m.value, m.partition, m.count]),
      [[0, 'cpu{host="a"}', '{"i":0}\n', PARTITION_AT_REPLAY, 1], [1, 'cpu{host="b"}', '{"i":1}\n', PARTITION_AT_REPLAY, 1]]);
  });

  it('ndjson-batch: the count is read once per request, so a request is all grouped or all deferred', () => {
    const messages = new Messages();
    let count = 0;
    const sink = new NdjsonBatchSink(messages, () => count, true);
    sink.append(Signal.Metrics, 0, 'a', '{"i":0}');
    count = 4; // the metadata arrives mid-request
    sink.append(Signal.Metrics, 1, 'a', '{"i":1}');
    sink.finish();
    assert.deepEqual(messages.out.map((m) => [m.index, m.partition]), [[0, PARTITION_AT_REPLAY], [1, PARTITION_AT_REPLAY]]);
  });

  it('ndjson-batch: an empty request writes nothing', () => {
    const messages = new Messages();
    const sink = new NdjsonBatchSink(messages, () => 3);
    sink.finish();
    assert.deepEqual(messages.out, []);
  });
});
