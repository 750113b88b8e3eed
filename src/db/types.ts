// Row types of every table, as Kysely sees them. Kept in step with src/db/migrations/ by hand;
// the schema tests fail when a table or column named here is missing from the database.
import type { ColumnType, Generated } from 'kysely';

type CreatedAt = ColumnType<Date, Date | string | undefined, never>;

export interface UsersTable {
  id: Generated<string>;
  email: string;
  name: string;
  /** Not readable by the app role (0005): sign-in reads it through auth_login_candidate(). */
  password_hash: string | null;
  created_at: CreatedAt;
  updated_at: ColumnType<Date, Date | string | undefined, Date | string>;
  email_verified_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  is_platform_admin: ColumnType<boolean, never, never>;
  /** A sealed value (`tlv1.`), opened through the vault only. */
  totp_secret_sealed: ColumnType<string | null, never, string | null>;
  totp_enabled_at: ColumnType<Date | null, never, Date | string | null>;
  totp_last_step: ColumnType<number | null, never, number | null>;
  password_changed_at: ColumnType<Date | null, never, Date | string | null>;
  locale: ColumnType<Locale, Locale | undefined, Locale>;
}

export type Locale = 'en' | 'ru';

export interface WorkspacesTable {
  id: string;
  name: string;
  currency: Generated<string>;
  timezone: Generated<string>;
  require_mfa: Generated<boolean>;
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
  /** Set when a sync wrote the campaign (0007); null for campaigns entered by hand. */
  integration_id: ColumnType<string | null, string | null | undefined, string | null>;
  ad_account_id: ColumnType<string | null, string | null | undefined, string | null>;
  updated_at: ColumnType<Date, Date | string | undefined, Date | string>;
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

// --- Identity (0005_identity.sql), owned by src/auth and src/workspaces ------------------------------

type Timestamp = ColumnType<Date, Date | string, Date | string>;
type NullableTimestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;

/** How the user proved who they are (RFC 8176 values). */
export type AuthMethod = 'pwd' | 'otp' | 'recovery' | 'hwk';
export type SessionRevokedReason = 'logout' | 'user' | 'password_changed' | 'refresh_reuse' | 'admin' | 'expired';

export interface SessionsTable {
  id: string;
  user_id: string;
  created_at: CreatedAt;
  last_used_at: ColumnType<Date, Date | string | undefined, Date | string>;
  expires_at: Timestamp;
  ip: string | null;
  user_agent: string | null;
  device: ColumnType<unknown, string | null, string | null>;
  amr: ColumnType<AuthMethod[], AuthMethod[] | undefined, AuthMethod[]>;
  revoked_at: NullableTimestamp;
  revoked_reason: SessionRevokedReason | null;
}

export interface RefreshTokensTable {
  id: string;
  session_id: string;
  user_id: string;
  token_hash: Uint8Array;
  created_at: CreatedAt;
  used_at: NullableTimestamp;
}

export type UserTokenPurpose = 'verify_email' | 'reset_password' | 'mfa_login';

export interface UserTokensTable {
  id: string;
  user_id: string;
  purpose: UserTokenPurpose;
  token_hash: Uint8Array;
  created_at: CreatedAt;
  expires_at: Timestamp;
  used_at: NullableTimestamp;
  attempts: Generated<number>;
}

export interface RecoveryCodesTable {
  id: Generated<string>;
  user_id: string;
  code_hash: Uint8Array;
  created_at: CreatedAt;
  used_at: NullableTimestamp;
}

export interface PasskeysTable {
  id: string;
  user_id: string;
  name: string;
  public_key: Uint8Array;
  counter: ColumnType<number, number | undefined, number>;
  transports: ColumnType<string[], string[] | undefined, string[]>;
  device_type: 'singleDevice' | 'multiDevice';
  backed_up: ColumnType<boolean, boolean | undefined, boolean>;
  created_at: CreatedAt;
  last_used_at: NullableTimestamp;
}

export interface WebauthnChallengesTable {
  id: string;
  user_id: string | null;
  purpose: 'register' | 'login' | 'second_factor';
  challenge: string;
  created_at: CreatedAt;
  expires_at: Timestamp;
  used_at: NullableTimestamp;
}

export type ApiKeyScope = 'read' | 'read_write';

export interface ApiKeysTable {
  id: string;
  workspace_id: string;
  name: string;
  scope: ApiKeyScope;
  key_hash: Uint8Array;
  created_by: string | null;
  created_at: CreatedAt;
  expires_at: NullableTimestamp;
  last_used_at: NullableTimestamp;
  revoked_at: NullableTimestamp;
}

export interface InvitationsTable {
  id: string;
  workspace_id: string;
  email: string;
  role: Exclude<WorkspaceRole, 'owner'>;
  token_hash: Uint8Array;
  invited_by: string | null;
  created_at: CreatedAt;
  expires_at: Timestamp;
  accepted_at: NullableTimestamp;
  accepted_by: string | null;
  revoked_at: NullableTimestamp;
}

export interface SigningKeysTable {
  kid: string;
  alg: 'ES256' | 'EdDSA';
  public_jwk: ColumnType<Record<string, unknown>, string, never>;
  /** Readable by the system role only; a sealed value. */
  private_key_sealed: string;
  created_at: Timestamp;
  rotated_at: NullableTimestamp;
  retire_at: NullableTimestamp;
}

export interface IpBlocksTable {
  ip: string;
  blocked_until: Timestamp;
  strikes: ColumnType<number, number | undefined, number>;
  reason: string;
  created_at: CreatedAt;
  updated_at: ColumnType<Date, Date | string | undefined, Date | string>;
  unblocked_at: NullableTimestamp;
  unblocked_by: string | null;
}

// --- Integrations (0006_integrations.sql), owned by src/integrations -------------------------------

export type IntegrationStatus = 'active' | 'needs_reconnect' | 'disconnected' | 'error';

export interface IntegrationsTable {
  id: string;
  workspace_id: string;
  provider: string;
  external_account: string | null;
  display_name: string;
  status: ColumnType<IntegrationStatus, IntegrationStatus | undefined, IntegrationStatus>;
  status_message: string | null;
  granted_scopes: ColumnType<string[], string[] | undefined, string[]>;
  settings: ColumnType<Record<string, unknown>, string | undefined, string>;
  sync_interval_minutes: ColumnType<number, number | undefined, number>;
  connected_by: string | null;
  created_at: CreatedAt;
  updated_at: ColumnType<Date, Date | string | undefined, Date | string>;
}

export interface OauthStatesTable {
  id: string;
  workspace_id: string;
  user_id: string;
  session_id: string;
  provider: string;
  state_hash: Uint8Array;
  verifier_sealed: string | null;
  redirect_uri: string;
  created_at: CreatedAt;
  expires_at: Timestamp;
  used_at: NullableTimestamp;
}

// --- Synced data and sync bookkeeping (0007_sync.sql), owned by src/sync ----------------------------

export type SyncStream = 'ad_accounts' | 'campaigns' | 'ad_stats' | 'contacts' | 'leads' | 'deals';
export type SyncTrigger = 'schedule' | 'manual';
export type SyncRunState = 'queued' | 'running' | 'succeeded' | 'failed';
export type DealStatus = 'open' | 'won' | 'lost';
/** A `date` column: drivers return a Date at local midnight, so read it as text (`date::text`). */
type DateColumn = ColumnType<Date, string, string>;
type Bigint = ColumnType<number, number | bigint, number | bigint>;

export interface AdAccountsTable {
  id: Generated<string>;
  workspace_id: string;
  integration_id: string | null;
  channel: AdChannel;
  external_id: string;
  name: string;
  currency: string;
  timezone: string | null;
  created_at: CreatedAt;
  updated_at: ColumnType<Date, Date | string | undefined, Date | string>;
}

export interface DailyAdStatsTable {
  workspace_id: string;
  campaign_id: string;
  date: DateColumn;
  currency: string;
  spend_micros: Bigint;
  impressions: Bigint;
  clicks: Bigint;
  /** numeric: both drivers return a decimal string. */
  platform_conversions: ColumnType<string, string | number | undefined, string | number>;
  updated_at: ColumnType<Date, Date | string | undefined, Date | string>;
}

export interface ContactsTable {
  id: Generated<string>;
  workspace_id: string;
  integration_id: string;
  external_id: string;
  email_sha256: Uint8Array | null;
  phone_sha256: Uint8Array | null;
  /** The CRM's own creation instant. */
  created_at: Timestamp;
  synced_at: ColumnType<Date, Date | string | undefined, Date | string>;
}

interface CrmTagColumns {
  utm_source: string | null;
  utm_medium: string | null;
  utm_campaign: string | null;
  utm_content: string | null;
  utm_term: string | null;
  gclid: string | null;
  fbclid: string | null;
  yclid: string | null;
}

export interface LeadsTable extends CrmTagColumns {
  id: Generated<string>;
  workspace_id: string;
  integration_id: string;
  external_id: string;
  contact_external_id: string | null;
  status: string;
  pipeline: string | null;
  created_at: Timestamp;
  synced_at: ColumnType<Date, Date | string | undefined, Date | string>;
}

export interface DealsTable extends CrmTagColumns {
  id: Generated<string>;
  workspace_id: string;
  integration_id: string;
  external_id: string;
  lead_external_id: string | null;
  contact_external_id: string | null;
  status: DealStatus;
  /** Integer minor units of `currency`. */
  amount_minor: Bigint;
  currency: string;
  created_at: Timestamp;
  closed_at: NullableTimestamp;
  synced_at: ColumnType<Date, Date | string | undefined, Date | string>;
}

export interface SyncCursorsTable {
  workspace_id: string;
  integration_id: string;
  stream: SyncStream;
  cursor: string | null;
  window_since: ColumnType<Date | null, string | null | undefined, string | null>;
  window_until: ColumnType<Date | null, string | null | undefined, string | null>;
  synced_through: ColumnType<Date | null, string | null | undefined, string | null>;
  updated_at: ColumnType<Date, Date | string | undefined, Date | string>;
}

export interface SyncRunsTable {
  id: string;
  workspace_id: string;
  integration_id: string;
  trigger: SyncTrigger;
  state: SyncRunState;
  requested_by: string | null;
  created_at: CreatedAt;
  started_at: NullableTimestamp;
  finished_at: NullableTimestamp;
  progress: ColumnType<number, number | undefined, number>;
  current_stream: SyncStream | null;
  rows: ColumnType<Partial<Record<SyncStream, number>>, string | undefined, string>;
  changed_rows: ColumnType<number, number | undefined, number>;
  error_message: string | null;
  attempts: ColumnType<number, number | undefined, number>;
  lease_token: string | null;
  lease_expires_at: NullableTimestamp;
  next_run_at: NullableTimestamp;
}

// --- Analytics (0008_analytics.sql), owned by src/analytics ---------------------------------------

export type AttributionModelName = 'first_touch' | 'last_non_direct' | 'linear' | 'position_based' | 'time_decay';

export interface AnalyticsSettingsTable {
  workspace_id: string;
  half_life_days: Generated<number>;
  ltv_window_days: Generated<number>;
  default_model: Generated<AttributionModelName>;
  channel_rules: ColumnType<unknown[], string | undefined, string>;
  updated_at: ColumnType<Date, Date | string | undefined, Date | string>;
}

export interface CurrencyRatesTable {
  workspace_id: string;
  date: DateColumn;
  base: string;
  quote: string;
  /** numeric(24,10), read as text: never a float. */
  rate: ColumnType<string, string, string>;
}

/** Rollup sums (0008): read them as ::text (a sum of bigint is numeric) and add them as BigInt. */
interface ReportSums {
  spend_micros: Bigint;
  impressions: Bigint;
  clicks: Bigint;
  leads: Bigint;
  deal_credits: Bigint;
  won_credits: Bigint;
  revenue_micros: Bigint;
  customer_credits: Bigint;
  ltv_revenue_micros: Bigint;
}

export interface ReportChannelDailyTable extends ReportSums {
  workspace_id: string;
  model: AttributionModelName;
  day: DateColumn;
  channel: string;
}

export interface ReportCampaignRunningTable extends ReportSums {
  workspace_id: string;
  model: AttributionModelName;
  day: DateColumn;
  channel: string;
  campaign_id: string;
}

export interface ReportBuildsTable {
  workspace_id: string;
  built_at: ColumnType<Date, Date | string | undefined, Date | string>;
  duration_ms: number;
  source_rows: Bigint;
  missing_rates: ColumnType<unknown[], string | undefined, string>;
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
  sessions: SessionsTable;
  refresh_tokens: RefreshTokensTable;
  user_tokens: UserTokensTable;
  recovery_codes: RecoveryCodesTable;
  passkeys: PasskeysTable;
  webauthn_challenges: WebauthnChallengesTable;
  api_keys: ApiKeysTable;
  invitations: InvitationsTable;
  signing_keys: SigningKeysTable;
  ip_blocks: IpBlocksTable;
  integrations: IntegrationsTable;
  oauth_states: OauthStatesTable;
  ad_accounts: AdAccountsTable;
  daily_ad_stats: DailyAdStatsTable;
  contacts: ContactsTable;
  leads: LeadsTable;
  deals: DealsTable;
  sync_cursors: SyncCursorsTable;
  sync_runs: SyncRunsTable;
  analytics_settings: AnalyticsSettingsTable;
  currency_rates: CurrencyRatesTable;
  report_channel_daily: ReportChannelDailyTable;
  report_campaign_running: ReportCampaignRunningTable;
  report_builds: ReportBuildsTable;
}
