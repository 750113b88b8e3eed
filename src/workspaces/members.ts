// Members of a workspace: list them, change a role, remove one (or leave). Guarantees: the caller's
// role is re-read inside the transaction that makes the change, so a role lost a moment ago cannot
// be used; only an owner grants or takes away the owner role; a workspace never loses its last
// owner, even when two owners demote or remove each other at the same moment (membership changes
// lock the workspace row, so they run one after the other and each sees the other's result).
import type { AuditContext, AuditService } from '../audit/index.js';
import type { Database, WorkspaceRole, WorkspaceTx } from '../db/index.js';
import { AppError } from '../http/errors.js';
import { roleAtLeast, type WorkspaceAccess } from './access.js';
import { countOwners, deleteMembership, findMemberRole, listMembers, lockWorkspaceMemberships, updateMemberRole, type MemberRow } from './queries.js';

/** The person behind `access`; API keys do not manage people. */
export function actingUserId(access: WorkspaceAccess): string {
  if (access.principal.kind !== 'user') throw new AppError('auth.forbidden', { message: 'API keys cannot use this endpoint.' });
  return access.principal.userId;
}

/** The role `access` was granted with must reach `minimum` (the service's own check, after the route's). */
export function assertGrantedRole(access: WorkspaceAccess, minimum: WorkspaceRole): void {
  if (!roleAtLeast(access.role, minimum)) throw new AppError('auth.forbidden');
}

/**
 * The acting user's role as it is now, inside the transaction that acts on it.
 * @throws workspace.not_found if they were removed since the request was authorised.
 */
export async function requireCurrentRole(tx: WorkspaceTx, access: WorkspaceAccess, minimum: WorkspaceRole): Promise<WorkspaceRole> {
  const role = await findMemberRole(tx, actingUserId(access));
  if (role === undefined) throw new AppError('workspace.not_found');
  if (!roleAtLeast(role, minimum)) throw new AppError('auth.forbidden');
  return role;
}

export interface MembersDeps {
  db: Pick<Database, 'withWorkspace'>;
  /** Every change is recorded in the same transaction; without it, changes are refused. */
  audit: Pick<AuditService, 'record'> | undefined;
}

export interface MembersOperations {
  listMembers(access: WorkspaceAccess): Promise<MemberRow[]>;
  changeMemberRole(access: WorkspaceAccess, userId: string, role: WorkspaceRole, context: AuditContext): Promise<MemberRow>;
  /** Removes a member, or the caller themselves (leaving). */
  removeMember(access: WorkspaceAccess, userId: string, context: AuditContext): Promise<void>;
}

function requireAudit(audit: MembersDeps['audit']): Pick<AuditService, 'record'> {
  // SECURITY: a membership change that cannot be recorded is not made.
  if (audit === undefined) throw new Error('workspaces: an audit service is required to change memberships');
  return audit;
}

export function createMembersOperations(deps: MembersDeps): MembersOperations {
  const { db } = deps;

  async function lock(tx: WorkspaceTx, workspaceId: string): Promise<void> {
    if (!(await lockWorkspaceMemberships(tx, workspaceId))) throw new AppError('workspace.not_found');
  }

  return {
    async listMembers(access) {
      actingUserId(access);
      assertGrantedRole(access, 'viewer');
      return db.withWorkspace(access.workspaceId, (tx) => listMembers(tx));
    },

    async changeMemberRole(access, userId, role, context) {
      assertGrantedRole(access, 'admin');
      const audit = requireAudit(deps.audit);
      const { workspaceId } = access;
      return db.withWorkspace(workspaceId, async (tx) => {
        // SECURITY: the lock comes before any read the decision rests on (see the header).
        await lock(tx, workspaceId);
        const actorRole = await requireCurrentRole(tx, access, 'admin');
        const from = await findMemberRole(tx, userId);
        if (from === undefined) throw new AppError('request.not_found', { message: 'No such member in this workspace.' });
        if (from !== role) {
          if ((from === 'owner' || role === 'owner') && actorRole !== 'owner') {
            throw new AppError('auth.forbidden', { message: 'Only an owner can grant or take away the owner role.' });
          }
          if (from === 'owner' && (await countOwners(tx)) <= 1) throw new AppError('workspace.last_owner');
          await updateMemberRole(tx, userId, role);
          await audit.record(
            { action: 'workspace.member.role_changed', workspaceId, target: { type: 'user', id: userId }, details: { from, to: role } },
            context,
            tx,
          );
        }
        const member = (await listMembers(tx)).find((m) => m.userId === userId);
        if (member === undefined) throw new Error('member vanished inside its own transaction');
        return member;
      });
    },

    async removeMember(access, userId, context) {
      const leaving = actingUserId(access) === userId;
      // Anyone may leave; removing someone else takes an admin.
      assertGrantedRole(access, leaving ? 'viewer' : 'admin');
      const audit = requireAudit(deps.audit);
      const { workspaceId } = access;
      await db.withWorkspace(workspaceId, async (tx) => {
        await lock(tx, workspaceId);
        const actorRole = await requireCurrentRole(tx, access, leaving ? 'viewer' : 'admin');
        const role = await findMemberRole(tx, userId);
        if (role === undefined) throw new AppError('request.not_found', { message: 'No such member in this workspace.' });
        if (!leaving && role === 'owner' && actorRole !== 'owner') {
          throw new AppError('auth.forbidden', { message: 'Only an owner can remove an owner.' });
        }
        if (role === 'owner' && (await countOwners(tx)) <= 1) {
          throw new AppError('workspace.last_owner', {
            message: leaving ? 'You are the last owner: make another member an owner before you leave.' : 'A workspace needs at least one owner.',
          });
        }
        await deleteMembership(tx, userId);
        await audit.record(
          { action: 'workspace.member.removed', workspaceId, target: { type: 'user', id: userId }, details: { role, left: leaving } },
          context,
          tx,
        );
      });
    },
  };
}
