// A cookie-keeping client over app.inject(): what a browser tab does, minus the browser. It fetches
// a CSRF token once and sends it (with X-Requested-With) on every unsafe request unless told not to.
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';

export interface SetCookie {
  name: string;
  value: string;
  attributes: string[];
}

export function parseSetCookies(response: LightMyRequestResponse): SetCookie[] {
  const header = response.headers['set-cookie'];
  const lines = header === undefined ? [] : Array.isArray(header) ? header : [header];
  return lines.map((line) => {
    const [pair = '', ...attributes] = line.split(';').map((s) => s.trim());
    const eq = pair.indexOf('=');
    return { name: pair.slice(0, eq), value: decodeURIComponent(pair.slice(eq + 1)), attributes };
  });
}

export interface RequestOptions {
  body?: unknown;
  headers?: Record<string, string>;
  /** Leave out the CSRF header pair (to test the check). */
  noCsrf?: boolean;
  ip?: string;
}

export class TestClient {
  readonly cookies = new Map<string, string>();
  constructor(
    private readonly app: FastifyInstance,
    private readonly ip = '127.0.0.1',
  ) {}

  cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  async csrf(): Promise<string> {
    const existing = this.cookies.get('__Host-csrf');
    if (existing !== undefined) return existing;
    await this.request('GET', '/api/auth/csrf');
    return this.cookies.get('__Host-csrf') as string;
  }

  async request(method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE', url: string, options: RequestOptions = {}): Promise<LightMyRequestResponse> {
    const headers: Record<string, string> = { ...options.headers };
    if (method !== 'GET' && !options.noCsrf) {
      headers['x-csrf-token'] = await this.csrf();
      headers['x-requested-with'] = 'XMLHttpRequest';
    }
    if (this.cookies.size > 0 && headers['cookie'] === undefined) headers['cookie'] = this.cookieHeader();
    const response = await this.app.inject({
      method,
      url,
      headers,
      remoteAddress: options.ip ?? this.ip,
      ...(options.body === undefined ? {} : { payload: options.body as Record<string, unknown> }),
    });
    for (const c of parseSetCookies(response)) {
      const expired = c.attributes.some((a) => /^max-age=0$/i.test(a) || /^expires=Thu, 01 Jan 1970/i.test(a));
      if (expired || c.value === '') this.cookies.delete(c.name);
      else this.cookies.set(c.name, c.value);
    }
    return response;
  }

  get(url: string, options?: RequestOptions) {
    return this.request('GET', url, options);
  }
  post(url: string, body?: unknown, options: RequestOptions = {}) {
    return this.request('POST', url, { ...options, body });
  }
  patch(url: string, body?: unknown, options: RequestOptions = {}) {
    return this.request('PATCH', url, { ...options, body });
  }
  delete(url: string, options?: RequestOptions) {
    return this.request('DELETE', url, options);
  }
}
