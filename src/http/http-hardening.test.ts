// Security headers and the one error shape, on every kind of response.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../test/support/app.js';

/** A valid double-submit pair: these tests are about body handling, not the CSRF check. */
const CSRF_TOKEN = 'c'.repeat(43);
const CSRF = { cookie: `__Host-csrf=${CSRF_TOKEN}`, 'x-csrf-token': CSRF_TOKEN, 'x-requested-with': 'XMLHttpRequest' };

let t: TestApp;

beforeAll(async () => {
  t = await createTestApp({
    beforeReady: (app) => {
      app.get('/api/test/boom', async () => {
        throw new Error('database password is hunter2 at /srv/app/secret.ts:12');
      });
      app.post('/api/test/echo', async (request) => ({ received: request.body }));
    },
  });
});
afterAll(() => t?.close());

function expectSecurityHeaders(headers: Record<string, unknown>) {
  const csp = String(headers['content-security-policy']);
  for (const directive of ["default-src 'self'", "script-src 'self'", "object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'", "form-action 'self'"]) {
    expect(csp).toContain(directive);
  }
  expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|\*/);
  const hsts = String(headers['strict-transport-security']);
  expect(Number(/max-age=(\d+)/.exec(hsts)?.[1])).toBeGreaterThanOrEqual(31_536_000);
  expect(hsts).toContain('includeSubDomains');
  expect(headers['x-frame-options']).toBe('DENY');
  expect(headers['x-content-type-options']).toBe('nosniff');
  expect(headers['referrer-policy']).toMatch(/^(no-referrer|strict-origin|strict-origin-when-cross-origin|same-origin)$/);
  expect(String(headers['permissions-policy'])).toContain('camera=()');
  expect(headers['cross-origin-opener-policy']).toBe('same-origin');
  expect(headers['x-powered-by']).toBeUndefined();
}

function expectErrorShape(body: string, code: string) {
  const parsed = JSON.parse(body) as { error: { code: string; message: string; requestId: string } };
  expect(Object.keys(parsed)).toEqual(['error']);
  expect(parsed.error.code).toBe(code);
  expect(parsed.error.message).toEqual(expect.any(String));
  expect(parsed.error.requestId).toMatch(/^[0-9a-f-]{36}$/);
  expect(body).not.toMatch(/\bat \/|\.ts:\d+|stack/i);
  return parsed;
}

describe('security headers', () => {
  it('are set on an API route', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/healthz' });
    expect(res.statusCode).toBe(200);
    expectSecurityHeaders(res.headers);
  });

  it('are set on the page (the app shell)', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/', headers: { accept: 'text/html' } });
    expectSecurityHeaders(res.headers);
  });

  it('are set on a 404', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/does-not-exist' });
    expect(res.statusCode).toBe(404);
    expectSecurityHeaders(res.headers);
    expectErrorShape(res.body, 'request.not_found');
  });

  it('are set on a 500, whose body hides the internal message', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/test/boom' });
    expect(res.statusCode).toBe(500);
    expectSecurityHeaders(res.headers);
    const body = expectErrorShape(res.body, 'internal');
    expect(res.body).not.toContain('hunter2');
    expect(body.error.requestId).toBe(res.headers['x-request-id']);
  });

  it('never lets an API answer be cached', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/openapi.json' });
    expect(res.headers['cache-control']).toBe('no-store');
  });

  it('mints its own request id instead of adopting the client’s', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/healthz', headers: { 'x-request-id': 'attacker-chosen' } });
    expect(res.headers['x-request-id']).not.toBe('attacker-chosen');
  });
});

describe('bad input gets a 4xx in the one error shape', () => {
  it('answers malformed JSON with 400 request.malformed_json', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/api/test/echo', headers: { ...CSRF, 'content-type': 'application/json' }, payload: '{"a":' });
    expect(res.statusCode).toBe(400);
    expectErrorShape(res.body, 'request.malformed_json');
  });

  it('answers an empty JSON body with 400', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/api/test/echo', headers: { ...CSRF, 'content-type': 'application/json' }, payload: '' });
    expect(res.statusCode).toBe(400);
    expectErrorShape(res.body, 'request.empty_body');
  });

  it('answers a content type it does not accept with 415, text/plain included', async () => {
    for (const type of ['text/plain', 'application/xml', 'multipart/form-data; boundary=x', 'application/x-www-form-urlencoded']) {
      const res = await t.app.inject({ method: 'POST', url: '/api/test/echo', headers: { ...CSRF, 'content-type': type }, payload: 'a=1' });
      expect(res.statusCode, type).toBe(415);
      expectErrorShape(res.body, 'request.unsupported_media_type');
    }
  });

  it('answers a body over the limit with 413', async () => {
    const payload = JSON.stringify({ blob: 'x'.repeat(1024 * 1024 + 10) });
    const res = await t.app.inject({ method: 'POST', url: '/api/test/echo', headers: { ...CSRF, 'content-type': 'application/json' }, payload });
    expect(res.statusCode).toBe(413);
    expectErrorShape(res.body, 'request.body_too_large');
  });

  it('refuses prototype-poisoning JSON', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/api/test/echo', headers: { ...CSRF, 'content-type': 'application/json' }, payload: '{"__proto__":{"admin":true}}' });
    expect(res.statusCode).toBe(400);
    expectErrorShape(res.body, 'request.malformed_json');
  });

  it('answers zod validation failures with 400 request.invalid and the failing fields', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/api/csp-report', headers: { 'content-type': 'application/csp-report' }, payload: '{"csp-report":{"line-number":"ten"}}' });
    expect(res.statusCode, res.body).toBe(400);
    const body = JSON.parse(res.body) as { error: { code: string; details: unknown[] } };
    expect(body.error?.code, res.body).toBe('request.invalid');
    expect(body.error.details.length).toBeGreaterThan(0);
  });

  it('answers a wrong method on a known path in the error shape', async () => {
    const res = await t.app.inject({ method: 'DELETE', url: '/healthz' });
    expect(res.statusCode).toBeGreaterThanOrEqual(400);
    expect(res.statusCode).toBeLessThan(500);
    expectErrorShape(res.body, 'request.not_found');
  });
});

describe('public endpoints', () => {
  it('reports readiness only when the database answers', async () => {
    const ok = await t.app.inject({ method: 'GET', url: '/readyz' });
    expect(ok.json()).toEqual({ status: 'ready', checks: { database: 'ok' } });
    const broken = await createTestApp({ deps: { vault: t.vault, db: { ...t.database.db, ping: () => Promise.reject(new Error('connection refused')) } } });
    try {
      const res = await broken.app.inject({ method: 'GET', url: '/readyz' });
      expect(res.statusCode).toBe(503);
      expectErrorShape(res.body, 'service.unavailable');
    } finally {
      await broken.close();
    }
  });

  it('publishes an RFC 9116 security.txt', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/.well-known/security.txt', headers: { host: '127.0.0.1:3000' } });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    const fields = Object.fromEntries(res.body.trim().split('\n').map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 2)]));
    expect(fields.Contact).toMatch(/^(mailto:|https:\/\/)/);
    expect(fields.Policy).toBe('http://127.0.0.1:3000/security');
    expect(fields['Preferred-Languages']).toBeDefined();
    const expires = Date.parse(fields.Expires ?? '');
    expect(expires).toBeGreaterThan(Date.now());
    expect(expires).toBeLessThanOrEqual(Date.now() + 365 * 24 * 3600 * 1000);
  });

  it('serves an OpenAPI 3.1 document generated from the zod schemas', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/openapi.json' });
    const doc = res.json() as { openapi: string; paths: Record<string, Record<string, { requestBody?: unknown }>> };
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/healthz', '/readyz', '/api/csp-report']));
    expect(doc.paths['/api/csp-report']?.post?.requestBody).toBeDefined();
  });

  it('accepts a CSP violation report and logs it without query values', async () => {
    const logged = await createTestApp({ captureLogs: true });
    try {
      const res = await logged.app.inject({
        method: 'POST',
        url: '/api/csp-report',
        headers: { 'content-type': 'application/csp-report' },
        payload: JSON.stringify({ 'csp-report': { 'document-uri': 'http://localhost/', 'violated-directive': 'script-src', 'blocked-uri': 'https://evil.example/x.js?session=abc123' } }),
      });
      expect(res.statusCode).toBe(204);
      const line = logged.logs.find((l) => l.includes('content security policy violation'));
      expect(line).toContain('evil.example/x.js');
      expect(logged.logs.join('\n')).not.toContain('abc123');
    } finally {
      await logged.close();
    }
  });
});
