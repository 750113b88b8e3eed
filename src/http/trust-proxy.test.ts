// X-Forwarded-* is believed only when the connection comes from a proxy named in TRUST_PROXY.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../test/support/app.js';

const addRoute = (t: { get: TestApp['app']['get'] }) =>
  t.get('/api/test/whoami', async (request) => ({ ip: request.ip, protocol: request.protocol }));

let behindProxy: TestApp;
let direct: TestApp;

beforeAll(async () => {
  behindProxy = await createTestApp({ env: { TRUST_PROXY: '10.0.0.5', HOST: '0.0.0.0' }, beforeReady: (app) => addRoute(app) });
  direct = await createTestApp({ beforeReady: (app) => addRoute(app) });
});
afterAll(async () => {
  await behindProxy?.close();
  await direct?.close();
});

const forwarded = { 'x-forwarded-for': '203.0.113.9', 'x-forwarded-proto': 'https' };

describe('TRUST_PROXY', () => {
  it('takes the client address and scheme from the declared proxy', async () => {
    const res = await behindProxy.app.inject({ method: 'GET', url: '/api/test/whoami', remoteAddress: '10.0.0.5', headers: forwarded });
    expect(res.json()).toEqual({ ip: '203.0.113.9', protocol: 'https' });
  });

  it('ignores X-Forwarded-* from any other address', async () => {
    const res = await behindProxy.app.inject({ method: 'GET', url: '/api/test/whoami', remoteAddress: '198.51.100.7', headers: forwarded });
    expect(res.json()).toEqual({ ip: '198.51.100.7', protocol: 'http' });
  });

  it('ignores X-Forwarded-* entirely when no proxy is declared', async () => {
    const res = await direct.app.inject({ method: 'GET', url: '/api/test/whoami', remoteAddress: '127.0.0.1', headers: forwarded });
    expect(res.json()).toEqual({ ip: '127.0.0.1', protocol: 'http' });
  });

  it('asks browsers to upgrade subresources only when TLS is in front', async () => {
    const proxied = await behindProxy.app.inject({ method: 'GET', url: '/healthz' });
    const plain = await direct.app.inject({ method: 'GET', url: '/healthz' });
    expect(proxied.headers['content-security-policy']).toContain('upgrade-insecure-requests');
    expect(plain.headers['content-security-policy']).not.toContain('upgrade-insecure-requests');
  });
});
