// SQL for integrations and oauth_states. Every query takes a WorkspaceTx: RLS limits it to that
// tenant whatever the arguments say.
import { sql } from 'kysely';
import type { IntegrationStatus, WorkspaceTx } from '../db/index.js';

export interface IntegrationRow {
  id: string;
  workspace_id: string;
  provider: string;
  external_account: string | null;
  display_name: string;
  status: IntegrationStatus;
  status_message: string | null;
  granted_scopes: string[];
  settings: Record<string, unknown>;
  sync_interval_minutes: number;
  connected_by: string | null;
  created_at: Date;
  updated_at: Date;
}

export async function listIntegrations(tx: WorkspaceTx): Promise<IntegrationRow[]> {
  return (await tx.selectFrom('integrations').selectAll().orderBy('created_at', 'asc').orderBy('id', 'asc').execute()) as IntegrationRow[];
}

export async function findIntegration(tx: WorkspaceTx, id: string, options: { lock?: boolean } = {}): Promise<IntegrationRow | undefined> {
  let query = tx.selectFrom('integrations').selectAll().where('id', '=', id);
  if (options.lock === true) query = query.forUpdate();
  return (await query.executeTakeFirst()) as IntegrationRow | undefined;
}

/** The live (not disconnected) integration of one provider account, locked for the caller's update. */
export async function findLiveByAccount(tx: WorkspaceTx, provider: string, externalAccount: string): Promise<IntegrationRow | undefined> {
  return (await tx
    .selectFrom('integrations')
    .selectAll()
    .where('provider', '=', provider)
    .where('external_account', '=', externalAccount)
    .where('status', '<>', 'disconnected')
    .forUpdate()
    .executeTakeFirst()) as IntegrationRow | undefined;
}

export async function insertIntegration(
  tx: WorkspaceTx,
  row: Pick<IntegrationRow, 'id' | 'workspace_id' | 'provider' | 'external_account' | 'display_name' | 'granted_scopes' | 'settings' | 'connected_by'>,
): Promise<void> {
  await tx
    .insertInto('integrations')
    .values({ ...row, settings: JSON.stringify(row.settings), status: 'active' })
    .execute();
}

export async function updateIntegration(
  tx: WorkspaceTx,
  id: string,
  patch: Partial<Pick<IntegrationRow, 'display_name' | 'status' | 'status_message' | 'granted_scopes' | 'settings' | 'sync_interval_minutes' | 'connected_by'>>,
): Promise<void> {
  const { settings, ...rest } = patch;
  await tx
    .updateTable('integrations')
    .set({ ...rest, ...(settings === undefined ? {} : { settings: JSON.stringify(settings) }), updated_at: new Date() })
    .where('id', '=', id)
    .execute();
}

export interface OauthStateRow {
  id: string;
  workspace_id: string;
  user_id: string;
  session_id: string;
  provider: string;
  state_hash: Uint8Array;
  verifier_sealed: string | null;
  redirect_uri: string;
  expires_at: Date;
  used_at: Date | null;
}

export async function insertOauthState(tx: WorkspaceTx, row: Omit<OauthStateRow, 'used_at'>): Promise<void> {
  await tx.insertInto('oauth_states').values({ ...row, state_hash: Buffer.from(row.state_hash) }).execute();
}

/** The state row, locked so that two presentations of one state are decided one after the other. */
export async function lockOauthState(tx: WorkspaceTx, id: string): Promise<OauthStateRow | undefined> {
  const row = await tx.selectFrom('oauth_states').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
  return row === undefined ? undefined : { ...row, expires_at: new Date(row.expires_at), used_at: row.used_at === null ? null : new Date(row.used_at) };
}

export async function markOauthStateUsed(tx: WorkspaceTx, id: string, now: Date): Promise<void> {
  await tx.updateTable('oauth_states').set({ used_at: now }).where('id', '=', id).execute();
}

/** Housekeeping on each new connect: pending states of this workspace that can no longer be used. */
export async function deleteStaleOauthStates(tx: WorkspaceTx, before: Date): Promise<void> {
  await tx.deleteFrom('oauth_states').where((eb) => eb.or([eb('expires_at', '<', before), eb('used_at', 'is not', null)])).execute();
}

/** Pending states of one session: bounded so a script cannot fill the table. */
export async function countPendingStates(tx: WorkspaceTx, sessionId: string, now: Date): Promise<number> {
  const row = await tx
    .selectFrom('oauth_states')
    .select(sql<number>`count(*)::int`.as('n'))
    .where('session_id', '=', sessionId)
    .where('used_at', 'is', null)
    .where('expires_at', '>', now)
    .executeTakeFirst();
  return row?.n ?? 0;
}
