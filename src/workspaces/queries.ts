// SQL for workspaces and memberships. Tenant writes take a WorkspaceTx; listing a user's own
// workspaces takes a UserTx, which RLS limits to that user's memberships.
import type { UserTx, WorkspaceRole, WorkspaceTx } from '../db/index.js';

export interface WorkspaceSummary {
  id: string;
  name: string;
  role: WorkspaceRole;
}

export async function insertWorkspace(tx: WorkspaceTx, workspace: { id: string; name: string; currency: string }): Promise<void> {
  await tx.insertInto('workspaces').values(workspace).execute();
}

export async function insertMembership(tx: WorkspaceTx, membership: { workspaceId: string; userId: string; role: WorkspaceRole }): Promise<void> {
  await tx
    .insertInto('memberships')
    .values({ workspace_id: membership.workspaceId, user_id: membership.userId, role: membership.role })
    .execute();
}

export async function listWorkspacesOfUser(tx: UserTx, userId: string): Promise<WorkspaceSummary[]> {
  return tx
    .selectFrom('memberships as m')
    .innerJoin('workspaces as w', 'w.id', 'm.workspace_id')
    .select(['w.id', 'w.name', 'm.role'])
    .where('m.user_id', '=', userId)
    .orderBy('w.created_at')
    .execute();
}
