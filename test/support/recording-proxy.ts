// An HTTP proxy between a real remote_write 1.0 client and the daemon: each
// request is decoded (snappy, prompb WriteRequest) and recorded — headers,
// series and metadata counts, the daemon's status and request id — then
// forwarded as it came, and the daemon's answer is passed back unchanged. It
// shows what the client sent and in which order, which the records in Kafka
// alone cannot (a metadata-only request writes nothing).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { uncompressSync } from 'snappy';
import { WriteRequest } from '../../src/protocols/remote-write/decode';

export interface SentMetadata { type: number; metricFamilyName: string; help: string; unit: string }
interface SentRequest { timeseries: Array<{ labels: Array<{ name: string; value: string }> }>; metadata: SentMetadata[] }

export interface ForwardedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly series: number;
  readonly metadata: readonly SentMetadata[];
  /** The names of the series sent (`__name__`). */
  readonly names: ReadonlySet<string>;
  /** Families whose metadata the daemon had answered (2xx) before this request arrived. */
  readonly familiesKnownBefore: ReadonlySet<string>;
  status: number;
  requestId: string;
}

export class RecordingProxy {
  readonly requests: ForwardedRequest[] = [];
  readonly #answeredFamilies = new Set<string>();

  private constructor(private readonly server: http.Server, private readonly target: string) {}

  /** Listens on a free port of 127.0.0.1 and forwards to `target` (e.g. the daemon's ingest URL). */
  static async start(target: string): Promise<RecordingProxy> {
    let proxy: RecordingProxy | undefined;
    const server = http.createServer((req, res) => void proxy!.#forward(req, res));
    proxy = new RecordingProxy(server, target);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return proxy;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async #forward(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers)) if (typeof value === 'string') headers[name] = value;
    const decoded = WriteRequest.toObject(WriteRequest.decode(uncompressSync(body) as Buffer), { defaults: true, arrays: true, enums: Number }) as SentRequest;
    const record: ForwardedRequest = {
      method: req.method ?? '', path: req.url ?? '', headers,
      series: decoded.timeseries.length, metadata: decoded.metadata,
      names: new Set(decoded.timeseries.map((s) => s.labels.find((l) => l.name === '__name__')?.value ?? '')),
      familiesKnownBefore: new Set(this.#answeredFamilies), status: 0, requestId: '',
    };
    this.requests.push(record);
    const forwarded = { ...headers };
    delete forwarded['host'];
    delete forwarded['content-length'];
    try {
      const answer = await fetch(`${this.target}${req.url ?? ''}`, { method: req.method, headers: forwarded, body });
      const text = await answer.text();
      record.status = answer.status;
      record.requestId = answer.headers.get('x-request-id') ?? '';
      if (answer.ok) for (const m of decoded.metadata) this.#answeredFamilies.add(m.metricFamilyName);
      res.writeHead(answer.status, Object.fromEntries(answer.headers));
      res.end(text);
    } catch (error) {
      record.status = 502;
      res.writeHead(502).end(String(error));
    }
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
