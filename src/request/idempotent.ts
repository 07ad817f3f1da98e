// Idempotent requests on the forward path: a request that carries a key
// (src/dedup/request-key.ts) claims it in the window once its body is
// complete, and is processed, answered what its key's first request was
// answered, refused (same key, another body), or held until the first
// request with its key is answered, within its own deadline.
import type { DedupWindow, Remembered } from '../dedup/window';
import { fingerprintOf } from '../dedup/fingerprint';
import { scopedKey, type DedupClaim } from '../dedup/request-key';
import { encodeTag } from '../dedup/tag';
import type { Answer, Responder } from '../settle/ledger';

/** What the request's success would be remembered as, from its decoded counts. */
export type TagOf = (remembered: Omit<Remembered, 'fingerprint' | 'contentType'>) => Buffer | undefined;

export interface KeyedRequest {
  readonly dedup: DedupClaim;
  readonly contentType: string;
  readonly receivedAtMs: number;
  readonly respond: Responder;
  /** Answers the remembered success again, marked as a replay. */
  readonly replay: (remembered: Remembered) => void;
}

export interface IdempotencyOptions {
  readonly requestTimeoutMs: number;
  /** delivery.mode spool: each key's success rides in its request's last spool frame. */
  readonly durableTags: boolean;
}

export class Idempotency {
  readonly #window: DedupWindow;
  readonly #options: IdempotencyOptions;

  constructor(window: DedupWindow, options: IdempotencyOptions) {
    this.#window = window;
    this.#options = options;
  }

  get window(): DedupWindow {
    return this.#window;
  }

  /**
   * Claims the request's key. `process` runs when the request is to be
   * decoded and produced, with the responder that records its outcome and
   * the spool tag maker; `waiting()` false means the request was answered
   * meanwhile (drain), and it is dropped.
   */
  handle(request: KeyedRequest, body: Uint8Array, waiting: () => boolean, process: (respond: Responder, tagOf: TagOf | undefined) => void): void {
    const fingerprint = fingerprintOf(body);
    const key = scopedKey(request.dedup, fingerprint);
    const deadlineMs = request.receivedAtMs + this.#options.requestTimeoutMs;
    let timer: NodeJS.Timeout | undefined;
    const attempt = (): void => {
      if (!waiting()) return;
      const claim = this.#window.claim(key, fingerprint);
      switch (claim.kind) {
        case 'first': {
          clearTimeout(timer);
          const remember = (answer: Answer): Remembered | null => answer.ok
            ? { fingerprint, contentType: request.contentType, accepted: answer.accepted, ...(answer.partial && { partial: answer.partial }), ...(answer.detail && { detail: answer.detail }) }
            : null;
          const respond: Responder = (answer) => {
            claim.settle(remember(answer));
            request.respond(answer);
          };
          const tagOf: TagOf | undefined = this.#options.durableTags
            ? (counts) => encodeTag(key, { fingerprint, contentType: request.contentType, ...counts }) ?? undefined
            : undefined;
          return process(respond, tagOf);
        }
        case 'replay':
          clearTimeout(timer);
          return request.replay(claim.remembered);
        case 'conflict':
          clearTimeout(timer);
          return request.respond({
            ok: false, code: 'idempotency_key_reused',
            message: `${describeKey(request.dedup)} was used within the dedup window with a different body`,
          });
        case 'pending':
          if (timer === undefined) {
            timer = setTimeout(() => request.respond({
              ok: false, code: 'idempotency_key_in_flight',
              message: `the first request with ${describeKey(request.dedup)} is still in flight; retry`,
            }), Math.max(0, deadlineMs - Date.now()));
          }
          void claim.settled.then(attempt);
          return;
      }
    };
    attempt();
  }
}

function describeKey(claim: DedupClaim): string {
  return claim.key === null ? 'this body (dedup.byContent)' : `${claim.header} "${claim.key}"`;
}
