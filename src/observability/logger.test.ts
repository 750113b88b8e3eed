import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../test/support/app.js';
import { scrubUrl } from './logger.js';

const SECRETS = {
  bearer: 'eyJhbGciOiJFUzI1NiJ9.secret-access-token.sig',
  cookie: 'refresh-cookie-value-4f1c9e',
  query: 'oauth-code-7d2b1a',
  password: 'correct horse battery staple',
  nested: 'ya29.provider-refresh-token',
};

let t: TestApp;

beforeAll(async () => {
  t = await createTestApp({
    captureLogs: true,
    beforeReady: (app) => {
      app.post('/api/test/login', async (request) => {
        // A careless handler logging the whole body and a provider response must still leak nothing.
        request.log.info({ body: request.body, provider: { refreshToken: SECRETS.nested } }, 'handler saw');
        request.log.info({ password: SECRETS.password, token: SECRETS.bearer }, 'top-level fields');
        return { ok: true };
      });
    },
  });
  await t.app.inject({
    method: 'POST',
    url: `/api/test/login?code=${SECRETS.query}&state=abc`,
    headers: { authorization: `Bearer ${SECRETS.bearer}`, cookie: `__Host-refresh=${SECRETS.cookie}`, 'content-type': 'application/json' },
    payload: { email: 'a@example.test', password: SECRETS.password },
  });
});
afterAll(() => t?.close());

describe('logs', () => {
  it('are JSON lines', () => {
    expect(t.logs.length).toBeGreaterThan(0);
    for (const line of t.logs) expect(() => JSON.parse(line) as unknown).not.toThrow();
  });

  it('carry the request id on every line written for a request', () => {
    const requestLines = t.logs.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => 'req' in l || 'res' in l || l.msg === 'handler saw');
    expect(requestLines.length).toBeGreaterThanOrEqual(3);
    for (const line of requestLines) expect(line.requestId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('never contain a token, cookie, password or OAuth code from the request', () => {
    const all = t.logs.join('\n');
    for (const [kind, secret] of Object.entries(SECRETS)) expect(all, kind).not.toContain(secret);
    expect(all).toContain('[redacted]');
    expect(all).toContain('/api/test/login?code=[redacted]&state=[redacted]');
  });
});

describe('scrubUrl', () => {
  it('keeps the path and parameter names and drops every value', () => {
    expect(scrubUrl('/cb?code=abc&state=def')).toBe('/cb?code=[redacted]&state=[redacted]');
    expect(scrubUrl('/plain')).toBe('/plain');
  });
});
