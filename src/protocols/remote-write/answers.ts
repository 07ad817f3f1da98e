// Prometheus remote_write answers: 204 without a body on success (what
// Prometheus expects), with the written-counts headers (written.ts); a
// partial write (2.0: some series, native histograms or exemplars not
// written, the rest in Kafka) is a 400 naming what was not written, with the
// same headers — Prometheus does not retry a 4xx, so the written part is not
// sent again, and it counts the shortfall as failed. Refusals of the whole
// request are metricstream's JSON error.
import { jsonRefusal } from '../native/answers';
import type { AnswerShape } from '../protocol';
import { writtenHeaders } from './written';

export const REMOTE_WRITE_ANSWERS: AnswerShape = {
  success: (_accepted, partial, detail) => {
    const headers = writtenHeaders(detail);
    if (partial === undefined) return { status: 204, body: null, contentType: '', headers };
    return { ...jsonRefusal('series_refused', 400, partial.message, undefined), headers };
  },
  refusal: jsonRefusal,
  acceptsEmptyBody: false,
};
