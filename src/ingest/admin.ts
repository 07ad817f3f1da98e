// The admin listener (loopback by default): liveness, readiness, own metrics,
// and the status page with its data.
import type { Telemetry } from '../telemetry/prometheus';
import type { StatusBoard } from '../telemetry/status';
import { JSON_ANSWERS } from '../protocols/native/answers';
import type { Answers } from './answer';
import { Exchange } from './exchange';
import { listenOn } from './listen';
import { STATUS_PAGE_CONTENT_TYPE, STATUS_PAGE_HEADERS, STATUS_PAGE_HTML } from './status-page';
import type { TemplatedApp, us_listen_socket } from './uws';
import type * as UWS from 'uWebSockets.js';

/** Empty when ready, else why not (src/request/admission.ts decides). */
export type ReadinessCheck = () => readonly string[];

export class AdminServer {
  readonly #uws: typeof UWS;
  readonly #app: TemplatedApp;
  #socket: us_listen_socket | null = null;

  constructor(uws: typeof UWS, telemetry: Telemetry, notReadyReasons: ReadinessCheck, answers: Answers, status?: StatusBoard) {
    this.#uws = uws;
    const app = uws.App();
    if (status !== undefined) {
      app.get('/', (res) => new Exchange(res).write(200, STATUS_PAGE_HTML, STATUS_PAGE_CONTENT_TYPE, STATUS_PAGE_HEADERS));
      app.get('/status.json', (res, req) => {
        const body = JSON.stringify(status.snapshot(sinceOf(req.getQuery() ?? '')));
        new Exchange(res).write(200, body, 'application/json', NO_STORE);
      });
    }
    this.#app = app
      .get('/healthz', (res) => new Exchange(res).json(200, '{"status":"ok"}'))
      .get('/readyz', (res) => {
        const reasons = notReadyReasons();
        new Exchange(res).json(reasons.length === 0 ? 200 : 503, JSON.stringify({ ready: reasons.length === 0, reasons }));
      })
      .get('/metrics', (res) => {
        const exchange = new Exchange(res);
        exchange.route = 'admin /metrics';
        telemetry.registry.metrics().then(
          (text) => exchange.write(200, text, telemetry.registry.contentType),
          (err: Error) => answers.refuse(exchange, JSON_ANSWERS, { code: 'metrics_failed', message: err.message }),
        );
      })
      .any('/*', (res, req) => {
        const exchange = new Exchange(res);
        exchange.route = `admin ${req.getUrl()}`;
        answers.refuse(exchange, JSON_ANSWERS, { code: 'not_found', message: `no admin route ${req.getUrl()}; GET /healthz, /readyz, /metrics, / (status page) or /status.json` });
      });
  }

  async listen(host: string, port: number): Promise<number> {
    this.#socket = await listenOn(this.#app, host, port);
    return this.#uws.us_socket_local_port(this.#socket as unknown as UWS.us_socket);
  }

  close(): void {
    if (this.#socket) this.#uws.us_listen_socket_close(this.#socket);
    this.#socket = null;
  }
}

const NO_STORE = { 'cache-control': 'no-store' };

/** status.json?since=N: the page's last sample; anything else is 0 (all). */
function sinceOf(query: string): number {
  const since = Number(new URLSearchParams(query).get('since'));
  return Number.isSafeInteger(since) && since > 0 ? since : 0;
}
