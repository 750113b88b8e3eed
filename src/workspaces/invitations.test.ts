// Invitations through the real app, mailer outbox and database: the emailed split-token link, the
// hash at rest, single use (also under concurrent accepts), expiry, revocation, the confirmed-email
// match, forged tokens, and the audit trail.
import { createHash, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../test/support/app.js';
import { countMail, createPeople, fragmentToken, waitForMail, type Person } from '../../test/support/accounts.js';
import { queryAsOwnerWithoutRls } from '../../test/support/database.js';

const PUBLIC_URL = 'https://analytics.example.test';
let t: TestApp;
let people: ReturnType<typeof createPeople>;
let n = 0;
const email = (label: string) => `${label}-${n++}@example.test`;

beforeAll(async () => {
  t = await createTestApp({ env: { PUBLIC_URL } });
  people = createPeople(t, 4);
});
afterAll(async () => {
  await t?.close();
});

/** Invites `to` and returns the invitation and the token from the email it received. */
async function invite(inviter: Person, workspaceId: string, to: string, role = 'analyst') {
  const before = await countMail(t.outboxDir, to, 'Invitation to');
  const response = await inviter.client.post(`/api/workspaces/${workspaceId}/invitations`, { email: to, role });
  expect(response.statusCode, response.body).toBe(201);
  const mail = await waitForMail(t.outboxDir, to, 'Invitation to', before);
  return { invitation: response.json() as { id: string; email: string; role: string; expiresAt: string; createdAt: string }, mail, token: fragmentToken(mail.text) };
}

const accept = (person: Person, token: string) => person.client.post('/api/invitations/accept', { token });

async function auditEntries(person: Person, workspaceId: string, action: string) {
  const response = await person.client.get(`/api/workspaces/${workspaceId}/audit?action=${action}`);
  expect(response.statusCode, response.body).toBe(200);
  return (response.json() as { entries: { actorId: string; targetId: string; result: string; details: Record<string, unknown> }[] }).entries;
}

describe('inviting and accepting', () => {
  it('emails a single-use split-token link, keeps only its hash, and adds the member with the invited role', async () => {
    const owner = await people.signUp(email('inv-owner'));
    const ws = owner.personalWorkspaceId;
    const inviteeEmail = email('inv-new');
    const { invitation, mail, token } = await invite(owner, ws, inviteeEmail, 'analyst');

    expect(mail.text).toContain(`${PUBLIC_URL}/invitations/accept#token=`);
    const [tokenWorkspace, tokenId, secret] = token.split('.');
    expect(tokenWorkspace).toBe(ws);
    expect(tokenId).toBe(invitation.id);
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Date.parse(invitation.expiresAt) - Date.parse(invitation.createdAt)).toBe(7 * 24 * 60 * 60 * 1000);

    const [row] = await queryAsOwnerWithoutRls<{ token_hash: Buffer }>(t.database.owner, ['invitations'], 'SELECT token_hash FROM invitations WHERE id = $1', [invitation.id]);
    expect(Buffer.from(row?.token_hash ?? []).equals(createHash('sha256').update(secret ?? '').digest())).toBe(true);
    const dump = await queryAsOwnerWithoutRls<{ t: string }>(t.database.owner, ['invitations'], 'SELECT i::text AS t FROM invitations i');
    expect(dump.some((r) => r.t.includes(secret ?? 'missing'))).toBe(false);

    const listed = (await owner.client.get(`/api/workspaces/${ws}/invitations`)).json() as { invitations: { id: string }[] };
    expect(listed.invitations.map((i) => i.id)).toContain(invitation.id);

    const invitee = await people.signUp(inviteeEmail);
    const accepted = await accept(invitee, token);
    expect(accepted.statusCode, accepted.body).toBe(200);
    expect(accepted.json()).toEqual({ workspace: { id: ws, name: expect.any(String), role: 'analyst' } });
    expect((await invitee.client.get(`/api/workspaces/${ws}`)).json().role).toBe('analyst');

    const again = await accept(invitee, token);
    expect(again.statusCode).toBe(400);
    expect(again.json().error.code).toBe('auth.token_invalid');
    const pending = (await owner.client.get(`/api/workspaces/${ws}/invitations`)).json() as { invitations: { id: string }[] };
    expect(pending.invitations.map((i) => i.id)).not.toContain(invitation.id);

    expect((await auditEntries(owner, ws, 'workspace.invitation.created'))[0]).toMatchObject({ actorId: owner.userId, targetId: invitation.id, details: { email: inviteeEmail, role: 'analyst' } });
    expect((await auditEntries(owner, ws, 'workspace.invitation.accepted'))[0]).toMatchObject({ actorId: invitee.userId, targetId: invitation.id, result: 'success' });
    expect((await auditEntries(owner, ws, 'workspace.member.added'))[0]).toMatchObject({ actorId: invitee.userId, targetId: invitee.userId, details: { role: 'analyst' } });
  });

  it('lets exactly one of two simultaneous accepts of the same link through', async () => {
    const owner = await people.signUp(email('dbl-owner'));
    const inviteeEmail = email('dbl-new');
    const { token } = await invite(owner, owner.personalWorkspaceId, inviteeEmail, 'viewer');
    const invitee = await people.signUp(inviteeEmail);
    const results = await Promise.all([accept(invitee, token), accept(invitee, token)]);
    expect(results.map((r) => r.statusCode).sort()).toEqual([200, 400]);
    const members = (await owner.client.get(`/api/workspaces/${owner.personalWorkspaceId}/members`)).json() as { members: { id: string }[] };
    expect(members.members.filter((m) => m.id === invitee.userId)).toHaveLength(1);
  });

  it('matches the email case-insensitively but refuses any other account with a clear 403, leaving the link usable', async () => {
    const owner = await people.signUp(email('mm-owner'));
    const ws = owner.personalWorkspaceId;
    const base = email('mm-new');
    const { token } = await invite(owner, ws, base.toUpperCase());
    const stranger = await people.signUp(email('mm-stranger'));
    const refused = await accept(stranger, token);
    expect(refused.statusCode).toBe(403);
    expect(refused.json().error.code).toBe('workspace.invitation_email_mismatch');
    expect(refused.json().error.message).toMatch(/different email address/);
    expect((await stranger.client.get(`/api/workspaces/${ws}`)).statusCode).toBe(404);
    const denied = (await auditEntries(owner, ws, 'workspace.invitation.accepted')).filter((e) => e.result === 'denied');
    expect(denied[0]).toMatchObject({ actorId: stranger.userId, details: { reason: 'email_mismatch' } });

    const invitee = await people.signUp(base);
    expect((await accept(invitee, token)).statusCode).toBe(200);
  });

  it('asks an account with an unconfirmed email to confirm it first, then accepts', async () => {
    const owner = await people.signUp(email('uv-owner'));
    const inviteeEmail = email('uv-new');
    const { token } = await invite(owner, owner.personalWorkspaceId, inviteeEmail);
    const invitee = await people.signUp(inviteeEmail, { verify: false });
    const refused = await accept(invitee, token);
    expect(refused.statusCode).toBe(403);
    expect(refused.json().error.code).toBe('auth.email_unverified');
    const mail = await waitForMail(t.outboxDir, inviteeEmail, 'Confirm your email');
    expect((await invitee.client.post('/api/auth/email/verify', { token: fragmentToken(mail.text) })).statusCode).toBe(200);
    expect((await accept(invitee, token)).statusCode).toBe(200);
  });

  it('refuses an expired link', async () => {
    const owner = await people.signUp(email('exp-owner'));
    const inviteeEmail = email('exp-new');
    const { invitation, token } = await invite(owner, owner.personalWorkspaceId, inviteeEmail);
    await queryAsOwnerWithoutRls(t.database.owner, ['invitations'], "UPDATE invitations SET expires_at = now() - interval '1 second' WHERE id = $1", [invitation.id]);
    const invitee = await people.signUp(inviteeEmail);
    const refused = await accept(invitee, token);
    expect(refused.statusCode).toBe(400);
    expect(refused.json().error.code).toBe('auth.token_invalid');
    const pending = (await owner.client.get(`/api/workspaces/${owner.personalWorkspaceId}/invitations`)).json() as { invitations: { id: string }[] };
    expect(pending.invitations.map((i) => i.id)).not.toContain(invitation.id);
  });

  it('refuses a revoked link, and records the revocation', async () => {
    const owner = await people.signUp(email('rev-owner'));
    const ws = owner.personalWorkspaceId;
    const inviteeEmail = email('rev-new');
    const { invitation, token } = await invite(owner, ws, inviteeEmail);
    expect((await owner.client.delete(`/api/workspaces/${ws}/invitations/${invitation.id}`)).statusCode).toBe(204);
    expect((await owner.client.delete(`/api/workspaces/${ws}/invitations/${invitation.id}`)).statusCode).toBe(404);
    const invitee = await people.signUp(inviteeEmail);
    expect((await accept(invitee, token)).statusCode).toBe(400);
    expect((await auditEntries(owner, ws, 'workspace.invitation.revoked'))[0]).toMatchObject({ actorId: owner.userId, targetId: invitation.id });
  });

  it('replaces a pending invitation to the same address: only the newest link works', async () => {
    const owner = await people.signUp(email('re-owner'));
    const ws = owner.personalWorkspaceId;
    const inviteeEmail = email('re-new');
    const first = await invite(owner, ws, inviteeEmail, 'viewer');
    const second = await invite(owner, ws, inviteeEmail, 'admin');
    const invitee = await people.signUp(inviteeEmail);
    expect((await accept(invitee, first.token)).statusCode).toBe(400);
    const accepted = await accept(invitee, second.token);
    expect(accepted.statusCode).toBe(200);
    expect(accepted.json().workspace.role).toBe('admin');
  });
});

describe('invitation attacks and limits', () => {
  it('refuses forged tokens: wrong secret, the id moved to another workspace, malformed', async () => {
    const owner = await people.signUp(email('forge-owner'));
    const attacker = await people.signUp(email('forge-attacker'));
    const { token } = await invite(owner, owner.personalWorkspaceId, attacker.email);
    const [ws, id, secret] = token.split('.') as [string, string, string];
    const flipped = `${secret.slice(0, -1)}${secret.endsWith('A') ? 'B' : 'A'}`;
    for (const forged of [
      `${ws}.${id}.${flipped}`,
      `${attacker.personalWorkspaceId}.${id}.${secret}`,
      `${ws}.${randomUUID()}.${secret}`,
      `${ws}.${id}.${secret}.extra`,
      `${ws.toUpperCase()}.${id}.${secret}`,
    ]) {
      const response = await accept(attacker, forged);
      expect(response.statusCode, forged).toBe(400);
      expect(response.json().error.code).toBe('auth.token_invalid');
    }
    // None of that consumed the real link.
    expect((await accept(attacker, token)).statusCode).toBe(200);
  });

  it('invites nobody as owner and refuses to invite a current member', async () => {
    const owner = await people.signUp(email('own-owner'));
    const ws = owner.personalWorkspaceId;
    const asOwner = await owner.client.post(`/api/workspaces/${ws}/invitations`, { email: email('own-new'), role: 'owner' });
    expect(asOwner.statusCode).toBe(400);
    const self = await owner.client.post(`/api/workspaces/${ws}/invitations`, { email: owner.email.toUpperCase(), role: 'viewer' });
    expect(self.statusCode).toBe(409);
    expect(self.json().error.code).toBe('workspace.already_member');
  });

  it('needs a signed-in person to accept: no session is 401, an API key is 403', async () => {
    const owner = await people.signUp(email('key-owner'));
    const { token } = await invite(owner, owner.personalWorkspaceId, email('key-new'));
    const anonymous = people.nextClient();
    expect((await anonymous.post('/api/invitations/accept', { token })).statusCode).toBe(401);
    const key = (await owner.client.post(`/api/workspaces/${owner.personalWorkspaceId}/api-keys`, { name: 'ci', scope: 'read_write' })).json().key as string;
    const withKey = await t.app.inject({ method: 'POST', url: '/api/invitations/accept', headers: { authorization: `Bearer ${key}` }, payload: { token } });
    expect(withKey.statusCode).toBe(403);
  });
});
