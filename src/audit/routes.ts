// The audit log over HTTP: a workspace's chain for its admins and owners, the platform chain for
// platform staff; list (filters, keyset pagination, newest first) and export (CSV or JSONL, as an
// attachment). HTTP only: the audit service filters, pages, neutralises spreadsheet formulas in
// CSV cells, and records every export; platform-chain routes also record 'admin.accessed'.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { auditContextOf, clientContext } from '../auth/index.js';
import { requireWorkspaceRole, type WorkspaceAccessDeps } from '../workspaces/index.js';
import { auditActionSchema, auditResultSchema, type AuditContext, type AuditEntry } from './schema.js';
import type { AuditService } from './service.js';

export interface AuditRouteDeps extends WorkspaceAccessDeps {
  audit: Pick<AuditService, 'list' | 'exportCsv' | 'exportJsonl' | 'record'>;
  /** The platform-admin check (src/admin): a preHandler, and the admin it let through. */
  platformAdmin: {
    preHandler(request: FastifyRequest, reply: FastifyReply): Promise<void>;
    adminOf(request: FastifyRequest): { userId: string };
  };
}

const filterQuery = z.strictObject({
  action: auditActionSchema.optional(),
  actorId: z.string().min(1).max(200).optional(),
  result: auditResultSchema.optional(),
  from: z.iso.datetime({ offset: true }).optional().meta({ description: 'Inclusive' }),
  to: z.iso.datetime({ offset: true }).optional().meta({ description: 'Exclusive' }),
});
const listQuery = filterQuery.extend({
  cursor: z
    .string()
    .regex(/^[1-9][0-9]{0,15}$/)
    .optional()
    .meta({ description: 'nextCursor of the previous page' }),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});
const exportQuery = filterQuery.extend({ format: z.enum(['csv', 'jsonl']).default('csv') });

const nullableText = z.string().nullable();
const entrySchema = z
  .object({
    id: z.number().int(),
    workspaceId: z.uuid().nullable(),
    seq: z.number().int(),
    occurredAt: z.iso.datetime(),
    actorKind: z.enum(['user', 'system', 'api_key']),
    actorId: nullableText,
    action: z.string(),
    targetType: nullableText,
    targetId: nullableText,
    result: auditResultSchema,
    ip: nullableText,
    userAgent: nullableText,
    device: z.object({ browser: nullableText, browserVersion: nullableText, os: nullableText, osVersion: nullableText, type: nullableText }).nullable(),
    requestId: nullableText,
    details: z.record(z.string(), z.unknown()),
    prevHash: z.string(),
    hash: z.string(),
  })
  .meta({ id: 'AuditEntry' });
const pageSchema = z.object({ entries: z.array(entrySchema), nextCursor: z.string().nullable() }).meta({ id: 'AuditPage' });

const toEntry = (e: AuditEntry) => ({ ...e, occurredAt: e.occurredAt.toISOString() });

type Filter = z.infer<typeof filterQuery>;
const filterOf = (q: Filter): Filter => ({ action: q.action, actorId: q.actorId, result: q.result, from: q.from, to: q.to });

async function sendExport(
  reply: FastifyReply,
  audit: AuditRouteDeps['audit'],
  chain: string | null,
  query: z.infer<typeof exportQuery>,
  context: AuditContext,
): Promise<FastifyReply> {
  const filter = filterOf(query);
  const body = query.format === 'csv' ? await audit.exportCsv(chain, filter, context) : await audit.exportJsonl(chain, filter, context);
  const name = `audit-${chain ?? 'platform'}-${new Date().toISOString().slice(0, 10)}.${query.format}`;
  return reply
    .header('content-type', query.format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8')
    .header('content-disposition', `attachment; filename="${name}"`)
    .header('cache-control', 'no-store')
    .send(body);
}

export function registerAuditRoutes(app: FastifyInstance, deps: AuditRouteDeps): void {
  const routes = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['audit'];
  const workspaceParams = z.object({ id: z.uuid() });
  const exportLimit = { rateLimit: { max: 10, timeWindow: '1 minute' } };

  routes.get(
    '/api/workspaces/:id/audit',
    {
      schema: { tags, summary: "The workspace's audit log, newest first (admin and up)", params: workspaceParams, querystring: listQuery, response: { 200: pageSchema } },
    },
    async (request) => {
      await requireWorkspaceRole(request, deps, request.params.id, 'admin');
      const page = await deps.audit.list(request.params.id, { ...filterOf(request.query), cursor: request.query.cursor, limit: request.query.limit });
      return { entries: page.entries.map(toEntry), nextCursor: page.nextCursor };
    },
  );

  routes.get(
    '/api/workspaces/:id/audit/export',
    {
      config: exportLimit,
      schema: {
        tags,
        summary: "Download the workspace's audit log as CSV or JSONL (admin and up; the export is itself recorded)",
        params: workspaceParams,
        querystring: exportQuery,
      },
    },
    async (request, reply) => {
      const access = await requireWorkspaceRole(request, deps, request.params.id, 'admin');
      return sendExport(reply, deps.audit, request.params.id, request.query, auditContextOf(request, access.principal));
    },
  );

  const adminContext = (request: FastifyRequest): AuditContext => {
    const client = clientContext(request);
    return { actor: { kind: 'user', id: deps.platformAdmin.adminOf(request).userId }, ip: client.ip, userAgent: client.userAgent, requestId: client.requestId };
  };

  routes.get(
    '/api/admin/audit',
    {
      preHandler: deps.platformAdmin.preHandler,
      schema: { tags: ['admin', ...tags], summary: 'The platform audit chain, newest first (platform admins)', querystring: listQuery, response: { 200: pageSchema } },
    },
    async (request) => {
      const context = adminContext(request);
      // SECURITY: recorded before anything is shown; no record, no answer.
      await deps.audit.record({ action: 'admin.accessed', target: { type: 'audit_log', id: 'platform' }, details: { route: 'GET /api/admin/audit' } }, context);
      const page = await deps.audit.list(null, { ...filterOf(request.query), cursor: request.query.cursor, limit: request.query.limit });
      return { entries: page.entries.map(toEntry), nextCursor: page.nextCursor };
    },
  );

  routes.get(
    '/api/admin/audit/export',
    {
      preHandler: deps.platformAdmin.preHandler,
      config: exportLimit,
      schema: { tags: ['admin', ...tags], summary: 'Download the platform audit chain as CSV or JSONL (platform admins)', querystring: exportQuery },
    },
    async (request, reply) => {
      const context = adminContext(request);
      await deps.audit.record({ action: 'admin.accessed', target: { type: 'audit_log', id: 'platform' }, details: { route: 'GET /api/admin/audit/export', format: request.query.format } }, context);
      return sendExport(reply, deps.audit, null, request.query, context);
    },
  );
}
