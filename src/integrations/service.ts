// Connecting, listing, configuring and disconnecting a workspace's integrations. Guarantees:
// - Only owners and admins connect, reconfigure or disconnect; the role is checked by the route and
//   again inside each transaction that acts on it.
// - A connection starts with a `state` of 256 random bits (stored as SHA-256 only) bound to the
//   workspace, the user and the session, valid 10 minutes, used once; the PKCE verifier is sealed.
//   Completing requires the same user and session; a state presented with its correct secret is
//   spent whatever happens next, so a leaked state cannot be tried twice.
// - Tokens are written only through the vault's token store, in the transaction that records the
//   integration and its audit entry. A grant with fewer scopes than required is refused (and revoked).
// - No transaction is held open across a call to a provider.
import { randomUUID } from 'node:crypto';
import type { AuditContext, AuditService } from '../audit/index.js';
import { mintSplitToken, parseSplitToken, sameHash } from '../auth/index.js';
import { createIntegrationTokenStore, type Vault } from '../crypto/index.js';
import type { Database, WorkspaceTx } from '../db/index.js';
import { AppError } from '../http/errors.js';
import { requireCurrentRole, type WorkspaceAccess } from '../workspaces/index.js';
import { ProviderError, type ProviderId } from './contract.js';
import { buildAuthorizeUrl, createPkcePair, requestedScopes } from './oauth.js';
import type { ImplementedProvider, ProviderRuntime, TokenSet } from './provider-types.js';
import {
  countPendingStates,
  deleteStaleOauthStates,
  findIntegration,
  findLiveByAccount,
  insertIntegration,
  insertOauthState,
  listIntegrations,
  lockOauthState,
  markOauthStateUsed,
  updateIntegration,
  type IntegrationRow,
} from './queries.js';
import type { ProviderRegistry } from './registry.js';
import { providerViews, toIntegrationView, type IntegrationView, type ProviderView } from './views.js';

export const OAUTH_STATE_LIFETIME_MS = 10 * 60 * 1000;
/** Pending connection attempts one session may hold at once. */
const MAX_PENDING_STATES = 10;

export interface IntegrationsServiceDeps {
  db: Pick<Database, 'withWorkspace'>;
  vault: Pick<Vault, 'sealSecret' | 'openSecret'>;
  audit: Pick<AuditService, 'record'>;
  registry: ProviderRegistry;
  now?: () => Date;
}

export interface CompleteConnectInput {
  state: string;
  code: string;
  /** amoCRM's `referer`: the connected account's host. */
  accountDomain?: string | undefined;
}

export interface IntegrationPatch {
  settings?: Record<string, unknown>;
  syncIntervalMinutes?: number;
}

export interface IntegrationsService {
  listProviders(): ProviderView[];
  listIntegrations(access: WorkspaceAccess): Promise<IntegrationView[]>;
  startConnect(access: WorkspaceAccess, provider: string): Promise<{ authorizeUrl: string; expiresAt: Date }>;
  /** `access` must be for the workspace named by the state (see workspaceOfState). */
  completeConnect(access: WorkspaceAccess, input: CompleteConnectInput, context: AuditContext): Promise<IntegrationView>;
  updateIntegration(access: WorkspaceAccess, integrationId: string, patch: IntegrationPatch, context: AuditContext): Promise<IntegrationView>;
  disconnect(access: WorkspaceAccess, integrationId: string, context: AuditContext): Promise<IntegrationView>;
}

/** The workspace a state claims to belong to (its first part), before any database work. */
export function workspaceOfState(state: string): string {
  const parsed = parseSplitToken(state);
  if (parsed === undefined) throw new AppError('integration.oauth_state_invalid');
  return parsed.ownerId;
}

function userOf(access: WorkspaceAccess): { userId: string; sessionId: string } {
  // SECURITY: the flow is bound to a person's session; an API key cannot start or finish it.
  if (access.principal.kind !== 'user') throw new AppError('auth.forbidden', { message: 'API keys cannot connect integrations.' });
  return { userId: access.principal.userId, sessionId: access.principal.sessionId };
}

/** A ProviderError from the connect exchange as what the person sees. */
function connectFailure(error: unknown): AppError {
  if (error instanceof AppError) return error;
  if (error instanceof ProviderError) {
    if (error.kind === 'transient' || error.kind === 'rate_limited') return new AppError('integration.provider_unavailable', { cause: error });
    return new AppError('integration.oauth_failed', { message: `The provider did not complete the connection: ${error.userMessage} Start connecting again.`, cause: error });
  }
  throw error;
}

function mergeSettings(...parts: Array<Readonly<Record<string, unknown>>>): Record<string, unknown> {
  const merged: Record<string, unknown> = {};
  for (const part of parts) for (const [k, v] of Object.entries(part)) if (v !== undefined && v !== null) merged[k] = v;
  return merged;
}

export function createIntegrationsService(deps: IntegrationsServiceDeps): IntegrationsService {
  const { db, registry, audit } = deps;
  const now = deps.now ?? (() => new Date());
  const tokens = createIntegrationTokenStore(deps.vault);

  function implemented(id: string): { provider: ImplementedProvider; runtime: ProviderRuntime } {
    const definition = registry.find(id);
    if (definition === undefined) throw new AppError('integration.provider_unknown');
    if (!definition.implemented) throw new AppError('integration.provider_not_available');
    const runtime = registry.runtime(definition.id);
    if (runtime === undefined) throw new AppError('integration.provider_not_configured');
    return { provider: runtime.provider, runtime };
  }

  async function loadLive(tx: WorkspaceTx, integrationId: string, lock = false): Promise<IntegrationRow> {
    const row = await findIntegration(tx, integrationId, { lock });
    if (row === undefined) throw new AppError('integration.not_found');
    return row;
  }

  /** Best effort: a refused grant is given back so the provider does not keep an unused token alive. */
  async function revokeQuietly(provider: ImplementedProvider, runtime: ProviderRuntime, set: TokenSet, settings: Readonly<Record<string, unknown>>): Promise<boolean> {
    if (provider.revoke === undefined) return false;
    try {
      await provider.revoke(runtime, { accessToken: set.accessToken, refreshToken: set.refreshToken }, settings);
      return true;
    } catch {
      return false;
    }
  }

  return {
    listProviders: () => providerViews(registry),

    async listIntegrations(access) {
      return db.withWorkspace(access.workspaceId, async (tx) => (await listIntegrations(tx)).map(toIntegrationView));
    },

    async startConnect(access, providerId) {
      const { userId, sessionId } = userOf(access);
      const { provider, runtime } = implemented(providerId);
      const workspaceId = access.workspaceId;
      const at = now();
      const expiresAt = new Date(at.getTime() + OAUTH_STATE_LIFETIME_MS);
      // SECURITY: the state names its workspace (RLS scope for the callback) and carries 256
      // random bits of which only the SHA-256 is stored.
      const state = mintSplitToken(workspaceId);
      const pkce = provider.oauth.pkce ? createPkcePair() : null;
      await db.withWorkspace(workspaceId, async (tx) => {
        await requireCurrentRole(tx, access, 'admin');
        await deleteStaleOauthStates(tx, at);
        if ((await countPendingStates(tx, sessionId, at)) >= MAX_PENDING_STATES) throw new AppError('request.rate_limited', { message: 'Too many connections are being started at once; finish or wait for one to expire.' });
        const verifierSealed =
          pkce === null ? null : await deps.vault.sealSecret(tx, { table: 'oauth_states', column: 'verifier_sealed', rowId: state.id, workspaceId }, pkce.verifier);
        await insertOauthState(tx, {
          id: state.id,
          workspace_id: workspaceId,
          user_id: userId,
          session_id: sessionId,
          provider: provider.id,
          state_hash: state.hash,
          verifier_sealed: verifierSealed,
          redirect_uri: registry.redirectUri,
          expires_at: expiresAt,
        });
      });
      const authorizeUrl = buildAuthorizeUrl(provider.oauth, runtime, { redirectUri: registry.redirectUri, state: state.token, codeChallenge: pkce?.challenge ?? null });
      return { authorizeUrl, expiresAt };
    },

    async completeConnect(access, input, context) {
      const { userId, sessionId } = userOf(access);
      const parsed = parseSplitToken(input.state);
      if (parsed === undefined || parsed.ownerId !== access.workspaceId) throw new AppError('integration.oauth_state_invalid');
      const workspaceId = access.workspaceId;
      const at = now();

      // One short transaction decides the state and spends it; the outcome is thrown only after it
      // commits, so a refused attempt still burns the state.
      const decision = await db.withWorkspace(workspaceId, async (tx) => {
        await requireCurrentRole(tx, access, 'admin');
        const row = await lockOauthState(tx, parsed.id);
        if (row === undefined || !sameHash(row.state_hash, parsed.hash)) return { ok: false as const, reason: 'unknown' };
        await markOauthStateUsed(tx, row.id, at);
        if (row.used_at !== null) return { ok: false as const, reason: 'replayed' };
        if (row.expires_at.getTime() <= at.getTime()) return { ok: false as const, reason: 'expired' };
        // SECURITY: bound to the person and the session that started it: a state lured into another
        // browser (login CSRF, a shared link) is refused and spent.
        if (row.user_id !== userId || row.session_id !== sessionId) return { ok: false as const, reason: 'other_session' };
        const verifier =
          row.verifier_sealed === null
            ? null
            : await deps.vault.openSecret(tx, { table: 'oauth_states', column: 'verifier_sealed', rowId: row.id, workspaceId }, row.verifier_sealed);
        return { ok: true as const, provider: row.provider, verifier, redirectUri: row.redirect_uri };
      });
      if (!decision.ok) {
        throw new AppError('integration.oauth_state_invalid', { details: { reason: decision.reason === 'unknown' ? 'unknown' : decision.reason } });
      }

      const { provider, runtime } = implemented(decision.provider);
      let callbackSettings: Record<string, unknown>;
      let set: TokenSet;
      let granted: string[];
      let identity;
      try {
        callbackSettings = provider.acceptCallback(runtime, { accountDomain: input.accountDomain });
        set = await provider.exchangeCode(runtime, { code: input.code, codeVerifier: decision.verifier, redirectUri: decision.redirectUri, settings: callbackSettings });
      } catch (error) {
        throw connectFailure(error);
      }
      try {
        granted = await provider.grantedScopes(runtime, set, callbackSettings);
        const missing = requestedScopes(provider.oauth).filter((s) => !granted.includes(s));
        if (missing.length > 0) {
          const revoked = await revokeQuietly(provider, runtime, set, callbackSettings);
          await audit.record(
            { action: 'integration.connected', workspaceId, result: 'failure', details: { provider: provider.id, missingScopes: missing, revokedAtProvider: revoked } },
            context,
          );
          throw new AppError('integration.scopes_missing', { details: { missingScopes: missing } });
        }
        identity = await provider.identify(runtime, set, callbackSettings);
      } catch (error) {
        throw connectFailure(error);
      }

      const view = await db.withWorkspace(workspaceId, async (tx) => {
        await requireCurrentRole(tx, access, 'admin');
        const existing = identity.externalAccount === null ? undefined : await findLiveByAccount(tx, provider.id, identity.externalAccount);
        const settings = mergeSettings(existing?.settings ?? {}, callbackSettings, identity.settings);
        const id = existing?.id ?? randomUUID();
        const scopes = [...new Set(granted)].sort();
        if (existing === undefined) {
          await insertIntegration(tx, {
            id,
            workspace_id: workspaceId,
            provider: provider.id,
            external_account: identity.externalAccount,
            display_name: identity.displayName,
            granted_scopes: scopes,
            settings,
            connected_by: userId,
          });
        } else {
          await updateIntegration(tx, id, { display_name: identity.displayName, status: 'active', status_message: null, granted_scopes: scopes, settings, connected_by: userId });
        }
        await tokens.save(tx, workspaceId, { integrationId: id, provider: provider.id, accessToken: set.accessToken, refreshToken: set.refreshToken, scopes, expiresAt: set.expiresAt });
        await audit.record(
          {
            action: 'integration.connected',
            workspaceId,
            target: { type: 'integration', id },
            details: { provider: provider.id, externalAccount: identity.externalAccount, scopes, reconnected: existing !== undefined },
          },
          context,
          tx,
        );
        return toIntegrationView(await loadLive(tx, id));
      });
      return view;
    },

    async updateIntegration(access, integrationId, patch, context) {
      return db.withWorkspace(access.workspaceId, async (tx) => {
        await requireCurrentRole(tx, access, 'admin');
        const row = await loadLive(tx, integrationId, true);
        if (row.status === 'disconnected') throw new AppError('integration.not_found');
        const changes: Parameters<typeof updateIntegration>[2] = {};
        if (patch.settings !== undefined) {
          const definition = registry.find(row.provider);
          if (definition === undefined || !definition.implemented) throw new AppError('integration.provider_not_available');
          const parsed = definition.settingsSchema.safeParse(patch.settings);
          if (!parsed.success) {
            throw new AppError('request.invalid', { details: parsed.error.issues.map((i) => ({ path: ['settings', ...i.path.map(String)], message: i.message })) });
          }
          // Only the keys the provider lets an admin choose change; what identify() recorded stays.
          changes.settings = { ...row.settings, ...parsed.data };
        }
        if (patch.syncIntervalMinutes !== undefined) changes.sync_interval_minutes = patch.syncIntervalMinutes;
        await updateIntegration(tx, integrationId, changes);
        await audit.record(
          {
            action: 'integration.settings.changed',
            workspaceId: access.workspaceId,
            target: { type: 'integration', id: integrationId },
            details: { provider: row.provider, changed: [...(patch.settings === undefined ? [] : Object.keys(patch.settings).map((k) => `settings.${k}`)), ...(patch.syncIntervalMinutes === undefined ? [] : ['syncIntervalMinutes'])] },
          },
          context,
          tx,
        );
        return toIntegrationView(await loadLive(tx, integrationId));
      });
    },

    async disconnect(access, integrationId, context) {
      const workspaceId = access.workspaceId;
      const before = await db.withWorkspace(workspaceId, async (tx) => {
        await requireCurrentRole(tx, access, 'admin');
        const row = await loadLive(tx, integrationId);
        return { row, stored: row.status === 'disconnected' ? undefined : await tokens.find(tx, integrationId) };
      });
      if (before.row.status === 'disconnected') return toIntegrationView(before.row);

      // Revoke at the provider first (outside any transaction), then forget the tokens.
      // Nothing was ever granted to a CSV import or the demo provider: there is nothing to revoke.
      let revocation: 'revoked' | 'not_supported' | 'failed' | 'no_grant' = before.stored === undefined && registry.find(before.row.provider) === undefined ? 'no_grant' : 'not_supported';
      const runtime = registry.runtime(before.row.provider as ProviderId);
      if (before.stored !== undefined && runtime?.provider.revoke !== undefined) {
        try {
          await runtime.provider.revoke(runtime, { accessToken: before.stored.accessToken, refreshToken: before.stored.refreshToken }, before.row.settings);
          revocation = 'revoked';
        } catch {
          revocation = 'failed';
        }
      } else if (before.stored !== undefined && runtime === undefined && registry.find(before.row.provider)?.oauth.revokeUrl != null) {
        revocation = 'failed';
      }
      const name = registry.find(before.row.provider)?.displayName ?? before.row.provider;
      const message =
        revocation === 'revoked'
          ? `Disconnected; access was revoked at ${name}.`
          : revocation === 'no_grant'
            ? 'Disconnected. No access was ever granted, so there was nothing to revoke.'
            : revocation === 'failed'
            ? `Disconnected and the tokens deleted, but ${name} did not confirm the revocation: remove Throughline's access in your ${name} account settings.`
            : `Disconnected and the tokens deleted. ${name} has no revocation endpoint: remove Throughline's access in your ${name} account settings.`;

      return db.withWorkspace(workspaceId, async (tx) => {
        await requireCurrentRole(tx, access, 'admin');
        const row = await loadLive(tx, integrationId, true);
        await tokens.delete(tx, integrationId);
        await updateIntegration(tx, integrationId, { status: 'disconnected', status_message: message });
        await audit.record(
          { action: 'integration.disconnected', workspaceId, target: { type: 'integration', id: integrationId }, details: { provider: row.provider, revocation } },
          context,
          tx,
        );
        return toIntegrationView(await loadLive(tx, integrationId));
      });
    },
  };
}
