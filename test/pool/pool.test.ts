// The decode pool (src/pool/pool.ts) with real workers: a body is decoded
// into a leased ring, a refusal comes back as a result, a full queue is an
// immediate 503, and a failing task becomes WorkerFailedError with its
// leases free. Small bodies decoded on the main thread (pool.inlineMaxBytes),
// and OTLP protobuf bodies forwarded as they are (pool.inlineForwardMaxBytes),
// give the same results.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { loadConfig } from '../../src/config/load';
import { ownBody, type RequestBody } from '../../src/pool/body-arena';
import { DecodePool, WorkerFailedError } from '../../src/pool/pool';
import { PartitionTable } from '../../src/produce/partition-table';
import { EXPORT_REQUEST } from '../../src/protocols/otlp/proto';
import { Route } from '../../src/protocols/routes';
import { createRingSet } from '../../src/ring/layout';
import { Signal } from '../../src/signals';
import { LeaseTable } from '../../src/ring/leases';
import { RingReader } from '../../src/ring/reader';

// Every body to the workers here; the inline path has its own tests below.
const config = loadConfig({ env: { METRICSTREAM_WORKERS: '1', METRICSTREAM_POOL_INLINE_MAX_BYTES: '0' } });
const ringSet = createRingSet(config.pool.threads + 2, 64 * 1024);
const pool = new DecodePool(config, ringSet, new PartitionTable().shared, () => 0);
after(() => pool.destroy());

function body(text: string): RequestBody {
  const b = Buffer.from(text);
  return ownBody(b.buffer.slice(b.byteOffset, b.byteOffset + b.length) as ArrayBuffer);
}

const task = (seq: number, text: string, route = Route.Metrics) => ({
  seq, route, body: body(text), contentType: 'application/json', contentEncoding: '', receivedAtMs: 1_000, client: '127.0.0.1',
  path: '/metrics', query: '', headers: {},
});

/** Keys of the records request `seq` left in `ring`, consuming them. */
function keysInRing(ring: number, seq: number): string[] {
  const reader = new RingReader(ringSet.rings[ring]!);
  const keys: string[] = [];
  while (reader.next()) {
    assert.equal(reader.seq, seq);
    keys.push(reader.key!.toString());
    reader.consume();
  }
  reader.release();
  return keys;
}

function assertNoLeaseHeld(): void {
  const leases = new LeaseTable(ringSet.leases);
  for (let i = 0; i < leases.size; i++) assert.equal(leases.holder(i), 0);
}

describe('pool', () => {
  it('decodes a body read into the arena: the worker reads it there, and holds it until it is done', async () => {
    const text = '[{"name":"arena","value":1}]';
    // Another body first, so this one does not start at the arena's first byte.
    const before = pool.bodyArena.lease(100)!;
    const lease = pool.bodyArena.lease(text.length)!;
    lease.bytes.set(Buffer.from(text));
    const decoding = pool.decode({ ...task(6, ''), body: { bytes: lease.bytes, lease } });
    lease.release(); // the request is answered while the worker still reads the body
    assert.ok(pool.bodyArena.leasedBytes >= 128, 'the decode still holds it');
    const result = await decoding;
    assert.ok(result.ok, JSON.stringify(result));
    assert.deepEqual(keysInRing(result.ring, 6), ['arena']);
    before.release();
    assert.equal(pool.bodyArena.leasedBytes, 0, 'given back once the decode is done');
  });

  it('decodes a body into a ring and reports records and messages', async () => {
    const result = await pool.decode(task(7, '[{"name":"a","value":1},{"name":"b","value":2}]'));
    assert.ok(result.ok, JSON.stringify(result));
    assert.deepEqual([result.records, result.messages], [2, 2]);
    assert.deepEqual(keysInRing(result.ring, 7), ['a', 'b']);
    assert.ok(pool.busySeconds > 0);
  });

  it('a refused request is a result naming the code and record, not an exception', async () => {
    const result = await pool.decode(task(8, '[{"name":"a","value":"x"}]'));
    assert.equal(result.ok, false);
    assert.equal(!result.ok && result.code, 'invalid_record');
    assert.equal(!result.ok && result.record, 0);
  });

  it('a task the worker cannot run is a WorkerFailedError, and no lease is left held', async () => {
    await assert.rejects(pool.decode(task(9, '[]', 'no_such_route' as Route)), WorkerFailedError);
    assertNoLeaseHeld();
  });

  it('with no room in the queue, an immediate 503 overloaded', async () => {
    const full = new DecodePool(loadConfig({ env: { METRICSTREAM_WORKERS: '1', METRICSTREAM_POOL_MAX_QUEUE: '0', METRICSTREAM_POOL_INLINE_MAX_BYTES: '0' } }), ringSet, new PartitionTable().shared, () => 0);
    try {
      assert.equal(full.hasRoom(), false);
      const result = await full.decode(task(10, '[]'));
      assert.deepEqual([result.ok, !result.ok && result.code], [false, 'overloaded']);
    } finally {
      await full.destroy();
    }
  });

  describe('the rings\' backlog (pool.dispatchBacklogBytes)', () => {
    // Its own rings; the bytes the pump has not produced (RingPump.usedBytes) are staged.
    const rings = createRingSet(3, 64 * 1024);
    let unproduced = 0;
    const gated = () => new DecodePool(loadConfig({ env: {
      METRICSTREAM_WORKERS: '1', METRICSTREAM_POOL_MAX_QUEUE: '1', METRICSTREAM_POOL_INLINE_MAX_BYTES: '0', METRICSTREAM_POOL_DISPATCH_BACKLOG_BYTES: '4096',
    } }), rings, new PartitionTable().shared, () => unproduced);

    it('holds a request while the rings hold the bound unproduced, counting it as queued; the pump\'s drain lets it go', async () => {
      const held = gated();
      try {
        unproduced = 4096;
        let done = false;
        const decoding = held.decode(task(20, '[{"name":"held","value":1}]')).then((result) => {
          done = true;
          return result;
        });
        await new Promise((resolve) => setImmediate(resolve));
        assert.equal(done, false);
        assert.equal(held.queueSize, 1);
        assert.equal(held.hasRoom(), false, 'it takes pool.maxQueue\'s one place');
        const overloaded = await held.decode(task(21, '[]'));
        assert.deepEqual([overloaded.ok, !overloaded.ok && overloaded.code], [false, 'overloaded']);
        held.ringsDrained();
        assert.equal(held.queueSize, 1, 'still 4096 bytes unproduced');
        unproduced = 0; // the pump produced them
        held.ringsDrained();
        const result = await decoding;
        assert.ok(result.ok, JSON.stringify(result));
        assert.equal(held.queueSize, 0);
        const reader = new RingReader(rings.rings[result.ring]!);
        assert.ok(reader.next());
        assert.equal(reader.key!.toString(), 'held');
      } finally {
        unproduced = 0;
        await held.destroy();
      }
    });

    it('a request still held when the pool shuts down is answered 503 draining, its body given back', async () => {
      const held = gated();
      unproduced = 4096;
      const lease = held.bodyArena.lease(2)!;
      lease.bytes.set(Buffer.from('[]'));
      const decoding = held.decode({ ...task(22, ''), body: { bytes: lease.bytes, lease } });
      lease.release();
      await held.destroy();
      unproduced = 0;
      const result = await decoding;
      assert.deepEqual([result.ok, !result.ok && result.code], [false, 'draining']);
      assert.equal(held.bodyArena.leasedBytes, 0);
    });
  });

  describe('small bodies, decoded on the main thread', () => {
    const inline = new DecodePool(loadConfig({ env: { METRICSTREAM_WORKERS: '1', METRICSTREAM_POOL_MAX_QUEUE: '0', METRICSTREAM_POOL_INLINE_MAX_BYTES: '64' } }), ringSet, new PartitionTable().shared, () => 0);
    after(() => inline.destroy());

    it('a body within pool.inlineMaxBytes is decoded into a ring without a worker (even with no room in the queue)', async () => {
      const result = await inline.decode(task(11, '[{"name":"a","value":1},{"name":"b","value":2}]'));
      assert.ok(result.ok, JSON.stringify(result));
      assert.deepEqual([result.records, result.messages, inline.inlineDecoded], [2, 2, 1]);
      assert.deepEqual(keysInRing(result.ring, 11), ['a', 'b']);
      assertNoLeaseHeld();
    });

    it('a refusal is the workers\' result; larger, compressed or protobuf bodies go to the pool', async () => {
      const refused = await inline.decode(task(12, '[{"name":"a","value":"x"}]'));
      assert.deepEqual([refused.ok, !refused.ok && refused.code, !refused.ok && refused.record], [false, 'invalid_record', 0]);
      const before = inline.inlineDecoded;
      // No room in this pool's queue: what goes to the pool is refused at once.
      const large = await inline.decode(task(14, '[' + Array.from({ length: 10 }, () => '{"name":"a","value":1}').join(',') + ']'));
      assert.deepEqual([large.ok, !large.ok && large.code], [false, 'overloaded']);
      const gzip = await inline.decode({ ...task(15, '[]'), contentEncoding: 'gzip' });
      assert.deepEqual([gzip.ok, !gzip.ok && gzip.code], [false, 'overloaded']);
      const otlp = await inline.decode({ ...task(16, ''), route: Route.OtlpMetrics, contentType: 'application/x-protobuf' });
      assert.deepEqual([otlp.ok, !otlp.ok && otlp.code], [false, 'overloaded']);
      assert.equal(inline.inlineDecoded, before);
    });
  });

  describe('OTLP protobuf bodies forwarded as they are, checked on the main thread', () => {
    const points = (n: number) => ({ resourceMetrics: [{ scopeMetrics: [{ metrics: [{
      name: 'g', gauge: { dataPoints: Array.from({ length: n }, (_, i) => ({ asDouble: i, timeUnixNano: 1 })) },
    }] }] }] });
    const protobufOf = (document: object): Buffer => {
      const type = EXPORT_REQUEST[Signal.Metrics];
      return Buffer.from(type.encode(type.fromObject(document)).finish());
    };
    const small = protobufOf(points(3));
    const large = protobufOf(points(40));
    const otlpTask = (seq: number, bytes: Buffer, contentType = 'application/x-protobuf') => ({
      ...task(seq, ''), route: Route.OtlpMetrics, path: '/v1/metrics', contentType,
      body: ownBody(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length) as ArrayBuffer),
    });
    // No room in the queue: whatever goes to the pool is refused at once.
    const poolWith = (env: Record<string, string>) => new DecodePool(loadConfig({ env: {
      METRICSTREAM_WORKERS: '1', METRICSTREAM_POOL_MAX_QUEUE: '0', METRICSTREAM_POOL_INLINE_MAX_BYTES: '0',
      METRICSTREAM_POOL_INLINE_FORWARD_MAX_BYTES: String(small.length), ...env,
    } }), ringSet, new PartitionTable().shared, () => 0);
    const forwarding = poolWith({ METRICSTREAM_OTLP_ENCODING_METRICS: 'otlp_proto' });
    const normalizing = poolWith({});
    after(() => Promise.all([forwarding.destroy(), normalizing.destroy()]));

    it('a body within pool.inlineForwardMaxBytes becomes one message holding its bytes, without a worker', async () => {
      const result = await forwarding.decode(otlpTask(21, small));
      assert.ok(result.ok, JSON.stringify(result));
      assert.deepEqual([result.records, result.messages, forwarding.inlineDecoded], [3, 1, 1]);
      const reader = new RingReader(ringSet.rings[result.ring]!);
      assert.ok(reader.next());
      assert.deepEqual([reader.seq, reader.count, Buffer.compare(Buffer.from(reader.value), small)], [21, 3, 0]);
      reader.consume();
      assert.equal(reader.next(), false);
      reader.release();
      assertNoLeaseHeld();
    });

    it('a body that is not protobuf is refused as a worker refuses it, its lease free', async () => {
      const result = await forwarding.decode(otlpTask(22, Buffer.from([0x0a, 0x05, 0x01])));
      assert.deepEqual([result.ok, !result.ok && result.code, forwarding.inlineDecoded], [false, 'invalid_protobuf', 2]);
      assertNoLeaseHeld();
    });

    it('larger, compressed or JSON bodies, and protobuf bodies decoded per point, go to the pool', async () => {
      const before = forwarding.inlineDecoded;
      const refusedAtOnce = async (pool: DecodePool, t: ReturnType<typeof otlpTask>) => {
        const result = await pool.decode(t);
        assert.deepEqual([result.ok, !result.ok && result.code], [false, 'overloaded']);
      };
      await refusedAtOnce(forwarding, otlpTask(23, large));
      await refusedAtOnce(forwarding, { ...otlpTask(24, small), contentEncoding: 'gzip' });
      await refusedAtOnce(forwarding, otlpTask(25, Buffer.from('{}'), 'application/json'));
      await refusedAtOnce(normalizing, otlpTask(26, small));
      assert.deepEqual([forwarding.inlineDecoded, normalizing.inlineDecoded], [before, 0]);
    });
  });
});
