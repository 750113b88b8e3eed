// Liveness and readiness for load balancers and orchestrators. They reveal nothing but "ok".
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Database } from '../db/index.js';
import { sendError } from '../http/error-handler.js';

const healthSchema = z.object({ status: z.literal('ok') }).meta({ id: 'Health' });
const readySchema = z.object({ status: z.literal('ready'), checks: z.object({ database: z.literal('ok') }) }).meta({ id: 'Ready' });

export function registerHealthRoutes(app: FastifyInstance, deps: { db: Pick<Database, 'ping'> }): void {
  const routes = app.withTypeProvider<ZodTypeProvider>();
  routes.get(
    '/healthz',
    { config: { rateLimit: false }, schema: { tags: ['operations'], summary: 'The process is alive', response: { 200: healthSchema } } },
    async () => ({ status: 'ok' as const }),
  );
  routes.get(
    '/readyz',
    { config: { rateLimit: false }, schema: { tags: ['operations'], summary: 'The database answers', response: { 200: readySchema } } },
    async (request, reply) => {
      try {
        await deps.db.ping();
      } catch (error) {
        request.log.warn({ err: error }, 'readiness check failed');
        return sendError(reply, request, 'service.unavailable');
      }
      return { status: 'ready' as const, checks: { database: 'ok' as const } };
    },
  );
}
