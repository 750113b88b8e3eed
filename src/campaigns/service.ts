// Campaigns: the ad campaigns a workspace runs, keyed by channel and the ad platform's own id.
import type { Database } from '../db/index.js';
import { listCampaigns, upsertCampaigns, type Campaign, type CampaignInput } from './queries.js';

export interface CampaignsService {
  listCampaigns(workspaceId: string): Promise<Campaign[]>;
  upsertCampaigns(workspaceId: string, campaigns: CampaignInput[]): Promise<number>;
}

export function createCampaignsService(deps: { db: Pick<Database, 'withWorkspace'> }): CampaignsService {
  return {
    listCampaigns: (workspaceId) => deps.db.withWorkspace(workspaceId, (tx) => listCampaigns(tx)),
    upsertCampaigns: (workspaceId, campaigns) => deps.db.withWorkspace(workspaceId, (tx) => upsertCampaigns(tx, workspaceId, campaigns)),
  };
}
