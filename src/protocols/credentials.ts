// Where clients put their token. Each reader returns the token offered, or
// null when the request offers none; src/ingest/auth.ts compares it with the
// configured ones.

/** `Authorization: <scheme> <token>`, the scheme compared without case. */
export function schemeToken(authorization: string, scheme: string): string | null {
  const prefix = `${scheme} `;
  if (authorization.length <= prefix.length || authorization.slice(0, prefix.length).toLowerCase() !== prefix.toLowerCase()) return null;
  const token = authorization.slice(prefix.length).trim();
  return token === '' ? null : token;
}

/** `Authorization: Basic base64(user:password)`: the password is the token. */
export function basicPassword(authorization: string): string | null {
  const encoded = schemeToken(authorization, 'basic');
  if (encoded === null) return null;
  const decoded = Buffer.from(encoded, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 || colon === decoded.length - 1 ? null : decoded.slice(colon + 1);
}

/** A query parameter's value, decoded; null when absent. */
export function queryParam(query: string, name: string): string | null {
  if (query === '') return null;
  return new URLSearchParams(query).get(name);
}

/** metricstream's own: `Authorization: Bearer <token>`. */
export function bearerToken(header: (name: string) => string): string | null {
  return schemeToken(header('authorization'), 'bearer');
}
