// Row types of every table, as Kysely sees them. Kept in step with src/db/migrations/ by hand;
// the schema tests fail when a table or column named here is missing from the database.
import type { ColumnType, Generated } from 'kysely';

type CreatedAt = ColumnType<Date, Date | string | undefined, never>;

export interface UsersTable {
  id: Generated<string>;
  email: string;
  name: string;
  password_hash: string | null;
  created_at: CreatedAt;
  updated_at: ColumnType<Date, Date | string | undefined, Date | string>;
}

export interface WorkspacesTable {
  id: string;
  name: string;
  currency: Generated<string>;
  timezone: Generated<string>;
  created_at: CreatedAt;
}

export type WorkspaceRole = 'owner' | 'admin' | 'analyst' | 'viewer';

export interface MembershipsTable {
  workspace_id: string;
  user_id: string;
  role: WorkspaceRole;
  created_at: CreatedAt;
}

export type AdChannel = 'meta-ads' | 'google-ads' | 'yandex-direct' | 'vk-ads' | 'tiktok-ads';
export type CampaignStatus = 'active' | 'paused' | 'archived';

export interface CampaignsTable {
  id: Generated<string>;
  workspace_id: string;
  channel: AdChannel;
  external_id: string;
  name: string;
  status: Generated<CampaignStatus>;
  utm_source: string | null;
  utm_medium: string | null;
  utm_campaign: string | null;
  // Money is kept as integer minor units (cents, kopecks), never floats.
  daily_budget_minor: number | null;
  created_at: CreatedAt;
}

export interface DB {
  users: UsersTable;
  workspaces: WorkspacesTable;
  memberships: MembershipsTable;
  campaigns: CampaignsTable;
}
