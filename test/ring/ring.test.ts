// The worker→producer ring (src/ring): records round-trip byte for byte, a
// request's records become visible together at commit(), a writer that never
// commits leaves nothing behind, wrap-around keeps every record in order, a
// full ring refuses without corrupting (leases: leases.test.ts).
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { describe, it } from 'node:test';
import { Signal } from '../../src/signals';
import {
  HEADER_BYTES, PARTITION_BY_KEY, READ, WRITE, capacityOf, createRingSet, recordSize,
} from '../../src/ring/layout';
import { LeaseTable } from '../../src/ring/leases';
import { RingReader } from '../../src/ring/reader';
import { RingWriter } from '../../src/ring/writer';

interface Read {
  seq: number;
  index: number;
  signal: Signal;
  key: Buffer | null;
  value: Buffer;
  partition: number;
  count: number;
}

/** Reads up to `max` records (copies: the views point into the ring), then releases them. */
function drain(reader: RingReader, max = Infinity): Read[] {
  const out: Read[] = [];
  while (out.length < max && reader.next()) {
    out.push({
      seq: reader.seq,
      index: reader.index,
      signal: reader.topic,
      key: reader.key === null ? null : Buffer.from(reader.key),
      value: Buffer.from(reader.value),
      partition: reader.partition,
      count: reader.count,
    });
    reader.consume();
  }
  reader.release();
  return out;
}

function text(records: Read[]): Array<[number, number, string | null, string]> {
  return records.map((r) => [r.seq, r.index, r.key?.toString('utf8') ?? null, r.value.toString('utf8')]);
}

/** Deterministic PRNG (mulberry32), so a failure can be replayed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Publishes and consumes one record of `valueBytes` so that both ring positions move by its size. */
function advance(ring: SharedArrayBuffer, reader: RingReader, valueBytes: number): void {
  const writer = new RingWriter(ring, 999);
  assert.ok(writer.append(Signal.Metrics, 0, null, 'p'.repeat(valueBytes)));
  writer.commit();
  assert.equal(drain(reader).length, 1);
}

function positions(ring: SharedArrayBuffer): { write: number; read: number } {
  const header = new Int32Array(ring, 0, HEADER_BYTES / 4);
  return { write: Atomics.load(header, WRITE), read: Atomics.load(header, READ) };
}

describe('ring layout', () => {
  it('sizes records with a 32-byte header, padded to 4 bytes', () => {
    assert.equal(recordSize(0, 0), 32);
    assert.equal(recordSize(1, 0), 36);
    assert.equal(recordSize(1, 3), 36);
    assert.equal(recordSize(1, 4), 40);
    assert.equal(recordSize(1, 4, 9), 48, 'extra header bytes count');
    assert.equal(recordSize(10, 10) % 4, 0);
  });

  it('creates rings of the requested (aligned) capacity and a zeroed lease table', () => {
    const set = createRingSet(3, 4097);
    assert.equal(set.rings.length, 3);
    assert.equal(set.leases.byteLength, 12);
    for (const ring of set.rings) assert.equal(capacityOf(ring), 4100);
    assert.deepEqual([...new Int32Array(set.leases)], [0, 0, 0]);
  });
});

describe('ring: round trip and publication', () => {
  it('round-trips seq, index, signal, key (bytes or null), value bytes, partition and count', () => {
    const { rings } = createRingSet(1, 4096);
    const ring = rings[0]!;
    const reader = new RingReader(ring);
    const writer = new RingWriter(ring, 0x7fffffff);
    assert.ok(writer.append(Signal.Metrics, 0, 'cpu{host="h1"}', '{"name":"cpu","value":1}'));
    assert.ok(writer.append(Signal.Logs, 1, null, 'ünïcödé 📈 value'));
    assert.ok(writer.append(Signal.Logs, 4_000_000_000, 'κλειδί', '', 7, 250));
    assert.ok(writer.append(Signal.Metrics, 3, 'k', 'abc', 0, 1));
    writer.commit();
    const records = drain(reader);
    assert.deepEqual(records, [
      { seq: 0x7fffffff, index: 0, signal: Signal.Metrics, key: Buffer.from('cpu{host="h1"}'), value: Buffer.from('{"name":"cpu","value":1}'), partition: PARTITION_BY_KEY, count: 1 },
      { seq: 0x7fffffff, index: 1, signal: Signal.Logs, key: null, value: Buffer.from('ünïcödé 📈 value'), partition: PARTITION_BY_KEY, count: 1 },
      { seq: 0x7fffffff, index: 4_000_000_000, signal: Signal.Logs, key: Buffer.from('κλειδί'), value: Buffer.alloc(0), partition: 7, count: 250 },
      { seq: 0x7fffffff, index: 3, signal: Signal.Metrics, key: Buffer.from('k'), value: Buffer.from('abc'), partition: 0, count: 1 },
    ]);
    assert.equal(reader.next(), false);
    assert.equal(reader.usedBytes, 0);
  });

  it('reports the record size in bytes and the used bytes', () => {
    const { rings } = createRingSet(1, 4096);
    const reader = new RingReader(rings[0]!);
    assert.equal(reader.capacity, 4096);
    const writer = new RingWriter(rings[0]!, 1);
    writer.append(Signal.Metrics, 0, 'key', 'value!');
    writer.commit();
    assert.equal(reader.usedBytes, recordSize(3, 6));
    assert.ok(reader.next());
    assert.equal(reader.bytes, recordSize(3, 6));
  });

  it('makes nothing visible before commit(), then all of the request at once', () => {
    const { rings } = createRingSet(1, 4096);
    const reader = new RingReader(rings[0]!);
    const writer = new RingWriter(rings[0]!, 3);
    for (let i = 0; i < 5; i++) {
      assert.ok(writer.append(Signal.Metrics, i, `k${i}`, `v${i}`));
      assert.equal(reader.next(), false, `record ${i} visible before commit`);
      assert.equal(reader.usedBytes, 0);
    }
    writer.commit();
    assert.deepEqual(text(drain(reader)), [0, 1, 2, 3, 4].map((i) => [3, i, `k${i}`, `v${i}`]));
  });

  it('publishes nothing for a request with no records', () => {
    const { rings } = createRingSet(1, 4096);
    const reader = new RingReader(rings[0]!);
    new RingWriter(rings[0]!, 1).commit();
    assert.equal(reader.next(), false);
  });

  it('records stay until the reader releases them, and consume() without release() frees nothing', () => {
    const { rings } = createRingSet(1, 1024);
    const ring = rings[0]!;
    const reader = new RingReader(ring);
    const w1 = new RingWriter(ring, 1);
    let n = 0;
    while (w1.append(Signal.Metrics, n, null, 'x'.repeat(100))) n++;
    w1.commit();
    while (reader.next()) reader.consume();
    // Not released: the writer still sees a full ring.
    assert.equal(new RingWriter(ring, 2).append(Signal.Metrics, 0, null, 'x'.repeat(100)), false);
    reader.release();
    const w3 = new RingWriter(ring, 3);
    assert.ok(w3.append(Signal.Metrics, 0, null, 'after release'));
    w3.commit();
    assert.deepEqual(text(drain(reader)), [[3, 0, null, 'after release']]);
  });
});

describe('ring: writers that never commit', () => {
  it('an uncommitted writer leaves nothing visible, and the next writer\'s records are read correctly', () => {
    const { rings } = createRingSet(1, 4096);
    const ring = rings[0]!;
    const reader = new RingReader(ring);
    const dead = new RingWriter(ring, 1);
    for (let i = 0; i < 20; i++) assert.ok(dead.append(Signal.Metrics, i, 'dead-key', `garbage ${i} `.repeat(5)));
    // The worker died here: no commit().
    assert.equal(reader.next(), false);
    const next = new RingWriter(ring, 2);
    assert.ok(next.append(Signal.Logs, 0, 'k2', 'good'));
    assert.ok(next.append(Signal.Logs, 1, null, 'also good'));
    next.commit();
    assert.deepEqual(text(drain(reader)), [[2, 0, 'k2', 'good'], [2, 1, null, 'also good']]);
    assert.equal(reader.next(), false);
  });

  it('an uncommitted writer that filled and wrapped the ring leaves it usable for many later requests', () => {
    const { rings } = createRingSet(1, 4096);
    const ring = rings[0]!;
    const reader = new RingReader(ring);
    advance(ring, reader, 2500); // positions in the middle, so the dead writer wraps
    const dead = new RingWriter(ring, 1);
    let garbage = 0;
    while (dead.append(Signal.Metrics, garbage, 'dead', 'G'.repeat(90))) garbage++;
    assert.ok(garbage > 20, 'the dead writer filled the ring, wrapping');
    assert.equal(reader.next(), false);

    let expected = 0;
    for (let seq = 2; seq < 200; seq++) {
      const writer = new RingWriter(ring, seq);
      const batch = 1 + (seq % 7);
      const sent: Array<[number, number, string | null, string]> = [];
      for (let i = 0; i < batch; i++) {
        const value = `r${expected + i}:` + 'v'.repeat((seq * 13 + i * 29) % 150);
        const key = i % 2 === 0 ? `key-${expected + i}` : null;
        assert.ok(writer.append(Signal.Logs, i, key, value), `seq ${seq} record ${i}`);
        sent.push([seq, i, key, value]);
      }
      writer.commit();
      expected += batch;
      assert.deepEqual(text(drain(reader)), sent, `seq ${seq}`);
    }
  });
});

describe('ring: wrap-around', () => {
  it('carries 10,000 records of varied sizes through a 4 KiB ring, every one intact and in order', () => {
    const { rings } = createRingSet(1, 4096);
    const ring = rings[0]!;
    const reader = new RingReader(ring);
    const random = prng(42);
    const expected: Array<{ seq: number; index: number; signal: Signal; key: string | null; value: string; partition: number; count: number }> = [];
    const alphabet = Array.from('abcxyz0189-_é€📈'); // code points: 1 to 4 bytes of UTF-8
    const randomText = (length: number): string => {
      let s = '';
      for (let i = 0; i < length; i++) s += alphabet[Math.floor(random() * alphabet.length)];
      return s;
    };
    let written = 0;
    let read = 0;
    let refusals = 0;
    let seq = 1;
    const check = (records: Read[]): void => {
      for (const r of records) {
        const e = expected[read]!;
        assert.ok(e !== undefined, `read more records than were written (${read})`);
        assert.equal(r.seq, e.seq, `record ${read} seq`);
        assert.equal(r.index, e.index, `record ${read} index`);
        assert.equal(r.signal, e.signal, `record ${read} signal`);
        assert.equal(r.key?.toString('utf8') ?? null, e.key, `record ${read} key`);
        assert.equal(r.value.toString('utf8'), e.value, `record ${read} value`);
        assert.equal(r.partition, e.partition, `record ${read} partition`);
        assert.equal(r.count, e.count, `record ${read} count`);
        read++;
      }
    };

    while (written < 10_000) {
      const writer = new RingWriter(ring, seq);
      const batch = 1 + Math.floor(random() * 8);
      const pending: typeof expected = [];
      for (let i = 0; i < batch; i++) {
        const key = random() < 0.2 ? null : randomText(Math.floor(random() * 40));
        const value = `#${written + pending.length}#` + randomText(Math.floor(random() * 250));
        const signal = random() < 0.5 ? Signal.Metrics : Signal.Logs;
        const partition = random() < 0.5 ? PARTITION_BY_KEY : Math.floor(random() * 12);
        const count = 1 + Math.floor(random() * 3);
        if (!writer.append(signal, i, key, value, partition, count)) {
          refusals++;
          break;
        }
        pending.push({ seq, index: i, signal, key: key === '' ? null : key, value, partition, count });
      }
      if (pending.length > 0 && random() < 0.1) {
        // Now and then the request fails after writing: nothing is committed.
        seq++;
        check(drain(reader));
        continue;
      }
      writer.commit();
      expected.push(...pending);
      written += pending.length;
      seq++;
      // Read a random part of what is there, so the positions drift.
      check(drain(reader, Math.floor(random() * 12)));
    }
    check(drain(reader));
    assert.equal(read, written);
    assert.equal(reader.usedBytes, 0);
    assert.ok(refusals > 0, 'the ring filled up at times');
    assert.equal(reader.next(), false);
  });

  it('with leases and the pump\'s rewind between requests, 10,000 records still arrive intact and in order', () => {
    const set = createRingSet(1, 4096);
    const ring = set.rings[0]!;
    const leases = new LeaseTable(set.leases);
    const reader = new RingReader(ring);
    const random = prng(7);
    const expected: Array<[number, number, string | null, string]> = [];
    let read = 0;
    let rewinds = 0;
    let seq = 1;
    const check = (records: Read[]): void => {
      for (const r of text(records)) {
        assert.deepEqual(r, expected[read], `record ${read}`);
        read++;
      }
    };
    while (expected.length < 10_000) {
      assert.equal(leases.lease(seq, 0), 0, 'the ring is free between requests');
      const writer = new RingWriter(ring, seq);
      const pending: typeof expected = [];
      const batch = 1 + Math.floor(random() * 6);
      for (let i = 0; i < batch; i++) {
        const key = random() < 0.3 ? null : `series-${seq}-${i}`;
        const value = `#${expected.length + pending.length}#` + 'v'.repeat(Math.floor(random() * 700));
        if (!writer.append(Signal.Metrics, i, key, value)) break;
        pending.push([seq, i, key, value]);
      }
      // The pump runs while the worker writes: it may drain, but must not rewind a leased ring.
      check(drain(reader));
      assert.equal(reader.rewindIfIdle(leases, 0), false, 'a leased ring is never rewound');
      if (random() < 0.9) {
        writer.commit();
        expected.push(...pending);
      }
      leases.release(0, seq);
      seq++;
      check(drain(reader, Math.floor(random() * 4)));
      if (reader.rewindIfIdle(leases, 0)) {
        rewinds++;
        const { write, read: readPosition } = positions(ring);
        assert.deepEqual([write, readPosition], [0, 0]);
      }
    }
    check(drain(reader));
    assert.equal(read, expected.length);
    assert.ok(rewinds > 100, `rewound ${rewinds} times`);
  });

  it('never lets a wrapped record fill the ring up to the reader (WRITE === READ would read as empty)', () => {
    const { rings } = createRingSet(1, 1024);
    const ring = rings[0]!;
    const reader = new RingReader(ring);
    advance(ring, reader, 600 - 32); // positions at 600: 424 bytes of tail
    const first = new RingWriter(ring, 1);
    assert.ok(first.append(Signal.Logs, 0, null, 'a'.repeat(400 - 32)), 'fills the tail but 24 bytes');
    first.commit();
    // Positions: READ 600, WRITE 1000. A 600-byte record would wrap and end exactly at READ.
    const writer = new RingWriter(ring, 2);
    const exact = writer.append(Signal.Logs, 0, null, 'b'.repeat(600 - 32));
    writer.commit();
    const { write, read } = positions(ring);
    assert.notEqual(write, read, 'the ring would look empty');
    const records = text(drain(reader));
    assert.deepEqual(records, exact ? [[1, 0, null, 'a'.repeat(368)], [2, 0, null, 'b'.repeat(568)]] : [[1, 0, null, 'a'.repeat(368)]]);
    assert.equal(exact, false, 'a record that would end exactly at READ is refused');
  });

  it('fills a wrapped ring up to 4 bytes before the reader, but not closer', () => {
    const { rings } = createRingSet(1, 1024);
    const ring = rings[0]!;
    const reader = new RingReader(ring);
    advance(ring, reader, 600 - 32); // positions at 600
    const first = new RingWriter(ring, 1);
    assert.ok(first.append(Signal.Logs, 0, null, 'a'.repeat(400 - 32))); // WRITE 1000
    assert.ok(first.append(Signal.Logs, 1, null, 'b'.repeat(596 - 32)), 'wraps and ends 4 bytes before READ');
    assert.equal(first.append(Signal.Logs, 2, null, ''), false, 'no room for even an empty record');
    first.commit();
    assert.deepEqual(positions(ring), { write: 596, read: 600 });
    assert.deepEqual(text(drain(reader)), [[1, 0, null, 'a'.repeat(368)], [1, 1, null, 'b'.repeat(564)]]);
  });

  it('handles a record that ends exactly at the end of the data area', () => {
    const { rings } = createRingSet(1, 1024);
    const ring = rings[0]!;
    const reader = new RingReader(ring);
    advance(ring, reader, 100); // positions at recordSize(0, 100) = 132
    const writer = new RingWriter(ring, 5);
    // 1024 - 132 = 892 bytes to the end: one record of exactly that size.
    assert.ok(writer.append(Signal.Metrics, 0, null, 'e'.repeat(892 - 32)));
    assert.ok(writer.append(Signal.Metrics, 1, 'k', 'after the end: at offset 0'));
    writer.commit();
    assert.deepEqual(text(drain(reader)), [[5, 0, null, 'e'.repeat(860)], [5, 1, 'k', 'after the end: at offset 0']]);
    assert.equal(positions(ring).read, positions(ring).write);
  });

  it('wraps a record that does not fit in the tail to the start of the ring', () => {
    const { rings } = createRingSet(1, 1024);
    const ring = rings[0]!;
    const reader = new RingReader(ring);
    advance(ring, reader, 700); // positions at 732: 292 bytes of tail
    const writer = new RingWriter(ring, 6);
    assert.ok(writer.append(Signal.Logs, 0, 'k', 'w'.repeat(400)));
    writer.commit();
    assert.equal(positions(ring).write, recordSize(1, 400), 'written at offset 0');
    assert.deepEqual(text(drain(reader)), [[6, 0, 'k', 'w'.repeat(400)]]);
  });
});

describe('ring: full', () => {
  it('a full ring makes append() return false without corrupting what it holds', () => {
    const { rings } = createRingSet(1, 1024);
    const ring = rings[0]!;
    const reader = new RingReader(ring);
    const writer = new RingWriter(ring, 1);
    let n = 0;
    while (writer.append(Signal.Metrics, n, `k${n}`, `value ${n} `.repeat(4))) n++;
    assert.ok(n > 5, `${n} records fit`);
    assert.equal(writer.lastRecordBytes, recordSize(`k${n}`.length, `value ${n} `.repeat(4).length));
    assert.equal(writer.append(Signal.Metrics, n, 'k', 'still no room'.repeat(8)), false);
    writer.commit();

    const second = new RingWriter(ring, 2);
    assert.equal(second.append(Signal.Metrics, 0, 'k', 'v'.repeat(50)), false);
    second.commit(); // publishes nothing

    const records = drain(reader);
    assert.equal(records.length, n);
    records.forEach((r, i) => {
      assert.equal(r.seq, 1);
      assert.equal(r.index, i);
      assert.equal(r.key?.toString(), `k${i}`);
      assert.equal(r.value.toString(), `value ${i} `.repeat(4));
    });

    const third = new RingWriter(ring, 3);
    assert.ok(third.append(Signal.Logs, 0, null, 'room again'));
    third.commit();
    assert.deepEqual(text(drain(reader)), [[3, 0, null, 'room again']]);
  });

  it('after a refused record, a smaller one that fits is still written and the request stays consistent', () => {
    const { rings } = createRingSet(1, 1024);
    const ring = rings[0]!;
    const reader = new RingReader(ring);
    const writer = new RingWriter(ring, 9);
    assert.ok(writer.append(Signal.Metrics, 0, null, 'a'.repeat(800)));
    assert.equal(writer.append(Signal.Metrics, 1, null, 'b'.repeat(300)), false);
    assert.ok(writer.append(Signal.Metrics, 2, null, 'c'.repeat(100)));
    writer.commit();
    assert.deepEqual(text(drain(reader)), [[9, 0, null, 'a'.repeat(800)], [9, 2, null, 'c'.repeat(100)]]);
  });

  it('a full wrapped ring (writer behind the reader) refuses without overwriting unread records', () => {
    const { rings } = createRingSet(1, 1024);
    const ring = rings[0]!;
    const reader = new RingReader(ring);
    advance(ring, reader, 472); // positions at 500
    const writer = new RingWriter(ring, 4);
    const sent: string[] = [];
    for (let i = 0; ; i++) {
      const value = `${i}`.padEnd(60, '.');
      if (!writer.append(Signal.Logs, i, null, value)) break;
      sent.push(value);
    }
    writer.commit();
    const { write, read } = positions(ring);
    assert.ok(write < read, 'the writer wrapped and stopped behind the reader');
    assert.ok(read - write >= 4, 'WRITE never catches up with READ');
    assert.deepEqual(drain(reader).map((r) => r.value.toString()), sent);
  });
});

describe('ring: exceedsCapacity', () => {
  it('is true for a record that could never fit, false for one that would fit an empty ring', () => {
    const { rings } = createRingSet(1, 4096);
    const writer = new RingWriter(rings[0]!, 1);
    assert.equal(writer.exceedsCapacity(recordSize(1, 50)), false);
    assert.equal(writer.exceedsCapacity(2048), false);
    assert.equal(writer.exceedsCapacity(4096), true);
    assert.equal(writer.exceedsCapacity(10_000), true);
  });

  it('counts what this writer already appended (a request must fit as a whole)', () => {
    const { rings } = createRingSet(1, 4096);
    const writer = new RingWriter(rings[0]!, 1);
    assert.equal(writer.exceedsCapacity(3000), false);
    assert.ok(writer.append(Signal.Metrics, 0, null, 'x'.repeat(2000 - 32)));
    assert.equal(writer.exceedsCapacity(3000), true);
    assert.equal(writer.exceedsCapacity(1000), false);
  });

  it('a full ring (records of other requests unread) is not "exceeds capacity": 503, not 413', () => {
    const { rings } = createRingSet(1, 4096);
    const ring = rings[0]!;
    const first = new RingWriter(ring, 1);
    assert.ok(first.append(Signal.Metrics, 0, null, 'x'.repeat(3000)));
    first.commit();
    const second = new RingWriter(ring, 2);
    assert.equal(second.append(Signal.Metrics, 0, null, 'y'.repeat(2000)), false);
    assert.equal(second.exceedsCapacity(second.lastRecordBytes), false);
  });

  it('a record that exceedsCapacity() accepts fits once the emptied ring is rewound, wherever its positions were', () => {
    // The worker answers 503 ring_full (retry) when exceedsCapacity() is false;
    // a retry must then succeed once the producer has caught up. The pump
    // rewinds every ring it empties (RingReader.rewindIfIdle, see rewind.test.ts).
    const set = createRingSet(1, 4096);
    const ring = set.rings[0]!;
    const reader = new RingReader(ring);
    advance(ring, reader, 2048 - 32); // empty ring, positions at 2048
    assert.equal(reader.usedBytes, 0);
    const value = 'z'.repeat(3000 - 32);
    const refused = new RingWriter(ring, 2);
    assert.equal(refused.append(Signal.Metrics, 0, null, value), false, 'at offset 2048 the record has no room in one piece');
    assert.equal(refused.exceedsCapacity(refused.lastRecordBytes), false, 'so the worker answers 503, a retry');
    assert.equal(reader.rewindIfIdle(new LeaseTable(set.leases), 0), true);
    const retry = new RingWriter(ring, 3);
    assert.ok(retry.append(Signal.Metrics, 0, null, value), 'the retry fits');
    retry.commit();
    assert.deepEqual(text(drain(reader)), [[3, 0, null, value]]);
  });
});

/** A ring holding the same bytes as `ring` (positions included). */
function cloneRing(ring: SharedArrayBuffer): SharedArrayBuffer {
  const copy = new SharedArrayBuffer(ring.byteLength);
  new Uint8Array(copy).set(new Uint8Array(ring));
  return copy;
}

describe('ring: soft end', () => {
  it('with the reader keeping up, writes stay within the soft end plus one request', () => {
    const ring = createRingSet(1, 64 * 1024).rings[0]!;
    const softEnd = 8 * 1024;
    const reader = new RingReader(ring);
    const writer = new RingWriter(ring, 1, softEnd);
    const random = prng(7);
    let largestRequest = 0;
    let maxWrite = 0;
    let next = 0;
    for (let seq = 1; seq <= 2_000; seq++) {
      writer.restart(seq);
      const values: string[] = [];
      let bytes = 0;
      for (let i = 0, n = 1 + Math.floor(random() * 8); i < n; i++) {
        const value = `#${next++}#${'v'.repeat(Math.floor(random() * 300))}`;
        assert.ok(writer.append(Signal.Logs, i, null, value), `request ${seq} record ${i}`);
        values.push(value);
        bytes += recordSize(0, Buffer.byteLength(value));
      }
      writer.commit();
      largestRequest = Math.max(largestRequest, bytes);
      maxWrite = Math.max(maxWrite, positions(ring).write);
      assert.deepEqual(drain(reader).map((r) => r.value.toString()), values);
    }
    assert.ok(maxWrite <= softEnd + largestRequest, `WRITE reached ${maxWrite}`);
    const untouched = new Uint8Array(ring, HEADER_BYTES + softEnd + largestRequest + 4);
    assert.ok(untouched.every((b) => b === 0), 'nothing was written past the soft end and one request');
  });

  it('an early wrap that runs out of room at the start goes on from where it wrapped instead', () => {
    const ring = createRingSet(1, 4096).rings[0]!;
    const reader = new RingReader(ring);
    advance(ring, reader, 1000 - 32); // empty, positions at 1000
    const writer = new RingWriter(ring, 2, 1024);
    const value = 'w'.repeat(200 - 32);
    for (let i = 0; i < 6; i++) assert.ok(writer.append(Signal.Logs, i, null, value), `record ${i}`);
    writer.commit();
    // Record 0 crossed the soft end and wrapped to the start, whose 996 bytes
    // held four; the fifth moved the four back to 1000, as without a soft end.
    assert.deepEqual(positions(ring), { write: 2200, read: 1000 });
    assert.deepEqual(text(drain(reader)), Array.from({ length: 6 }, (_, i) => [2, i, null, value]));
  });

  it('takes a request exactly when the same ring without a soft end would, and the reader reads the same records', () => {
    const random = prng(2025);
    const ring = createRingSet(1, 4096).rings[0]!;
    let wrappedEarly = 0;
    let refused = 0;
    for (let seq = 1; seq <= 3_000; seq++) {
      const softEnd = 256 + Math.floor(random() * 3_000);
      const records = Array.from({ length: 1 + Math.floor(random() * 12) }, (_, i) =>
        ({ key: random() < 0.5 ? null : `k${seq}.${i}`, value: 'x'.repeat(Math.floor(random() * 600)) }));
      const outcomes = [softEnd, Infinity].map((end) => {
        const copy = cloneRing(ring);
        const writer = new RingWriter(copy, seq, end);
        const taken = records.findIndex((r, i) => !writer.append(Signal.Logs, i, r.key, r.value));
        if (taken === -1) writer.commit(); // a refused request publishes nothing (pool/decoder.ts)
        return { copy, taken, layout: positions(copy), read: text(drain(new RingReader(copy))) };
      });
      const [soft, plain] = outcomes as [typeof outcomes[0], typeof outcomes[0]];
      assert.equal(soft.taken, plain.taken, `request ${seq}: the first record refused`);
      assert.deepEqual(soft.read, plain.read, `request ${seq}: what the reader reads`);
      if (soft.layout.write !== plain.layout.write) wrappedEarly++;
      if (plain.taken >= 0) refused++;
      // Go on from the state with a soft end (or without), and read a random part of it.
      const kept = random() < 0.5 ? soft.copy : plain.copy;
      new Uint8Array(ring).set(new Uint8Array(kept));
      const follower = new RingReader(ring);
      drain(follower, Math.floor(random() * 24));
    }
    assert.ok(wrappedEarly > 300, `requests laid out by an early wrap: ${wrappedEarly}`);
    assert.ok(refused > 100, `requests refused by both: ${refused}`);
  });
});
