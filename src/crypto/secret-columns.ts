// Every column that holds sealed values, so DEK rotation can find and re-encrypt them. A new
// secret column is added here in the same change as its migration.

export interface SecretColumn {
  table: string;
  column: string;
  /** The row id bound into each value's AAD (`SecretPlace.rowId`). */
  rowIdColumn: string;
}

export const INTEGRATION_ACCESS_TOKEN: SecretColumn = { table: 'integration_tokens', column: 'access_token_sealed', rowIdColumn: 'integration_id' };
export const INTEGRATION_REFRESH_TOKEN: SecretColumn = { table: 'integration_tokens', column: 'refresh_token_sealed', rowIdColumn: 'integration_id' };

/** A pending OAuth connection's PKCE verifier (src/integrations, 0006): short-lived, still re-encrypted on rotation. */
export const OAUTH_STATE_VERIFIER: SecretColumn = { table: 'oauth_states', column: 'verifier_sealed', rowIdColumn: 'id' };

/** Workspace secret columns (each table has workspace_id under RLS). */
export const WORKSPACE_SECRET_COLUMNS: readonly SecretColumn[] = [INTEGRATION_ACCESS_TOKEN, INTEGRATION_REFRESH_TOKEN, OAUTH_STATE_VERIFIER];
