// Sync status and "sync now" under /api/workspaces/:id/integrations: HTTP only (connect,
// disconnect and the plain list are src/integrations'). Viewers and up read
// status and history; analysts and up ask for a sync now (it reads from the provider, changes
// nothing there). Another workspace's integration answers 404, as an unknown one does.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { auditContextOf } from '../auth/index.js';
import { requireWorkspaceRole, type WorkspaceAccessDeps } from '../workspaces/index.js';
import type { IntegrationStatusView, SyncRunView, SyncService } from './service.js';

export interface SyncRouteDeps extends WorkspaceAccessDeps {
  sync: SyncService;
}

const STREAMS = ['ad_accounts', 'campaigns', 'ad_stats', 'contacts', 'leads', 'deals'] as const;
const iso = z.iso.datetime();

const runSchema = z
  .object({
    id: z.uuid(),
    integrationId: z.uuid(),
    trigger: z.enum(['schedule', 'manual']),
    state: z.enum(['queued', 'running', 'succeeded', 'failed']),
    requestedBy: z.uuid().nullable(),
    createdAt: iso,
    startedAt: iso.nullable(),
    finishedAt: iso.nullable(),
    progress: z.number().min(0).max(1).meta({ description: '0..1 while running; 1 once succeeded' }),
    stream: z.enum(STREAMS).nullable().meta({ description: 'The stream being read while running' }),
    rows: z.partialRecord(z.enum(STREAMS), z.number().int()).meta({ description: 'Records read per stream' }),
    changedRows: z.number().int().meta({ description: 'Rows inserted or changed (0 when a re-sync found nothing new)' }),
    error: z.string().nullable().meta({ description: 'Why it failed, in plain words' }),
    attempts: z.number().int(),
    nextRunAt: iso.nullable(),
  })
  .meta({ id: 'SyncRun' });

const integrationSchema = z
  .object({
    id: z.uuid(),
    provider: z.string(),
    displayName: z.string(),
    status: z.enum(['active', 'needs_reconnect', 'disconnected', 'error']),
    statusMessage: z.string().nullable(),
    syncIntervalMinutes: z.number().int(),
    createdAt: iso,
    lastSuccessAt: iso.nullable(),
    lastError: z.object({ message: z.string(), at: iso }).nullable(),
    rowsSynced: z.number().int().nullable(),
    nextRunAt: iso.nullable(),
    currentRun: runSchema.nullable(),
  })
  .meta({ id: 'IntegrationStatus' });

const toRun = (r: SyncRunView): z.input<typeof runSchema> => ({
  id: r.id,
  integrationId: r.integrationId,
  trigger: r.trigger,
  state: r.state,
  requestedBy: r.requestedBy,
  createdAt: r.createdAt.toISOString(),
  startedAt: r.startedAt?.toISOString() ?? null,
  finishedAt: r.finishedAt?.toISOString() ?? null,
  progress: r.progress,
  stream: r.currentStream,
  rows: r.rows,
  changedRows: r.changedRows,
  error: r.errorMessage,
  attempts: r.attempts,
  nextRunAt: r.nextRunAt?.toISOString() ?? null,
});

const toIntegration = (i: IntegrationStatusView): z.input<typeof integrationSchema> => ({
  id: i.id,
  provider: i.provider,
  displayName: i.displayName,
  status: i.status,
  statusMessage: i.statusMessage,
  syncIntervalMinutes: i.syncIntervalMinutes,
  createdAt: i.createdAt.toISOString(),
  lastSuccessAt: i.lastSuccessAt?.toISOString() ?? null,
  lastError: i.lastError === null ? null : { message: i.lastError.message, at: i.lastError.at.toISOString() },
  rowsSynced: i.rowsSynced,
  nextRunAt: i.nextRunAt?.toISOString() ?? null,
  currentRun: i.currentRun === null ? null : toRun(i.currentRun),
});

const workspaceParams = z.object({ id: z.uuid() });
const integrationParams = z.object({ id: z.uuid(), integrationId: z.uuid() });

export function registerSyncRoutes(app: FastifyInstance, deps: SyncRouteDeps): void {
  const routes = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['integrations'];

  routes.get(
    '/api/workspaces/:id/integrations/sync-status',
    {
      schema: {
        tags,
        summary: "Each integration's sync status: last success, last error, rows synced, next run, progress (viewer and up)",
        params: workspaceParams,
        response: { 200: z.object({ integrations: z.array(integrationSchema) }) },
      },
    },
    async (request) => {
      const access = await requireWorkspaceRole(request, deps, request.params.id, 'viewer');
      return { integrations: (await deps.sync.listIntegrations(access)).map(toIntegration) };
    },
  );

  routes.post(
    '/api/workspaces/:id/integrations/:integrationId/sync',
    {
      // A sync costs the provider's quota: a person clicking "sync now" needs no more than this.
      config: { rateLimit: { max: 10, timeWindow: '1 minute' } },
      schema: {
        tags,
        summary: 'Sync now (analyst and up): queues a run, or returns the one already queued or running',
        params: integrationParams,
        body: z.strictObject({}).nullish(),
        response: { 202: z.object({ runId: z.uuid(), state: z.enum(['queued', 'running']), alreadyQueued: z.boolean() }) },
      },
    },
    async (request, reply) => {
      const access = await requireWorkspaceRole(request, deps, request.params.id, 'analyst');
      const result = await deps.sync.requestSync(access, request.params.integrationId, auditContextOf(request, access.principal));
      return reply.code(202).send(result);
    },
  );

  routes.get(
    '/api/workspaces/:id/integrations/:integrationId/sync-runs',
    {
      schema: {
        tags,
        summary: "An integration's sync runs, newest first (viewer and up)",
        params: integrationParams,
        querystring: z.strictObject({
          limit: z.coerce.number().int().min(1).max(100).default(20),
          before: z.iso.datetime().optional().meta({ description: 'Only runs created before this instant (the last createdAt of the previous page)' }),
        }),
        response: { 200: z.object({ runs: z.array(runSchema) }) },
      },
    },
    async (request) => {
      const access = await requireWorkspaceRole(request, deps, request.params.id, 'viewer');
      const { limit, before } = request.query;
      const runs = await deps.sync.listRuns(access, request.params.integrationId, { limit, before: before === undefined ? undefined : new Date(before) });
      return { runs: runs.map(toRun) };
    },
  );
}
