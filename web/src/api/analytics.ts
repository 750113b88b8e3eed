// Reports (src/analytics: summary, grouped report, exports, settings) and the integrations' sync
// status and "sync now" (src/sync/routes.ts), typed as the server answers them. Money arrives as a
// decimal string in the reporting currency and stays one: the page formats it, never adds it up.
import { api, segment, type RequestOptions } from './client.js';

export const ATTRIBUTION_MODELS = ['first_touch', 'last_non_direct', 'linear', 'position_based', 'time_decay'] as const;
export type AttributionModel = (typeof ATTRIBUTION_MODELS)[number];

export const REPORT_GROUPINGS = ['channel', 'campaign', 'day', 'week', 'month'] as const;
export type ReportGrouping = (typeof REPORT_GROUPINGS)[number];

/** A decimal amount with 2 decimals, e.g. "1234.50". */
export type Money = string;

export interface Metrics {
  spend: Money;
  impressions: number;
  clicks: number;
  ctr: number | null;
  cpc: Money | null;
  leads: number;
  cpl: Money | null;
  /** Fractional under multi-touch models (2 decimals). */
  deals: number;
  wonDeals: number;
  leadToDealRate: number | null;
  dealWinRate: number | null;
  revenue: Money;
  cac: Money | null;
  romi: number | null;
  roas: number | null;
  ltv: Money | null;
}

export type MetricName = keyof Metrics;

export interface DateRange {
  /** YYYY-MM-DD in the workspace's time zone, inclusive. */
  from: string;
  to: string;
}

export interface ReportSummary {
  currency: string;
  model: AttributionModel;
  timezone: string;
  range: DateRange;
  /** The same number of days right before `range`. */
  previousRange: DateRange;
  totals: Metrics;
  previous: Metrics;
  /** One entry per day of `range`. */
  series: { date: string; spend: Money; revenue: Money }[];
  /** The span of data the workspace has at all, for empty states; null when it has none. */
  dataFrom: string | null;
  dataTo: string | null;
}

export interface ReportRow {
  key: string;
  label: string;
  channel: string | null;
  campaignId: string | null;
  metrics: Metrics;
}

export interface Report {
  currency: string;
  model: AttributionModel;
  groupBy: ReportGrouping;
  page: number;
  pageSize: number;
  /** Rows over all pages. */
  total: number;
  totals: Metrics;
  rows: ReportRow[];
}

export interface ReportQuery extends DateRange {
  model: AttributionModel;
  groupBy: ReportGrouping;
  /** Only this channel's rows (the drill-down from a channel to its campaigns). */
  channel?: string | undefined;
  /** A figure, or `label` for the row's name. */
  sort?: MetricName | 'label' | undefined;
  order?: 'asc' | 'desc' | undefined;
  page?: number | undefined;
  pageSize?: number | undefined;
}

export interface AnalyticsSettings {
  reportingCurrency: string;
  timezone: string;
  halfLifeDays: number;
  ltvWindowDays: number;
  defaultModel: AttributionModel;
}

const base = (workspaceId: string) => `/api/workspaces/${segment(workspaceId)}`;
const withSignal = (signal?: AbortSignal): RequestOptions | undefined => (signal === undefined ? undefined : { signal });

function reportParams(query: ReportQuery): Record<string, string | number | undefined> {
  return {
    from: query.from,
    to: query.to,
    model: query.model,
    groupBy: query.groupBy,
    channel: query.channel,
    sort: query.sort,
    order: query.order,
    page: query.page,
    pageSize: query.pageSize,
  };
}

/** The query string of an export: the report's selection without paging (an export has every row). */
function exportSearch(query: ReportQuery): string {
  const params = new URLSearchParams();
  const { page: _page, pageSize: _pageSize, ...selection } = query;
  for (const [name, value] of Object.entries(reportParams(selection))) if (value !== undefined && value !== '') params.set(name, String(value));
  return params.toString();
}

export const analyticsApi = {
  summary: (workspaceId: string, query: DateRange & { model: AttributionModel }, signal?: AbortSignal) =>
    api.get<ReportSummary>(`${base(workspaceId)}/reports/summary`, { query: { from: query.from, to: query.to, model: query.model }, ...withSignal(signal) }),
  report: (workspaceId: string, query: ReportQuery, signal?: AbortSignal) =>
    api.get<Report>(`${base(workspaceId)}/reports`, { query: reportParams(query), ...withSignal(signal) }),
  /** The export's address: a plain link that downloads with the session cookie. */
  exportUrl: (workspaceId: string, format: 'csv' | 'xlsx', query: ReportQuery) => `${base(workspaceId)}/reports/export.${format}?${exportSearch(query)}`,
  /** The same export through the API client, which refreshes an expired session first. */
  download: (workspaceId: string, format: 'csv' | 'xlsx', query: ReportQuery) => {
    const { page: _page, pageSize: _pageSize, ...selection } = query;
    return api.download(`${base(workspaceId)}/reports/export.${format}`, { query: reportParams(selection) });
  },
  settings: (workspaceId: string, signal?: AbortSignal) => api.get<AnalyticsSettings>(`${base(workspaceId)}/analytics/settings`, withSignal(signal)),
};
