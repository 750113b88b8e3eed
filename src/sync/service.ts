// What the HTTP layer asks of the sync: each integration's status (last success, last error in
// plain words, rows synced, next run, progress while running), "sync now", and a run history.
// Every call works inside withWorkspace() for the caller's workspace; "sync now" re-reads the
// caller's role in the transaction that queues the run, and is audited in that transaction.
import { randomUUID } from 'node:crypto';
import type { AuditContext, AuditService } from '../audit/index.js';
import type { Database, IntegrationStatus } from '../db/index.js';
import { AppError } from '../http/errors.js';
import type { JobQueue } from '../jobs/index.js';
import { requireCurrentRole, roleAtLeast, type WorkspaceAccess } from '../workspaces/index.js';
import { SYNC_SCHEDULE_TICK_MS, enqueueSync } from './jobs.js';
import { findIntegration, insertQueuedRun, latestRuns, listIntegrations, listRuns, lockOpenRun, type IntegrationRow, type RunRow } from './queries.js';
import type { SyncLogger } from './run-sync.js';

export type SyncRunView = RunRow;

export interface IntegrationStatusView extends IntegrationRow {
  lastSuccessAt: Date | null;
  /** The newest failure, when no success came after it. */
  lastError: { message: string; at: Date } | null;
  /** Records the last successful run read. */
  rowsSynced: number | null;
  /** When the schedule syncs it next (rounded up to the scheduler's tick); null while one is open or it cannot sync. */
  nextRunAt: Date | null;
  /** The queued or running run, with its progress. */
  currentRun: SyncRunView | null;
}

export interface SyncNowResult {
  runId: string;
  state: 'queued' | 'running';
  /** A run was already queued or running: no second one was added. */
  alreadyQueued: boolean;
}

export interface SyncService {
  listIntegrations(access: WorkspaceAccess): Promise<IntegrationStatusView[]>;
  /** Queues a sync now (analyst and up). @throws integration.not_found, integration.needs_reconnect */
  requestSync(access: WorkspaceAccess, integrationId: string, context: AuditContext): Promise<SyncNowResult>;
  listRuns(access: WorkspaceAccess, integrationId: string, options: { limit: number; before?: Date | undefined }): Promise<SyncRunView[]>;
}

export interface SyncServiceDeps {
  db: Pick<Database, 'withWorkspace'>;
  audit: Pick<AuditService, 'record'>;
  /** The job queue, when this process has one; otherwise the scheduler starts a queued run within a tick. */
  jobs?: Pick<JobQueue, 'runNow'> | undefined;
  logger?: SyncLogger;
  now?: () => Date;
}

const SYNCABLE: ReadonlySet<IntegrationStatus> = new Set(['active', 'error']);
const sumRows = (rows: RunRow['rows']): number => Object.values(rows).reduce<number>((n, v) => n + (v ?? 0), 0);

/** Providers whose data arrives by import only (a file has no API to pull from). */
export const IMPORTED_ONLY: ReadonlySet<string> = new Set(['csv']);

export function createSyncService(deps: SyncServiceDeps): SyncService {
  const { db } = deps;
  const now = deps.now ?? (() => new Date());

  return {
    async listIntegrations(access) {
      const { integrations, runs } = await db.withWorkspace(access.workspaceId, async (tx) => ({ integrations: await listIntegrations(tx), runs: await latestRuns(tx) }));
      const byIntegration = (rows: RunRow[]) => new Map(rows.map((r) => [r.integrationId, r]));
      const open = byIntegration(runs.open);
      const succeeded = byIntegration(runs.succeeded);
      const failed = byIntegration(runs.failed);
      const at = now().getTime();
      return integrations.map((integration) => {
        const success = succeeded.get(integration.id);
        const failure = failed.get(integration.id);
        const current = open.get(integration.id) ?? null;
        const lastFinished = Math.max(success?.finishedAt?.getTime() ?? 0, failure?.finishedAt?.getTime() ?? 0);
        let nextRunAt: Date | null = null;
        if (current === null && SYNCABLE.has(integration.status) && !IMPORTED_ONLY.has(integration.provider)) {
          const due = lastFinished === 0 ? at : Math.max(at, lastFinished + integration.syncIntervalMinutes * 60_000);
          nextRunAt = new Date(Math.ceil(due / SYNC_SCHEDULE_TICK_MS) * SYNC_SCHEDULE_TICK_MS);
        }
        const failedLast = failure?.finishedAt != null && (success?.finishedAt == null || failure.finishedAt > success.finishedAt);
        return {
          ...integration,
          lastSuccessAt: success?.finishedAt ?? null,
          lastError: failedLast && failure?.finishedAt != null ? { message: failure.errorMessage ?? 'The sync failed.', at: failure.finishedAt } : null,
          rowsSynced: success === undefined ? null : sumRows(success.rows),
          nextRunAt,
          currentRun: current,
        };
      });
    },

    async requestSync(access, integrationId, context) {
      const requestedBy = access.principal.kind === 'user' ? access.principal.userId : null;
      const result = await db.withWorkspace(access.workspaceId, async (tx) => {
        // The role as it is now, not as the request found it a moment ago.
        if (access.principal.kind === 'user') await requireCurrentRole(tx, access, 'analyst');
        else if (!roleAtLeast(access.role, 'analyst')) throw new AppError('auth.forbidden');
        const integration = await findIntegration(tx, integrationId);
        if (integration === undefined) throw new AppError('integration.not_found');
        if (IMPORTED_ONLY.has(integration.provider)) throw new AppError('integration.not_syncable');
        if (!SYNCABLE.has(integration.status)) throw new AppError('integration.needs_reconnect');
        const open = await lockOpenRun(tx, integrationId);
        if (open !== undefined) return { runId: open.id, state: open.state, alreadyQueued: true };
        const runId = randomUUID();
        if (!(await insertQueuedRun(tx, { id: runId, workspaceId: access.workspaceId, integrationId, trigger: 'manual', requestedBy }))) {
          throw new AppError('request.conflict', { message: 'A sync of this integration has just started.' });
        }
        await deps.audit.record(
          { action: 'integration.sync.requested', workspaceId: access.workspaceId, target: { type: 'integration', id: integrationId }, details: { runId, provider: integration.provider } },
          context,
          tx,
        );
        return { runId, state: 'queued' as const, alreadyQueued: false };
      });
      if (!result.alreadyQueued && deps.jobs !== undefined) {
        // Not queued here (queue down, or a job for it is finishing): the scheduler picks the run up.
        await enqueueSync(deps.jobs, { integrationId, workspaceId: access.workspaceId }).catch((error: unknown) =>
          deps.logger?.error({ err: error, integrationId }, 'could not queue a requested sync; the scheduler will start it'),
        );
      }
      return result;
    },

    async listRuns(access, integrationId, options) {
      return db.withWorkspace(access.workspaceId, async (tx) => {
        if ((await findIntegration(tx, integrationId)) === undefined) throw new AppError('integration.not_found');
        return listRuns(tx, integrationId, options);
      });
    },
  };
}
