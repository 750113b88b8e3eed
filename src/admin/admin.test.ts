// Platform administration on the real app and database: who gets in (a platform admin with a
// second factor in the session), what everyone else sees (401 without credentials, 404 signed in
// or with an API key, each signed-in attempt recorded), the key status and platform-chain routes,
// the IP-block routes behind the same guard, and `throughline admin grant|revoke`.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../test/support/app.js';
import { createPeople, type Person } from '../../test/support/accounts.js';
import { createAuditService, type AuditService } from '../audit/index.js';
import { runCli } from '../main.js';
import { setPlatformAdmin } from './cli.js';

let t: TestApp;
let audit: AuditService;
let people: ReturnType<typeof createPeople>;
let staff: Person;
let member: Person;

const ADMIN_ROUTES = ['/api/admin/keys', '/api/admin/audit', '/api/admin/audit/export?format=csv', '/api/admin/ip-blocks'];

interface EntryJson {
  actorId: string | null;
  actorKind: string;
  action: string;
  result: string;
  targetId: string | null;
  workspaceId: string | null;
  details: Record<string, unknown>;
}

async function platformEntries(query: string): Promise<EntryJson[]> {
  const response = await staff.client.get(`/api/admin/audit?${query}`);
  expect(response.statusCode, response.body).toBe(200);
  return (response.json() as { entries: EntryJson[] }).entries;
}

beforeAll(async () => {
  t = await createTestApp();
  audit = createAuditService({ db: t.database.db });
  people = createPeople(t, 7);
  staff = await people.signUp('staff@example.test');
  member = await people.signUp('member@example.test');
  expect(await setPlatformAdmin(t.database.owner, audit, 'STAFF@example.test', true, 'cli:test')).toMatchObject({ found: true, changed: true });
  await people.enableTotp(staff);
});
afterAll(async () => {
  await t?.close();
});

describe('who gets into /api/admin', () => {
  it.each(ADMIN_ROUTES)('%s: 401 without credentials, 404 to a signed-in non-admin and to an API key', async (url) => {
    const anonymous = await t.app.inject({ method: 'GET', url });
    expect(anonymous.statusCode).toBe(401);
    const signedIn = await member.client.get(url);
    expect(signedIn.statusCode).toBe(404);
    expect(signedIn.json().error.code).toBe('request.not_found');
    // The staff member's own key: a key never carries its creator's platform role.
    const key = (await staff.client.post(`/api/workspaces/${staff.personalWorkspaceId}/api-keys`, { name: `probe ${url}`, scope: 'read_write' })).json().key as string;
    const withKey = await t.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${key}` } });
    expect(withKey.statusCode).toBe(404);
  });

  it('answers a non-admin exactly as a route that does not exist, and records the attempt', async () => {
    const strip = (body: { error: { requestId: string } }) => ({ ...body.error, requestId: undefined });
    const admin = await member.client.get('/api/admin/keys');
    const nothing = await member.client.get('/api/no-such-route');
    expect(admin.statusCode).toBe(nothing.statusCode);
    expect(strip(admin.json())).toEqual(strip(nothing.json()));
    const denied = await platformEntries('action=admin.accessed&result=denied');
    expect(denied.some((e) => e.actorId === member.userId && e.details.route === 'GET /api/admin/keys' && e.details.reason === 'not_platform_admin')).toBe(true);
    expect(denied.some((e) => e.actorKind === 'api_key' && e.details.reason === 'api_key')).toBe(true);
  });

  it('asks a platform admin to sign in with a second factor first', async () => {
    const newStaff = await people.signUp('staff-no-2fa@example.test');
    await setPlatformAdmin(t.database.owner, audit, newStaff.email, true, 'cli:test');
    const response = await newStaff.client.get('/api/admin/keys');
    expect(response.statusCode).toBe(403);
    expect(response.json().error.code).toBe('auth.mfa_setup_required');
    await people.enableTotp(newStaff);
    expect((await newStaff.client.get('/api/admin/keys')).statusCode).toBe(200);
  });

  it('takes a revocation into account at the next request, and the app role cannot grant itself', async () => {
    const temp = await people.signUp('staff-temp@example.test');
    await setPlatformAdmin(t.database.owner, audit, temp.email, true, 'cli:test');
    await people.enableTotp(temp);
    expect((await temp.client.get('/api/admin/keys')).statusCode).toBe(200);
    expect(await setPlatformAdmin(t.database.owner, audit, temp.email, false, 'cli:test')).toMatchObject({ found: true, changed: true });
    expect((await temp.client.get('/api/admin/keys')).statusCode).toBe(404);

    // SECURITY: no request path can promote anyone: the app role has no UPDATE grant on the column.
    await expect(t.database.db.withUser(temp.userId, (tx) => sql`UPDATE users SET is_platform_admin = true WHERE id = ${temp.userId}`.execute(tx))).rejects.toThrow(/permission denied/);

    const changes = await platformEntries('limit=200');
    const mine = changes.filter((e) => e.targetId === temp.userId && e.action.startsWith('admin.platform_admin.'));
    expect(mine.map((e) => [e.action, e.actorKind, e.actorId])).toEqual([
      ['admin.platform_admin.revoked', 'system', 'cli:test'],
      ['admin.platform_admin.granted', 'system', 'cli:test'],
    ]);
  });
});

describe('what platform admins see', () => {
  it('shows the encryption and signing key status, without key material, and records the access', async () => {
    const response = await staff.client.get('/api/admin/keys');
    expect(response.statusCode, response.body).toBe(200);
    expect(response.headers['cache-control']).toBe('no-store');
    const status = response.json();
    expect(status.encryption).toMatchObject({ activeKekId: 'test1', rotationDays: 180, rotationDue: false });
    expect(status.encryption.keks).toEqual([expect.objectContaining({ id: 'test1', active: true, inRing: true, ageDays: 0 })]);
    expect(status.encryption.rewrap.remaining).toBe(0);
    expect(status.signing.keys.map((k: { kid: string }) => k.kid)).toContain(status.signing.activeKid);
    expect(Date.parse(status.signing.nextRotationAt)).toBeGreaterThan(Date.now());
    expect(response.body).not.toMatch(/"(d|k|material|private\w*|wrapped\w*)"\s*:/i);

    const [entry] = await platformEntries('action=admin.accessed&result=success');
    expect(entry).toMatchObject({ actorId: staff.userId, workspaceId: null });
    const accesses = await platformEntries('action=admin.accessed&limit=200');
    expect(accesses.some((e) => e.actorId === staff.userId && e.details.route === 'GET /api/admin/keys')).toBe(true);
  });

  it('lists and exports the platform chain, recording the access and the export', async () => {
    const list = await staff.client.get('/api/admin/audit?limit=5');
    expect(list.statusCode).toBe(200);
    const body = list.json() as { entries: EntryJson[]; nextCursor: string | null };
    expect(body.entries.length).toBe(5);
    expect(body.entries.every((e) => e.workspaceId === null)).toBe(true);
    expect(body.nextCursor).not.toBeNull();

    const csv = await staff.client.get('/api/admin/audit/export?format=csv');
    expect(csv.statusCode).toBe(200);
    expect(csv.headers['content-disposition']).toMatch(/^attachment; filename="audit-platform-\d{4}-\d{2}-\d{2}\.csv"$/);
    const exported = await platformEntries('action=audit.exported');
    expect(exported[0]).toMatchObject({ actorId: staff.userId, workspaceId: null, details: { format: 'csv' } });
    const accessed = await platformEntries('action=admin.accessed&limit=20');
    expect(accessed.some((e) => e.details.route === 'GET /api/admin/audit/export')).toBe(true);
  });

  it('reaches the IP-block list through the same guard, and records it', async () => {
    const response = await staff.client.get('/api/admin/ip-blocks');
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json()).toEqual({ blocks: [] });
    const accesses = await platformEntries('action=admin.accessed&limit=20');
    expect(accesses.some((e) => e.actorId === staff.userId && e.details.route === 'GET /api/admin/ip-blocks')).toBe(true);
  });
});

describe('throughline admin grant|revoke', () => {
  it('reports an unknown email and changes nothing', async () => {
    expect(await setPlatformAdmin(t.database.owner, audit, 'nobody@example.test', true, 'cli:test')).toEqual({ found: false });
    expect(await setPlatformAdmin(t.database.owner, audit, staff.email, true, 'cli:test')).toMatchObject({ found: true, changed: false });
  });

  it('documents both subcommands', async () => {
    for (const command of ['admin grant', 'admin revoke']) {
      const out: string[] = [];
      const result = await runCli([...command.split(' '), '--help'], { env: {}, out: (l) => out.push(l), err: () => undefined });
      expect(result.code).toBe(0);
      expect(out.join('\n')).toContain(`Usage: throughline ${command} [options] <email>`);
    }
  });

  it.skipIf(process.env.TEST_DATABASE_URL === undefined)('grants and revokes from the command line as the database owner (PostgreSQL)', async () => {
    const person = await people.signUp('cli-staff@example.test');
    await people.enableTotp(person);
    const urls = t.database.urls as { app: string; owner: string };
    const run = async (args: string[], env: Record<string, string>) => {
      const out: string[] = [];
      const err: string[] = [];
      const result = await runCli(args, { env: { DATA_DIR: t.dataDir, LOG_LEVEL: 'silent', ...env }, out: (l) => out.push(l), err: (l) => err.push(l) });
      return { code: result.code, out: out.join('\n'), err: err.join('\n') };
    };
    const withOwner = { DATABASE_URL: urls.app, DATABASE_OWNER_URL: urls.owner };

    // The app login alone may not do it (no UPDATE grant on the flag).
    const appOnly = await run(['admin', 'grant', person.email], { DATABASE_URL: urls.app });
    expect(appOnly.code).toBe(1);
    expect(appOnly.err).toMatch(/DATABASE_OWNER_URL/);

    const granted = await run(['admin', 'grant', person.email], withOwner);
    expect(granted.code, granted.err).toBe(0);
    expect(granted.out).toMatch(/is now a platform admin/);
    expect((await person.client.get('/api/admin/keys')).statusCode).toBe(200);
    const revoked = await run(['admin', 'revoke', person.email], withOwner);
    expect(revoked.code, revoked.err).toBe(0);
    expect((await person.client.get('/api/admin/keys')).statusCode).toBe(404);
    expect((await run(['admin', 'grant', 'nobody@example.test'], withOwner)).code).toBe(1);

    const changes = (await platformEntries('limit=200')).filter((e) => e.targetId === person.userId && e.action.startsWith('admin.platform_admin.'));
    expect(changes.map((e) => e.action)).toEqual(['admin.platform_admin.revoked', 'admin.platform_admin.granted']);
    expect(changes.every((e) => e.actorKind === 'system' && String(e.actorId).startsWith('cli'))).toBe(true);
  });
});
