// Integrations: the provider registry, the OAuth connect flow, token refresh, the connectors, and the
// outbound client every provider call goes through. The sync engine (src/sync) uses:
//   registry.connector(provider)                  the Connector for contract.ts
//   registry.fetch                                the SSRF-guarded client for ConnectorContext.fetch
//   tokenRefresher.refreshIfNeeded(ws, id, {force}) accessToken, apiBaseUrl and settings for ConnectorContext
//   tokenRefresher.markNeedsReconnect(ws, id, msg)  when a connector throws `reauth_required`
import type { AuditService } from '../audit/index.js';
import type { Vault } from '../crypto/index.js';
import type { Database } from '../db/index.js';
import { createCsvImportService, type CsvBatchWriter, type CsvImportService } from './csv-service.js';
import { OAUTH_CALLBACK_PATH } from './routes.js';
import { createProviderRegistry, type IntegrationConfig, type ProviderRegistry } from './registry.js';
import { createIntegrationsService, type IntegrationsService } from './service.js';
import { createTokenRefresher, type TokenRefresher } from './token-refresher.js';

export * from './contract.js';
export { createProviderFetch, isPublicAddress, OutboundRequestError } from './provider-fetch.js';
export type { ProviderFetch, ProviderFetchOptions } from './provider-fetch.js';
export { applyOverride, createProviderRegistry, IMPLEMENTED_PROVIDERS, PROVIDERS } from './registry.js';
export type { IntegrationConfig, IntegrationConfigKey, ProviderAvailability, ProviderRegistry, RegistryOptions } from './registry.js';
export type { ImplementedProvider, PlannedProvider, ProviderDefinition, ProviderRuntime, ScopeRequirement, TokenSet } from './provider-types.js';
export { createIntegrationsService, OAUTH_STATE_LIFETIME_MS, workspaceOfState } from './service.js';
export type { CompleteConnectInput, IntegrationPatch, IntegrationsService, IntegrationsServiceDeps } from './service.js';
export { createTokenRefresher } from './token-refresher.js';
export type { IntegrationCredentials, TokenRefresher, TokenRefresherDeps } from './token-refresher.js';
export { OAUTH_CALLBACK_PATH, OAUTH_COMPLETE_PAGE, registerIntegrationRoutes } from './routes.js';
export type { IntegrationRouteDeps } from './routes.js';
export type { IntegrationView, ProviderView } from './views.js';
export { CSV_FIELDS, csvBatches, readCsv, suggestMapping } from './csv-import.js';
export type { CsvKind, CsvOptions, CsvParseResult, CsvRowError, DateFormat } from './csv-import.js';
export { parseCsv, CsvSyntaxError } from './csv-parse.js';
export { createCsvImportService } from './csv-service.js';
export type { CsvBatchWriter, CsvImportService, CsvPreview } from './csv-service.js';

export interface IntegrationsModule {
  registry: ProviderRegistry;
  service: IntegrationsService;
  tokenRefresher: TokenRefresher;
  csv: CsvImportService;
}

/** Everything the app and the worker need, built once in the composition root. */
export function createIntegrations(deps: {
  config: IntegrationConfig;
  /** PUBLIC_URL (or the listen address in development), without a trailing slash. */
  publicUrl: string;
  db: Database;
  vault: Vault;
  audit: Pick<AuditService, 'record'>;
  /** The sync engine's one-transaction upsert of a CSV file's batches (src/sync). */
  csvWriter?: CsvBatchWriter;
  now?: () => Date;
}): IntegrationsModule {
  const clock = deps.now === undefined ? {} : { now: deps.now };
  const registry = createProviderRegistry({ config: deps.config, redirectUri: `${deps.publicUrl}${OAUTH_CALLBACK_PATH}`, ...clock });
  return {
    registry,
    service: createIntegrationsService({ db: deps.db, vault: deps.vault, audit: deps.audit, registry, ...clock }),
    tokenRefresher: createTokenRefresher({ db: deps.db, vault: deps.vault, registry, audit: deps.audit, ...clock }),
    csv: createCsvImportService({ db: deps.db, audit: deps.audit, writer: deps.csvWriter }),
  };
}
