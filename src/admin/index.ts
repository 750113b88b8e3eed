// Platform administration: who counts as platform staff (users.is_platform_admin, set by the CLI
// as the database owner, plus a second factor in the session), and the staff-only /api/admin routes.
export { createPlatformAdminGuard, requirePlatformAdmin } from './guard.js';
export type { PlatformAdmin, PlatformAdminDeps, PlatformAdminGuard } from './guard.js';
export { registerAdminRoutes } from './routes.js';
export type { AdminRouteDeps } from './routes.js';
export { runAdminCommand, setPlatformAdmin } from './cli.js';
export type { AdminCommandIo, PlatformAdminChange } from './cli.js';
