// The contract between providers (src/integrations: OAuth, connectors) and the sync engine
// (src/sync: scheduling, cursors, idempotent upserts). A connector turns a provider's API into
// batches of normalised records; it never touches the database. The sync engine never knows a
// provider's wire format. Money is integer minor units or micros (never binary floats); dates are
// ISO `YYYY-MM-DD` in the ad account's own time zone, as the provider reports them.

export type ProviderKind = 'ads' | 'crm' | 'analytics';

/** Every provider id; ones without a connector yet are listed so their seams stay obvious. */
export type ProviderId =
  | 'meta-ads'
  | 'google-ads'
  | 'yandex-direct'
  | 'vk-ads'
  | 'tiktok-ads'
  | 'amocrm'
  | 'bitrix24'
  | 'hubspot'
  | 'ga4'
  | 'yandex-metrica'
  | 'demo-ads'
  | 'demo-crm'
  | 'csv';

export type StreamName = 'ad_accounts' | 'campaigns' | 'ad_stats' | 'contacts' | 'leads' | 'deals';

export interface Utm {
  source: string | null;
  medium: string | null;
  campaign: string | null;
  content: string | null;
  term: string | null;
}

export interface ClickIds {
  gclid: string | null;
  fbclid: string | null;
  yclid: string | null;
}

/** The ad platforms: where an ad account's campaigns and spend belong. */
export type AdChannel = 'meta-ads' | 'google-ads' | 'yandex-direct' | 'vk-ads' | 'tiktok-ads';

export interface AdAccountRecord {
  externalId: string;
  name: string;
  /** ISO 4217. */
  currency: string;
  timezone: string | null;
  /** Only for a provider that is not itself an ad platform (demo, CSV import); others leave it out. */
  channel?: AdChannel;
}

export interface CampaignRecord {
  accountExternalId: string;
  externalId: string;
  name: string;
  status: 'active' | 'paused' | 'archived';
}

export interface DailyAdStatRecord {
  accountExternalId: string;
  campaignExternalId: string;
  /** `YYYY-MM-DD`, the account's day. */
  date: string;
  /** Spend in millionths of the account currency (Google's cost_micros convention). */
  spendMicros: number;
  impressions: number;
  clicks: number;
  /** Conversions as the platform counts them (may be fractional under data-driven models). */
  platformConversions: number;
}

export interface ContactRecord {
  externalId: string;
  name: string | null;
  email: string | null;
  phone: string | null;
  createdAt: string;
}

export interface LeadRecord {
  externalId: string;
  contactExternalId: string | null;
  /** ISO 8601 instant. */
  createdAt: string;
  status: string;
  pipeline: string | null;
  utm: Utm;
  clickIds: ClickIds;
}

export interface DealRecord {
  externalId: string;
  leadExternalId: string | null;
  contactExternalId: string | null;
  status: 'open' | 'won' | 'lost';
  /** Integer minor units (cents, kopecks) of `currency`. */
  amountMinor: number;
  currency: string;
  createdAt: string;
  closedAt: string | null;
  utm: Utm;
  clickIds: ClickIds;
}

export interface RecordsByStream {
  ad_accounts: AdAccountRecord;
  campaigns: CampaignRecord;
  ad_stats: DailyAdStatRecord;
  contacts: ContactRecord;
  leads: LeadRecord;
  deals: DealRecord;
}

/** One page of records and where to resume after it (stored only once the page is written). */
export interface SyncBatch<S extends StreamName = StreamName> {
  stream: S;
  records: RecordsByStream[S][];
  /** Opaque to the engine; the connector's own resume point after this batch. */
  cursor: string | null;
  /** Rough progress for the UI (0..1), when the connector can tell. */
  progress?: number;
}

export interface ConnectorContext {
  /** A fresh access token (the engine refreshes before expiry). */
  accessToken: string;
  /** The provider's API base, overridable by config (tests point it at a local server). */
  apiBaseUrl: string;
  /** Non-secret per-integration settings (account id, login-customer-id, subdomain, ...). */
  settings: Readonly<Record<string, unknown>>;
  /** Only this fetch: it is the SSRF-safe, time-limited client. */
  fetch: (url: string, init?: RequestInit) => Promise<Response>;
  /** The window to read: [since, until], days in the account's zone; look-back already applied. */
  since: string;
  until: string;
  /** Where the last run of this stream stopped (null on a first run). */
  cursor: string | null;
  signal: AbortSignal;
  now: () => Date;
}

export interface Connector {
  readonly streams: readonly StreamName[];
  read<S extends StreamName>(stream: S, context: ConnectorContext): AsyncIterable<SyncBatch<S>>;
}

/** What a connector throws; the engine decides on retry, back-off or "needs reconnect" from it. */
export type ProviderErrorKind =
  /** Throttled: wait retryAfterMs (from the provider's own signal) and retry. */
  | 'rate_limited'
  /** The access token was refused; refresh once and retry. */
  | 'token_expired'
  /** The grant is gone (revoked, invalid_grant, code 190): the integration needs reconnecting. */
  | 'reauth_required'
  /** The provider answered something we cannot read: fail this run, keep the cursor. */
  | 'malformed'
  /** Network or 5xx: retry with back-off. */
  | 'transient'
  /** A request we will never get right (bad settings, missing permission): fail, tell the user. */
  | 'permanent';

export class ProviderError extends Error {
  override name = 'ProviderError';
  constructor(
    readonly kind: ProviderErrorKind,
    /** Plain words for the integration's status line: no token, no raw body. */
    readonly userMessage: string,
    readonly options: { retryAfterMs?: number; status?: number; cause?: unknown } = {},
  ) {
    super(userMessage, { cause: options.cause });
  }
}
