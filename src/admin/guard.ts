// Who may use /api/admin/*: a signed-in person whose account has users.is_platform_admin (set only
// by `throughline admin grant`, as the database owner) and whose session proved a second factor.
// Decision: anyone else who is signed in (and any API key) gets 404 request.not_found, the answer
// of a route that does not exist, so a probing account learns nothing from the admin surface; a
// request with no credentials gets the usual 401, so a staff browser's expired access token is
// refreshed like anywhere else. A refused signed-in attempt is recorded ('admin.accessed', denied).
// The flag is read on every request: revoking it takes effect at once, not at the next sign-in.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AuditService } from '../audit/index.js';
import { auditContextOf, principalOf, type AuthHttpDeps } from '../auth/index.js';
import type { Database } from '../db/index.js';
import { AppError } from '../http/errors.js';

const SECOND_FACTORS = new Set(['otp', 'hwk', 'recovery']);

export interface PlatformAdmin {
  userId: string;
  sessionId: string;
}

export interface PlatformAdminDeps extends AuthHttpDeps {
  db: Pick<Database, 'withUser'>;
  audit: Pick<AuditService, 'record'>;
}

/**
 * @returns the platform admin behind the request.
 * @throws auth.unauthenticated (no credentials), request.not_found (not a platform admin, or an
 *   API key), auth.mfa_setup_required (an admin whose session has no second factor).
 */
export async function requirePlatformAdmin(request: FastifyRequest, deps: PlatformAdminDeps): Promise<PlatformAdmin> {
  const principal = await principalOf(request, deps);
  if (principal === undefined) throw new AppError('auth.unauthenticated');
  const route = `${request.method} ${request.routeOptions.url ?? request.url.split('?')[0]}`;
  const refuse = async (reason: string): Promise<never> => {
    await deps.audit.record({ action: 'admin.accessed', result: 'denied', details: { route, reason } }, auditContextOf(request, principal));
    throw new AppError('request.not_found');
  };
  if (principal.kind !== 'user') return refuse('api_key');
  const account = await deps.db.withUser(principal.userId, (tx) =>
    tx.selectFrom('users').select('is_platform_admin').where('id', '=', principal.userId).executeTakeFirst(),
  );
  if (account?.is_platform_admin !== true) return refuse('not_platform_admin');
  // SECURITY: staff reach every tenant's metadata; a stolen password alone must not be enough.
  if (!principal.amr.some((m) => SECOND_FACTORS.has(m))) {
    throw new AppError('auth.mfa_setup_required', { message: 'Platform administration needs a session signed in with a second factor.' });
  }
  return { userId: principal.userId, sessionId: principal.sessionId };
}

export interface PlatformAdminGuard {
  /** A fastify preHandler: refuses as requirePlatformAdmin does, otherwise remembers the admin. */
  preHandler(request: FastifyRequest, reply: FastifyReply): Promise<void>;
  /** The admin the preHandler let through. @throws if the route did not run the preHandler. */
  adminOf(request: FastifyRequest): PlatformAdmin;
}

export function createPlatformAdminGuard(deps: PlatformAdminDeps): PlatformAdminGuard {
  const admins = new WeakMap<FastifyRequest, PlatformAdmin>();
  return {
    async preHandler(request) {
      admins.set(request, await requirePlatformAdmin(request, deps));
    },
    adminOf(request) {
      const admin = admins.get(request);
      // A route that forgot its preHandler fails closed, as a 500, instead of serving anyone.
      if (admin === undefined) throw new Error('adminOf: this route has no platform-admin preHandler');
      return admin;
    },
  };
}
