// Tenant isolation, attacked directly in the database: these run on PGlite and, in CI, on a real
// PostgreSQL server (TEST_DATABASE_URL), through the same withWorkspace() the app uses.
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/support/database.js';
import type { Database } from './index.js';

let t: TestDatabase;
let db: Database;
const workspaceA = randomUUID();
const workspaceB = randomUUID();
let userA = '';

async function seedWorkspace(id: string, name: string, externalId: string) {
  await db.withWorkspace(id, async (tx) => {
    await tx.insertInto('workspaces').values({ id, name }).execute();
    await tx
      .insertInto('campaigns')
      .values({ workspace_id: id, channel: 'google-ads', external_id: externalId, name: `${name} search`, daily_budget_minor: 1000 })
      .execute();
  });
}

beforeAll(async () => {
  t = await createTestDatabase();
  db = t.db;
  await seedWorkspace(workspaceA, 'Alpha', 'a-1');
  await seedWorkspace(workspaceB, 'Bravo', 'b-1');
  userA = randomUUID();
  // RLS on users: a user row is written in that user's own transaction.
  await db.withUser(userA, (tx) => tx.insertInto('users').values({ id: userA, email: 'a@example.test', name: 'A', password_hash: null }).execute());
  await db.withWorkspace(workspaceA, (tx) => tx.insertInto('memberships').values({ workspace_id: workspaceA, user_id: userA, role: 'owner' }).execute());
});

afterAll(async () => {
  await t?.close();
});

describe(`tenant isolation (${process.env.TEST_DATABASE_URL ? 'postgres' : 'pglite'})`, () => {
  it('shows a workspace only its own rows', async () => {
    const rows = await db.withWorkspace(workspaceA, (tx) => tx.selectFrom('campaigns').select(['workspace_id', 'external_id']).execute());
    expect(rows).toEqual([{ workspace_id: workspaceA, external_id: 'a-1' }]);
  });

  it('returns nothing for an explicit filter on another workspace', async () => {
    const rows = await db.withWorkspace(workspaceA, (tx) => tx.selectFrom('campaigns').selectAll().where('workspace_id', '=', workspaceB).execute());
    expect(rows).toEqual([]);
  });

  it('cannot update or delete another workspace’s rows', async () => {
    const updated = await db.withWorkspace(workspaceA, (tx) =>
      tx.updateTable('campaigns').set({ name: 'pwned' }).where('workspace_id', '=', workspaceB).executeTakeFirst(),
    );
    expect(Number(updated.numUpdatedRows)).toBe(0);
    const deleted = await db.withWorkspace(workspaceA, (tx) => tx.deleteFrom('campaigns').executeTakeFirst());
    expect(Number(deleted.numDeletedRows)).toBe(1); // its own row only
    const survivors = await db.withWorkspace(workspaceB, (tx) => tx.selectFrom('campaigns').select('name').execute());
    expect(survivors).toEqual([{ name: 'Bravo search' }]);
  });

  it('cannot insert a row into another workspace', async () => {
    await expect(
      db.withWorkspace(workspaceA, (tx) =>
        tx.insertInto('campaigns').values({ workspace_id: workspaceB, channel: 'vk-ads', external_id: 'x', name: 'smuggled' }).execute(),
      ),
    ).rejects.toThrow(/row-level security/);
  });

  it('cannot move its own row into another workspace', async () => {
    await db.withWorkspace(workspaceA, (tx) =>
      tx.insertInto('campaigns').values({ workspace_id: workspaceA, channel: 'vk-ads', external_id: 'a-2', name: 'mine' }).execute(),
    );
    await expect(
      db.withWorkspace(workspaceA, (tx) => tx.updateTable('campaigns').set({ workspace_id: workspaceB }).where('external_id', '=', 'a-2').execute()),
    ).rejects.toThrow(/row-level security/);
  });

  it('sees no tenant rows when no workspace is set', async () => {
    const counts = await db.withAppRole(async (tx) => ({
      campaigns: await tx.selectFrom('campaigns').selectAll().execute(),
      workspaces: await tx.selectFrom('workspaces').selectAll().execute(),
      memberships: await tx.selectFrom('memberships').selectAll().execute(),
    }));
    expect(counts).toEqual({ campaigns: [], workspaces: [], memberships: [] });
  });

  it('fails closed when the workspace setting is empty rather than erroring or matching all', async () => {
    const rows = await db.withAppRole(async (tx) => {
      await sql`SELECT set_config('app.workspace_id', '', true)`.execute(tx);
      return tx.selectFrom('campaigns').selectAll().execute();
    });
    expect(rows).toEqual([]);
  });

  it('lets a user list only the workspaces they belong to', async () => {
    const rows = await db.withUser(userA, (tx) => tx.selectFrom('workspaces').select('id').execute());
    expect(rows).toEqual([{ id: workspaceA }]);
    const foreignMembers = await db.withUser(userA, (tx) => tx.selectFrom('memberships').selectAll().where('workspace_id', '=', workspaceB).execute());
    expect(foreignMembers).toEqual([]);
  });

  it('does not leak the workspace into the next transaction on the same connection', async () => {
    // Many sequential and parallel transactions: a session-level SET would leak somewhere here.
    const results = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        i % 2 === 0
          ? db.withWorkspace(i % 4 === 0 ? workspaceA : workspaceB, (tx) => tx.selectFrom('campaigns').select('workspace_id').execute())
          : db.withAppRole((tx) => tx.selectFrom('campaigns').select('workspace_id').execute()),
      ),
    );
    results.forEach((rows, i) => {
      const expected = i % 2 === 0 ? (i % 4 === 0 ? workspaceA : workspaceB) : undefined;
      for (const row of rows) expect(row.workspace_id).toBe(expected);
      if (i % 2 === 1) expect(rows).toEqual([]);
    });
  });

  it('runs requests as a role that is not superuser, not BYPASSRLS and owns no table', async () => {
    const [role] = await db.withAppRole((tx) =>
      sql<{ name: string; rolsuper: boolean; rolbypassrls: boolean; owned: number }>`
        SELECT current_user AS name, r.rolsuper, r.rolbypassrls,
               (SELECT count(*)::int FROM pg_class c WHERE c.relowner = r.oid) AS owned
        FROM pg_roles r WHERE r.rolname = current_user`
        .execute(tx)
        .then((r) => r.rows),
    );
    expect(role).toEqual({ name: 'throughline_app', rolsuper: false, rolbypassrls: false, owned: 0 });
  });

  it('cannot turn off row-level security, or drop a policy, as the app role', async () => {
    await expect(db.withWorkspace(workspaceA, (tx) => sql`ALTER TABLE campaigns DISABLE ROW LEVEL SECURITY`.execute(tx))).rejects.toThrow(/owner/);
    await expect(db.withWorkspace(workspaceA, (tx) => sql`ALTER TABLE campaigns NO FORCE ROW LEVEL SECURITY`.execute(tx))).rejects.toThrow(/owner/);
    await expect(db.withWorkspace(workspaceA, (tx) => sql`DROP POLICY campaigns_tenant ON campaigns`.execute(tx))).rejects.toThrow(/owner/);
  });

  it('cannot reach the migration ledger', async () => {
    await expect(db.withAppRole((tx) => sql`SELECT * FROM schema_migrations`.execute(tx))).rejects.toThrow(/permission denied/);
  });

  it('gives the system role only what a policy names: workspaces to read, no tenant data', async () => {
    const reasons: string[] = [];
    const seen = await db.unsafeAsSystem('test: enumerate workspaces', async (tx) => ({
      workspaces: (await tx.selectFrom('workspaces').select('id').execute()).map((r) => r.id).sort(),
      role: (await sql<{ r: string }>`SELECT current_user AS r`.execute(tx)).rows[0]?.r,
    }));
    expect(seen).toEqual({ workspaces: [workspaceA, workspaceB].sort(), role: 'throughline_system' });
    await expect(db.unsafeAsSystem('test: read tenant data', (tx) => tx.selectFrom('campaigns').selectAll().execute())).rejects.toThrow(/permission denied/);
    await expect(db.unsafeAsSystem('test: write', (tx) => tx.updateTable('workspaces').set({ name: 'x' }).execute())).rejects.toThrow(/permission denied/);
    await expect(db.unsafeAsSystem('  ', async () => reasons.push('ran'))).rejects.toThrow(/reason/);
    expect(reasons).toEqual([]);
  });

  it('refuses a workspace id that is not a UUID before it reaches SQL', async () => {
    await expect(db.withWorkspace("' OR 1=1 --", async () => 1)).rejects.toThrow(/UUID/);
  });
});

describe('every tenant table is protected by RLS', () => {
  it('has ENABLE and FORCE row-level security and a policy on each table with workspace_id', async () => {
    const tables = await t.owner.query<{ table: string; enabled: boolean; forced: boolean; policies: number }>(`
      SELECT c.relname AS table, c.relrowsecurity AS enabled, c.relforcerowsecurity AS forced,
             (SELECT count(*)::int FROM pg_policy p WHERE p.polrelid = c.oid) AS policies
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')
        AND (c.relname = 'workspaces'
             OR EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'workspace_id' AND NOT a.attisdropped))
      ORDER BY 1`);
    expect(tables.map((r) => r.table)).toEqual(expect.arrayContaining(['campaigns', 'memberships', 'workspaces']));
    const unprotected = tables.filter((r) => !r.enabled || !r.forced || r.policies === 0).map((r) => r.table);
    expect(unprotected).toEqual([]);
  });

  it('has every app-role policy fail closed on the transaction-local setting', async () => {
    const policies = await t.owner.query<{ table: string; policy: string; qual: string; roles: string; cmd: string }>(`
      SELECT tablename AS table, policyname AS policy, coalesce(qual, '') || ' ' || coalesce(with_check, '') AS qual,
             array_to_string(roles, ',') AS roles, cmd
      FROM pg_policies WHERE schemaname = 'public'`);
    expect(policies.length).toBeGreaterThan(0);
    const platformRoles = ['throughline_system', 'throughline_retention'];
    const system = policies.filter((p) => platformRoles.includes(p.roles));
    // Cross-tenant access is reviewed policy by policy: a new one must be added here on purpose.
    expect(system.map((p) => `${p.table}.${p.policy}:${p.cmd}`).sort()).toEqual([
      'audit_checkpoints.audit_checkpoints_retention_insert:INSERT',
      'audit_checkpoints.audit_checkpoints_retention_read:SELECT',
      'audit_checkpoints.audit_checkpoints_system_read:SELECT',
      'audit_log.audit_log_retention_delete:DELETE',
      'audit_log.audit_log_retention_read:SELECT',
      'audit_log.audit_log_system_platform_insert:INSERT',
      'audit_log.audit_log_system_read:SELECT',
      'data_keys.data_keys_system_platform_insert:INSERT',
      'data_keys.data_keys_system_read:SELECT',
      'data_keys.data_keys_system_rewrap:UPDATE',
      'integrations.integrations_system_read:SELECT',
      'sync_runs.sync_runs_system_read:SELECT',
      'users.users_system_read:SELECT',
      'workspaces.workspaces_system_read:SELECT',
    ]);
    // App-role policies keyed on something other than the tenant or user setting, each reviewed:
    // the platform data key's wrapped row (useless without a KEK; 0005) and an anonymous passkey
    // sign-in challenge, reachable only by its random id (0005).
    const reviewed = ['data_keys.data_keys_platform_read', 'webauthn_challenges.webauthn_challenges_anonymous'];
    const keyedOnOther = policies.filter((q) => !platformRoles.includes(q.roles) && !/app\.(workspace|user)_id/.test(q.qual));
    expect(keyedOnOther.map((p) => `${p.table}.${p.policy}`).sort()).toEqual(reviewed);
    for (const p of policies.filter((q) => !platformRoles.includes(q.roles) && !reviewed.includes(`${q.table}.${q.policy}`))) expect(p.qual, `${p.table}.${p.policy}`).toMatch(/\(?NULLIF\(current_setting\('app\.(workspace|user)_id'::text, true\), ''::text\)\)?::uuid/i);
  });
});
