import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A request the server received. */
export interface Received {
  method: string;
  /** Path and query, as sent. */
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** One recorded answer: status, headers and body as the provider's documentation shows them. */
export interface Answer {
  status: number;
  headers?: Record<string, string>;
  /** An object is sent as JSON (`application/json; charset=utf-8`); a string as is. */
  body?: unknown;
}

interface Route {
  method: string;
  path: string;
  /** Query parameters the request must carry (others are allowed). */
  query: Record<string, string>;
  answer: Answer | ((req: Received) => Answer);
}

/**
 * A loopback HTTP server that plays recorded exchanges: each `on(…)` answers ONE matching request, in order, and
 * a request nobody recorded gets a 599 so the test fails loudly. The clients talk to it over real HTTP with their
 * real fetch (redirects, headers, bodies), nothing past loopback.
 */
export class RecordedApi {
  readonly received: Received[] = [];
  private readonly routes: Route[] = [];
  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(): Promise<RecordedApi> {
    let api: RecordedApi | undefined;
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const received: Received = {
          method: req.method ?? 'GET',
          url: req.url ?? '/',
          headers: req.headers,
          body: Buffer.concat(chunks).toString('utf8'),
        };
        const answer = api?.answer(received) ?? { status: 599, body: 'no server' };
        const headers: Record<string, string> = { ...answer.headers };
        let body = '';
        if (answer.body !== undefined) {
          if (typeof answer.body === 'string') body = answer.body;
          else {
            body = JSON.stringify(answer.body);
            headers['content-type'] ??= 'application/json; charset=utf-8';
          }
        }
        res.writeHead(answer.status, headers);
        res.end(body);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    api = new RecordedApi(server, `http://127.0.0.1:${port}`);
    return api;
  }

  /** Answer the next `METHOD /path?query` (only the query parameters given must match). */
  on(request: string, answer: Answer | ((req: Received) => Answer)): this {
    const [method, target] = request.split(' ');
    const url = new URL(target, 'http://x');
    this.routes.push({
      method,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams.entries()),
      answer,
    });
    return this;
  }

  /** Requests recorded but never made. */
  unused(): string[] {
    return this.routes.map((r) => `${r.method} ${r.path}`);
  }

  requestsTo(pathPart: string): Received[] {
    return this.received.filter((r) => r.url.includes(pathPart));
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private answer(req: Received): Answer {
    this.received.push(req);
    const url = new URL(req.url, 'http://x');
    const i = this.routes.findIndex(
      (r) =>
        r.method === req.method &&
        r.path === url.pathname &&
        Object.entries(r.query).every(([k, v]) => url.searchParams.get(k) === v),
    );
    if (i < 0) return { status: 599, body: `no recorded exchange for ${req.method} ${req.url}` };
    const [route] = this.routes.splice(i, 1);
    return typeof route.answer === 'function' ? route.answer(req) : route.answer;
  }
}
