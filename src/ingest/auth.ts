// Token check for the ingest listener. Where a request carries its token is
// its route's business (src/protocols/credentials.ts); here the offered token
// is compared as a SHA-256 digest with timingSafeEqual, so neither a token's
// content nor its length leaks through timing.
import { createHash, timingSafeEqual } from 'node:crypto';

function digest(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}

export class TokenAuth {
  readonly #digests: Buffer[];

  constructor(tokens: readonly string[]) {
    this.#digests = tokens.map(digest);
  }

  get enabled(): boolean {
    return this.#digests.length > 0;
  }

  /** True when `offered` is one of the tokens. */
  allows(offered: string | null): boolean {
    if (offered === null) return false;
    const offeredDigest = digest(offered);
    let match = false;
    // Compare against every token, so the time taken does not say which matched.
    for (const d of this.#digests) match = timingSafeEqual(d, offeredDigest) || match;
    return match;
  }
}
