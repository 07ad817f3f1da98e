// Splunk HTTP Event Collector's own answers: an HTTP status and a JSON body
// {"text", "code"} (plus "invalid-event-number", the 0-based index of the
// event a 400 is about). Codes and texts as Splunk documents them.
//
// Acknowledgement: success (200 code 0) is only answered once every record is
// in Kafka, so no `ackId` is given (a client with acknowledgement off — Vector's
// and the OpenTelemetry Collector's default — counts the batch delivered);
// `/services/collector/ack` is not served (404).
import type { ErrorCode } from '../../errors';
import type { AnswerShape, Probe, Reply } from '../protocol';

export interface HecStatus {
  readonly http: number;
  readonly code: number;
  readonly text: string;
}

export const HEC = {
  success: { http: 200, code: 0, text: 'Success' },
  tokenDisabled: { http: 403, code: 1, text: 'Token disabled' },
  tokenRequired: { http: 401, code: 2, text: 'Token is required' },
  invalidAuthorization: { http: 401, code: 3, text: 'Invalid authorization' },
  invalidToken: { http: 403, code: 4, text: 'Invalid token' },
  noData: { http: 400, code: 5, text: 'No data' },
  invalidDataFormat: { http: 400, code: 6, text: 'Invalid data format' },
  incorrectIndex: { http: 400, code: 7, text: 'Incorrect index' },
  internalError: { http: 500, code: 8, text: 'Internal server error' },
  serverBusy: { http: 503, code: 9, text: 'Server is busy' },
  channelMissing: { http: 400, code: 10, text: 'Data channel is missing' },
  invalidChannel: { http: 400, code: 11, text: 'Invalid data channel' },
  eventRequired: { http: 400, code: 12, text: 'Event field is required' },
  eventBlank: { http: 400, code: 13, text: 'Event field cannot be blank' },
  ackDisabled: { http: 400, code: 14, text: 'ACK is disabled' },
  indexedFieldsError: { http: 400, code: 15, text: 'Error in handling indexed fields' },
  queryStringAuthDisabled: { http: 400, code: 16, text: 'Query string authorization is not enabled' },
  healthy: { http: 200, code: 17, text: 'HEC is healthy' },
  unhealthyQueuesFull: { http: 503, code: 18, text: 'HEC is unhealthy, queues are full' },
  // Not a HEC code: Splunk answers HTTP-level refusals with the HTTP status as the code.
  tooLarge: { http: 413, code: 413, text: 'Content request too large' },
  /** One event over the size limit (the same answer; a record_too_large in the catalogue). */
  eventTooLarge: { http: 413, code: 413, text: 'Content request too large' },
} as const satisfies Readonly<Record<string, HecStatus>>;

export interface HecAnswer {
  readonly status: number;
  readonly body: { readonly text: string; readonly code: number; readonly 'invalid-event-number'?: number };
}

export function hecAnswer(status: HecStatus, invalidEventNumber?: number): HecAnswer {
  const body = invalidEventNumber === undefined
    ? { text: status.text, code: status.code }
    : { text: status.text, code: status.code, 'invalid-event-number': invalidEventNumber };
  return { status: status.http, body };
}

/** `GET /services/collector/health` (and `/health/1.0`): 200 code 17 when ready, else 503 code 18. */
export function healthAnswer(ready: boolean): HecAnswer {
  return hecAnswer(ready ? HEC.healthy : HEC.unhealthyQueuesFull);
}

export type TokenCheck =
  | { readonly ok: true; readonly token: string }
  | { readonly ok: false; readonly answer: HecAnswer };

/** The token of `Authorization: Splunk <token>`; the caller then checks it
 * against its tokens and answers HEC.invalidToken (403, code 4) if unknown. */
export function hecToken(authorization: string | undefined): TokenCheck {
  if (authorization === undefined || authorization.trim() === '') return { ok: false, answer: hecAnswer(HEC.tokenRequired) };
  const match = /^Splunk\s+(\S+)\s*$/i.exec(authorization.trim());
  if (match === null) return { ok: false, answer: hecAnswer(HEC.invalidAuthorization) };
  return { ok: true, token: match[1]! };
}

// The answers on the listener's terms (protocol.ts): a catalogue code → HEC's body.

const HEC_STATUS: Partial<Record<ErrorCode, HecStatus>> = {
  unauthorized: HEC.tokenRequired,
  invalid_token: HEC.invalidToken,
  empty_body: HEC.noData,
  invalid_record: HEC.invalidDataFormat,
  invalid_json: HEC.invalidDataFormat,
  invalid_utf8: HEC.invalidDataFormat,
  bad_compression: HEC.invalidDataFormat,
  missing_channel: HEC.channelMissing,
  event_required: HEC.eventRequired,
  event_blank: HEC.eventBlank,
  invalid_fields: HEC.indexedFieldsError,
};

function reply(answer: HecAnswer, status = answer.status): Reply {
  return { status, body: JSON.stringify(answer.body), contentType: 'application/json; charset=UTF-8' };
}

/** A refusal: HEC's own status and code where HEC has one; a retriable
 * refusal is "Server is busy" (code 9, Retry-After added by the listener);
 * anything else keeps its status, with the status as the code and the
 * catalogue code and message as the text. */
function refusal(code: ErrorCode, status: number, message: string, record: number | undefined): Reply {
  const hec = HEC_STATUS[code];
  if (hec !== undefined) return reply(hecAnswer(hec, hec.http === 400 ? record : undefined));
  if (status === 503 || status === 504) return reply(hecAnswer(HEC.serverBusy), status);
  if (status === 413) return reply(hecAnswer(HEC.tooLarge), status);
  return reply({ status, body: { text: `${code}: ${message}`, code: status } });
}

export const HEC_ANSWERS: AnswerShape = {
  success: () => reply(hecAnswer(HEC.success)),
  refusal,
  acceptsEmptyBody: false,
};

/** `GET /services/collector/health[/1.0]`: 200 code 17 when the daemon would
 * take a request now, else 503 code 18 (queues full: Kafka unreachable or a cap reached). */
export const HEC_PROBES: readonly Probe[] = [{
  methods: ['get', 'head'], path: /^\/services\/collector\/health(\/1\.0)?\/?$/,
  answer: ({ ready }) => reply(healthAnswer(ready)),
}];
