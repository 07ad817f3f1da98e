// Bearer-token check for the ingest listener. Tokens are compared as SHA-256
// digests with timingSafeEqual, so neither a token's content nor its length
// leaks through timing.
import { createHash, timingSafeEqual } from 'node:crypto';

const PREFIX = 'bearer ';

function digest(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}

export class BearerAuth {
  readonly #digests: Buffer[];

  constructor(tokens: readonly string[]) {
    this.#digests = tokens.map(digest);
  }

  get enabled(): boolean {
    return this.#digests.length > 0;
  }

  /** True when the Authorization header carries one of the tokens. */
  allows(authorization: string): boolean {
    if (authorization.length <= PREFIX.length || authorization.slice(0, PREFIX.length).toLowerCase() !== PREFIX) return false;
    const offered = digest(authorization.slice(PREFIX.length).trim());
    let match = false;
    // Compare against every token, so the time taken does not say which matched.
    for (const d of this.#digests) match = timingSafeEqual(d, offered) || match;
    return match;
  }
}
