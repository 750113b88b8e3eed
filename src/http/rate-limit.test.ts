// Public endpoints are rate limited per client address, answering 429 in the one error shape.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../test/support/app.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t?.close());

const report = JSON.stringify({ 'csp-report': { 'violated-directive': 'script-src', 'blocked-uri': 'inline' } });
const send = (remoteAddress: string) =>
  t.app.inject({ method: 'POST', url: '/api/csp-report', remoteAddress, headers: { 'content-type': 'application/csp-report' }, payload: report });

describe('rate limiting', () => {
  it('answers 429 with Retry-After once a client exceeds the CSP report limit, and spares others', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 31; i += 1) statuses.push((await send('192.0.2.10')).statusCode);
    expect(statuses.slice(0, 30).every((s) => s === 204)).toBe(true);
    const limited = await send('192.0.2.10');
    expect(limited.statusCode).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(limited.json()).toMatchObject({ error: { code: 'request.rate_limited' } });
    expect((await send('192.0.2.11')).statusCode).toBe(204);
  });
});
