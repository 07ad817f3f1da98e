// The admin listener (loopback by default): liveness, readiness, own metrics.
import type { Telemetry } from '../telemetry/prometheus';
import { Exchange } from './exchange';
import { listenOn } from './server';
import type { TemplatedApp, us_listen_socket } from './uws';
import type * as UWS from 'uWebSockets.js';

export type ReadinessCheck = () => string[];

export class AdminServer {
  readonly #uws: typeof UWS;
  readonly #app: TemplatedApp;
  #socket: us_listen_socket | null = null;

  constructor(uws: typeof UWS, telemetry: Telemetry, notReadyReasons: ReadinessCheck) {
    this.#uws = uws;
    this.#app = uws.App()
      .get('/healthz', (res) => new Exchange(res).json(200, '{"status":"ok"}'))
      .get('/readyz', (res) => {
        const reasons = notReadyReasons();
        new Exchange(res).json(reasons.length === 0 ? 200 : 503, JSON.stringify({ ready: reasons.length === 0, reasons }));
      })
      .get('/metrics', (res) => {
        const exchange = new Exchange(res);
        telemetry.registry.metrics().then(
          (text) => {
            if (exchange.aborted) return;
            res.cork(() => res.writeStatus('200 OK').writeHeader('content-type', telemetry.registry.contentType).end(text));
          },
          (err: Error) => exchange.error(500, { error: 'metrics_failed', message: err.message }),
        );
      })
      .any('/*', (res, req) => new Exchange(res).error(404, { error: 'not_found', message: `no admin route ${req.getUrl()}; GET /healthz, /readyz or /metrics` }));
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
