// remote_write 1.0 metadata sent apart from its samples, through a pool of two
// workers and the main thread: the family types live in the pool's shared
// table, so samples decoded by another thread than the metadata are typed
// from it.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { compressSync } from 'snappy';
import { loadConfig } from '../../src/config/load';
import { ownBody } from '../../src/pool/body-arena';
import { DecodePool } from '../../src/pool/pool';
import { PartitionTable } from '../../src/produce/partition-table';
import { WriteRequest } from '../../src/protocols/remote-write/decode';
import { Route } from '../../src/protocols/routes';
import { createRingSet } from '../../src/ring/layout';
import { RingReader } from '../../src/ring/reader';

const config = loadConfig({ env: { METRICSTREAM_WORKERS: '2', METRICSTREAM_POOL_INLINE_MAX_BYTES: '0' } });
const ringSet = createRingSet(config.pool.threads + 2, 64 * 1024);
const pool = new DecodePool(config, ringSet, new PartitionTable().shared, () => 0);
after(() => pool.destroy());

function writeRequest(request: object): ArrayBuffer {
  const b = compressSync(Buffer.from(WriteRequest.encode(WriteRequest.fromObject(request)).finish()));
  return b.buffer.slice(b.byteOffset, b.byteOffset + b.length) as ArrayBuffer;
}

const task = (seq: number, body: ArrayBuffer) => ({
  seq, route: Route.RemoteWrite, body: ownBody(body), contentType: 'application/x-protobuf', contentEncoding: 'snappy', receivedAtMs: 1_000,
  client: '127.0.0.1', path: '/api/v1/write', query: '', headers: {},
});

/** The `type` of each record request `seq` left in `ring`, consuming them. */
function typesInRing(ring: number, seq: number): string[] {
  const reader = new RingReader(ringSet.rings[ring]!);
  const types: string[] = [];
  while (reader.next()) {
    assert.equal(reader.seq, seq);
    types.push((JSON.parse(reader.value.toString()) as { type: string }).type);
    reader.consume();
  }
  reader.release();
  return types;
}

describe('pool: remote_write 1.0 family types shared by the workers', () => {
  it('a counter\'s metadata decoded by one worker types its samples decoded by the other', async () => {
    const metadata = await pool.decode(task(1, writeRequest({ metadata: [{ type: 1, metricFamilyName: 'system_cpu_time_seconds' }] })));
    assert.ok(metadata.ok && metadata.records === 0, JSON.stringify(metadata));
    const samples = writeRequest({ timeseries: [
      { labels: [{ name: '__name__', value: 'system_cpu_time_seconds_total' }], samples: [{ value: 1, timestamp: 1 }] },
      { labels: [{ name: '__name__', value: 'no_metadata' }], samples: [{ value: 1, timestamp: 1 }] },
    ] });
    // Two at once: each of the two idle workers takes one.
    const results = await Promise.all([2, 3].map((seq) => pool.decode(task(seq, samples.slice(0)))));
    for (const [i, result] of results.entries()) {
      assert.ok(result.ok, JSON.stringify(result));
      assert.deepEqual(typesInRing(result.ring, i + 2), ['counter', 'gauge']);
    }
  });
});
