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

// --- Audit log (0003_audit.sql), owned by src/audit ---------------------------------------------

export type AuditActorKind = 'user' | 'system' | 'api_key';
export type AuditResult = 'success' | 'failure' | 'denied';

/**
 * Append-only (a trigger refuses UPDATE/DELETE/TRUNCATE): insert and select only. The chain
 * trigger sets id, seq, occurred_at, prev_hash and hash, so an insert cannot supply them.
 */
export interface AuditLogTable {
  id: ColumnType<number, never, never>;
  workspace_id: string | null;
  seq: ColumnType<number, never, never>;
  occurred_at: ColumnType<Date, never, never>;
  actor_id: string | null;
  actor_kind: AuditActorKind;
  action: string;
  target_type: string | null;
  target_id: string | null;
  result: AuditResult;
  ip: string | null;
  user_agent: string | null;
  device: ColumnType<unknown, string | null, never>;
  request_id: string | null;
  details: ColumnType<unknown, string | undefined, never>;
  prev_hash: ColumnType<string, never, never>;
  hash: ColumnType<string, never, never>;
}

/**
 * Where a chain resumes after retention purged its oldest entries. Append-only; a trigger sets
 * chain_key, hash (copied from the entry at seq) and created_at.
 */
export interface AuditCheckpointsTable {
  id: Generated<number>;
  chain_key: ColumnType<string, never, never>;
  workspace_id: string | null;
  seq: number;
  hash: ColumnType<string, never, never>;
  purged_before: ColumnType<Date, Date | string, never>;
  created_at: ColumnType<Date, never, never>;
}

// --- Envelope encryption (0004_keyring.sql), owned by src/crypto ---------------------------------

export type DataKeyState = 'active' | 'retired';

export interface DataKeysTable {
  id: string;
  /** null: the platform data key. */
  workspace_id: string | null;
  version: number;
  kek_id: string;
  wrapped_dek: ColumnType<Uint8Array, Uint8Array, Uint8Array>;
  state: ColumnType<DataKeyState, DataKeyState | undefined, DataKeyState>;
  created_at: CreatedAt;
  rewrapped_at: ColumnType<Date | null, never, Date | string>;
  retired_at: ColumnType<Date | null, never, Date | string | null>;
}

export interface KeyEncryptionKeysTable {
  id: string;
  activated_at: ColumnType<Date, Date | string, never>;
  retired_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
}

export interface IntegrationTokensTable {
  integration_id: string;
  workspace_id: string;
  provider: string;
  /** Sealed values (`tlv1.`...): read and written only through src/crypto's token repository. */
  access_token_sealed: string;
  refresh_token_sealed: string | null;
  scopes: ColumnType<string[], string[] | undefined, string[]>;
  expires_at: ColumnType<Date | null, Date | string | null, Date | string | null>;
  created_at: CreatedAt;
  updated_at: ColumnType<Date, Date | string | undefined, Date | string>;
}

export interface DB {
  audit_log: AuditLogTable;
  audit_checkpoints: AuditCheckpointsTable;
  users: UsersTable;
  workspaces: WorkspacesTable;
  memberships: MembershipsTable;
  campaigns: CampaignsTable;
  data_keys: DataKeysTable;
  key_encryption_keys: KeyEncryptionKeysTable;
  integration_tokens: IntegrationTokensTable;
}
