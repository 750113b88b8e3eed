// The database module's public surface: open a database, run migrations, and the transaction
// kinds that request code is allowed to use.
export { APP_ROLE, DatabaseSetupError, RETENTION_ROLE, SYSTEM_ROLE, openDatabase, pgOwnerSession, pgliteOwnerSession } from './database.js';
export type { AppTx, ChallengeTx, Database, DatabaseKind, DatabaseOptions, JobQueueConnection, RetentionTx, SystemTx, UserTx, WorkspaceTx } from './database.js';
export { MigrationError, applyMigrations, readMigrationFiles } from './migrate.js';
export type { MigrationReport, OwnerSession } from './migrate.js';
export type * from './types.js';
