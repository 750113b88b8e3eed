// API keys through the real app and database: shown once and hashed at rest, Bearer authentication
// on tenant routes (no CSRF needed, none possible), scopes, tenant binding, revocation and expiry,
// last use at most once a minute, and refusal on account routes and on key management itself.
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../test/support/app.js';
import { createPeople, type Person } from '../../test/support/accounts.js';
import { queryAsOwnerWithoutRls } from '../../test/support/database.js';
import { requireWorkspaceRole } from '../workspaces/index.js';
import { createApiKeyAuthenticator } from './api-keys.js';
import type { SessionService } from './sessions.js';

let t: TestApp;
let people: ReturnType<typeof createPeople>;
let owner: Person;
let other: Person;

/**
 * No analyst-level write route exists yet (campaign edits will be the first). This one stands in
 * for it: the real access check with the real key authenticator, needing at least an analyst.
 * Bearer requests never consult sessions; the stand-in fails loudly if one does.
 */
function registerAnalystWriteProbe(app: FastifyInstance): void {
  const sessions = new Proxy({} as SessionService, {
    get() {
      throw new Error('a Bearer request consulted the session service');
    },
  });
  app.post<{ Params: { id: string } }>('/api/workspaces/:id/probe-analyst-write', async (request) => {
    const access = await requireWorkspaceRole(request, { db: t.database.db, sessions, apiKeys: createApiKeyAuthenticator({ db: t.database.db }) }, request.params.id, 'analyst');
    return { role: access.role, principal: access.principal.kind };
  });
}

beforeAll(async () => {
  t = await createTestApp({ beforeReady: registerAnalystWriteProbe });
  people = createPeople(t, 5);
  owner = await people.signUp('keys-owner@example.test');
  other = await people.signUp('keys-other@example.test');
});
afterAll(async () => {
  await t?.close();
});

interface CreatedKey {
  id: string;
  key: string;
  prefix: string;
  scope: string;
  expiresAt: string | null;
  status: string;
}

async function createKey(person: Person, workspaceId: string, body: Record<string, unknown> = {}): Promise<CreatedKey> {
  const response = await person.client.post(`/api/workspaces/${workspaceId}/api-keys`, { name: 'reporting', scope: 'read', ...body });
  expect(response.statusCode, response.body).toBe(201);
  return response.json() as CreatedKey;
}

function withKey(key: string, method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: Record<string, unknown>) {
  return t.app.inject({ method, url, headers: { authorization: `Bearer ${key}` }, remoteAddress: '10.5.200.1', ...(payload === undefined ? {} : { payload }) });
}

const lastUsed = async (id: string) =>
  (await queryAsOwnerWithoutRls<{ last_used_at: Date | null }>(t.database.owner, ['api_keys'], 'SELECT last_used_at FROM api_keys WHERE id = $1', [id]))[0]?.last_used_at ?? null;

describe('creating and listing keys', () => {
  it('returns the key once, stores only the hash of its secret, and lists keys without it', async () => {
    const ws = owner.personalWorkspaceId;
    const response = await owner.client.post(`/api/workspaces/${ws}/api-keys`, { name: 'Looker Studio', scope: 'read', expiresInDays: 30 });
    expect(response.statusCode, response.body).toBe(201);
    expect(response.headers['cache-control']).toBe('no-store');
    const created = response.json() as CreatedKey & { createdAt: string };
    const match = /^tlk_([0-9a-f-]{36})\.([0-9a-f-]{36})\.([A-Za-z0-9_-]{43})$/.exec(created.key);
    expect(match?.[1]).toBe(ws);
    expect(match?.[2]).toBe(created.id);
    const secret = match?.[3] as string;
    expect(created.key.startsWith(created.prefix)).toBe(true);
    expect(created.prefix).not.toContain(secret);
    expect(Date.parse(created.expiresAt ?? '') - Date.parse(created.createdAt)).toBe(30 * 24 * 60 * 60 * 1000);

    const [row] = await queryAsOwnerWithoutRls<{ key_hash: Buffer }>(t.database.owner, ['api_keys'], 'SELECT key_hash FROM api_keys WHERE id = $1', [created.id]);
    expect(Buffer.from(row?.key_hash ?? []).equals(createHash('sha256').update(secret).digest())).toBe(true);
    const dump = await queryAsOwnerWithoutRls<{ t: string }>(t.database.owner, ['api_keys', 'audit_log'], "SELECT string_agg(x::text, '|') AS t FROM (SELECT k::text AS x FROM api_keys k UNION ALL SELECT a::text FROM audit_log a) s");
    expect(dump[0]?.t).not.toContain(secret);

    const list = await owner.client.get(`/api/workspaces/${ws}/api-keys`);
    expect(list.body).not.toContain(secret);
    const listed = (list.json() as { apiKeys: Record<string, unknown>[] }).apiKeys.find((k) => k.id === created.id);
    expect(listed).toMatchObject({ name: 'Looker Studio', scope: 'read', prefix: created.prefix, createdBy: owner.userId, status: 'active', lastUsedAt: null });
    expect(listed).not.toHaveProperty('key');

    const audit = (await owner.client.get(`/api/workspaces/${ws}/audit?action=auth.api_key.created`)).json() as { entries: { actorId: string; targetId: string; details: unknown }[] };
    expect(audit.entries[0]).toMatchObject({ actorId: owner.userId, targetId: created.id, details: { name: 'Looker Studio', scope: 'read' } });
  });

  it('refuses an unknown scope, a lifetime over a year, and unknown fields', async () => {
    const ws = owner.personalWorkspaceId;
    for (const body of [{ name: 'x', scope: 'admin' }, { name: 'x', scope: 'read', expiresInDays: 366 }, { name: 'x', scope: 'read', workspaceId: other.personalWorkspaceId }]) {
      expect((await owner.client.post(`/api/workspaces/${ws}/api-keys`, body)).statusCode, JSON.stringify(body)).toBe(400);
    }
  });

  it('caps the live keys of a workspace', async () => {
    const person = await people.signUp('keys-cap@example.test');
    const ws = person.personalWorkspaceId;
    await queryAsOwnerWithoutRls(
      t.database.owner,
      ['api_keys'],
      `INSERT INTO api_keys (id, workspace_id, name, scope, key_hash) SELECT gen_random_uuid(), $1, 'bulk ' || g, 'read', $2 FROM generate_series(1, 50) g`,
      [ws, randomBytes(32)],
    );
    const response = await person.client.post(`/api/workspaces/${ws}/api-keys`, { name: 'one too many', scope: 'read' });
    expect(response.statusCode).toBe(409);
  });
});

describe('authenticating with a key', () => {
  it('works as Bearer on tenant routes, without the CSRF pair, with the scope as its role', async () => {
    const read = await createKey(owner, owner.personalWorkspaceId, { scope: 'read' });
    const readWrite = await createKey(owner, owner.personalWorkspaceId, { scope: 'read_write' });
    const got = await withKey(read.key, 'GET', `/api/workspaces/${owner.personalWorkspaceId}`);
    expect(got.statusCode, got.body).toBe(200);
    expect(got.json().role).toBe('viewer');

    const readWrites = await withKey(read.key, 'POST', `/api/workspaces/${owner.personalWorkspaceId}/probe-analyst-write`, {});
    expect(readWrites.statusCode).toBe(403);
    expect(readWrites.json().error.code).toBe('auth.forbidden');
    const rwWrites = await withKey(readWrite.key, 'POST', `/api/workspaces/${owner.personalWorkspaceId}/probe-analyst-write`, {});
    expect(rwWrites.statusCode, rwWrites.body).toBe(200);
    expect(rwWrites.json()).toEqual({ role: 'analyst', principal: 'api_key' });

    // The same unsafe request riding on cookies needs the CSRF pair.
    const cookieOnly = await owner.client.post(`/api/workspaces/${owner.personalWorkspaceId}/probe-analyst-write`, {}, { noCsrf: true });
    expect(cookieOnly.statusCode).toBe(403);
    expect(cookieOnly.json().error.code).toBe('auth.csrf_failed');
  });

  it('never reaches another workspace: its data answers 404, and a key re-addressed to it is no key', async () => {
    const key = await createKey(owner, owner.personalWorkspaceId, { scope: 'read_write' });
    const cross = await withKey(key.key, 'GET', `/api/workspaces/${other.personalWorkspaceId}`);
    expect(cross.statusCode).toBe(404);
    expect(cross.json().error.code).toBe('workspace.not_found');
    const crossWrite = await withKey(key.key, 'POST', `/api/workspaces/${other.personalWorkspaceId}/probe-analyst-write`, {});
    expect(crossWrite.statusCode).toBe(404);
    const moved = key.key.replace(owner.personalWorkspaceId, other.personalWorkspaceId);
    expect((await withKey(moved, 'GET', `/api/workspaces/${other.personalWorkspaceId}`)).statusCode).toBe(401);
  });

  it('refuses a revoked key at once, and an expired key, with 401', async () => {
    const ws = owner.personalWorkspaceId;
    const revoked = await createKey(owner, ws);
    expect((await withKey(revoked.key, 'GET', `/api/workspaces/${ws}`)).statusCode).toBe(200);
    expect((await owner.client.delete(`/api/workspaces/${ws}/api-keys/${revoked.id}`)).statusCode).toBe(204);
    const afterRevoke = await withKey(revoked.key, 'GET', `/api/workspaces/${ws}`);
    expect(afterRevoke.statusCode).toBe(401);
    expect(afterRevoke.json().error.code).toBe('auth.unauthenticated');
    expect((await owner.client.delete(`/api/workspaces/${ws}/api-keys/${revoked.id}`)).statusCode).toBe(404);
    const listed = (await owner.client.get(`/api/workspaces/${ws}/api-keys`)).json() as { apiKeys: { id: string }[] };
    expect(listed.apiKeys.map((k) => k.id)).not.toContain(revoked.id);
    const audit = (await owner.client.get(`/api/workspaces/${ws}/audit?action=auth.api_key.revoked`)).json() as { entries: { actorId: string; targetId: string }[] };
    expect(audit.entries[0]).toMatchObject({ actorId: owner.userId, targetId: revoked.id });

    const expiring = await createKey(owner, ws, { expiresInDays: 1 });
    expect((await withKey(expiring.key, 'GET', `/api/workspaces/${ws}`)).statusCode).toBe(200);
    await queryAsOwnerWithoutRls(t.database.owner, ['api_keys'], "UPDATE api_keys SET expires_at = now() - interval '1 second' WHERE id = $1", [expiring.id]);
    expect((await withKey(expiring.key, 'GET', `/api/workspaces/${ws}`)).statusCode).toBe(401);
    const expired = (await owner.client.get(`/api/workspaces/${ws}/api-keys`)).json() as { apiKeys: { id: string; status: string }[] };
    expect(expired.apiKeys.find((k) => k.id === expiring.id)?.status).toBe('expired');
  });

  it('refuses forged and malformed keys with 401', async () => {
    const key = await createKey(owner, owner.personalWorkspaceId);
    const secret = key.key.split('.')[2] as string;
    const forged = [
      key.key.replace(secret, `${secret.slice(0, -1)}${secret.endsWith('A') ? 'B' : 'A'}`),
      key.key.replace(key.id, randomUUID()),
      key.key.slice('tlk_'.length),
      `tlk_${'x'.repeat(60)}`,
    ];
    for (const value of forged) {
      expect((await withKey(value, 'GET', `/api/workspaces/${owner.personalWorkspaceId}`)).statusCode, value).toBe(401);
    }
    const basic = await t.app.inject({ method: 'GET', url: `/api/workspaces/${owner.personalWorkspaceId}`, headers: { authorization: `Basic ${Buffer.from('a:b').toString('base64')}` } });
    expect(basic.statusCode).toBe(401);
  });

  it('records the last use, at most once a minute', async () => {
    const key = await createKey(owner, owner.personalWorkspaceId);
    expect(await lastUsed(key.id)).toBeNull();
    await withKey(key.key, 'GET', `/api/workspaces/${owner.personalWorkspaceId}`);
    const first = await lastUsed(key.id);
    expect(first).not.toBeNull();
    await withKey(key.key, 'GET', `/api/workspaces/${owner.personalWorkspaceId}`);
    expect(await lastUsed(key.id)).toEqual(first);
    await queryAsOwnerWithoutRls(t.database.owner, ['api_keys'], "UPDATE api_keys SET last_used_at = now() - interval '61 seconds' WHERE id = $1", [key.id]);
    const backdated = await lastUsed(key.id);
    await withKey(key.key, 'GET', `/api/workspaces/${owner.personalWorkspaceId}`);
    const touched = await lastUsed(key.id);
    expect(new Date(touched ?? 0).getTime()).toBeGreaterThan(new Date(backdated ?? 0).getTime() + 60_000);
  });
});

describe('what a key may not do', () => {
  it('is refused on account routes (/api/me, /api/auth/*) with 403', async () => {
    const key = await createKey(owner, owner.personalWorkspaceId, { scope: 'read_write' });
    for (const [method, url, payload] of [
      ['GET', '/api/me', undefined],
      ['GET', '/api/workspaces', undefined],
      ['GET', '/api/auth/sessions', undefined],
      ['POST', '/api/auth/password', { currentPassword: 'Glacier-Orbit-Tandem-42', newPassword: 'Another-Strong-Passphrase-9' }],
      ['POST', '/api/auth/totp/setup', undefined],
      ['POST', '/api/workspaces', { name: 'Made by a key' }],
    ] as const) {
      const response = await withKey(key.key, method, url, payload);
      expect(response.statusCode, `${method} ${url}`).toBe(403);
      expect(response.json().error.code).toBe('auth.forbidden');
    }
  });

  it('cannot manage keys, members, invitations or settings, or read the audit log, even read-write', async () => {
    const key = await createKey(owner, owner.personalWorkspaceId, { scope: 'read_write' });
    const ws = `/api/workspaces/${owner.personalWorkspaceId}`;
    for (const [method, url, payload] of [
      ['POST', `${ws}/api-keys`, { name: 'child', scope: 'read_write' }],
      ['GET', `${ws}/api-keys`, undefined],
      ['DELETE', `${ws}/api-keys/${key.id}`, undefined],
      ['GET', `${ws}/members`, undefined],
      ['PATCH', `${ws}/members/${owner.userId}`, { role: 'viewer' }],
      ['POST', `${ws}/invitations`, { email: 'x@example.test', role: 'admin' }],
      ['PATCH', ws, { name: 'Renamed by a key' }],
      ['GET', `${ws}/audit`, undefined],
    ] as const) {
      const response = await withKey(key.key, method, url, payload);
      expect(response.statusCode, `${method} ${url}`).toBe(403);
    }
    expect((await withKey(key.key, 'GET', ws)).statusCode).toBe(200);
  });
});
