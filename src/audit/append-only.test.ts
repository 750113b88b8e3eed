// The audit log's database-level guarantees, attacked directly: append-only for the app, the owner
// and a superuser alike; a chain only the database links (forged seq, hash, time and id are
// overwritten); tenant isolation of entries. Runs on PGlite and, with TEST_DATABASE_URL, on PostgreSQL.
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/support/database.js';
import { createAuditService, verifyAuditChains, type AuditService } from './index.js';

let t: TestDatabase;
let audit: AuditService;
const workspaceA = randomUUID();
const workspaceB = randomUUID();
const actor = { actor: { kind: 'user' as const, id: 'user-1' } };

/** Runs statements as the owner (a superuser on PGlite) with workspace A's rows visible to RLS. */
async function asOwner(statement: string): Promise<void> {
  try {
    await t.owner.exec(`BEGIN; SELECT set_config('app.workspace_id', '${workspaceA}', true); ${statement}; COMMIT;`);
  } catch (error) {
    await t.owner.exec('ROLLBACK');
    throw error;
  }
}

async function countA(): Promise<number> {
  return t.db.withWorkspace(workspaceA, async (tx) => (await tx.selectFrom('audit_log').select('id').execute()).length);
}

beforeAll(async () => {
  t = await createTestDatabase();
  audit = createAuditService({ db: t.db });
  for (let i = 0; i < 3; i += 1) await audit.record({ action: 'auth.login.succeeded', workspaceId: workspaceA }, actor);
  await audit.record({ action: 'auth.logout', workspaceId: workspaceB }, actor);
});

afterAll(async () => {
  await t?.close();
});

describe(`audit log is append-only (${process.env.TEST_DATABASE_URL ? 'postgres' : 'pglite'})`, () => {
  it('refuses UPDATE, DELETE and TRUNCATE from the app role', async () => {
    await expect(t.db.withWorkspace(workspaceA, (tx) => tx.updateTable('audit_log').set({ action: 'auth.logout' }).execute())).rejects.toThrow(
      /permission denied|append-only/,
    );
    await expect(t.db.withWorkspace(workspaceA, (tx) => tx.deleteFrom('audit_log').execute())).rejects.toThrow(/permission denied|append-only/);
    await expect(t.db.withWorkspace(workspaceA, (tx) => sql`TRUNCATE audit_log`.execute(tx))).rejects.toThrow(/permission denied|append-only/);
    expect(await countA()).toBe(3);
  });

  it('refuses UPDATE, DELETE and TRUNCATE from the system role', async () => {
    await expect(t.db.unsafeAsSystem('test: tamper', (tx) => tx.deleteFrom('audit_log').execute())).rejects.toThrow(/permission denied|append-only/);
    await expect(t.db.unsafeAsSystem('test: tamper', (tx) => tx.updateTable('audit_log').set({ result: 'failure' }).execute())).rejects.toThrow(
      /permission denied|append-only/,
    );
    expect(await countA()).toBe(3);
  });

  it('refuses UPDATE, DELETE and TRUNCATE from the table owner and superuser through the trigger', async () => {
    await expect(asOwner(`UPDATE audit_log SET action = 'auth.logout' WHERE workspace_id = '${workspaceA}'`)).rejects.toThrow(/append-only: UPDATE/);
    await expect(asOwner(`DELETE FROM audit_log WHERE workspace_id = '${workspaceA}'`)).rejects.toThrow(/append-only: DELETE/);
    await expect(asOwner('TRUNCATE audit_log')).rejects.toThrow(/append-only: TRUNCATE/);
    expect(await countA()).toBe(3);
  });

  it('grants the app and system roles only SELECT and INSERT on the log, and retention only SELECT and DELETE', async () => {
    const rows = await t.owner.query<{ grantee: string; privilege: string }>(
      `SELECT grantee, privilege_type AS privilege FROM information_schema.role_table_grants
       WHERE table_name = 'audit_log' AND grantee IN ('throughline_app', 'throughline_system', 'throughline_retention')
       ORDER BY 1, 2`,
    );
    expect(rows).toEqual([
      { grantee: 'throughline_app', privilege: 'INSERT' },
      { grantee: 'throughline_app', privilege: 'SELECT' },
      { grantee: 'throughline_retention', privilege: 'DELETE' },
      { grantee: 'throughline_retention', privilege: 'SELECT' },
      { grantee: 'throughline_system', privilege: 'INSERT' },
      { grantee: 'throughline_system', privilege: 'SELECT' },
    ]);
  });
});

describe(`audit chain is linked by the database (${process.env.TEST_DATABASE_URL ? 'postgres' : 'pglite'})`, () => {
  it('rewrites an entry the app forges with its own seq, hash, time and id, and the chain still verifies', async () => {
    const ws = randomUUID();
    await audit.record({ action: 'auth.login.succeeded', workspaceId: ws }, actor);
    const forged = await t.db.withWorkspace(ws, (tx) =>
      sql<{ id: number; seq: number; occurred_at: Date; prev_hash: string; hash: string }>`
        INSERT INTO audit_log (id, workspace_id, seq, occurred_at, actor_id, actor_kind, action, result, prev_hash, hash)
        VALUES (999999, ${ws}, 50, '2000-01-01T00:00:00Z', 'attacker', 'user', 'auth.logout', 'success', ${'a'.repeat(64)}, ${'b'.repeat(64)})
        RETURNING id, seq, occurred_at, prev_hash, hash`.execute(tx),
    );
    const row = forged.rows[0]!;
    const [first] = (await audit.list(ws, { limit: 200 })).entries.filter((e) => e.seq === 1);
    expect(row).toMatchObject({ seq: 2, prev_hash: first?.hash });
    expect(Number(row.id)).not.toBe(999999);
    expect(row.hash).not.toBe('b'.repeat(64));
    expect(new Date(row.occurred_at).getUTCFullYear()).toBeGreaterThan(2000);
    // The next honest append is not blocked, and the whole chain verifies.
    await expect(audit.record({ action: 'auth.logout', workspaceId: ws }, actor)).resolves.toMatchObject({ seq: 3 });
    expect(await verifyAuditChains(t.db, { workspaceId: ws })).toEqual({ ok: true, entries: 3, chains: 1 });
  });

  it('overrides a backdated occurred_at with the database clock', async () => {
    const ws = randomUUID();
    const before = Date.now();
    await t.db.withWorkspace(ws, (tx) =>
      sql`INSERT INTO audit_log (workspace_id, occurred_at, actor_kind, action, result) VALUES (${ws}, '2001-09-09T01:46:40Z', 'user', 'auth.logout', 'success')`.execute(tx),
    );
    const [entry] = (await audit.list(ws)).entries;
    expect(Math.abs((entry?.occurredAt.getTime() ?? 0) - before)).toBeLessThan(60_000);
  });

  it('gives the app and system roles no chain state to write: no heads table, no UPDATE, no checkpoints', async () => {
    const tables = await t.owner.query<{ table_name: string }>(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_name LIKE 'audit%' ORDER BY 1`,
    );
    expect(tables.map((r) => r.table_name)).toEqual(['audit_checkpoints', 'audit_log']);
    const writes = await t.owner.query<{ grantee: string; table_name: string; privilege: string }>(
      `SELECT grantee, table_name, privilege_type AS privilege FROM information_schema.role_table_grants
       WHERE table_name LIKE 'audit%' AND grantee IN ('throughline_app', 'throughline_system') AND privilege_type <> 'SELECT'
       ORDER BY 1, 2, 3`,
    );
    expect(writes).toEqual([
      { grantee: 'throughline_app', table_name: 'audit_log', privilege: 'INSERT' },
      { grantee: 'throughline_system', table_name: 'audit_log', privilege: 'INSERT' },
    ]);
    await expect(
      t.db.withWorkspace(workspaceA, (tx) => sql`UPDATE audit_log SET seq = 1 WHERE seq = 3`.execute(tx)),
    ).rejects.toThrow(/permission denied|append-only/);
    await expect(
      t.db.withWorkspace(workspaceA, (tx) => sql`INSERT INTO audit_checkpoints (workspace_id, seq, purged_before) VALUES (${workspaceA}, 3, now())`.execute(tx)),
    ).rejects.toThrow(/permission denied/);
    await expect(audit.record({ action: 'auth.logout', workspaceId: workspaceA }, actor)).resolves.toMatchObject({ seq: 4 });
  });
});

describe('audit log tenant isolation', () => {
  it('shows a workspace only its own entries and checkpoints', async () => {
    const seen = await t.db.withWorkspace(workspaceA, async (tx) => ({
      log: await tx.selectFrom('audit_log').select('workspace_id').distinct().execute(),
      foreign: await tx.selectFrom('audit_log').selectAll().where('workspace_id', '=', workspaceB).execute(),
    }));
    expect(seen).toEqual({ log: [{ workspace_id: workspaceA }], foreign: [] });
  });

  it('sees no entries when no workspace is set', async () => {
    const rows = await t.db.withAppRole(async (tx) => [
      ...(await tx.selectFrom('audit_log').select('id').execute()),
      ...(await tx.selectFrom('audit_checkpoints').select('seq').execute()),
    ]);
    expect(rows).toEqual([]);
  });

  it('cannot write an entry into another workspace’s chain, directly or through the service', async () => {
    await expect(
      t.db.withWorkspace(workspaceA, (tx) =>
        sql`INSERT INTO audit_log (workspace_id, actor_kind, action, result) VALUES (${workspaceB}, 'user', 'auth.logout', 'success')`.execute(tx),
      ),
    ).rejects.toThrow(/row-level security/);
    await expect(t.db.withWorkspace(workspaceA, (tx) => audit.record({ action: 'auth.logout', workspaceId: workspaceB }, actor, tx))).rejects.toThrow(
      /row-level security/,
    );
    const bEntries = await t.db.withWorkspace(workspaceB, (tx) => tx.selectFrom('audit_log').select('seq').execute());
    expect(bEntries).toEqual([{ seq: 1 }]);
  });

  it('lets the system role read every chain but write only the platform chain', async () => {
    const chains = await t.db.unsafeAsSystem('test: read all chains', async (tx) =>
      (await tx.selectFrom('audit_log').select('workspace_id').distinct().execute()).map((r) => r.workspace_id),
    );
    expect(chains).toEqual(expect.arrayContaining([workspaceA, workspaceB]));
    await expect(
      t.db.unsafeAsSystem('test: forge', (tx) =>
        sql`INSERT INTO audit_log (workspace_id, actor_kind, action, result) VALUES (${workspaceA}, 'system', 'auth.logout', 'success')`.execute(tx),
      ),
    ).rejects.toThrow(/row-level security/);
  });
});
