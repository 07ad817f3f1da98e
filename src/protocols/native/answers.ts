// metricstream's own answers: 200 {"accepted":N} (plus the decoder's detail,
// e.g. collectd's unknownValues), refusals as
// {"error":code,"message":…,"record":N}. A partial write on /metrics (some
// collectd value lists or line-protocol lines refused, the rest written) is a
// 400 naming the refused part's code, with the count accepted and refused.
// remote_write and the daemon's own refusals (no route, admin errors) use the
// same JSON refusal.
import type { AnswerDetail, AnswerShape, PartialRejection, Reply } from '../protocol';

export function jsonRefusal(code: string, status: number, message: string, record: number | undefined): Reply {
  const body = record === undefined ? { error: code, message } : { error: code, message, record };
  return { status, body: JSON.stringify(body), contentType: 'application/json' };
}

function jsonSuccess(accepted: number, partial: PartialRejection | undefined, detail: AnswerDetail | undefined): Reply {
  if (partial !== undefined) {
    const body = { error: partial.code ?? 'entries_refused', message: partial.message, accepted, refused: partial.rejected, ...detail };
    return { status: 400, body: JSON.stringify(body), contentType: 'application/json' };
  }
  const body = detail === undefined ? `{"accepted":${accepted}}` : JSON.stringify({ accepted, ...detail });
  return { status: 200, body, contentType: 'application/json' };
}

export const JSON_ANSWERS: AnswerShape = {
  success: jsonSuccess,
  refusal: jsonRefusal,
  acceptsEmptyBody: false,
};
