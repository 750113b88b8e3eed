// Tamper evidence end to end: the chains verify, and an edit or deletion made by someone who can
// switch the append-only trigger off is reported at exactly the entry it touched.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/support/database.js';
import { createAuditService, runAuditVerifyCommand, verifyAuditChains, type AuditService } from './index.js';

let t: TestDatabase;
let audit: AuditService;
const actor = { actor: { kind: 'user' as const, id: 'user-1' }, ip: '203.0.113.7', userAgent: 'curl/8.5.0', requestId: 'req-1' };

async function seedChain(workspaceId: string, entries: number): Promise<void> {
  for (let i = 0; i < entries; i += 1) {
    await audit.record({ action: 'workspace.member.added', workspaceId, target: { type: 'user', id: `u-${i}` }, details: { role: 'analyst', i } }, actor);
  }
}

/** As the owner (superuser on PGlite): switch the trigger off, run the statement, switch it back on. */
async function tamper(workspaceId: string, statement: string): Promise<void> {
  await t.owner.exec(`BEGIN;
    SELECT set_config('app.workspace_id', '${workspaceId}', true);
    ALTER TABLE audit_log DISABLE TRIGGER USER;
    ${statement};
    ALTER TABLE audit_log ENABLE TRIGGER USER;
    COMMIT;`);
}

function captureIo() {
  const lines = { out: [] as string[], err: [] as string[] };
  return { lines, io: { out: (l: string) => lines.out.push(l), err: (l: string) => lines.err.push(l) } };
}

beforeAll(async () => {
  t = await createTestDatabase();
  audit = createAuditService({ db: t.db });
});

afterAll(async () => {
  await t?.close();
});

describe(`audit hash chains (${process.env.TEST_DATABASE_URL ? 'postgres' : 'pglite'})`, () => {
  it('verifies intact workspace and platform chains, and the command exits 0', async () => {
    const a = randomUUID();
    const b = randomUUID();
    await seedChain(a, 4);
    await seedChain(b, 2);
    await audit.record({ action: 'keys.rotated', details: { keyId: 'kek-2' } }, { actor: { kind: 'system' } });
    expect(await verifyAuditChains(t.db)).toEqual({ ok: true, entries: 7, chains: 3 });
    const { lines, io } = captureIo();
    expect(await runAuditVerifyCommand(t.db, io)).toBe(0);
    expect(lines.out).toEqual(['audit log intact: 7 entries in 3 chains']);
  });

  it('names the edited entry when a row is changed as superuser with the trigger disabled', async () => {
    const ws = randomUUID();
    await seedChain(ws, 5);
    const [target] = await t.db.withWorkspace(ws, (tx) => tx.selectFrom('audit_log').select('id').where('seq', '=', 3).execute());
    await tamper(ws, `UPDATE audit_log SET details = '{"role":"owner","i":2}' WHERE workspace_id = '${ws}' AND seq = 3`);
    expect(await verifyAuditChains(t.db, { workspaceId: ws })).toEqual({
      ok: false,
      chain: ws,
      seq: 3,
      id: target?.id,
      reason: 'content does not match its hash',
    });
    const { lines, io } = captureIo();
    expect(await runAuditVerifyCommand(t.db, io, { workspaceId: ws })).toBe(1);
    expect(lines.err).toEqual([`audit log BROKEN: chain ${ws}, seq 3 (entry id ${target?.id}): content does not match its hash`]);
  });

  it('names the successor when an entry is rewritten with a freshly computed hash', async () => {
    const ws = randomUUID();
    await seedChain(ws, 4);
    const forged = `'{"role":"owner","i":1}'::jsonb`;
    await tamper(
      ws,
      `UPDATE audit_log SET details = ${forged},
         hash = audit_entry_hash(prev_hash, workspace_id, seq, occurred_at, actor_kind, actor_id, action, target_type, target_id,
                                 result, ip, user_agent, device, request_id, ${forged})
       WHERE workspace_id = '${ws}' AND seq = 2`,
    );
    expect(await verifyAuditChains(t.db, { workspaceId: ws })).toMatchObject({ ok: false, seq: 3, reason: 'prev_hash does not match the previous entry' });
  });

  it('catches a deleted middle entry at the entry that follows the gap', async () => {
    const ws = randomUUID();
    await seedChain(ws, 5);
    await tamper(ws, `DELETE FROM audit_log WHERE workspace_id = '${ws}' AND seq = 3`);
    expect(await verifyAuditChains(t.db, { workspaceId: ws })).toMatchObject({ ok: false, chain: ws, seq: 4, reason: 'entry 3 is missing (found 4 next)' });
  });

  it('names the first of two entries whose content was swapped', async () => {
    const ws = randomUUID();
    await seedChain(ws, 5);
    const [second] = await t.db.withWorkspace(ws, (tx) => tx.selectFrom('audit_log').select('id').where('seq', '=', 2).execute());
    await tamper(
      ws,
      `UPDATE audit_log a SET target_id = b.target_id, details = b.details
       FROM audit_log b
       WHERE a.workspace_id = '${ws}' AND b.workspace_id = a.workspace_id AND a.seq IN (2, 3) AND b.seq = 5 - a.seq`,
    );
    expect(await verifyAuditChains(t.db, { workspaceId: ws })).toEqual({
      ok: false,
      chain: ws,
      seq: 2,
      id: second?.id,
      reason: 'content does not match its hash',
    });
  });

  it('catches an entry slipped in past the end of a chain with the triggers off', async () => {
    const ws = randomUUID();
    await seedChain(ws, 3);
    const [last] = await t.db.withWorkspace(ws, (tx) => tx.selectFrom('audit_log').select('hash').where('seq', '=', 3).execute());
    await tamper(
      ws,
      `INSERT INTO audit_log (id, workspace_id, seq, occurred_at, actor_kind, action, result, prev_hash, hash)
       VALUES (nextval('audit_log_id_seq'), '${ws}', 4, now(), 'user', 'auth.logout', 'success', '${last?.hash}', '${'f'.repeat(64)}')`,
    );
    expect(await verifyAuditChains(t.db, { workspaceId: ws })).toMatchObject({ ok: false, chain: ws, seq: 4, reason: 'content does not match its hash' });
  });

  it('keeps one intact, unforked chain under 8 concurrent writers of 30 entries each', async () => {
    const ws = randomUUID();
    await Promise.all(
      Array.from({ length: 8 }, async (_, writer) => {
        // A service each, as 8 server processes would be: no shared queue, only the database's
        // chain lock keeps their transactions (concurrent on PostgreSQL) from forking the chain.
        const own = createAuditService({ db: t.db });
        for (let i = 0; i < 30; i += 1) {
          await own.record({ action: 'data.exported', workspaceId: ws, details: { writer, i } }, actor);
        }
      }),
    );
    const rows = await t.db.withWorkspace(ws, (tx) => tx.selectFrom('audit_log').select(['seq', 'prev_hash', 'hash']).orderBy('seq').execute());
    expect(rows.map((r) => Number(r.seq))).toEqual(Array.from({ length: 240 }, (_, i) => i + 1));
    expect(new Set(rows.map((r) => r.prev_hash)).size).toBe(240); // no two entries share a predecessor
    expect(await verifyAuditChains(t.db, { workspaceId: ws })).toEqual({ ok: true, entries: 240, chains: 1 });
  });
});
