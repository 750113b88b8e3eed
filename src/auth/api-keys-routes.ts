// /api/workspaces/:id/api-keys: create (the key is in this one answer only), list, revoke. Admins
// and owners, signed in as people; an API key cannot manage keys.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { requireWorkspaceRole, type WorkspaceAccessDeps } from '../workspaces/index.js';
import { MAX_API_KEY_DAYS, type ApiKeyService, type ApiKeyView } from './api-keys.js';
import { auditContextOf } from './http.js';

export interface ApiKeyRouteDeps extends WorkspaceAccessDeps {
  apiKeyService: ApiKeyService;
}

const apiKeySchema = z
  .object({
    id: z.uuid(),
    name: z.string(),
    scope: z.enum(['read', 'read_write']),
    prefix: z.string().meta({ description: 'The public part of the key (before its secret)' }),
    createdBy: z.uuid().nullable(),
    createdAt: z.iso.datetime(),
    expiresAt: z.iso.datetime().nullable(),
    lastUsedAt: z.iso.datetime().nullable().meta({ description: 'Updated at most once a minute' }),
    status: z.enum(['active', 'expired']),
  })
  .meta({ id: 'ApiKey' });

const toKey = (k: ApiKeyView) => ({
  id: k.id,
  name: k.name,
  scope: k.scope,
  prefix: k.prefix,
  createdBy: k.createdBy,
  createdAt: k.createdAt.toISOString(),
  expiresAt: k.expiresAt?.toISOString() ?? null,
  lastUsedAt: k.lastUsedAt?.toISOString() ?? null,
  status: k.status,
});

export function registerApiKeyRoutes(app: FastifyInstance, deps: ApiKeyRouteDeps): void {
  const routes = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['api keys'];
  const params = z.object({ id: z.uuid() });

  routes.post(
    '/api/workspaces/:id/api-keys',
    {
      config: { rateLimit: { max: 20, timeWindow: '1 minute' } },
      schema: {
        tags,
        summary: 'Create an API key (admin and up); the key is shown in this answer only',
        params,
        body: z.strictObject({
          name: z.string().trim().min(1).max(80),
          scope: z.enum(['read', 'read_write']).meta({ description: 'read: acts as a viewer; read_write: as an analyst' }),
          expiresInDays: z.number().int().min(1).max(MAX_API_KEY_DAYS).optional().meta({ description: 'Absent: the key does not expire' }),
        }),
        response: { 201: apiKeySchema.extend({ key: z.string().meta({ description: 'Send as `Authorization: Bearer <key>`; not retrievable later' }) }) },
      },
    },
    async (request, reply) => {
      const access = await requireWorkspaceRole(request, deps, request.params.id, 'admin');
      const created = await deps.apiKeyService.create(access, request.body, auditContextOf(request, access.principal));
      // The one response that carries the secret: never cached anywhere.
      void reply.header('cache-control', 'no-store');
      return reply.code(201).send({ ...toKey(created), key: created.key });
    },
  );

  routes.get(
    '/api/workspaces/:id/api-keys',
    { schema: { tags, summary: 'API keys that are not revoked (admin and up); no secrets', params, response: { 200: z.object({ apiKeys: z.array(apiKeySchema) }) } } },
    async (request) => {
      const access = await requireWorkspaceRole(request, deps, request.params.id, 'admin');
      return { apiKeys: (await deps.apiKeyService.list(access)).map(toKey) };
    },
  );

  routes.delete(
    '/api/workspaces/:id/api-keys/:keyId',
    {
      config: { rateLimit: { max: 30, timeWindow: '1 minute' } },
      schema: { tags, summary: 'Revoke an API key (admin and up); it stops working at once', params: z.object({ id: z.uuid(), keyId: z.uuid() }), response: { 204: z.null() } },
    },
    async (request, reply) => {
      const access = await requireWorkspaceRole(request, deps, request.params.id, 'admin');
      await deps.apiKeyService.revoke(access, request.params.keyId, auditContextOf(request, access.principal));
      return reply.code(204).send(null);
    },
  );
}
