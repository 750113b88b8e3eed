// The sync's jobs through the real queue (pg-boss on PGlite or PostgreSQL): the scheduler queues
// what is due, the sync job runs it, the queue keeps one job per integration; and the scheduler's
// cross-tenant query finds exactly the integrations that are due.
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FAST_RETRY, FAST_WORKER, collectingLogger, waitForStatus } from '../../test/job-queue.js';
import { createIntegration, createWorkspace, fakeClock } from '../../test/sync-support.js';
import { createTestDatabase, type TestDatabase } from '../../test/support/database.js';
import type { Database } from '../db/index.js';
import { demoSyncProviders } from '../demo/provider/index.js';
import { createJobQueue, startWorker, type JobQueue, type Worker } from '../jobs/index.js';
import { SYNC_INTEGRATION_JOB, SYNC_SCHEDULE_JOB, combineProviders, createSyncEngine, createSyncJobs, enqueueSync } from './index.js';
import { findDueIntegrations } from './queries.js';

let t: TestDatabase;
let db: Database;
const open: Array<Worker | JobQueue> = [];

beforeAll(async () => {
  t = await createTestDatabase();
  db = t.db;
});
afterEach(async () => {
  for (const item of open.splice(0).reverse()) await ('stop' in item ? item.stop() : item.close());
});
afterAll(async () => {
  await t?.close();
});

async function succeededRuns(workspaceId: string): Promise<string[]> {
  const rows = await db.withWorkspace(workspaceId, (tx) => tx.selectFrom('sync_runs').select('integration_id').where('state', '=', 'succeeded').execute());
  return rows.map((r) => r.integration_id).sort();
}

async function until<T>(read: () => Promise<T>, accept: (value: T) => boolean, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (accept(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out; last value ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe(`sync jobs (${process.env.TEST_DATABASE_URL ? 'postgres' : 'pglite'})`, () => {
  it('queues each due integration on schedule, one job per integration, and syncs it', async () => {
    const workspaceId = await createWorkspace(db, 'Queued');
    const adsId = await createIntegration(db, workspaceId, 'demo-ads', { seed: 'queue' });
    const crmId = await createIntegration(db, workspaceId, 'demo-crm', { seed: 'queue' });
    const engine = createSyncEngine({ db, providers: combineProviders(demoSyncProviders()), clock: fakeClock(new Date('2026-02-10T09:00:00Z')), options: { initialDays: 5 } });
    const sync = createSyncJobs({ engine, db });
    const queue = await createJobQueue({ db, definitions: sync.definitions, logger: collectingLogger(), retry: FAST_RETRY });
    open.push(queue);
    sync.useQueue(queue);
    expect(queue.definitions.map((d) => [d.name, d.schedule])).toEqual([
      [SYNC_INTEGRATION_JOB, undefined],
      [SYNC_SCHEDULE_JOB, '*/5 * * * *'],
    ]);

    // Before any worker runs: a second job for the same integration is refused, another integration's is not.
    const target = { integrationId: adsId, workspaceId };
    expect(await enqueueSync(queue, target)).toEqual(expect.any(String));
    expect(await enqueueSync(queue, target)).toBeNull();

    open.push(await startWorker(queue, { logger: collectingLogger(), ...FAST_WORKER }));
    await queue.runNow(SYNC_SCHEDULE_JOB);
    const scheduled = await waitForStatus(queue, SYNC_SCHEDULE_JOB, (s) => s.lastRun?.state === 'completed');
    // The ads integration already had its job: only the CRM's was added.
    expect(scheduled.lastRun?.result).toMatchObject({ queued: 1 });
    expect(await until(() => succeededRuns(workspaceId), (ids) => ids.length === 2)).toEqual([adsId, crmId].sort());
    const done = await waitForStatus(queue, SYNC_INTEGRATION_JOB, (s) => s.lastRun?.state === 'completed');
    expect(done.lastRun?.result).toMatchObject({ state: 'succeeded' });

    // Synced a moment ago, with an hourly interval: nothing of this workspace is due now.
    const due = await db.unsafeAsSystem('test: due integrations', (tx) => findDueIntegrations(tx, 100));
    expect(due.filter((d) => d.workspaceId === workspaceId)).toEqual([]);
  });

  it('finds exactly what is due: never synced, interval passed, a run waiting, a dead worker', async () => {
    const workspaceId = await createWorkspace(db, 'Due');
    const make = (label: string) => createIntegration(db, workspaceId, 'tiktok-ads', { label });
    const ids = {
      neverSynced: await make('never'),
      intervalPassed: await make('old'),
      fresh: await make('fresh'),
      queued: await make('queued'),
      deadWorker: await make('dead'),
      liveWorker: await make('live'),
      needsReconnect: await make('reconnect'),
      disconnected: await make('disconnected'),
    };
    await db.withWorkspace(workspaceId, async (tx) => {
      const run = (integrationId: string, values: Record<string, unknown>) =>
        tx
          .insertInto('sync_runs')
          .values({ id: randomUUID(), workspace_id: workspaceId, integration_id: integrationId, trigger: 'schedule', state: 'succeeded', ...values })
          .execute();
      await run(ids.intervalPassed, { finished_at: sql<Date>`now() - interval '61 minutes'` });
      await run(ids.fresh, { finished_at: sql<Date>`now() - interval '10 minutes'` });
      await run(ids.fresh, { state: 'failed', finished_at: sql<Date>`now() - interval '3 hours'` });
      await run(ids.queued, { finished_at: sql<Date>`now() - interval '1 minute'` });
      await run(ids.queued, { state: 'queued', trigger: 'manual' });
      await run(ids.deadWorker, { state: 'running', lease_token: 'job:x', lease_expires_at: sql<Date>`now() - interval '1 second'` });
      await run(ids.liveWorker, { state: 'running', lease_token: 'job:y', lease_expires_at: sql<Date>`now() + interval '9 minutes'` });
      await tx.updateTable('integrations').set({ status: 'needs_reconnect' }).where('id', '=', ids.needsReconnect).execute();
      await tx.updateTable('integrations').set({ status: 'disconnected' }).where('id', '=', ids.disconnected).execute();
    });
    const due = await db.unsafeAsSystem('test: due integrations', (tx) => findDueIntegrations(tx, 1_000));
    const mine = due.filter((d) => d.workspaceId === workspaceId).map((d) => d.integrationId);
    expect(mine.sort()).toEqual([ids.neverSynced, ids.intervalPassed, ids.queued, ids.deadWorker].sort());
  });
});
