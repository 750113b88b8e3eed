// The provider registry: every provider Throughline knows, whether this installation can connect it
// (its app credentials are configured), and the runtime its OAuth steps and connector run with.
// Config overrides (`<PREFIX>_API_BASE_URL`, `<PREFIX>_OAUTH_BASE_URL`) replace the scheme, host and
// port of the provider's declared URLs and keep their paths; exactly those origins are trusted by
// the outbound SSRF guard (tests point them at 127.0.0.1).
import type { Config } from '../config.js';
import type { Connector, ProviderId } from './contract.js';
import { createProviderFetch, type ProviderFetch } from './provider-fetch.js';
import type { ImplementedProvider, ProviderDefinition, ProviderRuntime } from './provider-types.js';
import { amoCrm } from './providers/amocrm/index.js';
import { googleAds } from './providers/google-ads/index.js';
import { hubSpot } from './providers/hubspot/index.js';
import { metaAds } from './providers/meta-ads/index.js';
import { plannedProviders } from './providers/planned.js';
import { yandexDirect } from './providers/yandex-direct/index.js';

export const IMPLEMENTED_PROVIDERS: readonly ImplementedProvider[] = [metaAds, googleAds, yandexDirect, amoCrm, hubSpot];
export const PROVIDERS: readonly ProviderDefinition[] = [...IMPLEMENTED_PROVIDERS, ...plannedProviders];

/** The config keys the registry reads (for the app's config type). */
export type IntegrationConfigKey = `${'META_ADS' | 'GOOGLE_ADS' | 'YANDEX_DIRECT' | 'AMOCRM' | 'HUBSPOT'}_${'CLIENT_ID' | 'CLIENT_SECRET' | 'API_BASE_URL' | 'OAUTH_BASE_URL'}` | 'GOOGLE_ADS_DEVELOPER_TOKEN';
export type IntegrationConfig = Partial<Pick<Config, IntegrationConfigKey>>;

export type ProviderAvailability = 'available' | 'not_configured' | 'planned';

export interface ProviderRegistry {
  list(): readonly ProviderDefinition[];
  find(id: string): ProviderDefinition | undefined;
  availability(id: ProviderId): ProviderAvailability;
  /** The provider's runtime; undefined when it is planned or not configured. */
  runtime(id: ProviderId): (ProviderRuntime & { provider: ImplementedProvider }) | undefined;
  /** The connector for a provider this installation can run; undefined otherwise. */
  connector(id: ProviderId): Connector | undefined;
  /** The API base for one integration (amoCRM's is the account's host). */
  apiBaseUrl(id: ProviderId, settings: Readonly<Record<string, unknown>>): string | undefined;
  /** The one outbound client every provider call uses. */
  readonly fetch: ProviderFetch;
  /** Origins exempted from the SSRF address check because the operator configured them. */
  readonly trustedOrigins: readonly string[];
  readonly redirectUri: string;
}

/** Replaces the scheme, host and port of `declared` with the override's, keeping both paths. */
export function applyOverride(declared: string, override: string | undefined): string {
  if (override === undefined) return declared;
  const base = new URL(override);
  const path = new URL(declared).pathname;
  return `${base.origin}${base.pathname.replace(/\/$/, '')}${path === '/' ? '' : path}`;
}

export interface RegistryOptions {
  config: IntegrationConfig;
  /** `${PUBLIC_URL}/api/integrations/oauth/callback`. */
  redirectUri: string;
  fetch?: ProviderFetch;
  now?: () => Date;
  /** Defaults to every provider; tests register a narrower set. */
  providers?: readonly ProviderDefinition[];
}

export function createProviderRegistry(options: RegistryOptions): ProviderRegistry {
  const settings = options.config as Readonly<Record<string, string | undefined>>;
  const providers = options.providers ?? PROVIDERS;
  const now = options.now ?? (() => new Date());
  const byId = new Map(providers.map((p) => [p.id as string, p]));

  const trustedOrigins = providers.flatMap((p) =>
    [settings[`${p.configPrefix}_API_BASE_URL`], settings[`${p.configPrefix}_OAUTH_BASE_URL`]].filter((v): v is string => v !== undefined).map((v) => new URL(v).origin),
  );
  const fetch = options.fetch ?? createProviderFetch({ trustedOrigins });

  function runtime(id: ProviderId): (ProviderRuntime & { provider: ImplementedProvider }) | undefined {
    const provider = byId.get(id);
    if (provider === undefined || !provider.implemented) return undefined;
    const clientId = settings[`${provider.configPrefix}_CLIENT_ID`];
    const clientSecret = settings[`${provider.configPrefix}_CLIENT_SECRET`];
    if (clientId === undefined || clientSecret === undefined) return undefined;
    const extras: Record<string, string> = {};
    for (const key of provider.extraConfigKeys) {
      const value = settings[key];
      if (value !== undefined) extras[key] = value;
    }
    const apiOverride = settings[`${provider.configPrefix}_API_BASE_URL`];
    const oauthOverride = settings[`${provider.configPrefix}_OAUTH_BASE_URL`];
    return {
      provider,
      fetch,
      clientId,
      clientSecret,
      extras,
      authorizeUrl: applyOverride(provider.oauth.authorizeUrl, oauthOverride),
      tokenUrl: applyOverride(provider.oauth.tokenUrl, oauthOverride),
      revokeUrl: provider.oauth.revokeUrl === null ? null : applyOverride(provider.oauth.revokeUrl, oauthOverride),
      apiBaseUrl: applyOverride(provider.apiBaseUrl, apiOverride),
      apiBaseOverridden: apiOverride !== undefined,
      oauthBaseOverridden: oauthOverride !== undefined,
      redirectUri: options.redirectUri,
      now,
    };
  }

  return {
    fetch,
    trustedOrigins,
    redirectUri: options.redirectUri,
    list: () => providers,
    find: (id) => byId.get(id),
    availability(id) {
      const provider = byId.get(id);
      if (provider === undefined || !provider.implemented) return 'planned';
      return runtime(id) === undefined ? 'not_configured' : 'available';
    },
    runtime,
    connector(id) {
      const rt = runtime(id);
      return rt === undefined ? undefined : rt.provider.createConnector(rt);
    },
    apiBaseUrl(id, integrationSettings) {
      const rt = runtime(id);
      return rt === undefined ? undefined : rt.provider.apiBaseUrlFor(rt, integrationSettings);
    },
  };
}
