// Request identity: a server-generated id on every request (echoed as X-Request-Id and in every
// log line and error body), and the client address as seen through declared proxies only.
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';

// SECURITY: ids are always minted here; a client-supplied X-Request-Id could forge or collide
// log correlation, so it is never adopted.
export const generateRequestId = (): string => randomUUID();

export function registerRequestContext(app: FastifyInstance): void {
  app.addHook('onRequest', (request, reply, done) => {
    reply.header('x-request-id', request.id);
    done();
  });
}
