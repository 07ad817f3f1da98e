// The admin listener (loopback by default): liveness, readiness, own metrics.
import type { Telemetry } from '../telemetry/prometheus';
import { JSON_ANSWERS } from '../protocols/native/answers';
import type { Answers } from './answer';
import { Exchange } from './exchange';
import { listenOn } from './listen';
import type { TemplatedApp, us_listen_socket } from './uws';
import type * as UWS from 'uWebSockets.js';

/** Empty when ready, else why not (src/request/admission.ts decides). */
export type ReadinessCheck = () => readonly string[];

export class AdminServer {
  readonly #uws: typeof UWS;
  readonly #app: TemplatedApp;
  #socket: us_listen_socket | null = null;

  constructor(uws: typeof UWS, telemetry: Telemetry, notReadyReasons: ReadinessCheck, answers: Answers) {
    this.#uws = uws;
    this.#app = uws.App()
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
        answers.refuse(exchange, JSON_ANSWERS, { code: 'not_found', message: `no admin route ${req.getUrl()}; GET /healthz, /readyz or /metrics` });
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
