// Splunk HTTP Event Collector's own answers: an HTTP status and a JSON body
// {"text", "code"} (plus "invalid-event-number", the 0-based index of the
// event a 400 is about). Codes and texts as Splunk documents them.
//
// Acknowledgement: success is only answered once every record is in Kafka,
// so no `ackId` is given (Vector and the OpenTelemetry Collector then count
// the batch delivered); `/services/collector/ack` is not offered — a token
// with useACK is answered as Splunk answers with ACK disabled (code 14).

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
