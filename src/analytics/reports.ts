// Reports over the rollups (src/analytics/rollups.ts): totals, grouped rows and a daily series for
// a date range and attribution model. Reads only report_daily and report_outcomes_daily (few rows
// per day and campaign, whatever the raw volume). Sums are taken as text and added as BigInt, and
// metrics are computed by metrics.ts, so money is exact end to end.
import { sql, type RawBuilder } from 'kysely';
import type { WorkspaceTx } from '../db/index.js';
import type { AttributionModel } from './attribution.js';
import { addSums, computeMetrics, emptySums, type MetricSums, type Metrics } from './metrics.js';
import { CREDIT_SCALE } from './money.js';
import { UNMATCHED_CAMPAIGN } from './rollups.js';

export const REPORT_GROUPINGS = ['channel', 'campaign', 'day', 'week', 'month'] as const;
export type ReportGrouping = (typeof REPORT_GROUPINGS)[number];

export const REPORT_SORT_KEYS = [
  'label',
  'spend',
  'impressions',
  'clicks',
  'ctr',
  'cpc',
  'leads',
  'cpl',
  'deals',
  'wonDeals',
  'leadToDealRate',
  'dealWinRate',
  'revenue',
  'cac',
  'romi',
  'roas',
  'ltv',
] as const satisfies ReadonlyArray<'label' | keyof Metrics>;
export type ReportSortKey = (typeof REPORT_SORT_KEYS)[number];

export interface ReportFilter {
  from: string;
  to: string;
  model: AttributionModel;
  channel?: string | undefined;
}

export interface ReportQuery extends ReportFilter {
  groupBy: ReportGrouping;
  sort: ReportSortKey;
  order: 'asc' | 'desc';
}

export interface ReportRow {
  key: string;
  label: string;
  channel: string | null;
  campaignId: string | null;
  metrics: Metrics;
}

/** Names people know the built-in channels by; any other channel key is shown as it is. */
export const CHANNEL_LABELS: Readonly<Record<string, string>> = {
  'meta-ads': 'Meta Ads',
  'google-ads': 'Google Ads',
  'yandex-direct': 'Yandex Direct',
  'vk-ads': 'VK Ads',
  'tiktok-ads': 'TikTok Ads',
  organic: 'Organic',
  email: 'Email',
  referral: 'Referral',
  direct: 'Direct',
  other: 'Other',
};

export const channelLabel = (channel: string) => CHANNEL_LABELS[channel] ?? channel;

// --- SQL ---------------------------------------------------------------------------------------------

/** The grouping's bucket over report_channel_daily, from a fixed list (never from input). */
function bucketOf(groupBy: Exclude<ReportGrouping, 'campaign'>): RawBuilder<string> {
  switch (groupBy) {
    case 'channel':
      return sql<string>`''`;
    case 'day':
      return sql<string>`to_char(day, 'YYYY-MM-DD')`;
    case 'week':
      return sql<string>`to_char(date_trunc('week', day), 'YYYY-MM-DD')`;
    case 'month':
      return sql<string>`to_char(day, 'YYYY-MM')`;
  }
}

interface GroupSums {
  bucket: string;
  channel: string | null;
  campaign: string | null;
  sums: MetricSums;
}

interface SumRow {
  spend: string;
  impressions: string;
  clicks: string;
  leads: string;
  deals: string;
  won: string;
  revenue: string;
  customers: string;
  ltv: string;
}

function sumsOf(row: SumRow): MetricSums {
  return {
    spendMicros: BigInt(row.spend),
    impressions: BigInt(row.impressions),
    clicks: BigInt(row.clicks),
    leads: BigInt(row.leads),
    dealCredits: BigInt(row.deals),
    wonCredits: BigInt(row.won),
    revenueMicros: BigInt(row.revenue),
    ...customerSums(BigInt(row.customers), BigInt(row.ltv)),
  };
}

const isEmpty = (s: MetricSums) => Object.values(s).every((v) => v === 0n);

/** Channel, day, week or month: a few rows a day from report_channel_daily. */
async function channelSums(tx: WorkspaceTx, filter: ReportFilter, groupBy: Exclude<ReportGrouping, 'campaign'>): Promise<GroupSums[]> {
  const bucket = bucketOf(groupBy);
  const channel = groupBy === 'channel' ? sql<string>`channel` : sql<null>`NULL::text`;
  const channelFilter = filter.channel === undefined ? sql`` : sql`AND channel = ${filter.channel}`;
  const rows = await sql<SumRow & { bucket: string; channel: string | null }>`
    SELECT ${bucket} AS bucket, ${channel} AS channel,
           sum(spend_micros)::text AS spend, sum(impressions)::text AS impressions, sum(clicks)::text AS clicks, sum(leads)::text AS leads,
           sum(deal_credits)::text AS deals, sum(won_credits)::text AS won, sum(revenue_micros)::text AS revenue,
           sum(customer_credits)::text AS customers, sum(ltv_revenue_micros)::text AS ltv
    FROM report_channel_daily
    WHERE model = ${filter.model} AND day BETWEEN ${filter.from}::date AND ${filter.to}::date ${channelFilter}
    GROUP BY 1, 2`.execute(tx);
  return rows.rows.map((row) => ({ bucket: row.bucket, channel: row.channel, campaign: null, sums: sumsOf(row) }));
}

/**
 * Campaigns: the running sums on the range's last day (or the data's, if earlier) minus those on
 * the day before it starts: two rows per campaign, whatever the range.
 */
async function campaignSums(tx: WorkspaceTx, filter: ReportFilter): Promise<GroupSums[]> {
  const last = await sql<{ day: string | null }>`
    SELECT to_char(max(day), 'YYYY-MM-DD') AS day FROM report_channel_daily WHERE model = ${filter.model}`.execute(tx);
  const dataEnd = last.rows[0]?.day ?? null;
  if (dataEnd === null || dataEnd < filter.from) return [];
  const end = dataEnd < filter.to ? dataEnd : filter.to;
  const before = nextDay(filter.from, -1);
  const channelFilter = filter.channel === undefined ? sql`` : sql`AND channel = ${filter.channel}`;
  // Two index range scans joined here, not in SQL: a rebuild's fresh rows have no statistics until
  // autovacuum analyzes them, and the planner then nests loops over a whole day's rows.
  const at = (day: string) =>
    sql<SumRow & { channel: string; campaign: string }>`
      SELECT channel, campaign_id::text AS campaign,
             spend_micros::text AS spend, impressions::text AS impressions, clicks::text AS clicks, leads::text AS leads,
             deal_credits::text AS deals, won_credits::text AS won, revenue_micros::text AS revenue,
             customer_credits::text AS customers, ltv_revenue_micros::text AS ltv
      FROM report_campaign_running
      WHERE model = ${filter.model} AND day = ${day}::date ${channelFilter}`.execute(tx);
  const [ending, starting] = [await at(end), await at(before)];
  const startOf = new Map(starting.rows.map((row) => [`${row.channel}\u0000${row.campaign}`, sumsOf(row)]));
  return ending.rows
    .map((row) => {
      const sums = sumsOf(row);
      const start = startOf.get(`${row.channel}\u0000${row.campaign}`);
      const diff = start === undefined ? sums : (Object.fromEntries(Object.entries(sums).map(([k, v]) => [k, v - start[k as keyof MetricSums]])) as unknown as MetricSums);
      return { bucket: '', channel: row.channel, campaign: row.campaign === UNMATCHED_CAMPAIGN ? null : row.campaign, sums: diff };
    })
    .filter((group) => !isEmpty(group.sums));
}

const groupedSums = (tx: WorkspaceTx, filter: ReportFilter, groupBy: ReportGrouping): Promise<GroupSums[]> =>
  groupBy === 'campaign' ? campaignSums(tx, filter) : channelSums(tx, filter, groupBy);

/**
 * Customers are stored as credits (a customer shared by two channels counts half in each); LTV is
 * lifetime revenue per whole customer, so the revenue is scaled by the same unit.
 */
function customerSums(customerCredits: bigint, ltvRevenueMicros: bigint): Pick<MetricSums, 'customers' | 'ltvRevenueMicros'> {
  return { customers: customerCredits, ltvRevenueMicros: ltvRevenueMicros * CREDIT_SCALE };
}

async function campaignNames(tx: WorkspaceTx, ids: readonly string[]): Promise<Map<string, string>> {
  if (ids.length === 0) return new Map();
  const rows = await tx.selectFrom('campaigns').select(['id', 'name']).where('id', 'in', ids).execute();
  return new Map(rows.map((r) => [r.id, r.name]));
}

// --- reports -----------------------------------------------------------------------------------------

function labelOf(group: GroupSums, groupBy: ReportGrouping, names: Map<string, string>): { key: string; label: string } {
  switch (groupBy) {
    case 'channel':
      return { key: group.channel ?? '', label: channelLabel(group.channel ?? '') };
    case 'campaign': {
      const channel = group.channel ?? '';
      if (group.campaign === null) return { key: `${channel}:unmatched`, label: `${channelLabel(channel)} · no matching campaign` };
      return { key: group.campaign, label: names.get(group.campaign) ?? group.campaign };
    }
    default:
      return { key: group.bucket, label: group.bucket };
  }
}

/** Orders money strings ("12.50") exactly, numbers numerically; missing values last either way. */
function compareValues(a: string | number | null, b: string | number | null): number {
  if (a === null || b === null) return a === b ? 0 : a === null ? 1 : -1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'string' && typeof b === 'string' && /^-?\d+\.\d+$/.test(a) && /^-?\d+\.\d+$/.test(b)) {
    const scale = (text: string) => BigInt(text.replace('.', '')) * 10n ** BigInt(8 - (text.split('.')[1]?.length ?? 0));
    const diff = scale(a) - scale(b);
    return diff === 0n ? 0 : diff < 0n ? -1 : 1;
  }
  return String(a).localeCompare(String(b));
}

export interface ReportResult {
  rows: ReportRow[];
  totals: Metrics;
}

export async function buildReport(tx: WorkspaceTx, query: ReportQuery): Promise<ReportResult> {
  const groups = await groupedSums(tx, query, query.groupBy);
  const names = await campaignNames(tx, groups.flatMap((g) => (g.campaign === null ? [] : [g.campaign])));
  let total = emptySums();
  const rows = groups.map((group) => {
    total = addSums(total, group.sums);
    const { key, label } = labelOf(group, query.groupBy, names);
    return { key, label, channel: group.channel, campaignId: group.campaign, metrics: computeMetrics(group.sums) };
  });
  const direction = query.order === 'asc' ? 1 : -1;
  const timeGrouped = query.groupBy === 'day' || query.groupBy === 'week' || query.groupBy === 'month';
  rows.sort((a, b) => {
    const primary = query.sort === 'label' ? compareValues(a.label, b.label) : compareValues(a.metrics[query.sort], b.metrics[query.sort]);
    // Missing values stay last whichever the direction; ties fall back to the key, so pages are stable.
    const nullsLast = query.sort !== 'label' && (a.metrics[query.sort] === null) !== (b.metrics[query.sort] === null);
    if (primary !== 0) return nullsLast ? primary : primary * direction;
    return timeGrouped ? compareValues(a.key, b.key) : a.key.localeCompare(b.key);
  });
  return { rows, totals: computeMetrics(total) };
}

export async function totalsOf(tx: WorkspaceTx, filter: ReportFilter): Promise<Metrics> {
  const groups = await groupedSums(tx, filter, 'month');
  let total = emptySums();
  for (const group of groups) total = addSums(total, group.sums);
  return computeMetrics(total);
}

export interface DailyPoint {
  date: string;
  spend: string;
  revenue: string;
}

/** Spend and revenue for every day of the range (days without data are zero, not missing). */
export async function dailySeries(tx: WorkspaceTx, filter: ReportFilter): Promise<DailyPoint[]> {
  const groups = await groupedSums(tx, filter, 'day');
  const byDay = new Map(groups.map((g) => [g.bucket, computeMetrics(g.sums)]));
  const out: DailyPoint[] = [];
  for (let day = filter.from; day <= filter.to; day = nextDay(day)) {
    const m = byDay.get(day);
    out.push({ date: day, spend: m?.spend ?? '0.00', revenue: m?.revenue ?? '0.00' });
  }
  return out;
}

export function nextDay(day: string, by = 1): string {
  const date = new Date(`${day}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() + by);
  return date.toISOString().slice(0, 10);
}

export function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);
}

/** The first and last day any rollup has data (for "no data in this range" hints); index-only. */
export async function dataSpan(tx: WorkspaceTx, model: AttributionModel): Promise<{ from: string | null; to: string | null }> {
  const row = await sql<{ from: string | null; to: string | null }>`
    SELECT to_char(min(day), 'YYYY-MM-DD') AS "from", to_char(max(day), 'YYYY-MM-DD') AS "to"
    FROM report_channel_daily WHERE model = ${model}`.execute(tx);
  return row.rows[0] ?? { from: null, to: null };
}
