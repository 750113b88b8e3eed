// Campaigns module: ad campaigns per workspace (the first tenant table).
export { createCampaignsService } from './service.js';
export type { CampaignsService } from './service.js';
export type { Campaign, CampaignInput } from './queries.js';
