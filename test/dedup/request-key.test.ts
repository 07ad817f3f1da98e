// Which key a request carries (src/dedup/request-key.ts) and its fingerprint.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fingerprintOf } from '../../src/dedup/fingerprint';
import { readDedupClaim, scopedKey, type DedupSettings } from '../../src/dedup/request-key';

const SETTINGS: DedupSettings = { enabled: true, requestIdHeader: '', byContent: new Set(['remote_write']) };
const headers = (h: Record<string, string>) => (name: string): string => h[name] ?? '';

describe('idempotency key of a request', () => {
  it('reads Idempotency-Key, scoped by client address and route', () => {
    const reading = readDedupClaim(SETTINGS, headers({ 'idempotency-key': 'abc-1' }), 'metrics', null, '10.0.0.1');
    assert.deepEqual(reading, { ok: true, claim: { scope: 'a:10.0.0.1 metrics', key: 'abc-1', header: 'idempotency-key' } });
  });

  it('refuses a key that is empty of visible characters, too long or has spaces, naming the header', () => {
    for (const bad of ['a b', 'x'.repeat(256), 'é']) {
      const reading = readDedupClaim(SETTINGS, headers({ 'idempotency-key': bad }), 'metrics', null, 'c');
      assert.equal(reading.ok, false, bad);
      assert.equal(!reading.ok && reading.code, 'invalid_idempotency_key');
      assert.match(!reading.ok ? reading.message : '', /idempotency-key/);
    }
    assert.equal(readDedupClaim(SETTINGS, headers({ 'idempotency-key': 'x'.repeat(255) }), 'metrics', null, 'c').ok, true);
  });

  it('scopes by the token (a digest, never the token) when auth is on: two tenants never share a key', () => {
    const a = readDedupClaim(SETTINGS, headers({ 'idempotency-key': 'k' }), 'logs', 'token-of-tenant-a-0001', 'c');
    const b = readDedupClaim(SETTINGS, headers({ 'idempotency-key': 'k' }), 'logs', 'token-of-tenant-b-0001', 'c');
    assert.ok(a.ok && a.claim !== null && b.ok && b.claim !== null);
    assert.notEqual(scopedKey(a.claim, 'fp'), scopedKey(b.claim, 'fp'));
    assert.ok(!a.claim.scope.includes('token-of-tenant'));
  });

  it('the request-id header is the key only when dedup.requestIdHeader names it', () => {
    assert.deepEqual(readDedupClaim(SETTINGS, headers({ 'x-request-id': 'r1' }), 'metrics', null, 'c'), { ok: true, claim: null });
    const reading = readDedupClaim({ ...SETTINGS, requestIdHeader: 'x-request-id' }, headers({ 'x-request-id': 'r1' }), 'metrics', null, 'c');
    assert.ok(reading.ok && reading.claim?.key === 'r1' && reading.claim.header === 'x-request-id');
  });

  it('on a byContent route a request without a key is keyed by its fingerprint', () => {
    const reading = readDedupClaim(SETTINGS, headers({}), 'remote_write', null, 'c');
    assert.ok(reading.ok && reading.claim !== null && reading.claim.key === null);
    assert.notEqual(scopedKey(reading.claim, 'fp1'), scopedKey(reading.claim, 'fp2'));
    assert.deepEqual(readDedupClaim(SETTINGS, headers({}), 'metrics', null, 'c'), { ok: true, claim: null });
  });

  it('nothing when dedup is off', () => {
    assert.deepEqual(readDedupClaim({ ...SETTINGS, enabled: false }, headers({ 'idempotency-key': 'a b' }), 'metrics', null, 'c'), { ok: true, claim: null });
  });

  it('the fingerprint is SHA-256 of the bytes as received', () => {
    const body = new TextEncoder().encode('{"metrics":[]}');
    assert.equal(fingerprintOf(body), fingerprintOf(new Uint8Array([...body])));
    assert.notEqual(fingerprintOf(body), fingerprintOf(new TextEncoder().encode('{"metrics":[ ]}')));
    assert.equal(fingerprintOf(new Uint8Array(0)), '47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU');
  });
});
