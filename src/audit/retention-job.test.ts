// The daily `audit.retention` job through the real queue (pg-boss on PGlite or PostgreSQL): it
// purges what is past AUDIT_RETENTION_MONTHS (the delete succeeds only under the retention role and
// behind a checkpoint: the table's triggers refuse anything else), records the purge, and every
// chain still verifies afterwards.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordAuditEntriesInThePast } from '../../test/audit-history.js';
import { FAST_RETRY, FAST_WORKER, collectingLogger, waitForStatus } from '../../test/job-queue.js';
import { createTestDatabase, type TestDatabase } from '../../test/support/database.js';
import { createJobQueue, startWorker, type JobStatus } from '../jobs/index.js';
import { AUDIT_RETENTION_JOB, auditRetentionJob, createAuditService, verifyAuditChains, type AuditService } from './index.js';

let t: TestDatabase;
let audit: AuditService;

beforeAll(async () => {
  t = await createTestDatabase();
  audit = createAuditService({ db: t.db });
});

afterAll(async () => {
  await t?.close();
});

const monthsAgo = (months: number) => {
  const date = new Date();
  date.setUTCMonth(date.getUTCMonth() - months);
  return date.toISOString();
};

async function seqs(workspaceId: string): Promise<number[]> {
  return (await audit.list(workspaceId, { limit: 200 })).entries.map((e) => e.seq).reverse();
}

/** One worker run of the retention job with the given setting, as the daily schedule starts it. */
async function runRetention(retentionMonths: number): Promise<JobStatus> {
  const queue = await createJobQueue({ db: t.db, definitions: [auditRetentionJob({ db: t.db, audit, retentionMonths })], logger: collectingLogger(), retry: FAST_RETRY });
  const worker = await startWorker(queue, { logger: collectingLogger(), ...FAST_WORKER });
  try {
    const [scheduled] = await queue.status();
    expect(scheduled).toMatchObject({ name: AUDIT_RETENTION_JOB, schedule: '47 3 * * *' });
    const id = await queue.runNow(AUDIT_RETENTION_JOB);
    return await waitForStatus(queue, AUDIT_RETENTION_JOB, (s) => s.lastRun?.id === id && s.lastRun.state === 'completed');
  } finally {
    await worker.stop();
    await queue.close();
  }
}

describe(`audit.retention job (${process.env.TEST_DATABASE_URL ? 'postgres' : 'pglite'})`, () => {
  const recent = randomUUID();
  const old = randomUUID();

  it('purges entries past AUDIT_RETENTION_MONTHS, leaves a checkpoint per chain, records the purge, and every chain verifies', async () => {
    await recordAuditEntriesInThePast(t.owner, monthsAgo(8), recent, 3);
    for (let i = 0; i < 2; i += 1) await audit.record({ action: 'auth.login.succeeded', workspaceId: recent, details: { i } }, { actor: { kind: 'user', id: 'u1' } });
    await recordAuditEntriesInThePast(t.owner, '2020-01-10T00:00:00Z', old, 2);
    expect(await verifyAuditChains(t.db)).toEqual({ ok: true, entries: 7, chains: 2 });

    const yearly = await runRetention(12);
    expect(yearly.lastRun?.result).toMatchObject({ purged: 2, chains: 1 });
    expect(await seqs(old)).toEqual([]);
    expect(await seqs(recent)).toEqual([1, 2, 3, 4, 5]);

    // The operator shortens retention to 6 months: the next run takes the 8-month-old entries.
    const halfYearly = await runRetention(6);
    expect(halfYearly.lastRun?.result).toMatchObject({ purged: 3, chains: 1 });
    expect(new Date(String(halfYearly.lastRun?.result?.cutoff)).getTime()).toBeGreaterThan(new Date(monthsAgo(7)).getTime());
    expect(await seqs(recent)).toEqual([4, 5]);

    const checkpoints = await t.db.unsafeAsSystem('test: read checkpoints', (tx) => tx.selectFrom('audit_checkpoints').select(['workspace_id', 'seq']).orderBy('seq').execute());
    expect(checkpoints).toEqual(expect.arrayContaining([{ workspace_id: old, seq: 2 }, { workspace_id: recent, seq: 3 }]));
    const purges = await audit.list(null, { action: 'audit.purged' });
    expect(purges.entries.map((e) => [e.actorKind, e.actorId, e.details?.purged])).toEqual([
      ['system', 'job:audit.retention', 3],
      ['system', 'job:audit.retention', 2],
    ]);
    // The remaining chains, and the platform chain the purges were recorded on, all verify.
    expect(await verifyAuditChains(t.db)).toMatchObject({ ok: true, entries: 4, chains: 3 });

    // Nothing left to purge: the run completes, changes nothing, and records nothing.
    const idle = await runRetention(6);
    expect(idle.lastRun?.result).toMatchObject({ purged: 0, chains: 0 });
    expect((await audit.list(null, { action: 'audit.purged' })).entries).toHaveLength(2);
  });
});
