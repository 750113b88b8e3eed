// What the API shows of integrations and providers: never a token, never a sealed value.
import type { ProviderId, ProviderKind } from './contract.js';
import type { IntegrationRow } from './queries.js';
import type { ProviderAvailability, ProviderRegistry } from './registry.js';

export interface IntegrationView {
  id: string;
  provider: string;
  externalAccount: string | null;
  displayName: string;
  status: IntegrationRow['status'];
  /** Plain words for the UI (why it needs reconnecting, what disconnect could not do). */
  statusMessage: string | null;
  grantedScopes: string[];
  settings: Record<string, unknown>;
  syncIntervalMinutes: number;
  connectedBy: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export function toIntegrationView(row: IntegrationRow): IntegrationView {
  return {
    id: row.id,
    provider: row.provider,
    externalAccount: row.external_account,
    displayName: row.display_name,
    status: row.status,
    statusMessage: row.status_message,
    grantedScopes: row.granted_scopes,
    settings: row.settings,
    syncIntervalMinutes: row.sync_interval_minutes,
    connectedBy: row.connected_by,
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
  };
}

export interface ProviderView {
  id: ProviderId;
  kind: ProviderKind;
  displayName: string;
  /** available: can be connected; not_configured: an operator must add app credentials; planned: later. */
  availability: ProviderAvailability;
  scopes: Array<{ scope: string; reason: string }>;
  pkce: boolean;
  docsUrl: string;
  configKeys: string[];
}

export function providerViews(registry: ProviderRegistry): ProviderView[] {
  return registry.list().map((p) => ({
    id: p.id,
    kind: p.kind,
    displayName: p.displayName,
    availability: registry.availability(p.id),
    scopes: p.oauth.scopes.map((s) => ({ scope: s.scope, reason: s.reason })),
    pkce: p.oauth.pkce,
    docsUrl: p.docsUrl,
    configKeys: [`${p.configPrefix}_CLIENT_ID`, `${p.configPrefix}_CLIENT_SECRET`, ...(p.implemented ? p.extraConfigKeys : [])],
  }));
}
