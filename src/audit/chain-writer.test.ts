// Group append: entries waiting for one chain share a transaction, keep their arrival order,
// and a bad entry in a batch fails alone.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/support/database.js';
import { createChainWriter } from './chain-writer.js';
import type { NewAuditEntry } from './queries.js';
import { verifyAuditChains } from './verify.js';

let t: TestDatabase;

beforeAll(async () => {
  t = await createTestDatabase();
});

afterAll(async () => {
  await t?.close();
});

function entry(workspaceId: string, n: number, actorKind = 'user'): NewAuditEntry {
  return {
    workspaceId,
    actorKind,
    actorId: `user-${n}`,
    action: 'data.exported',
    targetType: null,
    targetId: null,
    result: 'success',
    ip: null,
    userAgent: null,
    device: null,
    requestId: null,
    details: { n },
  };
}

describe(`audit chain writer (${process.env.TEST_DATABASE_URL ? 'postgres' : 'pglite'})`, () => {
  it('gives entries arriving together consecutive seqs in arrival order', async () => {
    const ws = randomUUID();
    const append = createChainWriter(t.db, 'audit: test');
    const appended = await Promise.all(Array.from({ length: 20 }, (_, n) => append(entry(ws, n))));
    expect(appended.map((a) => a.seq)).toEqual(Array.from({ length: 20 }, (_, n) => n + 1));
    const stored = await t.db.withWorkspace(ws, (tx) => tx.selectFrom('audit_log').select(['seq', 'actor_id']).orderBy('seq').execute());
    expect(stored.map((r) => r.actor_id)).toEqual(Array.from({ length: 20 }, (_, n) => `user-${n}`));
    expect(await verifyAuditChains(t.db, { workspaceId: ws })).toEqual({ ok: true, entries: 20, chains: 1 });
  });

  it('fails only the bad entry of a batch; the others still commit', async () => {
    const ws = randomUUID();
    const append = createChainWriter(t.db, 'audit: test');
    const results = await Promise.allSettled([append(entry(ws, 0)), append(entry(ws, 1)), append(entry(ws, 2, 'robot')), append(entry(ws, 3))]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
    const stored = await t.db.withWorkspace(ws, (tx) => tx.selectFrom('audit_log').select(['seq', 'actor_id']).orderBy('seq').execute());
    expect(stored).toEqual([
      { seq: 1, actor_id: 'user-0' },
      { seq: 2, actor_id: 'user-1' },
      { seq: 3, actor_id: 'user-3' },
    ]);
    expect(await verifyAuditChains(t.db, { workspaceId: ws })).toMatchObject({ ok: true, entries: 3 });
  });
});
