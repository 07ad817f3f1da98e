// Which idempotency key a request carries, and in which scope it is unique:
// the Idempotency-Key header (or the client's request-id header when
// dedup.requestIdHeader names one), or, on a dedup.byContent route, the
// body's fingerprint. The scope is the tenant (the token's digest when auth
// is on, else the client address) and the route, so two tenants' keys never
// meet and a token never reaches the spool directory.
import { createHash } from 'node:crypto';
import type { Refusal } from '../errors';

export const IDEMPOTENCY_KEY_HEADER = 'idempotency-key';
/** Visible ASCII (no space), 1 to 255 characters. */
const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;

export interface DedupSettings {
  readonly enabled: boolean;
  /** Lower-case header read as the key when Idempotency-Key is absent; '' = none. */
  readonly requestIdHeader: string;
  readonly byContent: ReadonlySet<string>;
}

/** A request's claim on the window; `key` null: the body's fingerprint is the key. */
export interface DedupClaim {
  readonly scope: string;
  readonly key: string | null;
  /** The header it came from, for the conflict message. */
  readonly header: string;
}

export type KeyReading = { readonly ok: true; readonly claim: DedupClaim | null } | ({ readonly ok: false } & Refusal);

/** `token`: the credential offered when auth is on, else null (then the client address scopes). */
export function readDedupClaim(settings: DedupSettings, header: (name: string) => string, route: string,
  token: string | null, client: string): KeyReading {
  if (!settings.enabled) return { ok: true, claim: null };
  let name = IDEMPOTENCY_KEY_HEADER;
  let value = header(name);
  if (value === '' && settings.requestIdHeader !== '') {
    name = settings.requestIdHeader;
    value = header(name);
  }
  const scope = `${tenantOf(token, client)} ${route}`;
  if (value !== '') {
    if (!KEY_PATTERN.test(value)) {
      return { ok: false, code: 'invalid_idempotency_key', message: `${name} must be 1 to 255 visible ASCII characters (no spaces)` };
    }
    return { ok: true, claim: { scope, key: value, header: name } };
  }
  if (settings.byContent.has(route)) return { ok: true, claim: { scope, key: null, header: 'body fingerprint' } };
  return { ok: true, claim: null };
}

/** The window's key: scope, then the client's key or (after a tab, which no key holds) the body's fingerprint. */
export function scopedKey(claim: DedupClaim, fingerprint: string): string {
  return claim.key === null ? `${claim.scope}\t${fingerprint}` : `${claim.scope} ${claim.key}`;
}

function tenantOf(token: string | null, client: string): string {
  if (token === null) return `a:${client}`;
  return `t:${createHash('sha256').update(token).digest('base64url').slice(0, 22)}`;
}
