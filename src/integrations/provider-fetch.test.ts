// The outbound client's SSRF guard, deadlines and limits: non-public addresses are refused whether
// written as literals or reached through DNS; only an origin the operator configured is exempt.
import type { LookupAddress } from 'node:dns';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeServer, type FakeServer } from '../../test/providers/server.js';
import { createProviderFetch, isPublicAddress, OutboundRequestError } from './provider-fetch.js';

let server: FakeServer;

beforeAll(async () => {
  server = await startFakeServer();
  server.on('GET', /^\/ok$/, () => ({ body: { ok: true } }));
  server.on('GET', /^\/gzip$/, () => ({ body: { packed: 'x'.repeat(2000) }, gzip: true }));
  server.on('GET', /^\/big$/, () => ({ body: 'y'.repeat(5000) }));
  server.on('GET', /^\/slow$/, () => ({ body: 'late', delayMs: 500 }));
  server.on('GET', /^\/redirect$/, () => ({ status: 302, headers: { location: 'http://169.254.169.254/latest/meta-data/' } }));
  server.on('POST', /^\/echo$/, (request) => ({ body: { method: request.method, body: request.body, type: request.headers['content-type'] } }));
});
afterAll(async () => {
  await server?.close();
});

const blocked = (error: unknown) => error instanceof OutboundRequestError && error.code === 'blocked_address';

describe('isPublicAddress', () => {
  it.each([
    ['127.0.0.1', false],
    ['10.1.2.3', false],
    ['172.16.0.1', false],
    ['192.168.1.10', false],
    ['169.254.169.254', false],
    ['100.64.0.1', false],
    ['0.0.0.0', false],
    ['::1', false],
    ['fe80::1', false],
    ['fd00::1', false],
    ['::ffff:127.0.0.1', false],
    ['::ffff:10.0.0.1', false],
    ['224.0.0.1', false],
    ['8.8.8.8', true],
    ['2606:4700:4700::1111', true],
    ['::ffff:8.8.8.8', true],
    ['not an ip', false],
  ])('%s is public: %s', (address, expected) => {
    expect(isPublicAddress(address)).toBe(expected);
  });
});

describe('the SSRF guard', () => {
  it('refuses loopback, private, link-local and mapped literals, over http and https', async () => {
    const fetch = createProviderFetch();
    for (const url of ['https://127.0.0.1/', 'https://10.0.0.8/x', 'https://169.254.169.254/latest/meta-data/', 'https://[::1]/', 'https://[::ffff:127.0.0.1]/', 'https://[fd12::1]/']) {
      await expect(fetch(url)).rejects.toSatisfy(blocked);
    }
    // Plain http is refused to anything not configured, before any address is considered.
    await expect(fetch(`${server.url}/ok`)).rejects.toMatchObject({ code: 'bad_url' });
  });

  it('checks the resolved addresses at connect time: a name that resolves to a private address is refused', async () => {
    const fetch = createProviderFetch({ lookup: (_host, callback) => callback(null, [{ address: '10.20.30.40', family: 4 }]) });
    await expect(fetch('https://graph.facebook.com/v23.0/me')).rejects.toSatisfy(blocked);
    // One private answer among public ones refuses the whole name (no round-robin luck).
    const mixed = createProviderFetch({
      lookup: (_host, callback) => callback(null, [{ address: '93.184.216.34', family: 4 }, { address: '127.0.0.1', family: 4 }] as LookupAddress[]),
    });
    await expect(mixed('https://api.hubapi.com/')).rejects.toSatisfy(blocked);
  });

  it('refuses localhost through the real resolver', async () => {
    await expect(createProviderFetch()('https://localhost/')).rejects.toSatisfy(blocked);
  });

  it('lets through exactly the origins the operator configured (how tests reach 127.0.0.1)', async () => {
    const fetch = createProviderFetch({ trustedOrigins: [server.url] });
    const response = await fetch(`${server.url}/ok`);
    expect(await response.json()).toEqual({ ok: true });
    // Another port on the same host is not the configured origin.
    const other = new URL(server.url);
    other.port = String(Number(other.port) + 1);
    await expect(fetch(`${other.origin}/ok`)).rejects.toMatchObject({ code: 'bad_url' });
    await expect(fetch(`${other.origin.replace('http:', 'https:')}/ok`)).rejects.toSatisfy(blocked);
  });

  it('does not follow redirects (a provider cannot bounce a call to the metadata service)', async () => {
    const response = await createProviderFetch({ trustedOrigins: [server.url] })(`${server.url}/redirect`);
    expect(response.status).toBe(302);
    expect(server.requests.filter((r) => r.path.startsWith('/latest'))).toHaveLength(0);
  });

  it('refuses credentials in the URL', async () => {
    await expect(createProviderFetch()('https://user:pass@api.hubapi.com/')).rejects.toMatchObject({ code: 'bad_url' });
  });
});

describe('deadlines and limits', () => {
  it('gives up after the deadline', async () => {
    const fetch = createProviderFetch({ trustedOrigins: [server.url], timeoutMs: 100 });
    await expect(fetch(`${server.url}/slow`)).rejects.toMatchObject({ code: 'timeout' });
  });

  it('refuses an answer larger than the ceiling, counted after decompression', async () => {
    const fetch = createProviderFetch({ trustedOrigins: [server.url], maxResponseBytes: 1000 });
    await expect(fetch(`${server.url}/big`)).rejects.toMatchObject({ code: 'too_large' });
    await expect(fetch(`${server.url}/gzip`)).rejects.toMatchObject({ code: 'too_large' });
    const roomy = await createProviderFetch({ trustedOrigins: [server.url] })(`${server.url}/gzip`);
    expect(((await roomy.json()) as { packed: string }).packed).toHaveLength(2000);
  });

  it('sends form and JSON bodies', async () => {
    const fetch = createProviderFetch({ trustedOrigins: [server.url] });
    const form = await fetch(`${server.url}/echo`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ a: '1 2' }) });
    expect(await form.json()).toEqual({ method: 'POST', body: 'a=1+2', type: 'application/x-www-form-urlencoded' });
  });
});
