// Workspaces module: tenants, their members, and who may act in them.
export { createWorkspacesService } from './service.js';
export type { WorkspaceSettingsPatch, WorkspaceView, WorkspacesService, WorkspacesServiceDeps } from './service.js';
export type { MemberRow, WorkspaceDetails, WorkspaceSummary } from './queries.js';
export { createInvitationsService, INVITATION_LIFETIME_DAYS, MAX_PENDING_INVITATIONS } from './invitations.js';
export type { InvitationView, InvitationsService, InvitationsServiceDeps } from './invitations.js';
export { registerWorkspaceRoutes } from './routes.js';
export type { WorkspaceRouteDeps } from './routes.js';
export { requireWorkspaceRole, roleAtLeast } from './access.js';
export { requireCurrentRole } from './members.js';
export type { WorkspaceAccess, WorkspaceAccessDeps } from './access.js';
