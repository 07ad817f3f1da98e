// The ingest listener: routes, header checks and admission, body reading, then
// hand-off to the decode pool. Every refusal here is fast and answers JSON.
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { Config } from '../config/schema';
import { otlpErrorBody, otlpSuccessBody } from '../otlp/responses';
import { otlpEncodingOf } from '../otlp/schema';
import type { DecodePool } from '../pool/pool';
import type { PartialRejection } from '../pool/protocol';
import type { RingPump } from '../produce/ring-pump';
import type { Topic } from '../ring/layout';
import type { Answer, Ledger } from '../settle/ledger';
import { rateLimited } from '../telemetry/log';
import type { Telemetry } from '../telemetry/metrics';
import { BearerAuth } from './auth';
import { readBody } from './body';
import { Exchange } from './exchange';
import { INGEST_ROUTES, contentTypeProblem, encodingProblem, type RouteSpec } from './routes';
import type { HttpRequest, HttpResponse, TemplatedApp, us_listen_socket } from './uws';
import type * as UWS from 'uWebSockets.js';

export interface IngestDeps {
  readonly config: Config;
  readonly ledger: Ledger;
  readonly pool: DecodePool;
  readonly pump: RingPump;
  readonly telemetry: Telemetry;
  readonly log: Logger;
  /** Read on every request; flipped by the lifecycle and the Kafka health probe. */
  readonly state: IngestState;
}

export interface IngestState {
  readonly draining: boolean;
  readonly kafkaReachable: boolean;
  /** The topic's name when Kafka does not have it (produce/partition-counts.ts). */
  missingTopic(topic: Topic): string | undefined;
}

export class IngestServer {
  readonly #uws: typeof UWS;
  readonly #app: TemplatedApp;
  readonly #deps: IngestDeps;
  readonly #bootId = randomBytes(4).toString('hex');
  readonly #auth: BearerAuth;
  #requestCounter = 0;
  #active = 0;
  #bufferedBytes = 0;
  #listenSocket: us_listen_socket | null = null;
  readonly #logWorkerFailure: (context: object, message: string) => void;

  constructor(uws: typeof UWS, deps: IngestDeps) {
    this.#uws = uws;
    this.#deps = deps;
    this.#auth = new BearerAuth(deps.config.ingest.auth.tokens);
    this.#logWorkerFailure = rateLimited(deps.log, 'error', LOG_REPEAT_INTERVAL_MS);
    const { certFile, keyFile } = deps.config.ingest.tls;
    const app = certFile === '' ? uws.App() : uws.SSLApp({ cert_file_name: certFile, key_file_name: keyFile });
    this.#app = app.any('/*', (res, req) => this.#handle(res, req));
  }

  /** Requests received and not yet answered. */
  get activeRequests(): number {
    return this.#active;
  }

  listen(): Promise<number> {
    const { host, port } = this.#deps.config.ingest;
    return listenOn(this.#app, host, port).then((socket) => {
      this.#listenSocket = socket;
      return this.#uws.us_socket_local_port(socket as unknown as UWS.us_socket);
    });
  }

  /** Stops accepting connections; open ones finish their requests. */
  stopListening(): void {
    if (this.#listenSocket) this.#uws.us_listen_socket_close(this.#listenSocket);
    this.#listenSocket = null;
  }

  #handle(res: HttpResponse, req: HttpRequest): void {
    const exchange = new Exchange(res);
    exchange.retryAfterSeconds = this.#deps.config.ingest.retryAfterSeconds;
    const path = req.getUrl();
    const spec = INGEST_ROUTES.get(path);
    if (spec === undefined) {
      exchange.closeAfter = true;
      return exchange.error(404, { error: 'not_found', message: `no route ${path}; POST /metrics, /logs, /api/v1/write, /v1/metrics, /v1/logs or /v1/traces` });
    }
    const route = spec.route;
    if (spec.otlpSignal !== undefined) {
      const encoding = otlpEncodingOf(req.getHeader('content-type'));
      exchange.encodeError = (status, body) => otlpErrorBody(status, body.error, body.message, encoding);
    }
    const startedAt = process.hrtime.bigint();
    exchange.onAnswered = (status) => this.#deps.telemetry.request(route, status, Number(process.hrtime.bigint() - startedAt) / 1e9);
    // Every refusal here leaves the body unread, so the connection closes after the answer.
    exchange.closeAfter = true;
    const admitted = this.#admit(req, exchange, spec);
    if (admitted === null) return;
    exchange.closeAfter = false;
    this.#receive(exchange, spec, admitted, Buffer.from(res.getRemoteAddressAsText()).toString());
  }

  /** Checks what the request line and headers say, before any body byte is
   * read; answers a refusal itself and returns null. Must run inside the uWS
   * handler (req is invalid after it returns). */
  #admit(req: HttpRequest, exchange: Exchange, spec: RouteSpec): AdmittedHeaders | null {
    const { config, state } = this.#deps;
    if (req.getMethod() !== 'post') {
      exchange.error(405, { error: 'method_not_allowed', message: `${req.getMethod().toUpperCase()} ${req.getUrl()}: use POST` }, { allow: 'POST' });
      return null;
    }
    if (this.#auth.enabled && !this.#auth.allows(req.getHeader('authorization'))) {
      exchange.error(401, { error: 'unauthorized', message: 'send Authorization: Bearer <token>' }, UNAUTHORIZED_HEADERS);
      return null;
    }
    const contentType = req.getHeader('content-type');
    const contentEncoding = req.getHeader('content-encoding').trim().toLowerCase();
    const typeProblem = contentTypeProblem(spec, contentType);
    const encodingIssue = encodingProblem(spec, contentEncoding);
    const refuse = (status: number, error: string, message: string): null => {
      exchange.error(status, { error, message });
      return null;
    };
    if (typeProblem !== null) return refuse(415, 'unsupported_content_type', typeProblem);
    if (encodingIssue !== null) return refuse(415, 'unsupported_content_encoding', encodingIssue);
    if (state.draining) return refuse(503, 'draining', 'shutting down; retry on another instance');
    if (!state.kafkaReachable) return refuse(503, 'kafka_unavailable', 'Kafka cannot be reached');
    const missingTopic = state.missingTopic(spec.topic);
    if (missingTopic !== undefined) return refuse(503, 'unknown_topic', `Kafka topic ${missingTopic} does not exist; it must be created (auto-creation is off)`);
    const lengthHeader = req.getHeader('content-length');
    let declared: number | null = null;
    if (lengthHeader !== '') {
      if (!/^\d{1,15}$/.test(lengthHeader)) return refuse(400, 'bad_content_length', 'Content-Length is not a number');
      declared = Number(lengthHeader);
      if (declared > config.ingest.maxBodyBytes) {
        return refuse(413, 'body_too_large', `Content-Length ${declared} exceeds the limit of ${config.ingest.maxBodyBytes} bytes`);
      }
      if (declared === 0) {
        // An empty protobuf message is a valid OTLP export request with nothing in it.
        if (spec.otlpSignal === undefined || otlpEncodingOf(contentType) !== 'proto') return refuse(400, 'empty_body', 'request body is empty');
        exchange.send(200, otlpSuccessBody(spec.otlpSignal, undefined, 'proto'));
        return null;
      }
    } else if (!req.getHeader('transfer-encoding').toLowerCase().includes('chunked')) {
      return refuse(411, 'length_required', 'send Content-Length or a chunked body');
    }
    const overload = this.#overload(declared ?? config.ingest.maxBodyBytes);
    if (overload !== null) return refuse(503, 'overloaded', overload);
    const requestId = clientRequestId(req.getHeader('x-request-id')) ?? `${this.#bootId}-${(++this.#requestCounter).toString(36)}`;
    return { contentType, contentEncoding, declared, requestId };
  }

  /** Reads the body, hands it to the pool, and answers through the ledger. */
  #receive(exchange: Exchange, spec: RouteSpec, headers: AdmittedHeaders, client: string): void {
    const { config, ledger, pool } = this.#deps;
    const route = spec.route;
    const reserve = headers.declared ?? config.ingest.maxBodyBytes;
    this.#active++;
    this.#bufferedBytes += reserve;
    const countAnswer = exchange.onAnswered!;
    exchange.onAnswered = (status) => {
      // While draining, keep-alive connections are closed after their answer.
      if (this.#deps.state.draining) exchange.closeAfter = true;
      this.#active--;
      this.#bufferedBytes -= reserve;
      countAnswer(status);
    };
    exchange.requestId = headers.requestId;
    const receivedAtMs = Date.now();

    readBody(exchange, headers.declared, config.ingest, (outcome) => {
      if (!outcome.ok) {
        exchange.closeAfter = true;
        return exchange.error(outcome.status, { error: outcome.code, message: outcome.message });
      }
      let partial: PartialRejection | undefined;
      const entry = ledger.open(exchange.requestId, (answer) => respond(exchange, answer, spec, headers.contentType, partial));
      const { contentType, contentEncoding } = headers;
      pool.decode({ seq: entry.seq, route, body: outcome.body, contentType, contentEncoding, receivedAtMs, client })
        .then((result) => {
          if (result.ok) {
            partial = result.partial;
            ledger.decoded(entry, result.messages, result.records);
          }
          else ledger.reject(entry, { status: result.status, code: result.code, message: result.message, record: result.record, retriable: result.status === 503 });
        }, (err: unknown) => {
          this.#logWorkerFailure({ err, route, requestId: exchange.requestId }, 'decode worker failed; request answered 500');
          ledger.reject(entry, { status: 500, code: 'worker_failed', message: 'the decoding worker failed; retry', retriable: true });
        })
        .finally(() => this.#deps.pump.schedule());
    });
  }

  /** Null when there is room for one more request of `bytes`, else why not. */
  #overload(bytes: number): string | null {
    const { config, ledger, pool } = this.#deps;
    if (this.#active >= config.ingest.maxConcurrentRequests) return `${this.#active} requests in progress; the limit is ${config.ingest.maxConcurrentRequests}`;
    if (this.#bufferedBytes + bytes > config.ingest.maxBufferedBodyBytes) return 'request bodies in memory at their byte limit';
    if (ledger.inFlightRecords >= config.kafka.maxInFlightRecords) return 'records in flight to Kafka at their limit';
    if (!pool.hasRoom()) return 'decode queue full';
    return null;
  }
}

interface AdmittedHeaders {
  readonly contentType: string;
  readonly contentEncoding: string;
  /** Content-Length, or null for a chunked body. */
  readonly declared: number | null;
  readonly requestId: string;
}

const LOG_REPEAT_INTERVAL_MS = 10_000;
const UNAUTHORIZED_HEADERS = { 'www-authenticate': 'Bearer realm="metricstream"' };

/** A client's own X-Request-Id is kept, so the records of a retried request
 * carry the same metricstream-id headers and a consumer can drop the repeat. */
function clientRequestId(header: string): string | null {
  return /^[\x21-\x7e]{1,128}$/.test(header) ? header : null;
}

function respond(exchange: Exchange, answer: Answer, spec: RouteSpec, contentType: string, partial: PartialRejection | undefined): void {
  if ('accepted' in answer) {
    if (spec.otlpSignal !== undefined) exchange.send(200, otlpSuccessBody(spec.otlpSignal, partial, otlpEncodingOf(contentType)));
    else if (spec.successStatus === 204) exchange.empty(204);
    else exchange.json(200, `{"accepted":${answer.accepted}}`);
  }
  else exchange.error(answer.status, answer.record === undefined
    ? { error: answer.code, message: answer.message }
    : { error: answer.code, message: answer.message, record: answer.record });
}

export function listenOn(app: TemplatedApp, host: string, port: number): Promise<us_listen_socket> {
  return new Promise((resolve, reject) => {
    app.listen(host, port, (socket) => {
      if (socket) resolve(socket);
      else reject(new Error(`cannot listen on ${host}:${port} (address in use or not permitted)`));
    });
  });
}
