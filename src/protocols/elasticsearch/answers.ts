// How the `_bulk` route and the start-up probes answer, on the listener's
// terms (protocol.ts): every answer carries `X-Elastic-Product:
// Elasticsearch` (the 9.x JS client rejects a 2xx answer without it, and
// reads no body of a media type it does not know) in the media type the
// request's `compatible-with` asks for.
//
// Success: 200 and the bulk answer, one item per action, in order, rendered
// from the outcomes the decoder reported (`Decoded.detail`) once every
// written document is in Kafka; `took` is the time since the request came.
// A refusal of the whole request: Elasticsearch's error object, its `reason`
// starting with the catalogue code.
import type { AnswerDetail, AnswerShape, Probe as ListenerProbe, Reply } from '../protocol';
import { bulkAnswerText } from './bulk-answer';
import { esErrorBody } from './errors';
import { answerMediaType } from './media-type';
import { PRODUCT_HEADER, PROBES, probeReply } from './probes';

/** What the decoder reports for the answer (crosses postMessage as plain
 * data): the items already rendered (bulkItemsText), whether any is an error. */
export interface BulkDetail extends AnswerDetail {
  readonly itemsText: string;
  readonly errors: boolean;
  readonly receivedAtMs: number;
}

const PRODUCT = { [PRODUCT_HEADER.name.toLowerCase()]: PRODUCT_HEADER.value };

function errorType(status: number): string {
  if (status === 401) return 'security_exception';
  if (status === 404) return 'resource_not_found_exception';
  if (status === 413) return 'content_too_long_exception';
  if (status === 503 || status === 504) return 'unavailable_shards_exception';
  if (status >= 500) return 'exception';
  return 'illegal_argument_exception';
}

function isBulkDetail(detail: AnswerDetail | undefined): detail is BulkDetail {
  return detail !== undefined && typeof detail['itemsText'] === 'string' && typeof detail['errors'] === 'boolean' && typeof detail['receivedAtMs'] === 'number';
}

/** The answers for a request with this Content-Type (its `compatible-with`
 * picks the answer's media type; the route refuses versions not served). */
export function bulkAnswers(contentType: string): AnswerShape {
  const media = answerMediaType(undefined, contentType);
  const answerType = media.ok ? media.contentType : 'application/json';
  return {
    success: (_accepted, _partial, detail): Reply => {
      const body = isBulkDetail(detail)
        ? bulkAnswerText(detail.itemsText, detail.errors, Date.now() - detail.receivedAtMs)
        : bulkAnswerText('[]', false, 0);
      return { status: 200, body, contentType: answerType, headers: PRODUCT };
    },
    refusal: (code, status, message): Reply => ({
      status, contentType: answerType, headers: PRODUCT,
      body: JSON.stringify(esErrorBody({ type: errorType(status), reason: `${code}: ${message}` }, status)),
    }),
    acceptsEmptyBody: false,
  };
}

/** Why a Content-Type's `compatible-with` is not served (Elasticsearch 9
 * answers 8 and 9), or null. */
export function compatibilityProblem(contentType: string): string | null {
  const media = answerMediaType(undefined, contentType);
  return media.ok ? null : media.body.error.reason;
}

/** The probes of probes.ts as the listener asks them. */
export const ES_PROBES: readonly ListenerProbe[] = PROBES.map((probe) => ({
  methods: probe.methods.map((method) => method.toLowerCase()),
  path: probe.path,
  answer: (context) => {
    const accept = context.header('accept');
    const contentType = context.header('content-type');
    const host = context.header('host');
    // The listener matched the path against this probe's pattern already.
    const match = probe.path.exec(context.path)!;
    const answer = probeReply(probe, {
      method: probe.methods[0]!, path: context.path,
      ...(accept === '' ? {} : { accept }), ...(contentType === '' ? {} : { contentType }), ...(host === '' ? {} : { host }),
    }, match);
    const { 'Content-Type': answerType = 'application/json', ...headers } = answer.headers;
    return { status: answer.status, body: answer.body ?? null, contentType: answerType, headers: lowerCased(headers) };
  },
}));

function lowerCased(headers: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]));
}
