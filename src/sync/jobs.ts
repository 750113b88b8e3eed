// The sync's two jobs on the queue (src/jobs, pg-boss). `sync.integration` runs one integration's
// sync; it is queued with the integration id as singleton key, so the queue never runs two for one
// integration (the run's lease in the database holds that across processes too). `sync.schedule`,
// every five minutes, queues each integration that is due (sync_interval_minutes after its last
// run), has a "sync now" waiting, or lost its worker.
import { z } from 'zod';
import type { Database } from '../db/index.js';
import { isAppError } from '../http/errors.js';
import { JobInterruptedError, type JobDefinition, type JobQueue, type JobResult } from '../jobs/index.js';
import { findDueIntegrations, type DueIntegration } from './queries.js';
import { SyncInterruptedError, type SyncEngine, type SyncLogger } from './run-sync.js';

export const SYNC_INTEGRATION_JOB = 'sync.integration';
export const SYNC_SCHEDULE_JOB = 'sync.schedule';
/** The scheduler's cron (UTC); "next run" times shown to users are rounded up to its ticks. */
export const SYNC_SCHEDULE = '*/5 * * * *';
export const SYNC_SCHEDULE_TICK_MS = 5 * 60_000;
/** Integrations the scheduler queues per tick; the rest wait for the next one, oldest first. */
const DUE_PER_TICK = 2_000;

const jobData = z.object({ integrationId: z.uuid(), workspaceId: z.uuid() });

/** Queues a sync of one integration; null when one is already queued or running for it. */
export function enqueueSync(queue: Pick<JobQueue, 'runNow'>, target: DueIntegration): Promise<string | null> {
  return queue.runNow(SYNC_INTEGRATION_JOB, { data: { integrationId: target.integrationId, workspaceId: target.workspaceId }, singletonKey: target.integrationId });
}

export interface SyncJobsDeps {
  engine: SyncEngine;
  db: Pick<Database, 'unsafeAsSystem'>;
  logger?: SyncLogger;
  /**
   * After a run that changed rows (the analytics rollups are rebuilt here). A failure is logged and
   * does not fail the sync: the data is in, and the next sync or settings change rebuilds again.
   */
  onSynced?: (workspaceId: string) => Promise<unknown>;
}

export interface SyncJobs {
  definitions: JobDefinition[];
  /** The queue the scheduler queues runs on: the one created from `definitions`. */
  useQueue(queue: Pick<JobQueue, 'runNow'>): void;
}

export function createSyncJobs(deps: SyncJobsDeps): SyncJobs {
  let queue: Pick<JobQueue, 'runNow'> | undefined;

  const integrationJob: JobDefinition = {
    name: SYNC_INTEGRATION_JOB,
    description: 'sync one integration: read its streams from the provider into the workspace',
    // A year of a large account is well inside this; a dead worker is noticed by its heartbeat.
    expireInSeconds: 4 * 3_600,
    // Different integrations side by side; the singleton key keeps each one to one run.
    concurrency: 2,
    async run(context): Promise<JobResult> {
      const parsed = jobData.safeParse(context.data);
      if (!parsed.success) throw new Error('sync.integration was queued without an integration and workspace id');
      const { integrationId, workspaceId } = parsed.data;
      try {
        const outcome = await deps.engine.runSync(integrationId, workspaceId, {
          trigger: 'schedule',
          // A retry of this job takes its own run back at once instead of waiting for the lease.
          leaseToken: `job:${context.jobId}`,
          onProgress: (p) => context.progress({ integrationId, runId: p.runId, stream: p.stream, progress: Math.round(p.progress * 1000) / 1000 }),
        });
        switch (outcome.state) {
          case 'succeeded':
            if (outcome.changedRows > 0 && deps.onSynced !== undefined) {
              await deps.onSynced(workspaceId).catch((error: unknown) => deps.logger?.error({ err: error, workspaceId }, 'rebuilding after a sync failed'));
            }
            return { integrationId, runId: outcome.runId, state: outcome.state, rows: outcome.rows, changedRows: outcome.changedRows };
          case 'failed':
            // Handled: the run and the integration say what went wrong; the next run resumes.
            return { integrationId, runId: outcome.runId, state: outcome.state, error: outcome.error };
          case 'busy':
            return { integrationId, runId: outcome.runId, state: outcome.state };
          case 'skipped':
            return { integrationId, state: outcome.state, reason: outcome.reason };
        }
      } catch (error) {
        if (isAppError(error) && error.code === 'integration.not_found') return { integrationId, state: 'skipped', reason: 'the integration no longer exists' };
        if (error instanceof SyncInterruptedError && error.cause instanceof JobInterruptedError) throw error.cause;
        throw error;
      }
    },
  };

  const scheduleJob: JobDefinition = {
    name: SYNC_SCHEDULE_JOB,
    description: 'queue a sync for every integration that is due',
    schedule: SYNC_SCHEDULE,
    expireInSeconds: 600,
    async run(context): Promise<JobResult> {
      if (queue === undefined) throw new Error('sync.schedule has no queue to put runs on');
      const due = await deps.db.unsafeAsSystem('sync: find integrations due for a sync (ids and times only)', (tx) => findDueIntegrations(tx, DUE_PER_TICK));
      let queued = 0;
      for (const target of due) if ((await enqueueSync(queue, target)) !== null) queued += 1;
      const summary = { due: due.length, queued };
      context.progress(summary);
      return summary;
    },
  };

  return {
    definitions: [integrationJob, scheduleJob],
    useQueue(q) {
      queue = q;
    },
  };
}
