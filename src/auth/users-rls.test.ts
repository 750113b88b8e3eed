// The users table under RLS and column grants: a transaction sees its own user and, inside a
// workspace, that workspace's members; nobody in the app role reads a password hash or makes
// themselves a platform admin.
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/support/database.js';
import { createWorkspacesService } from '../workspaces/index.js';
import { findLoginCandidate } from './queries.js';

let t: TestDatabase;
const alice = randomUUID();
const bob = randomUUID();
const carol = randomUUID();
let workspaceOfAlice = '';

beforeAll(async () => {
  t = await createTestDatabase();
  for (const [id, email] of [[alice, 'alice@example.test'], [bob, 'bob@example.test'], [carol, 'carol@example.test']] as const) {
    await t.db.withUser(id, (tx) => tx.insertInto('users').values({ id, email, name: email.split('@')[0] as string, password_hash: '$2b$12$abcdefghijklmnopqrstuuq0fTH8Nrl7PpRY0x.ulqL3OK5T1m2S' }).execute());
  }
  const ws = await createWorkspacesService({ db: t.db }).createWorkspace({ name: 'Alice & Bob', ownerUserId: alice });
  workspaceOfAlice = ws.id;
  await t.db.withWorkspace(ws.id, (tx) => tx.insertInto('memberships').values({ workspace_id: ws.id, user_id: bob, role: 'viewer' }).execute());
});
afterAll(async () => {
  await t?.close();
});

describe('users under RLS', () => {
  it('shows no user to a transaction without a user or workspace', async () => {
    const rows = await t.db.withAppRole((tx) => tx.selectFrom('users').select(['id', 'email']).execute());
    expect(rows).toEqual([]);
  });

  it('shows a user their own row only', async () => {
    const rows = await t.db.withUser(bob, (tx) => tx.selectFrom('users').select(['id']).execute());
    expect(rows.map((r) => r.id)).toEqual([bob]);
  });

  it('shows a workspace its members and nobody else', async () => {
    const rows = await t.db.withWorkspace(workspaceOfAlice, (tx) => tx.selectFrom('users').select(['id']).execute());
    expect(rows.map((r) => r.id).sort()).toEqual([alice, bob].sort());
  });

  it('never lets the app role read a password hash, even its own', async () => {
    await expect(t.db.withUser(alice, (tx) => tx.selectFrom('users').select(['password_hash']).execute())).rejects.toThrow(/permission denied/);
    await expect(t.db.withUser(alice, (tx) => sql`SELECT * FROM users`.execute(tx))).rejects.toThrow(/permission denied/);
  });

  it('does not let a user make themselves a platform admin or edit another user', async () => {
    await expect(t.db.withUser(alice, (tx) => sql`UPDATE users SET is_platform_admin = true WHERE id = ${alice}`.execute(tx))).rejects.toThrow(/permission denied/);
    const updated = await t.db.withUser(alice, (tx) => tx.updateTable('users').set({ name: 'Mallory' }).where('id', '=', carol).executeTakeFirst());
    expect(Number(updated.numUpdatedRows)).toBe(0);
  });

  it('sign-in reads exactly one candidate by email, case-insensitively', async () => {
    const found = await t.db.withAppRole((tx) => findLoginCandidate(tx, 'CAROL@example.test'));
    expect(found?.id).toBe(carol);
    expect(found?.passwordHash).toMatch(/^\$2b\$12\$/);
    expect(await t.db.withAppRole((tx) => findLoginCandidate(tx, 'nobody@example.test'))).toBeUndefined();
    // No wildcard: the function compares for equality.
    expect(await t.db.withAppRole((tx) => findLoginCandidate(tx, '%'))).toBeUndefined();
  });

  it('keeps session tables per user', async () => {
    const session = randomUUID();
    await t.db.withUser(alice, (tx) =>
      tx.insertInto('sessions').values({ id: session, user_id: alice, expires_at: new Date(Date.now() + 60_000), ip: null, user_agent: null, device: null }).execute(),
    );
    expect(await t.db.withUser(bob, (tx) => tx.selectFrom('sessions').select('id').execute())).toEqual([]);
    await expect(
      t.db.withUser(bob, (tx) => tx.insertInto('sessions').values({ id: randomUUID(), user_id: alice, expires_at: new Date(), ip: null, user_agent: null, device: null }).execute()),
    ).rejects.toThrow(/row-level security/);
  });
});
