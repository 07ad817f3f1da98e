// Loki's answers: 204 without a body once every entry is in Kafka; refusals
// as plain text (Loki's own error bodies are text), `<code>: <message>`.
// Loki clients decide by status alone: 2xx done, 429 and 5xx retried, other
// 4xx dropped (docs/protocols.md, per shipper).
import type { AnswerShape, Probe } from '../protocol';

export const LOKI_ANSWERS: AnswerShape = {
  success: () => ({ status: 204, body: null, contentType: '' }),
  refusal: (code, status, message) => ({ status, body: `${code}: ${message}\n`, contentType: 'text/plain; charset=utf-8' }),
  acceptsEmptyBody: false,
};

/** What Loki's clients ask besides pushing: `GET /ready` (Vector's and
 * Alloy's health check) follows the daemon's readiness as Loki's does, and
 * `GET /loki/api/v1/status/buildinfo` names a Loki 3 API. */
export const LOKI_PROBES: readonly Probe[] = [
  {
    methods: ['get', 'head'], path: '/ready',
    answer: ({ ready }) => ready
      ? { status: 200, body: 'ready\n', contentType: 'text/plain; charset=utf-8' }
      : { status: 503, body: 'not ready: Kafka is not reachable or the daemon is at capacity\n', contentType: 'text/plain; charset=utf-8' },
  },
  {
    methods: ['get'], path: '/loki/api/v1/status/buildinfo',
    answer: () => ({
      status: 200, contentType: 'application/json',
      body: JSON.stringify({ version: '3.0.0', revision: '', branch: '', buildUser: '', buildDate: '', goVersion: '' }),
    }),
  },
];
