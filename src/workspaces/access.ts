// Who may act in a workspace, checked in the service layer on top of RLS: membership and role for
// people, the key's own workspace and scope for API keys, and the workspace's 2FA requirement.
// Guarantees: a workspace the caller is not a member of answers 404 (its existence is not
// revealed); too low a role answers 403; a member signed in without a second factor is sent to set
// one up (403 auth.mfa_setup_required) when the workspace requires it.
import type { FastifyRequest } from 'fastify';
import { requirePrincipal, type AuthHttpDeps, type Principal } from '../auth/index.js';
import type { Database, WorkspaceRole } from '../db/index.js';
import { AppError } from '../http/errors.js';

const RANK: Record<WorkspaceRole, number> = { viewer: 1, analyst: 2, admin: 3, owner: 4 };
const SECOND_FACTORS = new Set(['otp', 'hwk', 'recovery']);

export function roleAtLeast(role: WorkspaceRole, minimum: WorkspaceRole): boolean {
  return RANK[role] >= RANK[minimum];
}

export interface WorkspaceAccess {
  principal: Principal;
  workspaceId: string;
  /** The caller's effective role (an API key acts as viewer or analyst by its scope). */
  role: WorkspaceRole;
}

export interface WorkspaceAccessDeps extends AuthHttpDeps {
  db: Pick<Database, 'withUser'>;
}

export async function requireWorkspaceRole(
  request: FastifyRequest,
  deps: WorkspaceAccessDeps,
  workspaceId: string,
  minimum: WorkspaceRole,
): Promise<WorkspaceAccess> {
  const principal = await requirePrincipal(request, deps);
  if (principal.kind === 'api_key') {
    if (principal.workspaceId !== workspaceId) throw new AppError('workspace.not_found');
    const role: WorkspaceRole = principal.scope === 'read_write' ? 'analyst' : 'viewer';
    if (!roleAtLeast(role, minimum)) throw new AppError('auth.forbidden', { message: 'This API key\'s scope does not allow this.' });
    return { principal, workspaceId, role };
  }
  const membership = await deps.db.withUser(principal.userId, (tx) =>
    tx
      .selectFrom('memberships as m')
      .innerJoin('workspaces as w', 'w.id', 'm.workspace_id')
      .select(['m.role', 'w.require_mfa'])
      .where('m.user_id', '=', principal.userId)
      .where('m.workspace_id', '=', workspaceId)
      .executeTakeFirst(),
  );
  if (membership === undefined) throw new AppError('workspace.not_found');
  if (membership.require_mfa && !principal.amr.some((m) => SECOND_FACTORS.has(m))) {
    throw new AppError('auth.mfa_setup_required', { details: { workspaceId } });
  }
  if (!roleAtLeast(membership.role, minimum)) throw new AppError('auth.forbidden');
  return { principal, workspaceId, role: membership.role };
}
