// The ingest listener speaks HTTP only: route, method and header checks,
// admission (src/request/admission.ts), body reading (read-body.ts), then
// the request goes down the forward path (src/request/forward.ts), which
// answers through answer.ts. Every refusal here is fast, before any body
// byte is read, and the connection closes after it.
import { randomBytes } from 'node:crypto';
import type { Config } from '../config/schema';
import { readDedupClaim, type DedupClaim, type DedupSettings } from '../dedup/request-key';
import type { Refusal } from '../errors';
import { JSON_ANSWERS } from '../protocols/native/answers';
import type { AnswerShape } from '../protocols/protocol';
import { offeredToken, POST_ONLY, probeOf, ROUTES, routeOf, type RouteSpec } from '../protocols/routes';
import type { Admission } from '../request/admission';
import type { Forwarder, RequestHead } from '../request/forward';
import type { Telemetry } from '../telemetry/prometheus';
import type { Answers } from './answer';
import { TokenAuth } from './auth';
import { Exchange, type Headers } from './exchange';
import { listenOn } from './listen';
import { readBody } from './read-body';
import type { ArenaLease, BodyArena } from '../pool/body-arena';
import { contentTypeProblem, encodingProblem } from './content-headers';
import type { HttpRequest, HttpResponse, TemplatedApp, us_listen_socket } from './uws';
import type * as UWS from 'uWebSockets.js';

export interface IngestDeps {
  readonly config: Config;
  readonly admission: Admission;
  readonly forwarder: Forwarder;
  readonly answers: Answers;
  readonly telemetry: Telemetry;
  /** Where declared bodies are read, for the pool's threads to map (src/pool/body-arena.ts). */
  readonly bodyArena: BodyArena | null;
}

export class IngestServer {
  readonly #uws: typeof UWS;
  readonly #app: TemplatedApp;
  readonly #deps: IngestDeps;
  readonly #bootId = randomBytes(4).toString('hex');
  readonly #auth: TokenAuth;
  readonly #dedup: DedupSettings;
  #requestCounter = 0;
  #listenSocket: us_listen_socket | null = null;

  constructor(uws: typeof UWS, deps: IngestDeps) {
    this.#uws = uws;
    this.#deps = deps;
    this.#auth = new TokenAuth(deps.config.ingest.auth.tokens);
    const { enabled, requestIdHeader, byContent } = deps.config.dedup;
    this.#dedup = { enabled, requestIdHeader, byContent: new Set(byContent) };
    const { certFile, keyFile } = deps.config.ingest.tls;
    const app = certFile === '' ? uws.App() : uws.SSLApp({ cert_file_name: certFile, key_file_name: keyFile });
    this.#app = app.any('/*', (res, req) => this.#handle(res, req));
  }

  listen(): Promise<number> {
    const { host, port, reusePort } = this.#deps.config.ingest;
    return listenOn(this.#app, host, port, reusePort).then((socket) => {
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
    const { answers, telemetry } = this.#deps;
    const exchange = new Exchange(res);
    exchange.requestId = clientRequestId(req.getHeader('x-request-id')) ?? `${this.#bootId}-${(++this.#requestCounter).toString(36)}`;
    exchange.client = Buffer.from(res.getRemoteAddressAsText()).toString();
    // Every refusal here leaves the body unread, so the connection closes after the answer.
    exchange.closeAfter = true;
    const path = req.getUrl();
    const spec = routeOf(path);
    if (spec === undefined) {
      // Probes are on paths no route serves: looked up only after the routes,
      // so a data request pays one map lookup, not a scan of the probes.
      if (this.#answerProbe(req, exchange, path)) return;
      exchange.route = path;
      return answers.refuse(exchange, JSON_ANSWERS, { code: 'not_found', message: `no route ${path}; POST ${ROUTE_PATHS}` });
    }
    exchange.route = spec.route;
    const contentType = req.getHeader('content-type');
    const shape = spec.answers(contentType);
    const startedAt = process.hrtime.bigint();
    exchange.onAnswered = (status) => telemetry.request(spec.route, status, Number(process.hrtime.bigint() - startedAt) / 1e9);
    const contentEncoding = req.getHeader('content-encoding').trim().toLowerCase();
    const admitted = this.#admit(req, exchange, spec, shape, contentType, contentEncoding);
    if (admitted === undefined) return;
    exchange.closeAfter = false;
    this.#receive(exchange, spec, shape, admitted.declared, {
      contentType, contentEncoding, path, query: req.getQuery() ?? '', headers: wantedHeaders(req, spec), dedup: admitted.dedup,
    });
  }

  /** A client's probe (PROBES in src/protocols/routes.ts), answered at once:
   * no admission, no body read (a body sent with one closes the connection). */
  #answerProbe(req: HttpRequest, exchange: Exchange, path: string): boolean {
    const method = req.getMethod();
    const probe = probeOf(method, path);
    if (probe === undefined) return false;
    const { admission, telemetry } = this.#deps;
    exchange.route = 'probe';
    exchange.onAnswered = (status) => telemetry.request('probe', status, 0);
    exchange.closeAfter = req.getHeader('content-length') !== '' && req.getHeader('content-length') !== '0'
      || req.getHeader('transfer-encoding') !== '';
    const reply = probe.answer({
      ready: admission.notReadyReasons().length === 0, path, query: req.getQuery() ?? '', header: (name) => req.getHeader(name),
    });
    exchange.write(reply.status, method === 'head' ? null : reply.body, reply.contentType, reply.headers);
    return true;
  }

  /** Checks what the request line and headers say, before any body byte is
   * read; answers a refusal itself and returns undefined, else the declared
   * Content-Length (null: chunked) and the idempotency key. Must run inside
   * the uWS handler (req is invalid after it returns). */
  #admit(req: HttpRequest, exchange: Exchange, spec: RouteSpec, shape: AnswerShape, contentType: string, contentEncoding: string): Admitted | undefined {
    const { config, admission, answers } = this.#deps;
    const refuse = (refusal: Refusal, headers?: Headers): undefined => {
      answers.refuse(exchange, shape, refusal, headers);
      return undefined;
    };
    const methods = spec.methods ?? POST_ONLY;
    if (!methods.has(req.getMethod())) {
      const allowed = [...methods].map((m) => m.toUpperCase()).join(', ');
      return refuse({ code: 'method_not_allowed', message: `${req.getMethod().toUpperCase()} ${req.getUrl()}: use ${allowed}` }, { allow: allowed });
    }
    const token = this.#auth.enabled ? offeredToken(spec, (name) => req.getHeader(name), req.getQuery() ?? '') : null;
    if (this.#auth.enabled && !this.#auth.allows(token)) {
      if (token !== null && spec.wrongTokenForbidden === true) return refuse({ code: 'invalid_token', message: 'the token offered is not one configured in ingest.auth' });
      return refuse({ code: 'unauthorized', message: 'no valid token: send the one configured in ingest.auth' }, UNAUTHORIZED_HEADERS);
    }
    const dedup = readDedupClaim(this.#dedup, (name) => req.getHeader(name), spec.route, this.#auth.enabled ? token : null, exchange.client);
    if (!dedup.ok) return refuse(dedup);
    const typeProblem = contentTypeProblem(spec, contentType);
    if (typeProblem !== null) return refuse({ code: 'unsupported_content_type', message: typeProblem });
    const encodingIssue = encodingProblem(spec, contentEncoding);
    if (encodingIssue !== null) return refuse({ code: 'unsupported_content_encoding', message: encodingIssue });
    const unavailable = admission.unavailable(spec.signal);
    if (unavailable !== null) return refuse(unavailable);
    const lengthHeader = req.getHeader('content-length');
    let declared: number | null = null;
    if (lengthHeader !== '') {
      if (!/^\d{1,15}$/.test(lengthHeader)) return refuse({ code: 'bad_content_length', message: 'Content-Length is not a number' });
      declared = Number(lengthHeader);
      if (declared > config.ingest.maxBodyBytes) {
        return refuse({ code: 'body_too_large', message: `Content-Length ${declared} exceeds the limit of ${config.ingest.maxBodyBytes} bytes` });
      }
      if (declared === 0) {
        if (!shape.acceptsEmptyBody) return refuse({ code: 'empty_body', message: 'request body is empty' });
        answers.accept(exchange, shape, 0, undefined);
        return undefined;
      }
    } else if (!req.getHeader('transfer-encoding').toLowerCase().includes('chunked')) {
      return refuse({ code: 'length_required', message: 'send Content-Length or a chunked body' });
    }
    const overload = admission.overloaded(declared ?? config.ingest.maxBodyBytes);
    if (overload !== null) return refuse(overload);
    return { declared, dedup: dedup.claim };
  }

  /** Reads the body and hands the request to the forward path. */
  #receive(exchange: Exchange, spec: RouteSpec, shape: AnswerShape, declared: number | null, request: RequestLine): void {
    const { config, admission, forwarder, answers, bodyArena } = this.#deps;
    const reserve = declared ?? config.ingest.maxBodyBytes;
    admission.entered(reserve);
    /** The request's hold on its body in the arena, once read; given back with the answer. */
    let lease: ArenaLease | null = null;
    const countAnswer = exchange.onAnswered!;
    exchange.onAnswered = (status) => {
      // While draining, keep-alive connections are closed after their answer.
      if (admission.draining) exchange.closeAfter = true;
      admission.left(reserve);
      lease?.release();
      lease = null;
      countAnswer(status);
    };
    const head: RequestHead = {
      requestId: exchange.requestId, route: spec.route, ...request, client: exchange.client, receivedAtMs: Date.now(),
      respond: (answer) => answers.answer(exchange, shape, answer),
      replay: (remembered) => answers.replay(exchange, spec.answers(remembered.contentType), remembered),
    };
    forwarder.receiving(head);
    readBody(exchange, declared, config.ingest, bodyArena, (outcome) => {
      if (outcome.ok) {
        lease = outcome.body.lease;
        exchange.onAborted = () => forwarder.clientGone(head);
        return forwarder.forward(head, outcome.body);
      }
      exchange.closeAfter = true;
      forwarder.refuse(head, outcome);
    });
  }
}

const ROUTE_PATHS = Object.values(ROUTES).map((spec) => spec.path).join(', ');
/** What the forward path needs of the request line and headers, read while
 * uWS's request object is valid (during the handler only). */
type RequestLine = Pick<RequestHead, 'contentType' | 'contentEncoding' | 'path' | 'query' | 'headers' | 'dedup'>;

interface Admitted {
  /** Content-Length; null: chunked. */
  readonly declared: number | null;
  readonly dedup: DedupClaim | null;
}

const NO_HEADERS: Readonly<Record<string, string>> = Object.freeze({});

function wantedHeaders(req: HttpRequest, spec: RouteSpec): Readonly<Record<string, string>> {
  if (spec.headers === undefined) return NO_HEADERS;
  const headers: Record<string, string> = {};
  for (const name of spec.headers) headers[name] = req.getHeader(name);
  return headers;
}

const UNAUTHORIZED_HEADERS = { 'www-authenticate': 'Bearer realm="metricstream"' };

/** A client's own X-Request-Id is kept, so the records of a retried request
 * carry the same metricstream-id headers and a consumer can drop the repeat. */
function clientRequestId(header: string): string | null {
  return /^[\x21-\x7e]{1,128}$/.test(header) ? header : null;
}
