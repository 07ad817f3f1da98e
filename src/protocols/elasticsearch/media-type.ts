// REST API compatibility: the official clients (8.x and 9.x) send
//   Accept: application/vnd.elasticsearch+json; compatible-with=9
//   Content-Type: application/vnd.elasticsearch+x-ndjson; compatible-with=9
// and Elasticsearch 9 answers in the same versioned media type,
// `application/vnd.elasticsearch+json;compatible-with=9`, for versions 8 and
// 9; any other version is refused with 400 media_type_header_exception.
// Requests without the parameter get `application/json`. The 9.x JavaScript
// client parses any answer whose Content-Type contains `application/json` or
// `application/vnd.elasticsearch+json`.
import { esErrorBody } from './errors';

export const SUPPORTED_COMPATIBLE_WITH: readonly number[] = [8, 9];

export type MediaTypeChoice =
  | { readonly ok: true; readonly contentType: string }
  | { readonly ok: false; readonly status: 400; readonly body: ReturnType<typeof esErrorBody> };

const COMPATIBLE_WITH = /compatible-with\s*=\s*"?(\d+)"?/i;

function requestedVersion(header: string | undefined): number | undefined {
  const match = header === undefined ? null : COMPATIBLE_WITH.exec(header);
  return match === null ? undefined : Number(match[1]);
}

/** The Content-Type to answer with, from the request's Accept and Content-Type. */
export function answerMediaType(accept: string | undefined, contentType: string | undefined): MediaTypeChoice {
  const asked = requestedVersion(accept) ?? requestedVersion(contentType);
  if (asked === undefined) return { ok: true, contentType: 'application/json' };
  if (SUPPORTED_COMPATIBLE_WITH.includes(asked)) {
    return { ok: true, contentType: `application/vnd.elasticsearch+json;compatible-with=${asked}` };
  }
  const reason = `Accept version must be either version ${SUPPORTED_COMPATIBLE_WITH.join(' or ')}, but found ${asked}. Accept=${accept ?? ''}`;
  return { ok: false, status: 400, body: esErrorBody({ type: 'media_type_header_exception', reason }, 400) };
}
