// Integrations, their sync status and CSV imports (src/integrations/routes.ts, src/sync/routes.ts).
// Nothing here ever carries a token: the server shows providers, connections and their status only.
import { api, segment, type RequestOptions } from './client.js';

export type ProviderKind = 'ads' | 'crm' | 'analytics';
/** available: can be connected; not_configured: an operator must add the app's credentials; planned: later. */
export type ProviderAvailability = 'available' | 'not_configured' | 'planned';
export type IntegrationState = 'active' | 'needs_reconnect' | 'disconnected' | 'error';
export type SyncStream = 'ad_accounts' | 'campaigns' | 'ad_stats' | 'contacts' | 'leads' | 'deals';
export type CsvKind = 'spend' | 'deals';
export type CsvChannel = 'meta-ads' | 'google-ads' | 'yandex-direct' | 'vk-ads' | 'tiktok-ads';
export type CsvDateFormat = 'YYYY-MM-DD' | 'DD.MM.YYYY' | 'MM/DD/YYYY';

export interface Provider {
  id: string;
  kind: ProviderKind;
  displayName: string;
  availability: ProviderAvailability;
  /** What it asks for, each with the reason in plain words. */
  scopes: Array<{ scope: string; reason: string }>;
  pkce: boolean;
  docsUrl: string;
  /** The settings an operator sets to make it available. */
  configKeys: string[];
}

export interface Integration {
  id: string;
  provider: string;
  externalAccount: string | null;
  displayName: string;
  status: IntegrationState;
  /** Plain words: why it needs reconnecting, what disconnecting could not do. */
  statusMessage: string | null;
  grantedScopes: string[];
  settings: Record<string, unknown>;
  syncIntervalMinutes: number;
  connectedBy: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface SyncRun {
  id: string;
  integrationId: string;
  trigger: 'schedule' | 'manual';
  state: 'queued' | 'running' | 'succeeded' | 'failed';
  requestedBy: string | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  /** 0..1 while running; 1 once succeeded. */
  progress: number;
  /** The stream being read while running. */
  stream: SyncStream | null;
  rows: Partial<Record<SyncStream, number>>;
  changedRows: number;
  error: string | null;
  attempts: number;
  nextRunAt: string | null;
}

export interface SyncStatus {
  id: string;
  provider: string;
  displayName: string;
  status: IntegrationState;
  statusMessage: string | null;
  syncIntervalMinutes: number;
  createdAt: string;
  lastSuccessAt: string | null;
  lastError: { message: string; at: string } | null;
  /** Records the last successful run read. */
  rowsSynced: number | null;
  nextRunAt: string | null;
  /** The queued or running run. */
  currentRun: SyncRun | null;
}

export interface CsvOptions {
  kind: CsvKind;
  /** Field -> column header; fields left out are suggested from the header, '' drops one. */
  mapping?: Record<string, string>;
  dateFormat?: CsvDateFormat;
  decimalSeparator?: '.' | ',';
  channel?: CsvChannel;
  currency?: string;
}

export interface CsvRowError {
  /** The line in the file (the header is line 1). */
  line: number;
  field: string | null;
  message: string;
}

/** One row as it would be imported: a daily ad stat (spend) or a deal. */
export interface CsvSpendRow {
  accountExternalId: string;
  campaignExternalId: string;
  date: string;
  spendMicros: number;
  impressions: number;
  clicks: number;
  platformConversions: number;
}

export interface CsvDealRow {
  externalId: string;
  status: 'open' | 'won' | 'lost';
  amountMinor: number;
  currency: string;
  createdAt: string;
  closedAt: string | null;
  utm: Partial<Record<'source' | 'medium' | 'campaign' | 'content' | 'term', string | null>>;
}

export interface CsvPreview {
  header: string[];
  delimiter: string;
  /** Field -> the column used. */
  mapping: Record<string, string>;
  /** Every field of this kind of import. */
  fields: string[];
  rowCount: number;
  validRows: number;
  errors: CsvRowError[];
  /** The first rows as they would be imported. */
  sample: unknown[];
}

/** The largest file the server takes (src/integrations/routes.ts MAX_CSV_BYTES). */
export const MAX_CSV_BYTES = 5 * 1024 * 1024;

const base = (workspaceId: string) => `/api/workspaces/${segment(workspaceId)}`;
const withSignal = (signal?: AbortSignal): RequestOptions | undefined => (signal === undefined ? undefined : { signal });

export const integrationsApi = {
  providers: (signal?: AbortSignal) => api.get<{ providers: Provider[] }>('/api/integrations/providers', withSignal(signal)),
  list: (workspaceId: string, signal?: AbortSignal) => api.get<{ integrations: Integration[] }>(`${base(workspaceId)}/integrations`, withSignal(signal)),
  syncStatus: (workspaceId: string, signal?: AbortSignal) => api.get<{ integrations: SyncStatus[] }>(`${base(workspaceId)}/integrations/sync-status`, withSignal(signal)),

  /** Owner or admin: the provider's consent page to send the browser to. */
  connect: (workspaceId: string, provider: string) => api.post<{ authorizeUrl: string; expiresAt: string }>(`${base(workspaceId)}/integrations/${segment(provider)}/connect`, {}),
  /** Finishes a connection with what the provider handed back (in the URL fragment of the complete page). */
  completeConnect: (body: { code: string; state: string; accountDomain?: string }) =>
    api.post<{ workspaceId: string; integration: Integration }>('/api/integrations/oauth/complete', body),
  disconnect: (workspaceId: string, integrationId: string) => api.delete<Integration>(`${base(workspaceId)}/integrations/${segment(integrationId)}`),

  /** Analyst and up: queues a run, or answers the one already queued or running. */
  syncNow: (workspaceId: string, integrationId: string) =>
    api.post<{ runId: string; state: 'queued' | 'running'; alreadyQueued: boolean }>(`${base(workspaceId)}/integrations/${segment(integrationId)}/sync`, {}),

  previewCsv: (workspaceId: string, body: CsvOptions & { content: string }) => api.post<CsvPreview>(`${base(workspaceId)}/imports/csv/preview`, body),
  /** All rows or none: a file with any error answers `integration.csv_invalid` with `details.errors`. */
  importCsv: (workspaceId: string, body: CsvOptions & { content: string; source: string }) =>
    api.post<{ integrationId: string; rows: number }>(`${base(workspaceId)}/imports/csv`, body),
};
