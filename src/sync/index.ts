// The sync module's public surface: the engine (runSync), its jobs (sync.integration,
// sync.schedule), the status/"sync now" service and routes, and the interfaces a provider module
// plugs into (SyncProvider, TokenRefresher).
export { DEFAULT_SYNC_OPTIONS, SyncInterruptedError, createSyncEngine } from './run-sync.js';
export type { RunSyncOptions, SyncEngine, SyncEngineDeps, SyncEngineOptions, SyncLogger, SyncOutcome, SyncProgress, SyncRunSummary } from './run-sync.js';
export { combineProviders, registryProviders } from './providers.js';
export type { ConnectorRegistry, SyncCredentials, SyncProvider, SyncProviderLookup, TokenRefresher } from './providers.js';
export { SYNC_INTEGRATION_JOB, SYNC_SCHEDULE, SYNC_SCHEDULE_JOB, createSyncJobs, enqueueSync } from './jobs.js';
export type { SyncJobs, SyncJobsDeps } from './jobs.js';
export { createSyncService } from './service.js';
export type { IntegrationStatusView, SyncNowResult, SyncRunView, SyncService, SyncServiceDeps } from './service.js';
export { registerSyncRoutes } from './routes.js';
export type { SyncRouteDeps } from './routes.js';
export { DEFAULT_RETRY_POLICY, backoffDelayMs, systemClock } from './retry-policy.js';
export type { RetryPolicy, SyncClock } from './retry-policy.js';
export type { SyncWindow } from './window.js';
export { writeRecordsAtOnce } from './record-writer.js';
export type { RecordsToWrite } from './record-writer.js';
