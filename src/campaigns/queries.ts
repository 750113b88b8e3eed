// SQL for ad campaigns, the first tenant table. Every query takes a WorkspaceTx, so a call
// without a workspace does not type-check, and RLS scopes it again in the database.
import type { AdChannel, CampaignStatus, WorkspaceTx } from '../db/index.js';

export interface Campaign {
  id: string;
  channel: AdChannel;
  externalId: string;
  name: string;
  status: CampaignStatus;
  utmSource: string | null;
  utmMedium: string | null;
  utmCampaign: string | null;
  dailyBudgetMinor: number | null;
}

export type CampaignInput = Omit<Campaign, 'id' | 'status'> & { status?: CampaignStatus };

export async function upsertCampaigns(tx: WorkspaceTx, workspaceId: string, campaigns: CampaignInput[]): Promise<number> {
  if (campaigns.length === 0) return 0;
  const result = await tx
    .insertInto('campaigns')
    .values(
      campaigns.map((c) => ({
        workspace_id: workspaceId,
        channel: c.channel,
        external_id: c.externalId,
        name: c.name,
        status: c.status ?? 'active',
        utm_source: c.utmSource,
        utm_medium: c.utmMedium,
        utm_campaign: c.utmCampaign,
        daily_budget_minor: c.dailyBudgetMinor,
      })),
    )
    .onConflict((oc) =>
      oc.columns(['workspace_id', 'channel', 'external_id']).doUpdateSet((eb) => ({
        name: eb.ref('excluded.name'),
        status: eb.ref('excluded.status'),
        utm_source: eb.ref('excluded.utm_source'),
        utm_medium: eb.ref('excluded.utm_medium'),
        utm_campaign: eb.ref('excluded.utm_campaign'),
        daily_budget_minor: eb.ref('excluded.daily_budget_minor'),
      })),
    )
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0);
}

export async function listCampaigns(tx: WorkspaceTx): Promise<Campaign[]> {
  return tx
    .selectFrom('campaigns')
    .select([
      'id', 'channel', 'external_id as externalId', 'name', 'status', 'utm_source as utmSource',
      'utm_medium as utmMedium', 'utm_campaign as utmCampaign', 'daily_budget_minor as dailyBudgetMinor',
    ])
    .orderBy('channel')
    .orderBy('name')
    .execute();
}
