// What a provider declares (src/integrations/registry.ts) and the provider-specific steps of its
// OAuth dance. Everything a provider does on the network goes through `ProviderRuntime.fetch`.
import type { z } from 'zod';
import type { Connector, ProviderId, ProviderKind } from './contract.js';
import type { ProviderFetch } from './provider-fetch.js';

/** One scope the provider is asked for, with why read-only reporting needs it. */
export interface ScopeRequirement {
  scope: string;
  reason: string;
}

export interface OAuthDeclaration {
  authorizeUrl: string;
  tokenUrl: string;
  /** Absent: the provider has no revocation endpoint (disconnect then only forgets the tokens). */
  revokeUrl: string | null;
  /** The minimal scopes for read-only reporting; exactly these are requested. */
  scopes: readonly ScopeRequirement[];
  scopeDelimiter: ' ' | ',';
  /** RFC 7636 PKCE with S256. */
  pkce: boolean;
  /** The provider issues a new refresh token on every refresh and invalidates the old one. */
  rotatesRefreshToken: boolean;
  /** Fixed extra authorization parameters (offline access, forced consent, ...). */
  authorizeParams?: Readonly<Record<string, string>>;
}

/** The app credentials and resolved endpoints a provider's steps run with. */
export interface ProviderRuntime {
  fetch: ProviderFetch;
  clientId: string;
  clientSecret: string;
  /** Provider-specific app secrets from config (Google's developer token). */
  extras: Readonly<Record<string, string>>;
  /** The declared endpoints with any config override applied. */
  authorizeUrl: string;
  tokenUrl: string;
  revokeUrl: string | null;
  /** The declared API base, or the config override. */
  apiBaseUrl: string;
  /** True when the operator overrode the API base (it then wins over per-account hosts). */
  apiBaseOverridden: boolean;
  oauthBaseOverridden: boolean;
  /** The redirect URI registered with the provider (amoCRM wants it on refresh too). */
  redirectUri: string;
  now: () => Date;
}

export interface TokenSet {
  accessToken: string;
  refreshToken: string | null;
  expiresAt: Date | null;
  /** The scopes the provider says it granted; null when its answer does not say (RFC 6749 5.1). */
  scopes: string[] | null;
  /** Non-secret fields of the token answer (HubSpot's hub_id); never the tokens. */
  extra: Readonly<Record<string, unknown>>;
}

/** What the provider appended to the redirect besides code and state (amoCRM: the account's domain). */
export interface CallbackExtras {
  accountDomain?: string | undefined;
}

export interface AccountIdentity {
  /** The provider-side account or principal: a reconnect of the same one updates its integration. */
  externalAccount: string | null;
  displayName: string;
  /** Non-secret settings to store with the integration (account currency, subdomain, ...). */
  settings: Record<string, unknown>;
}

export interface ImplementedProvider {
  id: ProviderId;
  kind: ProviderKind;
  displayName: string;
  implemented: true;
  /** `<PREFIX>_CLIENT_ID`, `<PREFIX>_CLIENT_SECRET`, `<PREFIX>_API_BASE_URL`, `<PREFIX>_OAUTH_BASE_URL`. */
  configPrefix: string;
  /** Further config keys the provider needs (Google's developer token). */
  extraConfigKeys: readonly string[];
  docsUrl: string;
  oauth: OAuthDeclaration;
  apiBaseUrl: string;
  /** Strict schema of the settings an admin may change after connecting (account selection). */
  settingsSchema: z.ZodType<Record<string, unknown>>;
  /** Checks the provider's extra callback parameters; returns settings to carry into the exchange. */
  acceptCallback(runtime: ProviderRuntime, extras: CallbackExtras): Record<string, unknown>;
  /** The API base for one integration (amoCRM: the account's own host). */
  apiBaseUrlFor(runtime: ProviderRuntime, settings: Readonly<Record<string, unknown>>): string;
  exchangeCode(
    runtime: ProviderRuntime,
    input: { code: string; codeVerifier: string | null; redirectUri: string; settings: Readonly<Record<string, unknown>> },
  ): Promise<TokenSet>;
  refresh(runtime: ProviderRuntime, refreshToken: string, settings: Readonly<Record<string, unknown>>): Promise<TokenSet>;
  /** The scopes actually granted (some providers need a call to say). */
  grantedScopes(runtime: ProviderRuntime, tokens: TokenSet, settings: Readonly<Record<string, unknown>>): Promise<string[]>;
  identify(runtime: ProviderRuntime, tokens: TokenSet, settings: Readonly<Record<string, unknown>>): Promise<AccountIdentity>;
  revoke?(runtime: ProviderRuntime, tokens: { accessToken: string; refreshToken: string | null }, settings: Readonly<Record<string, unknown>>): Promise<void>;
  createConnector(runtime: Pick<ProviderRuntime, 'extras'>): Connector;
}

/** Declared for the catalogue and the UI; the connector lands in a later issue. */
export interface PlannedProvider {
  id: ProviderId;
  kind: ProviderKind;
  displayName: string;
  implemented: false;
  configPrefix: string;
  docsUrl: string;
  oauth: OAuthDeclaration;
  apiBaseUrl: string;
  /** Where the connector goes and what it must read: the seam for the next issue. */
  seam: string;
}

export type ProviderDefinition = ImplementedProvider | PlannedProvider;
