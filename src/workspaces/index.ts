// Workspaces module: tenants and their members.
export { createWorkspacesService } from './service.js';
export type { WorkspacesService } from './service.js';
export type { WorkspaceSummary } from './queries.js';
