// Reads a request body into the body arena (src/pool/body-arena.ts) when it
// has room (a chunked body once complete), else into an ArrayBuffer of its
// own (transferable to a worker), with a byte cap and a whole-body deadline.
// Knows nothing of what the body means.
import type { Refusal } from '../errors';
import { ownBody, type BodyArena, type RequestBody } from '../pool/body-arena';
import type { Exchange } from './exchange';

/** A body read: the caller releases its lease (when it has one) once the request is answered. */
export type BodyOutcome =
  | { readonly ok: true; readonly body: RequestBody }
  | ({ readonly ok: false } & Refusal);

export interface BodyLimits {
  readonly maxBodyBytes: number;
  readonly bodyReadTimeoutMs: number;
}

/**
 * `declaredBytes` is Content-Length (already checked against the cap), or
 * null for a chunked body, which is capped as it arrives.
 */
export function readBody(exchange: Exchange, declaredBytes: number | null, limits: BodyLimits, arena: BodyArena | null,
  done: (outcome: BodyOutcome) => void): void {
  let finished = false;
  // A declared body goes to the arena when there is room, else to a buffer of its own.
  const lease = declaredBytes === null ? null : arena?.lease(declaredBytes) ?? null;
  const finish = (outcome: BodyOutcome): void => {
    if (finished) return;
    finished = true;
    clearTimeout(timer);
    if (!outcome.ok) lease?.release();
    done(outcome);
  };
  const timer = setTimeout(() => finish({
    ok: false, code: 'body_timeout',
    message: `request body not received within ${limits.bodyReadTimeoutMs} ms`,
  }), limits.bodyReadTimeoutMs);
  exchange.onAborted = () => finish({ ok: false, code: 'client_aborted', message: 'client went away' });

  if (declaredBytes !== null) {
    const body = lease?.bytes ?? new Uint8Array(new ArrayBuffer(declaredBytes));
    let offset = 0;
    exchange.res.onData((chunk, isLast) => {
      if (finished) return;
      const bytes = new Uint8Array(chunk);
      if (offset + bytes.length > declaredBytes) {
        finish({ ok: false, code: 'body_too_large', message: 'body longer than its Content-Length' });
        return;
      }
      body.set(bytes, offset);
      offset += bytes.length;
      // Never the bytes of an earlier body where this one fell short (an arena lease is reused memory).
      if (isLast && offset < declaredBytes) {
        finish({ ok: false, code: 'bad_content_length', message: `body ended after ${offset} of its ${declaredBytes} declared bytes` });
        return;
      }
      if (isLast) finish({ ok: true, body: lease === null ? ownBody(body.buffer as ArrayBuffer) : { bytes: lease.bytes, lease } });
    });
    return;
  }

  const chunks: Uint8Array[] = [];
  let total = 0;
  exchange.res.onData((chunk, isLast) => {
    if (finished) return;
    total += chunk.byteLength;
    if (total > limits.maxBodyBytes) {
      finish({ ok: false, code: 'body_too_large', message: `body exceeds ${limits.maxBodyBytes} bytes` });
      return;
    }
    chunks.push(new Uint8Array(chunk.slice(0)));
    if (!isLast) return;
    // Its length known at last: into the arena too when there is room.
    const leased = arena?.lease(total) ?? null;
    const body = leased?.bytes ?? new Uint8Array(new ArrayBuffer(total));
    let offset = 0;
    for (const c of chunks) {
      body.set(c, offset);
      offset += c.length;
    }
    finish({ ok: true, body: leased === null ? ownBody(body.buffer as ArrayBuffer) : { bytes: body, lease: leased } });
  });
}
