// Workspaces: create one with its first owner, list a user's workspaces, read and change settings,
// and (members.ts) manage members. Every operation on an existing workspace takes the
// WorkspaceAccess that requireWorkspaceRole granted and checks the role again itself, then runs
// its SQL inside withWorkspace(), so RLS is a second wall behind the role check.
import { randomUUID } from 'node:crypto';
import type { AuditContext, AuditService } from '../audit/index.js';
import type { Database, WorkspaceRole } from '../db/index.js';
import { AppError } from '../http/errors.js';
import type { WorkspaceAccess } from './access.js';
import { assertGrantedRole, createMembersOperations, requireCurrentRole, type MembersOperations } from './members.js';
import { findWorkspace, insertMembership, insertWorkspace, listWorkspacesOfUser, updateWorkspace, type WorkspaceDetails, type WorkspaceSummary } from './queries.js';

const SECOND_FACTORS = new Set(['otp', 'hwk', 'recovery']);

export interface WorkspaceView extends WorkspaceDetails {
  role: WorkspaceRole;
}

export interface WorkspaceSettingsPatch {
  name?: string | undefined;
  currency?: string | undefined;
  timezone?: string | undefined;
  requireMfa?: boolean | undefined;
}

export interface WorkspacesService extends MembersOperations {
  /** With `context`, the creation is audited ('workspace.created') in the same transaction. */
  createWorkspace(input: { name: string; ownerUserId: string; currency?: string; timezone?: string }, context?: AuditContext): Promise<WorkspaceSummary>;
  listWorkspacesOfUser(userId: string): Promise<WorkspaceSummary[]>;
  getWorkspace(access: WorkspaceAccess): Promise<WorkspaceView>;
  /** Admins change name, currency and time zone; only an owner changes the 2FA requirement. */
  updateSettings(access: WorkspaceAccess, patch: WorkspaceSettingsPatch, context: AuditContext): Promise<WorkspaceView>;
}

export interface WorkspacesServiceDeps {
  db: Pick<Database, 'withWorkspace' | 'withUser'>;
  /** Needed by every change to an existing workspace (each is audited); sign-up and the demo seed omit it. */
  audit?: Pick<AuditService, 'record'>;
}

export function createWorkspacesService(deps: WorkspacesServiceDeps): WorkspacesService {
  const { db } = deps;
  const members = createMembersOperations({ db, audit: deps.audit });

  async function view(access: WorkspaceAccess): Promise<WorkspaceView> {
    const workspace = await db.withWorkspace(access.workspaceId, (tx) => findWorkspace(tx, access.workspaceId));
    if (workspace === undefined) throw new AppError('workspace.not_found');
    return { ...workspace, role: access.role };
  }

  return {
    ...members,

    async createWorkspace(input, context) {
      // The id is chosen here so the new workspace can be written inside its own RLS scope.
      const id = randomUUID();
      await db.withWorkspace(id, async (tx) => {
        await insertWorkspace(tx, { id, name: input.name, currency: input.currency ?? 'USD', ...(input.timezone === undefined ? {} : { timezone: input.timezone }) });
        await insertMembership(tx, { workspaceId: id, userId: input.ownerUserId, role: 'owner' });
        if (context !== undefined) {
          if (deps.audit === undefined) throw new Error('workspaces: an audit service is required to record a creation');
          await deps.audit.record({ action: 'workspace.created', workspaceId: id, target: { type: 'workspace', id }, details: { name: input.name } }, context, tx);
        }
      });
      return { id, name: input.name, role: 'owner' };
    },

    listWorkspacesOfUser(userId) {
      return db.withUser(userId, (tx) => listWorkspacesOfUser(tx, userId));
    },

    async getWorkspace(access) {
      assertGrantedRole(access, 'viewer');
      return view(access);
    },

    async updateSettings(access, patch, context) {
      assertGrantedRole(access, 'admin');
      const audit = deps.audit;
      if (audit === undefined) throw new Error('workspaces: an audit service is required to change settings');
      if (patch.requireMfa !== undefined && access.role !== 'owner') throw new AppError('auth.forbidden', { message: 'Only an owner can change the two-factor requirement.' });
      if (patch.requireMfa === true && access.principal.kind === 'user' && !access.principal.amr.some((m) => SECOND_FACTORS.has(m))) {
        // Requiring 2FA without having it would lock the owner out at the next request.
        throw new AppError('auth.mfa_setup_required', { message: 'Turn on two-factor authentication for your own account (and sign in with it) before requiring it of every member.' });
      }
      const { workspaceId } = access;
      const role = await db.withWorkspace(workspaceId, async (tx) => {
        const actorRole = await requireCurrentRole(tx, access, 'admin');
        const before = await findWorkspace(tx, workspaceId);
        if (before === undefined) throw new AppError('workspace.not_found');
        if (patch.requireMfa !== undefined && actorRole !== 'owner') {
          throw new AppError('auth.forbidden', { message: 'Only an owner can change the two-factor requirement.' });
        }
        const changes: Record<string, { from: unknown; to: unknown }> = {};
        if (patch.name !== undefined && patch.name !== before.name) changes.name = { from: before.name, to: patch.name };
        if (patch.currency !== undefined && patch.currency !== before.currency) changes.currency = { from: before.currency, to: patch.currency };
        if (patch.timezone !== undefined && patch.timezone !== before.timezone) changes.timezone = { from: before.timezone, to: patch.timezone };
        if (patch.requireMfa !== undefined && patch.requireMfa !== before.requireMfa) changes.requireMfa = { from: before.requireMfa, to: patch.requireMfa };
        if (Object.keys(changes).length > 0) {
          await updateWorkspace(tx, workspaceId, patch);
          await audit.record({ action: 'workspace.settings.changed', workspaceId, target: { type: 'workspace', id: workspaceId }, details: { changes } }, context, tx);
        }
        return actorRole;
      });
      return view({ ...access, role });
    },
  };
}
