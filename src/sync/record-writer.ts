// Turns a connector's records into upserts of the workspace's tables: the one write path for
// synced data, used page by page by the engine (run-sync.ts) and all at once by an import
// (writeRecordsAtOnce: a CSV file goes in whole or not at all). Records are checked outside the
// transaction (records.ts); the write runs inside the caller's withWorkspace transaction, so RLS
// and the same-tenant foreign keys hold whatever the records say.
import type { Database, SyncStream, WorkspaceTx } from '../db/index.js';
import { ProviderError, type StreamName } from '../integrations/index.js';
import {
  campaignKey,
  loadAdAccounts,
  resolveCampaignIds,
  upsertAdAccounts,
  upsertAdStats,
  upsertCampaigns,
  upsertContacts,
  upsertDeals,
  upsertLeads,
  type AdStatRow,
  type CampaignKey,
  type KnownAdAccount,
} from './queries.js';
import { adAccountRow, adStatRow, campaignRow, contactRow, dealRow, lastByKey, leadRow } from './records.js';

/** A prepared write: run it inside a transaction; it returns the rows it inserted or changed. */
export type PreparedWrite = (tx: WorkspaceTx, resolved: Map<string, string>) => Promise<number>;

export class RecordWriter {
  /** This integration's ad accounts by platform id, read once per transaction that needs them. */
  private accounts: Map<string, KnownAdAccount> | undefined;
  /** Campaign ids by (channel, platform id), only from committed transactions. */
  private readonly campaignIds = new Map<string, string>();

  constructor(
    private readonly workspaceId: string,
    private readonly integrationId: string,
    private readonly provider: string,
  ) {}

  /** Checks and converts the records now; returns the write to run inside a transaction. */
  prepare(stream: SyncStream, records: readonly unknown[]): PreparedWrite {
    const { workspaceId, integrationId } = this;
    switch (stream) {
      case 'ad_accounts': {
        const rows = lastByKey(
          records.map((r) => adAccountRow(this.provider, r)),
          (r) => campaignKey(r.channel, r.external_id),
        );
        return (tx) => upsertAdAccounts(tx, workspaceId, integrationId, rows);
      }
      case 'campaigns': {
        const inputs = records.map(campaignRow);
        return async (tx) => {
          const accounts = await this.knownAccounts(tx);
          const rows = lastByKey(
            inputs.map(({ accountExternalId, ...c }) => {
              const account = accountOf(accounts, accountExternalId, 'campaigns');
              return { ...c, channel: account.channel, ad_account_id: account.id };
            }),
            (r) => campaignKey(r.channel, r.external_id),
          );
          return upsertCampaigns(tx, workspaceId, integrationId, rows);
        };
      }
      case 'ad_stats': {
        const inputs = records.map(adStatRow);
        return async (tx, resolved) => {
          const accounts = await this.knownAccounts(tx);
          const unknown = new Map<string, CampaignKey>();
          for (const s of inputs) {
            const account = accountOf(accounts, s.accountExternalId, 'ad_stats');
            const key = campaignKey(account.channel, s.campaignExternalId);
            if (!this.campaignIds.has(key) && !resolved.has(key)) unknown.set(key, { channel: account.channel, externalId: s.campaignExternalId, adAccountId: account.id });
          }
          for (const [key, id] of await resolveCampaignIds(tx, workspaceId, integrationId, [...unknown.values()])) resolved.set(key, id);
          const rows: AdStatRow[] = inputs.map((s) => {
            const account = accountOf(accounts, s.accountExternalId, 'ad_stats');
            const key = campaignKey(account.channel, s.campaignExternalId);
            const campaignId = this.campaignIds.get(key) ?? resolved.get(key);
            if (campaignId === undefined) throw new Error('a campaign id could not be resolved');
            return {
              campaign_id: campaignId,
              date: s.date,
              currency: account.currency,
              spend_micros: s.spend_micros,
              impressions: s.impressions,
              clicks: s.clicks,
              platform_conversions: s.platform_conversions,
            };
          });
          return upsertAdStats(tx, workspaceId, lastByKey(rows, (r) => `${r.campaign_id}|${r.date}`));
        };
      }
      case 'contacts': {
        const rows = lastByKey(records.map(contactRow), (r) => r.external_id);
        return (tx) => upsertContacts(tx, workspaceId, integrationId, rows);
      }
      case 'leads': {
        const rows = lastByKey(records.map(leadRow), (r) => r.external_id);
        return (tx) => upsertLeads(tx, workspaceId, integrationId, rows);
      }
      case 'deals': {
        const rows = lastByKey(records.map(dealRow), (r) => r.external_id);
        return (tx) => upsertDeals(tx, workspaceId, integrationId, rows);
      }
    }
  }

  /**
   * After a write: campaign ids it found or created are kept once its transaction committed, and
   * after new ad accounts the next write reads them again (in the same transaction, or the next).
   */
  committed(stream: SyncStream, resolved: ReadonlyMap<string, string>): void {
    for (const [key, id] of resolved) this.campaignIds.set(key, id);
    if (stream === 'ad_accounts') this.accounts = undefined;
  }

  private async knownAccounts(tx: WorkspaceTx): Promise<Map<string, KnownAdAccount>> {
    this.accounts ??= await loadAdAccounts(tx, this.integrationId);
    return this.accounts;
  }
}

function accountOf(accounts: Map<string, KnownAdAccount>, externalId: string, stream: SyncStream): KnownAdAccount {
  const account = accounts.get(externalId);
  if (account === undefined) throw new ProviderError('malformed', `The provider sent ${stream} for an ad account it did not list.`);
  return account;
}

export interface RecordsToWrite {
  stream: StreamName;
  records: readonly unknown[];
}

/**
 * Writes every record in one transaction, in the order given (ad accounts before their campaigns
 * and stats): all of it lands, or none does. Every record is checked before anything is written.
 * For imports (CSV); a provider's sync goes page by page through runSync instead.
 * @throws ProviderError `malformed` naming the stream and field of the first bad record.
 */
export async function writeRecordsAtOnce(
  db: Pick<Database, 'withWorkspace'>,
  target: { workspaceId: string; integrationId: string; provider: string },
  batches: readonly RecordsToWrite[],
): Promise<{ rows: Partial<Record<StreamName, number>>; changedRows: number }> {
  const writer = new RecordWriter(target.workspaceId, target.integrationId, target.provider);
  const rows: Partial<Record<StreamName, number>> = {};
  // Accounts, then campaigns, then the rest, wherever they were given: later streams name them.
  const rank = (stream: StreamName) => (stream === 'ad_accounts' ? 0 : stream === 'campaigns' ? 1 : 2);
  const prepared = [...batches]
    .sort((a, b) => rank(a.stream) - rank(b.stream))
    .map((batch) => {
      rows[batch.stream] = (rows[batch.stream] ?? 0) + batch.records.length;
      return { stream: batch.stream, write: writer.prepare(batch.stream, batch.records) };
    });
  const changedRows = await db.withWorkspace(target.workspaceId, async (tx) => {
    let changed = 0;
    for (const { stream, write } of prepared) {
      const resolved = new Map<string, string>();
      changed += await write(tx, resolved);
      writer.committed(stream, resolved);
    }
    return changed;
  });
  return { rows, changedRows };
}
