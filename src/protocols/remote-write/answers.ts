// Prometheus remote_write answers: 204 without a body on success (what
// Prometheus expects), refusals as metricstream's JSON error.
import { jsonRefusal } from '../native/answers';
import type { AnswerShape } from '../protocol';

export const REMOTE_WRITE_ANSWERS: AnswerShape = {
  success: () => ({ status: 204, body: null, contentType: '' }),
  refusal: jsonRefusal,
  acceptsEmptyBody: false,
};
