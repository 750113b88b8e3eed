// The sync module's SQL. Every function takes the WorkspaceTx of the run's workspace: RLS scopes
// each statement to that tenant, and every row written carries that workspace's id, so a
// connector's records can never land in another workspace (the policy's WITH CHECK refuses it).
// Upserts are multi-row INSERT ... ON CONFLICT DO UPDATE that skip rows whose values did not
// change, so re-reading a window rewrites nothing and the affected-row count is the real change.
import { sql, type RawBuilder } from 'kysely';
import type { AdChannel, IntegrationStatus, SyncRunState, SyncStream, SyncTrigger, SystemTx, WorkspaceTx } from '../db/index.js';
import type { AdAccountRow, CampaignInputRow, ContactRow, DealRow, LeadRow } from './records.js';

/** Postgres takes at most 65,535 parameters a statement; stay well below. */
const MAX_PARAMETERS = 30_000;

function chunks<T>(rows: readonly T[], columns: number): T[][] {
  const size = Math.max(1, Math.floor(MAX_PARAMETERS / columns));
  const out: T[][] = [];
  for (let i = 0; i < rows.length; i += size) out.push(rows.slice(i, i + size));
  return out;
}

/** `(t.a, t.b) IS DISTINCT FROM (excluded.a, excluded.b)`: update only rows that changed. */
function changed(table: string, columns: readonly string[]): RawBuilder<boolean> {
  const mine = sql.join(columns.map((c) => sql.ref(`${table}.${c}`)));
  const theirs = sql.join(columns.map((c) => sql.ref(`excluded.${c}`)));
  return sql<boolean>`(${mine}) IS DISTINCT FROM (${theirs})`;
}

// --- integrations (src/integrations' table: the sync reads it and sets its status) -------------

export interface SyncIntegration {
  id: string;
  provider: string;
  status: IntegrationStatus;
  settings: Record<string, unknown>;
  syncIntervalMinutes: number;
}

export async function findIntegration(tx: WorkspaceTx, integrationId: string): Promise<SyncIntegration | undefined> {
  const row = await tx
    .selectFrom('integrations')
    .select(['id', 'provider', 'status', 'settings', 'sync_interval_minutes'])
    .where('id', '=', integrationId)
    .executeTakeFirst();
  return row === undefined ? undefined : { id: row.id, provider: row.provider, status: row.status, settings: row.settings ?? {}, syncIntervalMinutes: row.sync_interval_minutes };
}

export async function setIntegrationStatus(tx: WorkspaceTx, integrationId: string, status: IntegrationStatus, message: string | null): Promise<void> {
  await tx.updateTable('integrations').set({ status, status_message: message, updated_at: new Date() }).where('id', '=', integrationId).execute();
}

export async function workspaceTimezone(tx: WorkspaceTx, workspaceId: string): Promise<string> {
  const row = await tx.selectFrom('workspaces').select('timezone').where('id', '=', workspaceId).executeTakeFirst();
  return row?.timezone ?? 'UTC';
}

// --- runs ---------------------------------------------------------------------------------------

export interface OpenRun {
  id: string;
  state: 'queued' | 'running';
  trigger: SyncTrigger;
  rows: Partial<Record<SyncStream, number>>;
  changedRows: number;
  progress: number;
}

/** The integration's queued or running run, locked until the transaction ends. */
export async function lockOpenRun(tx: WorkspaceTx, integrationId: string): Promise<OpenRun | undefined> {
  const row = await tx
    .selectFrom('sync_runs')
    .select(['id', 'state', 'trigger', 'rows', 'changed_rows', 'progress'])
    .where('integration_id', '=', integrationId)
    .where('state', 'in', ['queued', 'running'])
    .forUpdate()
    .executeTakeFirst();
  if (row === undefined) return undefined;
  return { id: row.id, state: row.state as OpenRun['state'], trigger: row.trigger, rows: row.rows, changedRows: row.changed_rows, progress: row.progress };
}

/**
 * Takes the open run for this lease holder: a queued run, a running one whose lease ran out (its
 * worker died), or one this holder already owns (a retried job). False while another holds it.
 */
export async function claimRun(tx: WorkspaceTx, runId: string, leaseToken: string, leaseMs: number): Promise<boolean> {
  const result = await tx
    .updateTable('sync_runs')
    .set({
      state: 'running',
      lease_token: leaseToken,
      lease_expires_at: sql`now() + make_interval(secs => ${leaseMs / 1000})`,
      started_at: sql`coalesce(started_at, now())`,
      attempts: sql`attempts + 1`,
    })
    .where('id', '=', runId)
    .where((eb) =>
      eb.or([
        eb('state', '=', 'queued'),
        eb('lease_token', '=', leaseToken),
        eb('lease_expires_at', 'is', null),
        eb('lease_expires_at', '<', sql<Date>`now()`),
      ]),
    )
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** A new run already running under this lease; undefined if another run opened meanwhile. */
export async function insertRunningRun(
  tx: WorkspaceTx,
  run: { id: string; workspaceId: string; integrationId: string; trigger: SyncTrigger; leaseToken: string; leaseMs: number },
): Promise<boolean> {
  const inserted = await tx
    .insertInto('sync_runs')
    .values({
      id: run.id,
      workspace_id: run.workspaceId,
      integration_id: run.integrationId,
      trigger: run.trigger,
      state: 'running',
      started_at: sql<Date>`now()`,
      attempts: 1,
      lease_token: run.leaseToken,
      lease_expires_at: sql<Date>`now() + make_interval(secs => ${run.leaseMs / 1000})`,
    })
    .onConflict((oc) => oc.column('integration_id').where('state', 'in', ['queued', 'running']).doNothing())
    .executeTakeFirst();
  return Number(inserted.numInsertedOrUpdatedRows ?? 0) === 1;
}

/** A run waiting for a worker ("sync now"); false when one is already queued or running. */
export async function insertQueuedRun(
  tx: WorkspaceTx,
  run: { id: string; workspaceId: string; integrationId: string; trigger: SyncTrigger; requestedBy: string | null },
): Promise<boolean> {
  const inserted = await tx
    .insertInto('sync_runs')
    .values({ id: run.id, workspace_id: run.workspaceId, integration_id: run.integrationId, trigger: run.trigger, state: 'queued', requested_by: run.requestedBy })
    .onConflict((oc) => oc.column('integration_id').where('state', 'in', ['queued', 'running']).doNothing())
    .executeTakeFirst();
  return Number(inserted.numInsertedOrUpdatedRows ?? 0) === 1;
}

export interface RunProgress {
  progress: number;
  stream: SyncStream;
  rows: Partial<Record<SyncStream, number>>;
  changedRows: number;
}

/**
 * Records progress and extends the lease, only while this holder still has it: false means the
 * run was taken over (a worker that lost its lease must stop writing).
 */
export async function recordProgress(tx: WorkspaceTx, runId: string, leaseToken: string, leaseMs: number, update: RunProgress): Promise<boolean> {
  const result = await tx
    .updateTable('sync_runs')
    .set({
      progress: update.progress,
      current_stream: update.stream,
      rows: JSON.stringify(update.rows),
      changed_rows: update.changedRows,
      lease_expires_at: sql<Date>`now() + make_interval(secs => ${leaseMs / 1000})`,
    })
    .where('id', '=', runId)
    .where('state', '=', 'running')
    .where('lease_token', '=', leaseToken)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export async function extendLease(tx: WorkspaceTx, runId: string, leaseToken: string, leaseMs: number): Promise<boolean> {
  const result = await tx
    .updateTable('sync_runs')
    .set({ lease_expires_at: sql<Date>`now() + make_interval(secs => ${leaseMs / 1000})` })
    .where('id', '=', runId)
    .where('state', '=', 'running')
    .where('lease_token', '=', leaseToken)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Gives the run back without ending it: the next worker resumes it at once. */
export async function releaseLease(tx: WorkspaceTx, runId: string, leaseToken: string): Promise<void> {
  await tx
    .updateTable('sync_runs')
    .set({ lease_token: null, lease_expires_at: null })
    .where('id', '=', runId)
    .where('state', '=', 'running')
    .where('lease_token', '=', leaseToken)
    .execute();
}

export async function finishRun(
  tx: WorkspaceTx,
  runId: string,
  leaseToken: string,
  outcome: { state: Extract<SyncRunState, 'succeeded' | 'failed'>; errorMessage: string | null; intervalMinutes: number; rows: Partial<Record<SyncStream, number>>; changedRows: number },
): Promise<boolean> {
  const result = await tx
    .updateTable('sync_runs')
    .set({
      state: outcome.state,
      finished_at: sql<Date>`now()`,
      progress: outcome.state === 'succeeded' ? 1 : sql<number>`progress`,
      current_stream: null,
      rows: JSON.stringify(outcome.rows),
      changed_rows: outcome.changedRows,
      error_message: outcome.errorMessage,
      lease_token: null,
      lease_expires_at: null,
      next_run_at: sql<Date>`now() + make_interval(mins => ${outcome.intervalMinutes})`,
    })
    .where('id', '=', runId)
    .where('state', '=', 'running')
    .where('lease_token', '=', leaseToken)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Ends a queued run that will never start (its integration needs reconnecting, or has no connector). */
export async function failQueuedRun(tx: WorkspaceTx, runId: string, message: string): Promise<void> {
  await tx
    .updateTable('sync_runs')
    .set({ state: 'failed', finished_at: sql<Date>`now()`, error_message: message })
    .where('id', '=', runId)
    .where('state', '=', 'queued')
    .execute();
}

// --- cursors ------------------------------------------------------------------------------------

export interface StreamState {
  cursor: string | null;
  windowSince: string | null;
  windowUntil: string | null;
  syncedThrough: string | null;
}

export async function loadStreamStates(tx: WorkspaceTx, integrationId: string): Promise<Map<SyncStream, StreamState>> {
  const rows = await tx
    .selectFrom('sync_cursors')
    .select([
      'stream',
      'cursor',
      sql<string | null>`window_since::text`.as('window_since'),
      sql<string | null>`window_until::text`.as('window_until'),
      sql<string | null>`synced_through::text`.as('synced_through'),
    ])
    .where('integration_id', '=', integrationId)
    .execute();
  return new Map(rows.map((r) => [r.stream, { cursor: r.cursor, windowSince: r.window_since, windowUntil: r.window_until, syncedThrough: r.synced_through }]));
}

export async function saveStreamState(tx: WorkspaceTx, workspaceId: string, integrationId: string, stream: SyncStream, state: StreamState): Promise<void> {
  const values = {
    cursor: state.cursor,
    window_since: state.windowSince,
    window_until: state.windowUntil,
    synced_through: state.syncedThrough,
  };
  await tx
    .insertInto('sync_cursors')
    .values({ workspace_id: workspaceId, integration_id: integrationId, stream, ...values })
    .onConflict((oc) => oc.columns(['workspace_id', 'integration_id', 'stream']).doUpdateSet({ ...values, updated_at: sql<Date>`now()` }))
    .execute();
}

// --- ad accounts, campaigns, daily stats --------------------------------------------------------

export interface KnownAdAccount {
  id: string;
  channel: AdChannel;
  currency: string;
}

export async function upsertAdAccounts(tx: WorkspaceTx, workspaceId: string, integrationId: string, rows: readonly AdAccountRow[]): Promise<number> {
  let affected = 0;
  for (const part of chunks(rows, 7)) {
    const result = await tx
      .insertInto('ad_accounts')
      .values(part.map((r) => ({ workspace_id: workspaceId, integration_id: integrationId, ...r })))
      .onConflict((oc) =>
        oc
          .columns(['workspace_id', 'channel', 'external_id'])
          .doUpdateSet((eb) => ({
            integration_id: eb.ref('excluded.integration_id'),
            name: eb.ref('excluded.name'),
            currency: eb.ref('excluded.currency'),
            timezone: eb.ref('excluded.timezone'),
            updated_at: sql<Date>`now()`,
          }))
          .where(changed('ad_accounts', ['integration_id', 'name', 'currency', 'timezone'])),
      )
      .executeTakeFirst();
    affected += Number(result.numInsertedOrUpdatedRows ?? 0);
  }
  return affected;
}

/** This integration's ad accounts by their platform id. */
export async function loadAdAccounts(tx: WorkspaceTx, integrationId: string): Promise<Map<string, KnownAdAccount>> {
  const rows = await tx.selectFrom('ad_accounts').select(['id', 'channel', 'external_id', 'currency']).where('integration_id', '=', integrationId).execute();
  return new Map(rows.map((r) => [r.external_id, { id: r.id, channel: r.channel, currency: r.currency }]));
}

export interface CampaignRow extends Omit<CampaignInputRow, 'accountExternalId'> {
  channel: AdChannel;
  ad_account_id: string;
}

export async function upsertCampaigns(tx: WorkspaceTx, workspaceId: string, integrationId: string, rows: readonly CampaignRow[]): Promise<number> {
  let affected = 0;
  for (const part of chunks(rows, 7)) {
    const result = await tx
      .insertInto('campaigns')
      .values(part.map((r) => ({ workspace_id: workspaceId, integration_id: integrationId, ...r })))
      .onConflict((oc) =>
        oc
          .columns(['workspace_id', 'channel', 'external_id'])
          // utm_* and the budget are the user's; a sync never overwrites them.
          .doUpdateSet((eb) => ({
            name: eb.ref('excluded.name'),
            status: eb.ref('excluded.status'),
            integration_id: eb.ref('excluded.integration_id'),
            ad_account_id: eb.ref('excluded.ad_account_id'),
            updated_at: sql<Date>`now()`,
          }))
          .where(changed('campaigns', ['name', 'status', 'integration_id', 'ad_account_id'])),
      )
      .executeTakeFirst();
    affected += Number(result.numInsertedOrUpdatedRows ?? 0);
  }
  return affected;
}

export interface CampaignKey {
  channel: AdChannel;
  externalId: string;
  adAccountId: string;
}

export const campaignKey = (channel: string, externalId: string): string => `${channel}\u0000${externalId}`;

/**
 * Campaign ids for stats rows. A stat for a campaign the campaigns stream did not list (deleted on
 * the platform, or listed later) gets a placeholder campaign named after its id, so no spend is
 * dropped; the campaigns stream fills in its name when it sees it.
 */
export async function resolveCampaignIds(tx: WorkspaceTx, workspaceId: string, integrationId: string, keys: readonly CampaignKey[]): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  if (keys.length === 0) return found;
  const select = async (wanted: readonly CampaignKey[]) => {
    const rows = await sql<{ id: string; channel: string; external_id: string }>`
      SELECT c.id, c.channel, c.external_id
      FROM campaigns c
      JOIN unnest(${wanted.map((k) => k.channel)}::text[], ${wanted.map((k) => k.externalId)}::text[]) AS k(channel, external_id)
        ON c.channel = k.channel AND c.external_id = k.external_id
      WHERE c.workspace_id = ${workspaceId}`.execute(tx);
    for (const r of rows.rows) found.set(campaignKey(r.channel, r.external_id), r.id);
  };
  await select(keys);
  const missing = keys.filter((k) => !found.has(campaignKey(k.channel, k.externalId)));
  if (missing.length > 0) {
    await tx
      .insertInto('campaigns')
      .values(
        missing.map((k) => ({
          workspace_id: workspaceId,
          channel: k.channel,
          external_id: k.externalId,
          name: `Campaign ${k.externalId}`.slice(0, 255),
          status: 'archived' as const,
          integration_id: integrationId,
          ad_account_id: k.adAccountId,
        })),
      )
      .onConflict((oc) => oc.columns(['workspace_id', 'channel', 'external_id']).doNothing())
      .execute();
    await select(missing);
  }
  return found;
}

export interface AdStatRow {
  campaign_id: string;
  date: string;
  currency: string;
  spend_micros: number;
  impressions: number;
  clicks: number;
  platform_conversions: string;
}

/**
 * The high-volume upsert: one statement a page, the rows passed as one array per column (unnest)
 * rather than a parameter per value, which Postgres parses and plans far faster for thousands of
 * rows. The workspace is a single parameter: every row gets the run's own.
 */
export async function upsertAdStats(tx: WorkspaceTx, workspaceId: string, rows: readonly AdStatRow[]): Promise<number> {
  if (rows.length === 0) return 0;
  const result = await sql`
    INSERT INTO daily_ad_stats AS d (workspace_id, campaign_id, date, currency, spend_micros, impressions, clicks, platform_conversions)
    SELECT ${workspaceId}::uuid, r.campaign_id, r.date, r.currency, r.spend_micros, r.impressions, r.clicks, r.platform_conversions
    FROM unnest(
      ${rows.map((r) => r.campaign_id)}::uuid[],
      ${rows.map((r) => r.date)}::date[],
      ${rows.map((r) => r.currency)}::text[],
      ${rows.map((r) => r.spend_micros)}::bigint[],
      ${rows.map((r) => r.impressions)}::bigint[],
      ${rows.map((r) => r.clicks)}::bigint[],
      ${rows.map((r) => r.platform_conversions)}::numeric[]
    ) AS r(campaign_id, date, currency, spend_micros, impressions, clicks, platform_conversions)
    ON CONFLICT (workspace_id, campaign_id, date) DO UPDATE SET
      currency = excluded.currency,
      spend_micros = excluded.spend_micros,
      impressions = excluded.impressions,
      clicks = excluded.clicks,
      platform_conversions = excluded.platform_conversions,
      updated_at = now()
    WHERE ${changed('d', ['currency', 'spend_micros', 'impressions', 'clicks', 'platform_conversions'])}`.execute(tx);
  return Number(result.numAffectedRows ?? 0);
}

// --- CRM ----------------------------------------------------------------------------------------

export async function upsertContacts(tx: WorkspaceTx, workspaceId: string, integrationId: string, rows: readonly ContactRow[]): Promise<number> {
  let affected = 0;
  for (const part of chunks(rows, 6)) {
    const result = await tx
      .insertInto('contacts')
      .values(part.map((r) => ({ workspace_id: workspaceId, integration_id: integrationId, ...r })))
      .onConflict((oc) =>
        oc
          .columns(['workspace_id', 'integration_id', 'external_id'])
          .doUpdateSet((eb) => ({
            email_sha256: eb.ref('excluded.email_sha256'),
            phone_sha256: eb.ref('excluded.phone_sha256'),
            created_at: eb.ref('excluded.created_at'),
            synced_at: sql<Date>`now()`,
          }))
          .where(changed('contacts', ['email_sha256', 'phone_sha256', 'created_at'])),
      )
      .executeTakeFirst();
    affected += Number(result.numInsertedOrUpdatedRows ?? 0);
  }
  return affected;
}

const TAG_COLUMNS = ['utm_source', 'utm_medium', 'utm_campaign', 'utm_content', 'utm_term', 'gclid', 'fbclid', 'yclid'] as const;

export async function upsertLeads(tx: WorkspaceTx, workspaceId: string, integrationId: string, rows: readonly LeadRow[]): Promise<number> {
  const columns = ['contact_external_id', 'status', 'pipeline', 'created_at', ...TAG_COLUMNS] as const;
  let affected = 0;
  for (const part of chunks(rows, 15)) {
    const result = await tx
      .insertInto('leads')
      .values(part.map((r) => ({ workspace_id: workspaceId, integration_id: integrationId, ...r })))
      .onConflict((oc) =>
        oc
          .columns(['workspace_id', 'integration_id', 'external_id'])
          .doUpdateSet((eb) => ({
            ...Object.fromEntries(columns.map((c) => [c, eb.ref(`excluded.${c}`)])),
            synced_at: sql<Date>`now()`,
          }))
          .where(changed('leads', columns)),
      )
      .executeTakeFirst();
    affected += Number(result.numInsertedOrUpdatedRows ?? 0);
  }
  return affected;
}

export async function upsertDeals(tx: WorkspaceTx, workspaceId: string, integrationId: string, rows: readonly DealRow[]): Promise<number> {
  const columns = ['lead_external_id', 'contact_external_id', 'status', 'amount_minor', 'currency', 'created_at', 'closed_at', ...TAG_COLUMNS] as const;
  let affected = 0;
  for (const part of chunks(rows, 19)) {
    const result = await tx
      .insertInto('deals')
      .values(part.map((r) => ({ workspace_id: workspaceId, integration_id: integrationId, ...r })))
      .onConflict((oc) =>
        oc
          .columns(['workspace_id', 'integration_id', 'external_id'])
          .doUpdateSet((eb) => ({
            ...Object.fromEntries(columns.map((c) => [c, eb.ref(`excluded.${c}`)])),
            synced_at: sql<Date>`now()`,
          }))
          .where(changed('deals', columns)),
      )
      .executeTakeFirst();
    affected += Number(result.numInsertedOrUpdatedRows ?? 0);
  }
  return affected;
}

// --- status for the API -------------------------------------------------------------------------

export interface IntegrationRow {
  id: string;
  provider: string;
  displayName: string;
  status: IntegrationStatus;
  statusMessage: string | null;
  syncIntervalMinutes: number;
  createdAt: Date;
}

export async function listIntegrations(tx: WorkspaceTx): Promise<IntegrationRow[]> {
  return tx
    .selectFrom('integrations')
    .select([
      'id',
      'provider',
      'display_name as displayName',
      'status',
      'status_message as statusMessage',
      'sync_interval_minutes as syncIntervalMinutes',
      'created_at as createdAt',
    ])
    .orderBy('created_at')
    .orderBy('provider')
    .orderBy('id')
    .execute();
}

export interface RunRow {
  id: string;
  integrationId: string;
  trigger: SyncTrigger;
  state: SyncRunState;
  requestedBy: string | null;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  progress: number;
  currentStream: SyncStream | null;
  rows: Partial<Record<SyncStream, number>>;
  changedRows: number;
  errorMessage: string | null;
  attempts: number;
  nextRunAt: Date | null;
}

const RUN_COLUMNS = [
  'id',
  'integration_id as integrationId',
  'trigger',
  'state',
  'requested_by as requestedBy',
  'created_at as createdAt',
  'started_at as startedAt',
  'finished_at as finishedAt',
  'progress',
  'current_stream as currentStream',
  'rows',
  'changed_rows as changedRows',
  'error_message as errorMessage',
  'attempts',
  'next_run_at as nextRunAt',
] as const;

/** Per integration: its open run, its newest succeeded and its newest failed run. */
export async function latestRuns(tx: WorkspaceTx): Promise<{ open: RunRow[]; succeeded: RunRow[]; failed: RunRow[] }> {
  const open = await tx.selectFrom('sync_runs').select(RUN_COLUMNS).where('state', 'in', ['queued', 'running']).execute();
  const newest = (state: 'succeeded' | 'failed') =>
    tx
      .selectFrom('sync_runs')
      .select(RUN_COLUMNS)
      .distinctOn('integration_id')
      .where('state', '=', state)
      .orderBy('integration_id')
      .orderBy('finished_at', 'desc')
      .execute();
  return { open, succeeded: await newest('succeeded'), failed: await newest('failed') };
}

export async function listRuns(tx: WorkspaceTx, integrationId: string, options: { limit: number; before?: Date | undefined }): Promise<RunRow[]> {
  return tx
    .selectFrom('sync_runs')
    .select(RUN_COLUMNS)
    .where('integration_id', '=', integrationId)
    .$if(options.before !== undefined, (q) => q.where('created_at', '<', options.before as Date))
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(options.limit)
    .execute();
}

// --- scheduling (cross-tenant, platform role) ---------------------------------------------------

export interface DueIntegration {
  integrationId: string;
  workspaceId: string;
}

/**
 * Integrations to hand to a worker now: a run is queued ("sync now" without a queue at hand), or
 * the running one lost its worker (lease ran out), or none is open and the last one finished at
 * least the integration's interval ago (or there never was one). Ids and times only (policy
 * sync_runs_system_read and integrations_system_read): no synced data is readable here.
 */
export async function findDueIntegrations(tx: SystemTx, limit: number): Promise<DueIntegration[]> {
  const rows = await sql<{ id: string; workspace_id: string }>`
    SELECT i.id, i.workspace_id
    FROM integrations i
    LEFT JOIN LATERAL (
      SELECT r.state, r.lease_expires_at FROM sync_runs r
      WHERE r.integration_id = i.id AND r.state IN ('queued', 'running')
      LIMIT 1
    ) open_run ON true
    LEFT JOIN LATERAL (
      SELECT max(r.finished_at) AS finished_at FROM sync_runs r
      WHERE r.integration_id = i.id AND r.finished_at IS NOT NULL
    ) last_run ON true
    WHERE i.status IN ('active', 'error')
      AND i.provider <> 'csv' -- imported files have nothing to pull (IMPORTED_ONLY in service.ts)
      AND CASE
            WHEN open_run.state = 'queued' THEN true
            WHEN open_run.state = 'running' THEN open_run.lease_expires_at IS NULL OR open_run.lease_expires_at < now()
            ELSE last_run.finished_at IS NULL OR last_run.finished_at <= now() - make_interval(mins => i.sync_interval_minutes)
          END
    ORDER BY last_run.finished_at NULLS FIRST, i.id
    LIMIT ${limit}`.execute(tx);
  return rows.rows.map((r) => ({ integrationId: r.id, workspaceId: r.workspace_id }));
}
