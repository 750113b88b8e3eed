// Platform-admin view of blocked addresses: list the blocks in force and lift one. HTTP only: the
// guard does the work. Guarantees: nothing answers before requirePlatformAdmin has passed; every
// access is on the platform audit chain ('admin.accessed'), and a lift also as 'security.ip.unblocked'.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AuditContext, AuditService } from '../audit/index.js';
import { sendError } from '../http/error-handler.js';
import { parseBlockKey, type LoginGuard } from './brute-force.js';

export interface IpBlockAdminDeps {
  guard: Pick<LoginGuard, 'listBlocks' | 'unblock'>;
  audit: Pick<AuditService, 'record'>;
  /** Refuses anyone but a signed-in platform admin (a preHandler). */
  requirePlatformAdmin: (request: FastifyRequest, reply: FastifyReply) => Promise<unknown>;
  /** The admin that requirePlatformAdmin let through. */
  adminOf: (request: FastifyRequest) => { userId: string };
}

const ipBlockSchema = z
  .object({
    ip: z.string().meta({ description: 'An IPv4 address, or the IPv6 /64 prefix all its addresses are counted by' }),
    blockedAt: z.iso.datetime(),
    blockedUntil: z.iso.datetime(),
    retryAfterSeconds: z.number().int().min(0),
    strikes: z.number().int().min(1).meta({ description: 'How many times the address has been blocked; each block lasts longer' }),
    reason: z.string(),
    firstBlockedAt: z.iso.datetime(),
  })
  .meta({ id: 'IpBlock' });
const ipBlockListSchema = z.object({ blocks: z.array(ipBlockSchema) }).meta({ id: 'IpBlockList' });
const ipParamsSchema = z.object({
  ip: z
    .string()
    .max(64)
    .refine((value) => parseBlockKey(value) !== undefined, 'must be an IP address, or an IPv6 /64 prefix as listed'),
});

export function registerIpBlockAdminRoutes(app: FastifyInstance, deps: IpBlockAdminDeps): void {
  const routes = app.withTypeProvider<ZodTypeProvider>();
  const context = (request: FastifyRequest): AuditContext => ({
    actor: { kind: 'user', id: deps.adminOf(request).userId },
    ip: request.ip,
    userAgent: request.headers['user-agent'] ?? null,
    requestId: String(request.id),
  });

  routes.get(
    '/api/admin/ip-blocks',
    {
      preHandler: deps.requirePlatformAdmin,
      schema: { tags: ['admin'], summary: 'Addresses blocked after repeated failed sign-ins', response: { 200: ipBlockListSchema } },
    },
    async (request) => {
      // SECURITY: recorded before anything is shown; no record, no answer.
      await deps.audit.record({ action: 'admin.accessed', target: { type: 'ip_blocks', id: 'list' }, details: { route: 'GET /api/admin/ip-blocks' } }, context(request));
      const blocks = await deps.guard.listBlocks();
      const now = Date.now();
      return {
        blocks: blocks.map((b) => ({
          ip: b.ip,
          blockedAt: b.blockedAt.toISOString(),
          blockedUntil: b.blockedUntil.toISOString(),
          retryAfterSeconds: Math.max(0, Math.ceil((b.blockedUntil.getTime() - now) / 1000)),
          strikes: b.strikes,
          reason: b.reason,
          firstBlockedAt: b.firstBlockedAt.toISOString(),
        })),
      };
    },
  );

  routes.delete(
    '/api/admin/ip-blocks/:ip',
    {
      preHandler: deps.requirePlatformAdmin,
      schema: {
        tags: ['admin'],
        summary: 'Lift the block on an address (or an IPv6 /64, URL-encoded)',
        params: ipParamsSchema,
        response: { 204: z.null() },
      },
    },
    async (request, reply) => {
      await deps.audit.record(
        { action: 'admin.accessed', target: { type: 'ip_block', id: request.params.ip }, details: { route: 'DELETE /api/admin/ip-blocks/:ip' } },
        context(request),
      );
      const lifted = await deps.guard.unblock(request.params.ip, {
        userId: deps.adminOf(request).userId,
        requestId: String(request.id),
        ip: request.ip,
        userAgent: request.headers['user-agent'] ?? null,
      });
      if (!lifted) return sendError(reply, request, 'request.not_found', 'This address is not blocked.');
      return reply.code(204).send(null);
    },
  );
}
