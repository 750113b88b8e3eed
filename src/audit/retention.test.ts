// Retention under the retention role: expired prefixes go, a checkpoint stays, and what remains
// still verifies (and still catches tampering); nothing a checkpoint does not cover can go.
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordAuditEntriesInThePast } from '../../test/audit-history.js';
import { createTestDatabase, type TestDatabase } from '../../test/support/database.js';
import { createAuditService, purgeExpiredAuditEntries, verifyAuditChains, type AuditService } from './index.js';

let t: TestDatabase;
let audit: AuditService;
const actor = { actor: { kind: 'user' as const, id: 'user-1' } };

/** Entries dated `at` (see test/audit-history.ts). */
function recordInThePast(at: string, workspaceId: string, n: number): Promise<void> {
  return recordAuditEntriesInThePast(t.owner, at, workspaceId, n);
}

async function recordNow(workspaceId: string | null, n: number): Promise<void> {
  for (let i = 0; i < n; i += 1) await audit.record({ action: 'auth.login.succeeded', workspaceId, details: { i } }, actor);
}

async function seqs(workspaceId: string): Promise<number[]> {
  return (await audit.list(workspaceId, { limit: 200 })).entries.map((e) => e.seq).reverse();
}

beforeAll(async () => {
  t = await createTestDatabase();
  audit = createAuditService({ db: t.db });
});

afterAll(async () => {
  await t?.close();
});

describe(`audit retention (${process.env.TEST_DATABASE_URL ? 'postgres' : 'pglite'})`, () => {
  const mixed = randomUUID();
  const expired = randomUUID();

  it('purges entries older than 12 months, leaves a checkpoint, and the rest of each chain verifies', async () => {
    await recordInThePast('2020-01-10T00:00:00Z', mixed, 4);
    await recordNow(mixed, 2);
    await recordInThePast('2020-03-01T00:00:00Z', expired, 3);
    await recordNow(null, 1);
    expect(await verifyAuditChains(t.db)).toEqual({ ok: true, entries: 10, chains: 3 });

    const report = await purgeExpiredAuditEntries(t.db);
    expect(report.purged).toBe(7);
    expect(report.checkpoints).toEqual(expect.arrayContaining([{ chain: mixed, seq: 4 }, { chain: expired, seq: 3 }]));
    expect(await seqs(mixed)).toEqual([5, 6]);
    expect(await seqs(expired)).toEqual([]);
    expect(await verifyAuditChains(t.db)).toEqual({ ok: true, entries: 3, chains: 3 });
  });

  it('continues each chain after a purge, and a second purge with nothing expired changes nothing', async () => {
    await recordNow(expired, 1);
    expect(await seqs(expired)).toEqual([4]);
    const again = await purgeExpiredAuditEntries(t.db);
    expect(again.purged).toBe(0);
    expect(await verifyAuditChains(t.db)).toEqual({ ok: true, entries: 4, chains: 3 });
  });

  it('refuses to delete entries no checkpoint covers, from the middle or the end of a chain', async () => {
    const purge = (where: string) => t.db.unsafeAsRetention('test: purge uncovered', (tx) => sql`DELETE FROM audit_log WHERE ${sql.raw(where)}`.execute(tx));
    await expect(purge(`workspace_id = '${mixed}' AND seq = 6`)).rejects.toThrow(/not covered by a retention checkpoint/);
    await expect(purge(`workspace_id = '${mixed}'`)).rejects.toThrow(/not covered by a retention checkpoint/);
    await expect(purge('workspace_id IS NULL')).rejects.toThrow(/not covered by a retention checkpoint/);
    expect(await seqs(mixed)).toEqual([5, 6]);
  });

  it('refuses a checkpoint over recent entries, a future cutoff or a made-up entry, so it cannot license a delete', async () => {
    const checkpoint = (seq: number, purgedBefore: string) =>
      t.db.unsafeAsRetention('test: forge checkpoint', async (tx) => {
        await tx.insertInto('audit_checkpoints').values({ workspace_id: mixed, seq, purged_before: purgedBefore }).execute();
        return tx.deleteFrom('audit_log').where('workspace_id', '=', mixed).where('seq', '<=', seq).executeTakeFirst();
      });
    await expect(checkpoint(6, new Date().toISOString())).rejects.toThrow(/still within retention/);
    await expect(checkpoint(6, '2999-01-01T00:00:00Z')).rejects.toThrow(/still within retention/);
    await expect(checkpoint(6, '2019-01-01T00:00:00Z')).rejects.toThrow(/still within retention/);
    await expect(checkpoint(99, '2019-01-01T00:00:00Z')).rejects.toThrow(/names no entry/);
    expect(await seqs(mixed)).toEqual([5, 6]);
    expect(await verifyAuditChains(t.db, { workspaceId: mixed })).toMatchObject({ ok: true, entries: 2 });
  });

  it('still names an entry edited after the purge', async () => {
    await t.owner.exec(`BEGIN;
      SELECT set_config('app.workspace_id', '${mixed}', true);
      ALTER TABLE audit_log DISABLE TRIGGER USER;
      UPDATE audit_log SET result = 'failure' WHERE workspace_id = '${mixed}' AND seq = 5;
      ALTER TABLE audit_log ENABLE TRIGGER USER;
      COMMIT;`);
    expect(await verifyAuditChains(t.db, { workspaceId: mixed })).toMatchObject({ ok: false, chain: mixed, seq: 5, reason: 'content does not match its hash' });
  });

  it('gives the retention role no way to rewrite entries or checkpoints', async () => {
    await expect(t.db.unsafeAsRetention('test: rewrite', (tx) => tx.updateTable('audit_log').set({ result: 'denied' }).execute())).rejects.toThrow(
      /permission denied|append-only/,
    );
    await expect(t.db.unsafeAsRetention('test: drop checkpoint', (tx) => tx.deleteFrom('audit_checkpoints').execute())).rejects.toThrow(
      /permission denied|append-only/,
    );
    await expect(t.owner.exec('TRUNCATE audit_checkpoints')).rejects.toThrow(/append-only: TRUNCATE/);
    // A superuser (PGlite) hits the trigger; a non-superuser owner (PostgreSQL) sees no row through RLS.
    await t.owner.exec('DELETE FROM audit_checkpoints').catch((error: Error) => expect(error.message).toMatch(/append-only: DELETE/));
    const left = await t.db.unsafeAsSystem('test: count checkpoints', (tx) => tx.selectFrom('audit_checkpoints').select('chain_key').execute());
    expect(left).toHaveLength(2);
    await expect(t.db.unsafeAsRetention('  ', async () => 1)).rejects.toThrow(/reason/);
  });

  it('refuses a retention period under one month', async () => {
    await expect(purgeExpiredAuditEntries(t.db, { retentionMonths: 0 })).rejects.toThrow(RangeError);
  });
});
