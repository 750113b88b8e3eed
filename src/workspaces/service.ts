// Workspaces: create one with its first owner, and list the ones a user belongs to.
import { randomUUID } from 'node:crypto';
import type { Database } from '../db/index.js';
import { insertMembership, insertWorkspace, listWorkspacesOfUser, type WorkspaceSummary } from './queries.js';

export interface WorkspacesService {
  createWorkspace(input: { name: string; ownerUserId: string; currency?: string }): Promise<WorkspaceSummary>;
  listWorkspacesOfUser(userId: string): Promise<WorkspaceSummary[]>;
}

export function createWorkspacesService(deps: { db: Pick<Database, 'withWorkspace' | 'withUser'> }): WorkspacesService {
  return {
    async createWorkspace(input) {
      // The id is chosen here so the new workspace can be written inside its own RLS scope.
      const id = randomUUID();
      await deps.db.withWorkspace(id, async (tx) => {
        await insertWorkspace(tx, { id, name: input.name, currency: input.currency ?? 'USD' });
        await insertMembership(tx, { workspaceId: id, userId: input.ownerUserId, role: 'owner' });
      });
      return { id, name: input.name, role: 'owner' };
    },
    listWorkspacesOfUser(userId) {
      return deps.db.withUser(userId, (tx) => listWorkspacesOfUser(tx, userId));
    },
  };
}
