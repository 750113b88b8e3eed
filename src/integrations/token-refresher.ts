// Fresh credentials for a sync run. Guarantees:
// - An access token that expires within the margin (or that the provider just refused) is refreshed
//   before use; concurrent callers in one process share one refresh.
// - No transaction is held across the call to the provider. The new tokens are written in the
//   transaction that follows it, before anything uses them: with rotating refresh tokens (amoCRM)
//   the new refresh token is stored first, and nothing ever reuses the old one.
// - A refresh refused as a dead grant first re-reads the stored refresh token: if another process
//   rotated it meanwhile, its result is used. Only a grant that is really gone marks the integration
//   `needs_reconnect`, with a plain message, audited, and throws `reauth_required`.
import type { AuditService } from '../audit/index.js';
import { createIntegrationTokenStore, type IntegrationTokens, type Vault } from '../crypto/index.js';
import type { Database, WorkspaceTx } from '../db/index.js';
import { ProviderError, type ProviderId } from './contract.js';
import { findIntegration, updateIntegration, type IntegrationRow } from './queries.js';
import type { ProviderRegistry } from './registry.js';

export interface IntegrationCredentials {
  workspaceId: string;
  integrationId: string;
  provider: ProviderId;
  accessToken: string;
  expiresAt: Date | null;
  /** The API base for ConnectorContext.apiBaseUrl (amoCRM's is per account). */
  apiBaseUrl: string;
  settings: Readonly<Record<string, unknown>>;
}

export interface TokenRefresher {
  /**
   * Credentials for one integration, refreshed first when the access token expires within the
   * margin, or always with `force` (after the provider refused the token: ProviderError
   * `token_expired`). Opens its own transactions: never call it inside one.
   * @throws ProviderError `reauth_required` (the integration is then marked needs_reconnect),
   *   `permanent` (not active, provider not configured), `transient`/`rate_limited` (retry later).
   */
  refreshIfNeeded(workspaceId: string, integrationId: string, options?: { force?: boolean }): Promise<IntegrationCredentials>;
  /** For the engine when a connector throws `reauth_required`: marks and audits, with the provider's plain words. */
  markNeedsReconnect(workspaceId: string, integrationId: string, message: string): Promise<void>;
}

export interface TokenRefresherDeps {
  db: Pick<Database, 'withWorkspace'>;
  vault: Pick<Vault, 'sealSecret' | 'openSecret'>;
  registry: ProviderRegistry;
  /** Needs-reconnect is audited when given (the app wires it). */
  audit?: Pick<AuditService, 'record'>;
  now?: () => Date;
  /** Refresh this long before expiry. Default 5 minutes. */
  marginMs?: number;
}

const DEFAULT_MARGIN_MS = 5 * 60 * 1000;

export function createTokenRefresher(deps: TokenRefresherDeps): TokenRefresher {
  const { db, registry } = deps;
  const now = deps.now ?? (() => new Date());
  const marginMs = deps.marginMs ?? DEFAULT_MARGIN_MS;
  const store = createIntegrationTokenStore(deps.vault);
  /** One refresh per integration at a time in this process. */
  const inFlight = new Map<string, Promise<IntegrationCredentials>>();

  async function read(workspaceId: string, integrationId: string): Promise<{ row: IntegrationRow; tokens: IntegrationTokens | undefined }> {
    return db.withWorkspace(workspaceId, async (tx) => {
      const row = await findIntegration(tx, integrationId);
      if (row === undefined) throw new ProviderError('permanent', 'This integration no longer exists.');
      return { row, tokens: await store.find(tx, integrationId) };
    });
  }

  async function markNeedsReconnectIn(tx: WorkspaceTx, workspaceId: string, row: IntegrationRow, message: string): Promise<void> {
    if (row.status !== 'active') return;
    await updateIntegration(tx, row.id, { status: 'needs_reconnect', status_message: message.slice(0, 500) });
    await deps.audit?.record(
      { action: 'integration.needs_reconnect', workspaceId, target: { type: 'integration', id: row.id }, details: { provider: row.provider, message: message.slice(0, 500) } },
      { actor: { kind: 'system' } },
      tx,
    );
  }

  async function markNeedsReconnect(workspaceId: string, integrationId: string, message: string): Promise<void> {
    await db.withWorkspace(workspaceId, async (tx) => {
      const row = await findIntegration(tx, integrationId, { lock: true });
      if (row !== undefined) await markNeedsReconnectIn(tx, workspaceId, row, message);
    });
  }

  function credentials(row: IntegrationRow, accessToken: string, expiresAt: Date | null): IntegrationCredentials {
    const apiBaseUrl = registry.apiBaseUrl(row.provider as ProviderId, row.settings);
    if (apiBaseUrl === undefined) throw new ProviderError('permanent', 'This provider is not configured on this installation.');
    return { workspaceId: row.workspace_id, integrationId: row.id, provider: row.provider as ProviderId, accessToken, expiresAt, apiBaseUrl, settings: row.settings };
  }

  async function refresh(workspaceId: string, integrationId: string, force: boolean): Promise<IntegrationCredentials> {
    const { row, tokens } = await read(workspaceId, integrationId);
    if (row.status === 'needs_reconnect') throw new ProviderError('reauth_required', row.status_message ?? 'This integration must be reconnected.');
    if (row.status !== 'active' || tokens === undefined) throw new ProviderError('permanent', 'This integration is not connected.');
    const fresh = tokens.expiresAt === null || tokens.expiresAt.getTime() - now().getTime() > marginMs;
    if (fresh && !force) return credentials(row, tokens.accessToken, tokens.expiresAt);

    const runtime = registry.runtime(row.provider as ProviderId);
    if (runtime === undefined) throw new ProviderError('permanent', 'This provider is not configured on this installation.');
    if (tokens.refreshToken === null) {
      // Nothing to refresh with (Meta): usable until it expires, then only the person can renew it.
      const expired = tokens.expiresAt !== null && tokens.expiresAt.getTime() <= now().getTime();
      if (!expired && !force) return credentials(row, tokens.accessToken, tokens.expiresAt);
      const message = `${runtime.provider.displayName} access has expired and cannot be renewed without you. Reconnect it.`;
      await markNeedsReconnect(workspaceId, integrationId, message);
      throw new ProviderError('reauth_required', message);
    }

    let next;
    try {
      next = await runtime.provider.refresh(runtime, tokens.refreshToken, row.settings);
    } catch (error) {
      if (!(error instanceof ProviderError) || error.kind !== 'reauth_required') throw error;
      // Another process may have rotated the refresh token since we read it: then its tokens stand.
      const again = await read(workspaceId, integrationId);
      if (again.row.status === 'disconnected') throw new ProviderError('permanent', 'This integration was disconnected.');
      if (again.tokens !== undefined && again.tokens.refreshToken !== tokens.refreshToken && again.row.status === 'active') {
        return credentials(again.row, again.tokens.accessToken, again.tokens.expiresAt);
      }
      const message = `${runtime.provider.displayName} no longer accepts this connection (access was revoked or has expired). Reconnect it.`;
      await markNeedsReconnect(workspaceId, integrationId, message);
      throw new ProviderError('reauth_required', message, { cause: error });
    }

    // SECURITY: stored before it is used or returned; rotating providers have already invalidated
    // the old refresh token, so losing this write would lose the grant.
    return db.withWorkspace(workspaceId, async (tx) => {
      const current = await findIntegration(tx, integrationId, { lock: true });
      // Disconnected meanwhile: the new tokens are not kept (and the caller gets nothing to sync with).
      if (current === undefined || current.status !== 'active') throw new ProviderError('permanent', 'This integration was disconnected.');
      await store.save(tx, workspaceId, {
        integrationId,
        provider: current.provider,
        accessToken: next.accessToken,
        refreshToken: next.refreshToken ?? tokens.refreshToken,
        scopes: tokens.scopes,
        expiresAt: next.expiresAt,
      });
      return credentials(current, next.accessToken, next.expiresAt);
    });
  }

  return {
    markNeedsReconnect,
    refreshIfNeeded(workspaceId, integrationId, options = {}) {
      const key = `${workspaceId}:${integrationId}`;
      const running = inFlight.get(key);
      if (running !== undefined) return running;
      const promise = refresh(workspaceId, integrationId, options.force === true).finally(() => inFlight.delete(key));
      inFlight.set(key, promise);
      return promise;
    },
  };
}
