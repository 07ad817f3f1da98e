// The forward path of one request, in the order it happens:
//
//   body read ─► ledger.open ─► pool.decode (worker → ring) ─► ledger.decoded
//              (answer at the   (DecodeResult)                 (messages admitted;
//               deadline: 504)                                  the pump produces them)
//                                      └─► ledger.reject ─► answer (refusal)
//
// and then, on the ledger's side, delivery reports ─► answer. Every answer,
// OTLP partial success included, leaves through the ledger's Responder; the
// listener (src/ingest/server.ts) only supplies the body and writes answers.
// Requests whose body is still arriving, or that wait for the first request
// with their idempotency key (idempotent.ts), are tracked here too, so that
// the drain deadline answers them as well (abandon()).
import type { Logger } from 'pino';
import type { DedupClaim } from '../dedup/request-key';
import type { Remembered } from '../dedup/window';
import type { ErrorCode, Refusal } from '../errors';
import type { RequestBody } from '../pool/body-arena';
import type { DecodePool } from '../pool/pool';
import type { Route } from '../protocols/routes';
import type { Ledger, Responder } from '../settle/ledger';
import { rateLimited } from '../telemetry/log';
import type { Idempotency, TagOf } from './idempotent';

/** An admitted request, as far as the forward path needs it. */
export interface RequestHead {
  readonly requestId: string;
  readonly route: Route;
  readonly contentType: string;
  readonly contentEncoding: string;
  /** Client address, the default key of log records. */
  readonly client: string;
  readonly receivedAtMs: number;
  readonly path: string;
  /** The query string, without '?'. */
  readonly query: string;
  /** The request headers the route's decoder reads. */
  readonly headers: Readonly<Record<string, string>>;
  /** Answers the client (once; later calls are ignored). */
  readonly respond: Responder;
  /** Its idempotency key, when it carries one (src/dedup/request-key.ts). */
  readonly dedup?: DedupClaim | null | undefined;
  /** Answers a remembered success again (a repeat of a key that succeeded). */
  readonly replay?: ((remembered: Remembered) => void) | undefined;
}

const WORKER_FAILURE_LOG_INTERVAL_MS = 10_000;

export class Forwarder {
  readonly #ledger: Ledger;
  readonly #pool: DecodePool;
  readonly #receiving = new Set<RequestHead>();
  readonly #logWorkerFailure: (context: object, message: string) => void;

  readonly #idempotency: Idempotency | undefined;

  constructor(ledger: Ledger, pool: DecodePool, log: Logger, idempotency?: Idempotency) {
    this.#ledger = ledger;
    this.#pool = pool;
    this.#idempotency = idempotency;
    this.#logWorkerFailure = rateLimited(log, 'error', WORKER_FAILURE_LOG_INTERVAL_MS);
  }

  /** The request's body is being read. */
  receiving(head: RequestHead): void {
    this.#receiving.add(head);
  }

  /** Its body could not be read (too large, too slow, client gone). */
  refuse(head: RequestHead, refusal: Refusal): void {
    this.#receiving.delete(head);
    head.respond({ ok: false, ...refusal });
  }

  /** Its body is complete: decode it into a ring and let the ledger answer
   * (a request with an idempotency key claims it first). */
  forward(head: RequestHead, body: RequestBody): void {
    const { dedup, replay } = head;
    if (dedup === undefined || dedup === null || replay === undefined || this.#idempotency === undefined) {
      this.#receiving.delete(head);
      return this.#decode(head, head.respond, body, undefined);
    }
    // It stays among the receiving requests while it waits for its key's first request.
    const done = (): boolean => this.#receiving.delete(head);
    this.#idempotency.handle({
      dedup, contentType: head.contentType, receivedAtMs: head.receivedAtMs,
      respond: (answer) => {
        done();
        head.respond(answer);
      },
      replay: (remembered) => {
        done();
        replay(remembered);
      },
    }, body.bytes, () => this.#receiving.has(head), (respond, tagOf) => {
      done();
      this.#decode(head, respond, body, tagOf);
    });
  }

  #decode(head: RequestHead, respond: Responder, body: RequestBody, tagOf: TagOf | undefined): void {
    const ledger = this.#ledger;
    const entry = ledger.open(head.requestId, respond);
    const { route, contentType, contentEncoding, receivedAtMs, client, path, query, headers } = head;
    this.#pool.decode({ seq: entry.seq, route, body, contentType, contentEncoding, receivedAtMs, client, path, query, headers }).then(
      (result) => {
        if (result.ok && tagOf !== undefined) {
          entry.dedupTag = tagOf({ accepted: result.records, ...(result.partial && { partial: result.partial }), ...(result.detail && { detail: result.detail }) });
        }
        if (result.ok) ledger.decoded(entry, result);
        else ledger.reject(entry, { code: result.code, message: result.message, record: result.record });
      },
      (err: unknown) => {
        this.#logWorkerFailure({ err, route, requestId: head.requestId }, 'decode worker failed; request answered 500');
        ledger.reject(entry, { code: 'worker_failed', message: 'the decoding worker failed; retry' });
      },
    );
  }

  /** Its client went away after sending the body: a request still waiting
   * for its key's first request is answered now (nothing was done for it),
   * so it stops holding its admission share. One being processed goes on. */
  clientGone(head: RequestHead): void {
    if (!this.#receiving.delete(head)) return;
    head.respond({ ok: false, code: 'client_aborted', message: 'client went away while its idempotency key\'s first request was in flight' });
  }

  /** Answers every open request with `code` (drain deadline): those in the
   * ledger and those still receiving their body. Returns how many. */
  abandon(code: ErrorCode, message: string): number {
    let n = this.#ledger.failAll(code, message);
    for (const head of this.#receiving) {
      head.respond({ ok: false, code, message });
      n++;
    }
    this.#receiving.clear();
    return n;
  }
}
