// Loki pushes captured from the npm clients: winston-loki 6.1.7 (protobuf +
// snappy, its default) and pino-loki 3.0.0 (JSON).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeLokiPush, pushFormatOf, type KeyedLokiRecord } from '../../../src/protocols/loki';
import { capturedRequests } from '../../support/client-captures';

const OPTIONS = { maxRecords: 1000, maxLineBytes: 65_536, maxLabels: 16, maxDecompressedBytes: 1 << 20 };

function decodeAll(client: string): KeyedLokiRecord[] {
  const requests = capturedRequests(client, 'loki_api_v1_push-');
  assert.ok(requests.length > 0);
  return requests.flatMap((request) => {
    const format = pushFormatOf(request.headers['content-type']);
    assert.ok(format !== undefined, `${request.file}: ${request.headers['content-type']}`);
    return decodeLokiPush(request.body, format, { ...OPTIONS, tenant: request.headers['x-scope-orgid'] });
  });
}

describe('loki: npm clients', () => {
  it('winston-loki 6.1.7: protobuf + snappy, labels text with the level, winston\'s line (message and meta)', () => {
    const client = 'winston-loki-6.1.7';
    assert.equal(capturedRequests(client, 'loki_api_v1_push-1')[0]!.headers['content-type'], 'application/x-protobuf');
    const records = decodeAll(client);
    assert.deepEqual(records.map((r) => [r.key, r.value.body]), [
      ['{app="winston-capture", env="test", level="info"}', 'winston loki line 1 {"level":"info"}'],
      ['{app="winston-capture", level="warn"}', 'winston loki line 2 "quoted" {"level":"warn"}'],
    ]);
    for (const r of records) {
      assert.match(r.value.time_unix_nano, /^\d{19}$/);
      assert.equal(r.value.timestamp, Number(BigInt(r.value.time_unix_nano) / 1_000_000n));
    }
  });

  it('pino-loki 3.0.0: JSON, one stream per level, the pino line as body', () => {
    const records = decodeAll('pino-loki-3.0.0');
    assert.deepEqual(records.map((r) => [r.key, JSON.parse(r.value.body).msg, r.value.time_unix_nano]), [
      ['{app="pino-capture", hostname="vm", level="info"}', 'pino loki line 1', '1796587639327000000'],
      ['{app="pino-capture", hostname="vm", level="error"}', 'pino loki line 2', '1796587639329000000'],
    ]);
  });
});
