// What the sync engine needs from the outside: a connector per provider (src/integrations for the
// real ones, src/demo/provider for the sandbox) and a way to refresh an OAuth access token. Both
// are plain interfaces, wired by hand in the composition root; the engine knows no provider.
import type { Connector, ConnectorContext, ProviderId } from '../integrations/index.js';

export interface SyncProvider {
  connector: Connector;
  /** The API base for one integration, config override applied (amoCRM: the account's own host). */
  apiBaseUrl(settings: Readonly<Record<string, unknown>>): string;
  /** The SSRF-safe, time-limited client the connector must use for every request. */
  fetch: ConnectorContext['fetch'];
  /** False for providers that hold no OAuth grant (demo, CSV import): no token is loaded. */
  requiresToken: boolean;
}

/** The provider id of an integration row to its sync provider; undefined: no connector yet. */
export type SyncProviderLookup = (provider: string) => SyncProvider | undefined;

/** Looks a provider up in each source in turn (the demo's, then the real registry's). */
export function combineProviders(...sources: ReadonlyArray<SyncProviderLookup | Readonly<Record<string, SyncProvider>>>): SyncProviderLookup {
  return (provider) => {
    for (const source of sources) {
      const found = typeof source === 'function' ? source(provider) : Object.hasOwn(source, provider) ? source[provider] : undefined;
      if (found !== undefined) return found;
    }
    return undefined;
  };
}

/** What a sync run needs to call a provider: a fresh access token, and where and how to call. */
export interface SyncCredentials {
  accessToken: string;
  /** The API base for this integration (config override applied; amoCRM: the account's own host). */
  apiBaseUrl: string;
  settings: Readonly<Record<string, unknown>>;
}

/**
 * Fresh credentials for a run (src/integrations' createTokenRefresher implements it). The engine
 * calls it outside any transaction, before the first request, and once more with `force` when the
 * provider refuses the token (ProviderError `token_expired`).
 * Throws ProviderError: `reauth_required` when the grant is gone (having marked the integration),
 * `permanent` when it cannot be used here, `transient` or `rate_limited` when the provider cannot
 * answer now (the engine retries those with back-off).
 */
export interface TokenRefresher {
  refreshIfNeeded(workspaceId: string, integrationId: string, options?: { force?: boolean }): Promise<SyncCredentials>;
}

/** The part of src/integrations' provider registry the sync uses. */
export interface ConnectorRegistry {
  connector(id: ProviderId): Connector | undefined;
  apiBaseUrl(id: ProviderId, settings: Readonly<Record<string, unknown>>): string | undefined;
  readonly fetch: ConnectorContext['fetch'];
}

/** The real providers this installation can run (implemented and configured), as sync providers. */
export function registryProviders(registry: ConnectorRegistry): SyncProviderLookup {
  const cache = new Map<string, SyncProvider | undefined>();
  return (provider) => {
    if (!cache.has(provider)) {
      const connector = registry.connector(provider as ProviderId);
      cache.set(
        provider,
        connector === undefined
          ? undefined
          : { connector, fetch: registry.fetch, requiresToken: true, apiBaseUrl: (settings) => registry.apiBaseUrl(provider as ProviderId, settings) ?? '' },
      );
    }
    return cache.get(provider);
  };
}
