// A tiny HTTP server on 127.0.0.1 for provider fakes: routes by method and path pattern, records
// every request (so tests can assert what a connector sent), and answers with status, headers and
// a body. Each provider fake in this folder builds on it.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';

export interface FakeRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: http.IncomingHttpHeaders;
  body: string;
  /** The body as JSON, or as form fields when it is urlencoded. */
  json(): unknown;
  form(): URLSearchParams;
}

export interface FakeResponse {
  status?: number;
  headers?: Record<string, string>;
  /** Objects are sent as JSON; strings as given. */
  body?: unknown;
  gzip?: boolean;
  /** Wait this long before answering (timeouts). */
  delayMs?: number;
}

type Handler = (request: FakeRequest, match: RegExpExecArray) => FakeResponse | Promise<FakeResponse>;

export interface FakeServer {
  url: string;
  requests: FakeRequest[];
  on(method: string, path: RegExp, handler: Handler): void;
  close(): Promise<void>;
}

export async function startFakeServer(): Promise<FakeServer> {
  const routes: Array<{ method: string; path: RegExp; handler: Handler }> = [];
  const requests: FakeRequest[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://fake');
      const body = Buffer.concat(chunks).toString('utf8');
      const request: FakeRequest = {
        method: req.method ?? 'GET',
        path: url.pathname,
        query: url.searchParams,
        headers: req.headers,
        body,
        json: () => JSON.parse(body) as unknown,
        form: () => new URLSearchParams(body),
      };
      requests.push(request);
      const route = routes.find((r) => r.method === request.method && r.path.test(url.pathname));
      const answer = async (): Promise<FakeResponse> => {
        if (route === undefined) return { status: 404, body: { error: 'no fake route', path: url.pathname } };
        const match = route.path.exec(url.pathname) as RegExpExecArray;
        return route.handler(request, match);
      };
      answer()
        .then(async (response) => {
          if (response.delayMs !== undefined) await new Promise((r) => setTimeout(r, response.delayMs));
          const headers: Record<string, string> = { ...response.headers };
          let payload: Buffer | undefined;
          if (response.body !== undefined) {
            const text = typeof response.body === 'string' ? response.body : JSON.stringify(response.body);
            headers['content-type'] ??= typeof response.body === 'string' ? 'text/plain; charset=utf-8' : 'application/json';
            payload = Buffer.from(text, 'utf8');
            if (response.gzip === true) {
              payload = gzipSync(payload);
              headers['content-encoding'] = 'gzip';
            }
          }
          res.writeHead(response.status ?? 200, headers);
          res.end(payload);
        })
        .catch((error: unknown) => {
          res.writeHead(500, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ error: String(error) }));
        });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    on: (method, path, handler) => routes.push({ method, path, handler }),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
