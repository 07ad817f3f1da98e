// metricstream's own answers: 200 {"accepted":N}, refusals as
// {"error":code,"message":…,"record":N}. remote_write and the daemon's own
// refusals (no route, admin errors) use the same JSON refusal.
import type { AnswerShape, Reply } from '../protocol';

export function jsonRefusal(code: string, status: number, message: string, record: number | undefined): Reply {
  const body = record === undefined ? { error: code, message } : { error: code, message, record };
  return { status, body: JSON.stringify(body), contentType: 'application/json' };
}

export const JSON_ANSWERS: AnswerShape = {
  success: (accepted) => ({ status: 200, body: `{"accepted":${accepted}}`, contentType: 'application/json' }),
  refusal: jsonRefusal,
  acceptsEmptyBody: false,
};
