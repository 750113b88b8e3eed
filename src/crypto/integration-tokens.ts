// The OAuth token store: the one path to integration_tokens. Seals on write and opens on read, so
// callers never hold ciphertext and never write a token in plaintext (the table's CHECK refuses
// anything but a sealed value). Moves to src/integrations when that module lands.
import type { WorkspaceTx } from '../db/index.js';
import { INTEGRATION_ACCESS_TOKEN, INTEGRATION_REFRESH_TOKEN, type SecretColumn } from './secret-columns.js';
import type { SecretPlace } from './sealed-value.js';
import type { Vault } from './vault.js';

export interface IntegrationTokens {
  integrationId: string;
  provider: string;
  accessToken: string;
  refreshToken: string | null;
  scopes: string[];
  expiresAt: Date | null;
}

export type IntegrationTokensInput = Omit<IntegrationTokens, 'refreshToken' | 'scopes' | 'expiresAt'> & {
  refreshToken?: string | null;
  scopes?: string[];
  expiresAt?: Date | null;
};

export interface IntegrationTokenStore {
  /** Inserts or replaces the integration's tokens. */
  save(tx: WorkspaceTx, workspaceId: string, tokens: IntegrationTokensInput): Promise<void>;
  /** The integration's tokens in plaintext, or undefined (also for another workspace's integration). */
  find(tx: WorkspaceTx, integrationId: string): Promise<IntegrationTokens | undefined>;
  delete(tx: WorkspaceTx, integrationId: string): Promise<boolean>;
}

function placeOf(column: SecretColumn, workspaceId: string, integrationId: string): SecretPlace {
  return { table: column.table, column: column.column, rowId: integrationId, workspaceId };
}

export function createIntegrationTokenStore(vault: Pick<Vault, 'sealSecret' | 'openSecret'>): IntegrationTokenStore {
  return {
    async save(tx, workspaceId, tokens) {
      const access = await vault.sealSecret(tx, placeOf(INTEGRATION_ACCESS_TOKEN, workspaceId, tokens.integrationId), tokens.accessToken);
      const refresh =
        tokens.refreshToken == null ? null : await vault.sealSecret(tx, placeOf(INTEGRATION_REFRESH_TOKEN, workspaceId, tokens.integrationId), tokens.refreshToken);
      const row = {
        provider: tokens.provider,
        access_token_sealed: access,
        refresh_token_sealed: refresh,
        scopes: tokens.scopes ?? [],
        expires_at: tokens.expiresAt ?? null,
      };
      await tx
        .insertInto('integration_tokens')
        .values({ integration_id: tokens.integrationId, workspace_id: workspaceId, ...row })
        .onConflict((oc) => oc.column('integration_id').doUpdateSet({ ...row, updated_at: new Date() }))
        .execute();
    },

    async find(tx, integrationId) {
      const row = await tx.selectFrom('integration_tokens').selectAll().where('integration_id', '=', integrationId).executeTakeFirst();
      if (row === undefined) return undefined;
      // The place comes from the row RLS let us read, never from the caller.
      const access = await vault.openSecret(tx, placeOf(INTEGRATION_ACCESS_TOKEN, row.workspace_id, row.integration_id), row.access_token_sealed);
      const refresh =
        row.refresh_token_sealed === null
          ? null
          : await vault.openSecret(tx, placeOf(INTEGRATION_REFRESH_TOKEN, row.workspace_id, row.integration_id), row.refresh_token_sealed);
      return {
        integrationId: row.integration_id,
        provider: row.provider,
        accessToken: access,
        refreshToken: refresh,
        scopes: row.scopes,
        expiresAt: row.expires_at === null ? null : new Date(row.expires_at),
      };
    },

    async delete(tx, integrationId) {
      const result = await tx.deleteFrom('integration_tokens').where('integration_id', '=', integrationId).executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    },
  };
}
