// The OpenAPI 3.1 document, generated from the same zod schemas that validate requests, so the
// published contract cannot drift from what the server enforces.
import swagger from '@fastify/swagger';
import type { FastifyInstance } from 'fastify';
import { jsonSchemaTransform, jsonSchemaTransformObject } from 'fastify-type-provider-zod';

export async function registerOpenApi(app: FastifyInstance, options: { version: string; serverUrl: string }): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Throughline API',
        version: options.version,
        description: 'End-to-end marketing analytics. Every error answers { error: { code, message, requestId } }.',
        license: { name: 'AGPL-3.0-only' },
      },
      servers: [{ url: options.serverUrl }],
    },
    transform: jsonSchemaTransform,
    transformObject: jsonSchemaTransformObject,
  });
  // Registered before the feature routes (see app.ts): @fastify/swagger collects routes as they are added.
  app.get('/api/openapi.json', { schema: { hide: true } }, async () => app.swagger());
}
