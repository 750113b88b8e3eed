// Workspaces, members and roles through the real app and database (PGlite, or PostgreSQL with
// TEST_DATABASE_URL): creation and settings, the owner rules (only an owner makes or unmakes an
// owner; the last owner stays, also when two owners act at the same moment), leaving, and the
// workspace's two-factor requirement.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../test/support/app.js';
import { addMember, createPeople, createWorkspace, type Person } from '../../test/support/accounts.js';

let t: TestApp;
let people: ReturnType<typeof createPeople>;
let n = 0;
const email = (label: string) => `${label}-${n++}@example.test`;

beforeAll(async () => {
  t = await createTestApp();
  people = createPeople(t, 3);
});
afterAll(async () => {
  await t?.close();
});

interface MemberJson {
  id: string;
  name: string;
  email: string;
  role: string;
  twoFactorEnabled: boolean;
  joinedAt: string;
}

async function membersOf(person: Person, workspaceId: string): Promise<MemberJson[]> {
  const response = await person.client.get(`/api/workspaces/${workspaceId}/members`);
  expect(response.statusCode, response.body).toBe(200);
  return (response.json() as { members: MemberJson[] }).members;
}

async function auditActions(person: Person, workspaceId: string, action: string) {
  const response = await person.client.get(`/api/workspaces/${workspaceId}/audit?action=${action}`);
  expect(response.statusCode, response.body).toBe(200);
  return (response.json() as { entries: { actorId: string; targetId: string; details: Record<string, unknown>; result: string }[] }).entries;
}

const patch = (person: Person, url: string, body: unknown) => person.client.request('PATCH', url, { body });

describe('creating and reading workspaces', () => {
  it('makes the creator its owner, lists it with the role, and records the creation', async () => {
    const owner = await people.signUp(email('creator'));
    const created = await owner.client.post('/api/workspaces', { name: 'Northwind Ads', currency: 'EUR', timezone: 'Europe/Berlin' });
    expect(created.statusCode, created.body).toBe(201);
    const workspace = created.json();
    expect(workspace).toMatchObject({ name: 'Northwind Ads', currency: 'EUR', timezone: 'Europe/Berlin', requireMfa: false, role: 'owner' });

    const mine = (await owner.client.get('/api/workspaces')).json() as { workspaces: { id: string; role: string }[] };
    expect(mine.workspaces.map((w) => w.id)).toEqual([owner.personalWorkspaceId, workspace.id]);
    expect(mine.workspaces.every((w) => w.role === 'owner')).toBe(true);
    expect((await owner.client.get(`/api/workspaces/${workspace.id}`)).json()).toEqual(workspace);

    const [entry] = await auditActions(owner, workspace.id, 'workspace.created');
    expect(entry).toMatchObject({ actorId: owner.userId, targetId: workspace.id, result: 'success' });
  });

  it('refuses unknown fields, a bad currency or time zone, and an empty change', async () => {
    const owner = await people.signUp(email('strict'));
    for (const body of [
      { name: 'X', isAdmin: true },
      { name: 'X', currency: 'euro' },
      { name: 'X', timezone: 'Mars/Olympus' },
      { name: '' },
    ]) {
      const response = await owner.client.post('/api/workspaces', body);
      expect(response.statusCode, JSON.stringify(body)).toBe(400);
      expect(response.json().error.code).toBe('request.invalid');
    }
    const empty = await patch(owner, `/api/workspaces/${owner.personalWorkspaceId}`, {});
    expect(empty.statusCode).toBe(400);
    const smuggled = await patch(owner, `/api/workspaces/${owner.personalWorkspaceId}`, { name: 'Y', id: owner.personalWorkspaceId });
    expect(smuggled.statusCode).toBe(400);
  });

  it('records a settings change with what changed, and nothing for a change to the same value', async () => {
    const owner = await people.signUp(email('settings'));
    const id = owner.personalWorkspaceId;
    const changed = await patch(owner, `/api/workspaces/${id}`, { name: 'Renamed', currency: 'GBP' });
    expect(changed.statusCode, changed.body).toBe(200);
    expect(changed.json()).toMatchObject({ name: 'Renamed', currency: 'GBP' });
    expect((await patch(owner, `/api/workspaces/${id}`, { name: 'Renamed' })).statusCode).toBe(200);
    const entries = await auditActions(owner, id, 'workspace.settings.changed');
    expect(entries).toHaveLength(1);
    expect(entries[0]?.details).toMatchObject({ changes: { name: { to: 'Renamed' }, currency: { from: 'USD', to: 'GBP' } } });
  });
});

describe('members and owners', () => {
  it('lists members with name, email, role, 2FA state and join date', async () => {
    const owner = await people.signUp(email('list-owner'), { name: 'Olga Owner' });
    const viewer = await people.signUp(email('list-viewer'), { name: 'Vic Viewer' });
    await addMember(t, owner, owner.personalWorkspaceId, viewer, 'viewer');
    await people.enableTotp(owner);
    const list = await membersOf(viewer, owner.personalWorkspaceId);
    expect(list.map(({ joinedAt: _joinedAt, ...m }) => m)).toEqual([
      { id: owner.userId, name: 'Olga Owner', email: owner.email, role: 'owner', twoFactorEnabled: true },
      { id: viewer.userId, name: 'Vic Viewer', email: viewer.email, role: 'viewer', twoFactorEnabled: false },
    ]);
    expect(Number.isNaN(Date.parse(list[0]?.joinedAt ?? ''))).toBe(false);
  });

  it('lets only an owner grant or take away the owner role, and records each change', async () => {
    const owner = await people.signUp(email('grant-owner'));
    const admin = await people.signUp(email('grant-admin'));
    const analyst = await people.signUp(email('grant-analyst'));
    const ws = owner.personalWorkspaceId;
    await addMember(t, owner, ws, admin, 'admin');
    await addMember(t, owner, ws, analyst, 'analyst');

    const byAdmin = await patch(admin, `/api/workspaces/${ws}/members/${analyst.userId}`, { role: 'owner' });
    expect(byAdmin.statusCode).toBe(403);
    expect(byAdmin.json().error.message).toMatch(/Only an owner/);
    const adminSelf = await patch(admin, `/api/workspaces/${ws}/members/${admin.userId}`, { role: 'owner' });
    expect(adminSelf.statusCode).toBe(403);
    const demoteOwner = await patch(admin, `/api/workspaces/${ws}/members/${owner.userId}`, { role: 'viewer' });
    expect(demoteOwner.statusCode).toBe(403);
    // An admin manages the roles below owner.
    const toViewer = await patch(admin, `/api/workspaces/${ws}/members/${analyst.userId}`, { role: 'viewer' });
    expect(toViewer.statusCode, toViewer.body).toBe(200);
    expect(toViewer.json()).toMatchObject({ id: analyst.userId, role: 'viewer' });

    const byOwner = await patch(owner, `/api/workspaces/${ws}/members/${admin.userId}`, { role: 'owner' });
    expect(byOwner.statusCode, byOwner.body).toBe(200);
    const entries = await auditActions(owner, ws, 'workspace.member.role_changed');
    expect(entries.map((e) => [e.actorId, e.targetId, e.details])).toEqual([
      [owner.userId, admin.userId, { from: 'admin', to: 'owner' }],
      [admin.userId, analyst.userId, { from: 'analyst', to: 'viewer' }],
    ]);
  });

  it('refuses to demote or remove the last owner, and the last owner cannot leave', async () => {
    const owner = await people.signUp(email('last-owner'));
    const admin = await people.signUp(email('last-admin'));
    const ws = owner.personalWorkspaceId;
    await addMember(t, owner, ws, admin, 'admin');
    const demote = await patch(owner, `/api/workspaces/${ws}/members/${owner.userId}`, { role: 'admin' });
    expect(demote.statusCode).toBe(409);
    expect(demote.json().error.code).toBe('workspace.last_owner');
    const leave = await owner.client.delete(`/api/workspaces/${ws}/members/${owner.userId}`);
    expect(leave.statusCode).toBe(409);
    expect(leave.json().error.code).toBe('workspace.last_owner');
    expect(leave.json().error.message).toMatch(/make another member an owner/);
    expect((await membersOf(owner, ws)).find((m) => m.id === owner.userId)?.role).toBe('owner');

    // With a second owner, the first may step down.
    expect((await patch(owner, `/api/workspaces/${ws}/members/${admin.userId}`, { role: 'owner' })).statusCode).toBe(200);
    expect((await patch(owner, `/api/workspaces/${ws}/members/${owner.userId}`, { role: 'viewer' })).statusCode).toBe(200);
  });

  it('lets any member leave and an admin remove others, but not an owner; the removed lose access at once', async () => {
    const owner = await people.signUp(email('rm-owner'));
    const admin = await people.signUp(email('rm-admin'));
    const viewer = await people.signUp(email('rm-viewer'));
    const analyst = await people.signUp(email('rm-analyst'));
    const ws = owner.personalWorkspaceId;
    await addMember(t, owner, ws, admin, 'admin');
    await addMember(t, owner, ws, viewer, 'viewer');
    await addMember(t, owner, ws, analyst, 'analyst');

    expect((await viewer.client.delete(`/api/workspaces/${ws}/members/${analyst.userId}`)).statusCode).toBe(403);
    const adminRemovesOwner = await admin.client.delete(`/api/workspaces/${ws}/members/${owner.userId}`);
    expect(adminRemovesOwner.statusCode).toBe(403);
    expect((await admin.client.delete(`/api/workspaces/${ws}/members/${analyst.userId}`)).statusCode).toBe(204);
    expect((await analyst.client.get(`/api/workspaces/${ws}`)).statusCode).toBe(404);
    expect((await viewer.client.delete(`/api/workspaces/${ws}/members/${viewer.userId}`)).statusCode).toBe(204);
    expect((await viewer.client.get(`/api/workspaces/${ws}`)).statusCode).toBe(404);
    expect(((await viewer.client.get('/api/workspaces')).json() as { workspaces: { id: string }[] }).workspaces.map((w) => w.id)).not.toContain(ws);

    const removed = await auditActions(owner, ws, 'workspace.member.removed');
    expect(removed.map((e) => [e.actorId, e.targetId, e.details])).toEqual([
      [viewer.userId, viewer.userId, { role: 'viewer', left: true }],
      [admin.userId, analyst.userId, { role: 'analyst', left: false }],
    ]);
  });

  it('never leaves a workspace without an owner when two owners demote each other at the same moment', async () => {
    const first = await people.signUp(email('race-a'));
    const second = await people.signUp(email('race-b'));
    const ws = first.personalWorkspaceId;
    await addMember(t, first, ws, second, 'owner');
    for (let round = 0; round < 6; round += 1) {
      const [a, b] = await Promise.all([
        patch(first, `/api/workspaces/${ws}/members/${second.userId}`, { role: 'admin' }),
        patch(second, `/api/workspaces/${ws}/members/${first.userId}`, { role: 'admin' }),
      ]);
      const statuses = [a.statusCode, b.statusCode].sort();
      // One wins; the other finds itself no longer an owner (403) or the target the last owner (409).
      expect(statuses[0], `${a.body} ${b.body}`).toBe(200);
      expect([403, 409]).toContain(statuses[1]);
      const winner = a.statusCode === 200 ? first : second;
      const loser = winner === first ? second : first;
      const owners = (await membersOf(winner, ws)).filter((m) => m.role === 'owner').map((m) => m.id);
      expect(owners).toEqual([winner.userId]);
      expect((await patch(winner, `/api/workspaces/${ws}/members/${loser.userId}`, { role: 'owner' })).statusCode).toBe(200);
    }
  });

  it('never leaves a workspace without an owner when both owners leave at the same moment', async () => {
    const first = await people.signUp(email('leave-a'));
    const second = await people.signUp(email('leave-b'));
    const ws = await createWorkspace(first, 'Both leaving');
    await addMember(t, first, ws, second, 'owner');
    const [a, b] = await Promise.all([
      first.client.delete(`/api/workspaces/${ws}/members/${first.userId}`),
      second.client.delete(`/api/workspaces/${ws}/members/${second.userId}`),
    ]);
    expect([a.statusCode, b.statusCode].sort()).toEqual([204, 409]);
    const stayed = a.statusCode === 409 ? first : second;
    expect((await membersOf(stayed, ws)).map((m) => [m.id, m.role])).toEqual([[stayed.userId, 'owner']]);
  });

  it.skipIf(process.env.TEST_DATABASE_URL === undefined)(
    'makes membership changes wait for each other on the workspace row, so the second sees the first (PostgreSQL)',
    async () => {
      const first = await people.signUp(email('lock-a'));
      const second = await people.signUp(email('lock-b'));
      const ws = first.personalWorkspaceId;
      await addMember(t, first, ws, second, 'owner');
      // Another transaction holds the lock the service takes: both requests must queue behind it,
      // however they interleave, and then run one after the other.
      const owner = t.database.owner;
      await owner.exec('BEGIN');
      await owner.query("SELECT set_config('app.workspace_id', $1, true)", [ws]);
      await owner.query('SELECT id FROM workspaces WHERE id = $1 FOR NO KEY UPDATE', [ws]);
      let settled = 0;
      const requests = [
        patch(first, `/api/workspaces/${ws}/members/${second.userId}`, { role: 'viewer' }),
        patch(second, `/api/workspaces/${ws}/members/${first.userId}`, { role: 'viewer' }),
      ].map((p) => p.finally(() => (settled += 1)));
      let waiting = 0;
      for (let i = 0; i < 100 && waiting < 2 && settled === 0; i += 1) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        const [row] = await owner.query<{ n: number }>('SELECT count(*)::int AS n FROM pg_locks WHERE NOT granted');
        waiting = row?.n ?? 0;
      }
      expect(settled, 'a membership change ran while another transaction held the workspace lock').toBe(0);
      expect(waiting).toBe(2);
      await owner.exec('COMMIT');
      const statuses = (await Promise.all(requests)).map((r) => r.statusCode).sort();
      expect(statuses[0]).toBe(200);
      expect([403, 409]).toContain(statuses[1]);
    },
  );
});

describe('requiring two-factor authentication', () => {
  it('is changed by an owner only, and only from a session that itself used a second factor', async () => {
    const owner = await people.signUp(email('mfa-owner'));
    const admin = await people.signUp(email('mfa-admin'));
    const ws = owner.personalWorkspaceId;
    await addMember(t, owner, ws, admin, 'admin');
    const byAdmin = await patch(admin, `/api/workspaces/${ws}`, { requireMfa: true });
    expect(byAdmin.statusCode).toBe(403);
    expect(byAdmin.json().error.code).toBe('auth.forbidden');
    const without = await patch(owner, `/api/workspaces/${ws}`, { requireMfa: true });
    expect(without.statusCode).toBe(403);
    expect(without.json().error.code).toBe('auth.mfa_setup_required');
    await people.enableTotp(owner);
    const turnedOn = await patch(owner, `/api/workspaces/${ws}`, { requireMfa: true });
    expect(turnedOn.statusCode, turnedOn.body).toBe(200);
    expect(turnedOn.json().requireMfa).toBe(true);
    const [entry] = await auditActions(owner, ws, 'workspace.settings.changed');
    expect(entry?.details).toEqual({ changes: { requireMfa: { from: false, to: true } } });
  });

  it('sends a member without 2FA to 403 auth.mfa_setup_required until they turn it on', async () => {
    const owner = await people.signUp(email('mfa2-owner'));
    const member = await people.signUp(email('mfa2-member'));
    const ws = owner.personalWorkspaceId;
    await addMember(t, owner, ws, member, 'analyst');
    await people.enableTotp(owner);
    expect((await patch(owner, `/api/workspaces/${ws}`, { requireMfa: true })).statusCode).toBe(200);

    for (const url of [`/api/workspaces/${ws}`, `/api/workspaces/${ws}/members`]) {
      const refused = await member.client.get(url);
      expect(refused.statusCode).toBe(403);
      expect(refused.json().error).toMatchObject({ code: 'auth.mfa_setup_required', details: { workspaceId: ws } });
    }
    // Account routes stay open, so the member can set 2FA up.
    expect((await member.client.get('/api/me')).statusCode).toBe(200);
    await people.enableTotp(member);
    expect((await member.client.get(`/api/workspaces/${ws}`)).statusCode).toBe(200);
  });
});
