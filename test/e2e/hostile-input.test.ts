// Hostile and broken input against the running daemon: each gets its 4xx
// with a JSON error naming the problem; the daemon stays healthy and the next
// valid request succeeds. A property test mutates valid bodies at random.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { deflateSync, gzipSync } from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { Daemon, metricBatch, post } from '../support/daemon';
import { MockKafka } from '../support/mock-kafka';
import { rawRequest } from '../support/raw-http';

/** zstd through the zstd command (Debian package zstd): Node 20's zlib has no zstd. */
function zstd(data: Buffer): Buffer {
  return execFileSync('zstd', ['-c', '-q', '-19'], { input: data, maxBuffer: 64 * 1024 * 1024 });
}

describe('hostile input', () => {
  let kafka: MockKafka;
  let daemon: Daemon;

  before(async () => {
    kafka = await MockKafka.start({ topics: { metrics: 4, logs: 4 } });
    daemon = await Daemon.start({
      METRICSTREAM_BROKERS: kafka.bootstrap,
      METRICSTREAM_INGEST_BODY_READ_TIMEOUT_MS: '1500',
      METRICSTREAM_INGEST_MAX_DECOMPRESSED_BYTES: String(8 * 1024 * 1024),
      METRICSTREAM_LIMITS_MAX_RECORDS_PER_REQUEST: '1000',
      METRICSTREAM_POOL_WORKER_MAX_HEAP_MB: '16',
      METRICSTREAM_KAFKA_LOG_KEY_FIELD: 'k',
    });
  });

  after(async () => {
    assert.equal((await daemon.stop()).code, 0);
    await kafka.stop();
  });

  async function assertHealthy(): Promise<void> {
    const ok = await post(`${daemon.ingestUrl}/metrics`, '[{"name":"still_ok","value":1}]');
    assert.equal(ok.status, 200);
    assert.equal((await fetch(`${daemon.adminUrl}/healthz`)).status, 200);
  }

  it('refuses each kind of bad body with its documented 4xx', async () => {
    const url = `${daemon.ingestUrl}/metrics`;
    const json = { 'content-type': 'application/json' };
    const deep = '['.repeat(5000) + ']'.repeat(5000);
    const cases: Array<[string, string | Uint8Array, Record<string, string>, number, string, string]> = [
      ['gzip bomb', gzipSync(Buffer.alloc(64 * 1024 * 1024, 0x20)), { ...json, 'content-encoding': 'gzip' }, 413, 'decompressed_too_large', '/metrics'],
      ['deflate bomb', deflateSync(Buffer.alloc(64 * 1024 * 1024, 0x20)), { ...json, 'content-encoding': 'deflate' }, 413, 'decompressed_too_large', '/metrics'],
      ['zstd bomb', zstd(Buffer.alloc(64 * 1024 * 1024, 0x20)), { ...json, 'content-encoding': 'zstd' }, 413, 'decompressed_too_large', '/metrics'],
      ['corrupt zstd', zstd(Buffer.from('[{"name":"n","value":1}]')).subarray(0, 12), { ...json, 'content-encoding': 'zstd' }, 400, 'bad_compression', '/metrics'],
      ['invalid UTF-8', Buffer.from([0x5b, 0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d, 0x5d]), json, 400, 'invalid_utf8', '/metrics'],
      ['too many records', JSON.stringify(Array.from({ length: 1001 }, () => ({ name: 'x', value: 1 }))), json, 413, 'too_many_records', '/metrics'],
      ['empty name', '[{"name":"","value":1}]', json, 400, 'invalid_record', '/metrics'],
      ['oversized name', JSON.stringify([{ name: 'n'.repeat(300), value: 1 }]), json, 400, 'invalid_record', '/metrics'],
      ['oversized label', JSON.stringify([{ name: 'n', value: 1, labels: { l: 'v'.repeat(3000) } }]), json, 400, 'invalid_record', '/metrics'],
      ['null value', '[{"name":"n","value":null}]', json, 400, 'invalid_record', '/metrics'],
      ['series key over 64 KiB', JSON.stringify([{ name: 'n', value: 1, labels: Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`l${i}`, 'v'.repeat(2000)])) }]), json, 413, 'key_too_large', '/metrics'],
      ['log key over 64 KiB', JSON.stringify([{ k: 'x'.repeat(70_000) }]), json, 413, 'key_too_large', '/logs'],
      ['negative timestamp', '[{"name":"n","value":1,"timestamp":-5}]', json, 400, 'invalid_record', '/metrics'],
      ['metrics not an array', '{"metrics":{}}', json, 400, 'invalid_batch', '/metrics'],
      ['deep nesting (metrics)', deep, json, 400, 'invalid_record', '/metrics'],
      ['deep nesting (logs)', `[{"a":${'{"b":'.repeat(100)}1${'}'.repeat(100)}}]`, json, 400, 'invalid_record', '/logs'],
      ['log record not an object', '[1,2,3]', json, 400, 'invalid_record', '/logs'],
      ['truncated JSON', '[{"name":"n","value":1', json, 400, 'invalid_json', '/metrics'],
      ['whitespace only', '   \n  ', json, 400, 'empty_body', '/metrics'],
      ['xml', '<a/>', { 'content-type': 'application/xml' }, 415, 'unsupported_content_type', '/metrics'],
      ['latin-1 charset', '[]', { 'content-type': 'application/json; charset=iso-8859-1' }, 415, 'unsupported_content_type', '/metrics'],
    ];
    for (const [name, body, headers, status, code, path] of cases) {
      const reply = await post(`${daemon.ingestUrl}${path}`, body, headers);
      assert.equal(reply.status, status, `${name}: ${JSON.stringify(reply.body)}`);
      assert.equal(reply.body['error'], code, name);
      assert.ok(String(reply.body['message']).length > 0, name);
    }
    assert.equal((await fetch(url, { method: 'DELETE' })).status, 405);
    await assertHealthy();
  });

  it('a client trickling its body gets 408 and is closed', async () => {
    const reply = await rawRequest(daemon.ingestUrl, 'POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000',
      Array.from({ length: 40 }, () => ' '), 100);
    assert.equal(reply.status, 408);
    assert.match(reply.body, /"error":"body_timeout"/);
    await assertHealthy();
  });

  it('a worker that dies mid-request: that request gets 500, the pool replaces the worker, the next requests succeed', async () => {
    // Parsing this beyond the 16 MB worker heap kills the worker thread (V8 OOM).
    const body = '[' + Array.from({ length: 100_000 }, (_, i) => `{"a":${i},"b":[1,2,3],"c":{"d":"e"}}`).join(',') + ']';
    const reply = await post(`${daemon.ingestUrl}/logs`, body);
    assert.equal(reply.status, 500);
    assert.equal(reply.body['error'], 'worker_failed');
    for (let i = 0; i < 5; i++) {
      const batch = await post(`${daemon.ingestUrl}/metrics`, metricBatch(100, `after-crash-${i}`).body);
      assert.equal(batch.status, 200);
    }
    await assertHealthy();
  });

  it('fuzz: mutated valid bodies never get a 5xx and never crash the daemon', async () => {
    const valid = [
      metricBatch(5, 'fuzz').body,
      JSON.stringify([{ name: 'a', value: 1, labels: { k: 'v' } }]),
      '{"name":"a","value":1}\n{"name":"b","value":2,"type":"counter"}',
    ];
    const mutation = fc.record({
      base: fc.integer({ min: 0, max: valid.length - 1 }),
      edits: fc.array(fc.record({
        at: fc.nat(),
        op: fc.constantFrom('replace', 'insert', 'delete', 'truncate'),
        byte: fc.integer({ min: 0, max: 255 }),
      }), { minLength: 1, maxLength: 8 }),
      route: fc.constantFrom('/metrics', '/logs'),
      encoding: fc.constantFrom('', 'gzip', 'deflate-garbage'),
    });
    const statuses = new Map<number, number>();
    await fc.assert(fc.asyncProperty(mutation, async ({ base, edits, route, encoding }) => {
      let bytes = Buffer.from(valid[base]!);
      for (const { at, op, byte } of edits) {
        const i = bytes.length === 0 ? 0 : at % bytes.length;
        if (op === 'replace' && bytes.length > 0) bytes[i] = byte;
        else if (op === 'insert') bytes = Buffer.concat([bytes.subarray(0, i), Buffer.from([byte]), bytes.subarray(i)]);
        else if (op === 'delete') bytes = Buffer.concat([bytes.subarray(0, i), bytes.subarray(i + 1)]);
        else if (op === 'truncate') bytes = bytes.subarray(0, i);
      }
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      let body: Uint8Array = bytes;
      if (encoding === 'gzip') {
        headers['content-encoding'] = 'gzip';
        body = gzipSync(bytes);
      } else if (encoding === 'deflate-garbage') {
        headers['content-encoding'] = 'deflate';
      }
      const reply = await post(`${daemon.ingestUrl}${route}`, body, headers);
      statuses.set(reply.status, (statuses.get(reply.status) ?? 0) + 1);
      assert.ok(reply.status < 500, `${reply.status} ${JSON.stringify(reply.body)} for ${JSON.stringify(bytes.toString('latin1'))}`);
      if (reply.status >= 400) assert.equal(typeof reply.body['error'], 'string');
    }), { numRuns: 300, seed: 20261124 });
    process.stdout.write(`# fuzz statuses: ${JSON.stringify(Object.fromEntries(statuses))}\n`);
    await assertHealthy();
  });
});
