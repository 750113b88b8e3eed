// Address blocks over HTTP, on the real app: the onRequest hook refuses a blocked address on every
// route (through a declared proxy too, and without trusting a forged X-Forwarded-For), and platform
// admins list and lift blocks, every access audited.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPeople, type Person } from '../../test/support/accounts.js';
import { createTestApp, type TestApp } from '../../test/support/app.js';
import { createAuditService, type AuditService } from '../audit/index.js';
import { setPlatformAdmin } from '../admin/cli.js';
import { createLoginGuard, type LoginGuard } from './brute-force.js';

const PROXY = '10.0.0.1';

let t: TestApp;
let guard: LoginGuard;
let audit: AuditService;
let adminId: string;
let admin: Person;
let outsider: Person;

beforeAll(async () => {
  // The app (and its database) exist before the guard can; the app and the routes call it late.
  // The guard goes in through AppDeps, so the hook and the admin routes under test are the ones
  // buildApp registers, behind the real platform-admin check.
  const late: LoginGuard = {
    assertCanAttempt: (ip, account) => guard.assertCanAttempt(ip, account),
    recordFailure: (ip, account, context) => guard.recordFailure(ip, account, context),
    recordSuccess: (ip, account) => guard.recordSuccess(ip, account),
    blockedFor: (ip) => guard.blockedFor(ip),
    listBlocks: () => guard.listBlocks(),
    unblock: (ip, by) => guard.unblock(ip, by),
    ready: () => guard.ready(),
    close: () => guard.close(),
  };
  t = await createTestApp({ env: { TRUST_PROXY: PROXY }, deps: { guard: late } });
  audit = createAuditService({ db: t.database.db });
  guard = createLoginGuard({ db: t.database.db, audit, limits: { ipFailures: 3 } });
  const people = createPeople(t, 77);
  admin = await people.signUp('ip-admin@example.test');
  await setPlatformAdmin(t.database.owner, audit, admin.email, true, 'test');
  await people.enableTotp(admin);
  adminId = admin.userId;
  outsider = await people.signUp('not-admin@example.test');
});
afterAll(async () => {
  await guard?.close();
  await t?.close();
});

/** Cookies and the CSRF pair of a signed-in person's browser. */
function browserHeaders(person: Person): Record<string, string> {
  const csrf = person.client.cookies.get('__Host-csrf') ?? '';
  return { cookie: person.client.cookieHeader(), 'x-csrf-token': csrf, 'x-requested-with': 'XMLHttpRequest' };
}
const adminHeaders = () => browserHeaders(admin);

async function block(ip: string): Promise<void> {
  for (let i = 0; i < 3; i += 1) {
    const account = `someone${i}-${randomBytes(3).toString('hex')}@example.com`;
    await guard.assertCanAttempt(ip, account);
    await guard.recordFailure(ip, account, { requestId: 'req-test' });
  }
  expect(await guard.blockedFor(ip)).toBeGreaterThan(0);
}


describe('requests from a blocked address', () => {
  beforeAll(() => block('192.0.2.66'));

  it.each([
    ['GET', '/healthz', undefined],
    ['GET', '/readyz', undefined],
    ['GET', '/api/openapi.json', undefined],
    ['GET', '/no/such/route', undefined],
    ['GET', '/api/admin/ip-blocks', undefined],
    // Malformed and unsupported bodies: refused before the body is read, so no 400 or 415.
    ['POST', '/api/csp-report', '{"csp-report": '],
    ['POST', '/api/auth/login', 'x'.repeat(64 * 1024)],
  ])('answer %s %s with 429, Retry-After and the standard error body', async (method, url, payload) => {
    const response = await t.app.inject({
      method: method as 'GET' | 'POST',
      url,
      remoteAddress: '192.0.2.66',
      ...(payload === undefined ? {} : { payload, headers: { 'content-type': 'application/json' } }),
    });
    expect(response.statusCode).toBe(429);
    expect(Number(response.headers['retry-after'])).toBeGreaterThan(890);
    expect(Number(response.headers['retry-after'])).toBeLessThanOrEqual(900);
    expect(response.headers['cache-control']).toBe('no-store');
    expect(response.json()).toEqual({
      error: { code: 'auth.ip_blocked', message: 'Too many requests from this address; try again later.', requestId: response.headers['x-request-id'] },
    });
  });

  it('answer other addresses as usual', async () => {
    expect((await t.app.inject({ url: '/healthz', remoteAddress: '192.0.2.67' })).statusCode).toBe(200);
  });

  it('are refused through the declared proxy by the forwarded address, and a forged X-Forwarded-For neither frees nor frames anyone', async () => {
    await block('198.51.100.9');
    const viaProxy = (forwardedFor: string) => t.app.inject({ url: '/healthz', remoteAddress: PROXY, headers: { 'x-forwarded-for': forwardedFor } });
    expect((await viaProxy('198.51.100.9')).statusCode).toBe(429);
    expect((await viaProxy('198.51.100.10')).statusCode).toBe(200);
    // Not from the proxy: the header is ignored either way.
    const direct = (remoteAddress: string, forwardedFor: string) => t.app.inject({ url: '/healthz', remoteAddress, headers: { 'x-forwarded-for': forwardedFor } });
    expect((await direct('198.51.100.9', '203.0.113.200')).statusCode).toBe(429);
    expect((await direct('203.0.113.201', '198.51.100.9')).statusCode).toBe(200);
  });

  it('include every address of a blocked IPv6 /64', async () => {
    await block('2001:db8:77:1::1');
    expect((await t.app.inject({ url: '/healthz', remoteAddress: '2001:db8:77:1:dead:beef:0:1' })).statusCode).toBe(429);
    expect((await t.app.inject({ url: '/healthz', remoteAddress: '2001:db8:77:2::1' })).statusCode).toBe(200);
  });
});

describe('GET /api/admin/ip-blocks', () => {
  it('refuses anyone but a platform admin, records the refusal as denied, and shows them nothing', async () => {
    const response = await t.app.inject({ url: '/api/admin/ip-blocks', remoteAddress: '203.0.113.5', headers: browserHeaders(outsider) });
    // The admin surface is not advertised: a signed-in non-admin gets the 404 of a missing route.
    expect(response.statusCode).toBe(404);
    expect(response.json()).toMatchObject({ error: { code: 'request.not_found' } });
    const { entries } = await audit.list(null, { action: 'admin.accessed', actorId: outsider.userId });
    expect(entries.map((e) => e.result)).toEqual(['denied']);
    expect((await t.app.inject({ url: '/api/admin/ip-blocks', remoteAddress: '203.0.113.5' })).statusCode).toBe(401);
  });

  it('lists the blocks in force for a platform admin, and audits the access', async () => {
    await block('192.0.2.90');
    const response = await t.app.inject({ url: '/api/admin/ip-blocks', remoteAddress: '203.0.113.5', headers: { ...adminHeaders(), 'user-agent': 'admin-test' } });
    expect(response.statusCode).toBe(200);
    const { blocks } = response.json<{ blocks: { ip: string; strikes: number; retryAfterSeconds: number; blockedUntil: string; reason: string }[] }>();
    const listed = blocks.find((b) => b.ip === '192.0.2.90');
    expect(listed).toMatchObject({ strikes: 1, reason: '3 failed sign-in attempts within 24 h' });
    expect(listed?.retryAfterSeconds).toBeGreaterThan(890);
    expect(Date.parse(listed?.blockedUntil ?? '')).toBeGreaterThan(Date.now());
    expect(blocks.map((b) => b.ip)).toContain('2001:db8:77:1::/64');

    const { entries } = await audit.list(null, { action: 'admin.accessed', actorId: adminId });
    expect(entries[0]).toMatchObject({ actorKind: 'user', targetType: 'ip_blocks', ip: '203.0.113.5', requestId: response.headers['x-request-id'] });
  });
});

describe('DELETE /api/admin/ip-blocks/:ip', () => {
  it('lifts a block at once, audits who did it, and answers 404 for an address that is not blocked', async () => {
    await block('192.0.2.91');
    const response = await t.app.inject({ method: 'DELETE', url: '/api/admin/ip-blocks/192.0.2.91', remoteAddress: '203.0.113.5', headers: adminHeaders() });
    expect(response.statusCode).toBe(204);
    expect((await t.app.inject({ url: '/healthz', remoteAddress: '192.0.2.91' })).statusCode).toBe(200);

    const unblocked = (await audit.list(null, { action: 'security.ip.unblocked' })).entries.find((e) => e.targetId === '192.0.2.91');
    expect(unblocked).toMatchObject({ actorKind: 'user', actorId: adminId, ip: '203.0.113.5', requestId: response.headers['x-request-id'] });
    const accessed = (await audit.list(null, { action: 'admin.accessed', actorId: adminId })).entries[0];
    expect(accessed).toMatchObject({ targetType: 'ip_block', targetId: '192.0.2.91' });

    const again = await t.app.inject({ method: 'DELETE', url: '/api/admin/ip-blocks/192.0.2.91', remoteAddress: '203.0.113.5', headers: adminHeaders() });
    expect(again.statusCode).toBe(404);
    expect(again.json()).toMatchObject({ error: { code: 'request.not_found' } });
  });

  it('lifts an IPv6 /64 given as listed (URL-encoded) or by any address inside it', async () => {
    await block('2001:db8:88:1::1');
    const byPrefix = await t.app.inject({ method: 'DELETE', url: `/api/admin/ip-blocks/${encodeURIComponent('2001:db8:88:1::/64')}`, headers: adminHeaders() });
    expect(byPrefix.statusCode).toBe(204);
    expect(await guard.blockedFor('2001:db8:88:1::5')).toBe(0);
    await block('2001:db8:88:2::1');
    const byAddress = await t.app.inject({ method: 'DELETE', url: `/api/admin/ip-blocks/${encodeURIComponent('2001:db8:88:2:ffff::9')}`, headers: adminHeaders() });
    expect(byAddress.statusCode).toBe(204);
  });

  it.each(['not-an-address', encodeURIComponent('10.0.0.0/8'), encodeURIComponent('2001:db8::/48')])('refuses %s with 400 before touching anything', async (ip) => {
    const response = await t.app.inject({ method: 'DELETE', url: `/api/admin/ip-blocks/${ip}`, headers: adminHeaders() });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ error: { code: 'request.invalid' } });
  });

  it('refuses anyone but a platform admin and leaves the block in place', async () => {
    await block('192.0.2.92');
    const response = await t.app.inject({ method: 'DELETE', url: '/api/admin/ip-blocks/192.0.2.92', headers: browserHeaders(outsider) });
    expect(response.statusCode).toBe(404);
    expect(await guard.blockedFor('192.0.2.92')).toBeGreaterThan(0);
  });

  it('are described in the OpenAPI document', async () => {
    const paths = Object.keys((await t.app.inject({ url: '/api/openapi.json' })).json<{ paths: Record<string, unknown> }>().paths);
    expect(paths).toEqual(expect.arrayContaining(['/api/admin/ip-blocks', '/api/admin/ip-blocks/{ip}']));
  });
});
