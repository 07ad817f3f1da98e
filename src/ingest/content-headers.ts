// The request headers a route accepts: Content-Type (media type and charset)
// and Content-Encoding, checked before any body byte is read.
import type { RouteSpec } from '../protocols/routes';

/** Returns null when the Content-Type is acceptable for the route, else why not. */
export function contentTypeProblem(spec: RouteSpec, header: string): string | null {
  if (spec.mediaTypes.has(header)) return null; // the usual case: exactly "application/json" etc.
  const [mediaType = '', ...params] = header.toLowerCase().split(';');
  if (!spec.mediaTypes.has(mediaType.trim())) {
    return `Content-Type ${mediaType.trim() || '(none)'} is not supported here; send ${[...spec.mediaTypes].filter((t) => t !== '').slice(0, 2).join(' or ')}`;
  }
  for (const param of params) {
    const [name, value = ''] = param.split('=').map((s) => s.trim());
    if (name === 'charset' && value.replace(/"/g, '') !== 'utf-8' && value.replace(/"/g, '') !== 'utf8') {
      return `charset ${value} is not supported; send UTF-8`;
    }
  }
  return spec.contentTypeProblem?.(header) ?? null;
}

export function encodingProblem(spec: RouteSpec, encoding: string): string | null {
  if (spec.encodings.has(encoding)) return null;
  return `Content-Encoding ${encoding || '(none)'} is not supported here; send ${[...spec.encodings].filter((e) => e !== '').join(', ')}`;
}
