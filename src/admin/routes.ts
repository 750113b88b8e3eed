// /api/admin/keys: the state of the encryption keys (KEKs, data keys, re-wrap and re-encryption
// progress) and of the JWT signing keys, for platform staff. No key material is ever in it: ids,
// dates and counts only. Every call is recorded ('admin.accessed') before anything is answered.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AuditContext, AuditService } from '../audit/index.js';
import { clientContext, type SigningKeys } from '../auth/index.js';
import type { Vault } from '../crypto/index.js';
import type { PlatformAdminGuard } from './guard.js';

export interface AdminRouteDeps {
  platformAdmin: PlatformAdminGuard;
  audit: Pick<AuditService, 'record'>;
  vault: Pick<Vault, 'keysStatus'>;
  signingKeys: Pick<SigningKeys, 'status'>;
}

const iso = z.iso.datetime();
const keysStatusSchema = z
  .object({
    encryption: z.object({
      source: z.string().meta({ description: 'Where the key-encryption keys come from' }),
      activeKekId: z.string(),
      rotationDays: z.number().int(),
      nextRotationAt: iso,
      rotationDue: z.boolean(),
      keks: z.array(
        z.object({
          id: z.string(),
          active: z.boolean(),
          inRing: z.boolean().meta({ description: 'false: data keys need this KEK but it is not configured' }),
          activatedAt: iso.nullable(),
          ageDays: z.number().int().nullable(),
          retiredAt: iso.nullable(),
          dataKeys: z.number().int(),
          removable: z.boolean(),
        }),
      ),
      rewrap: z.object({ dataKeys: z.number().int(), underActiveKek: z.number().int(), remaining: z.number().int() }),
      reencryption: z.object({ retiredDataKeys: z.number().int(), workspacesPending: z.number().int() }),
    }),
    signing: z.object({
      activeKid: z.string(),
      nextRotationAt: iso,
      keys: z.array(z.object({ kid: z.string(), createdAt: iso, rotatedAt: iso.nullable(), retireAt: iso.nullable() })),
    }),
  })
  .meta({ id: 'KeysStatus' });

function adminAuditContext(request: FastifyRequest, userId: string): AuditContext {
  const client = clientContext(request);
  return { actor: { kind: 'user', id: userId }, ip: client.ip, userAgent: client.userAgent, requestId: client.requestId };
}

export function registerAdminRoutes(app: FastifyInstance, deps: AdminRouteDeps): void {
  const routes = app.withTypeProvider<ZodTypeProvider>();
  const isoOrNull = (d: Date | null) => (d === null ? null : d.toISOString());

  routes.get(
    '/api/admin/keys',
    {
      preHandler: deps.platformAdmin.preHandler,
      schema: { tags: ['admin'], summary: 'Encryption and signing key status (platform admins)', response: { 200: keysStatusSchema } },
    },
    async (request, reply) => {
      const admin = deps.platformAdmin.adminOf(request);
      // SECURITY: recorded before anything is shown; no record, no answer.
      await deps.audit.record(
        { action: 'admin.accessed', target: { type: 'keys', id: 'status' }, details: { route: 'GET /api/admin/keys' } },
        adminAuditContext(request, admin.userId),
      );
      const [encryption, signing] = [await deps.vault.keysStatus(), deps.signingKeys.status()];
      void reply.header('cache-control', 'no-store');
      return {
        encryption: {
          source: encryption.source,
          activeKekId: encryption.activeKekId,
          rotationDays: encryption.rotationDays,
          nextRotationAt: encryption.nextRotationAt.toISOString(),
          rotationDue: encryption.rotationDue,
          keks: encryption.keks.map((k) => ({ ...k, activatedAt: isoOrNull(k.activatedAt), retiredAt: isoOrNull(k.retiredAt) })),
          rewrap: encryption.rewrap,
          reencryption: encryption.reencryption,
        },
        signing: {
          activeKid: signing.activeKid,
          nextRotationAt: signing.nextRotationAt.toISOString(),
          keys: signing.keys.map((k) => ({ kid: k.kid, createdAt: k.createdAt.toISOString(), rotatedAt: isoOrNull(k.rotatedAt), retireAt: isoOrNull(k.retireAt) })),
        },
      };
    },
  );
}
