// Reports over the rollups (src/analytics/rollups.ts): totals, grouped rows and a daily series for
// a date range and attribution model. Reads only report_daily and report_outcomes_daily (few rows
// per day and campaign, whatever the raw volume). Sums are taken as text and added as BigInt, and
// metrics are computed by metrics.ts, so money is exact end to end.
import { sql, type RawBuilder } from 'kysely';
import type { WorkspaceTx } from '../db/index.js';
import type { AttributionModel } from './attribution.js';
import { addSums, computeMetrics, emptySums, type MetricSums, type Metrics } from './metrics.js';
import { CREDIT_SCALE } from './money.js';

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

/** The grouping's key columns, from a fixed list (never from input). */
function keyColumns(groupBy: ReportGrouping): { bucket: RawBuilder<string>; channel: RawBuilder<string | null>; campaign: RawBuilder<string | null> } {
  const none = sql<null>`NULL::text`;
  switch (groupBy) {
    case 'channel':
      return { bucket: sql<string>`''`, channel: sql<string>`channel`, campaign: none };
    case 'campaign':
      return { bucket: sql<string>`''`, channel: sql<string>`channel`, campaign: sql<string>`campaign_id::text` };
    case 'day':
      return { bucket: sql<string>`to_char(day, 'YYYY-MM-DD')`, channel: none, campaign: none };
    case 'week':
      return { bucket: sql<string>`to_char(date_trunc('week', day), 'YYYY-MM-DD')`, channel: none, campaign: none };
    case 'month':
      return { bucket: sql<string>`to_char(day, 'YYYY-MM')`, channel: none, campaign: none };
  }
}

interface GroupSums {
  bucket: string;
  channel: string | null;
  campaign: string | null;
  sums: MetricSums;
}

const groupKey = (g: { bucket: string; channel: string | null; campaign: string | null }) => `${g.bucket}\u0000${g.channel ?? ''}\u0000${g.campaign ?? ''}`;

async function groupedSums(tx: WorkspaceTx, filter: ReportFilter, groupBy: ReportGrouping): Promise<Map<string, GroupSums>> {
  const k = keyColumns(groupBy);
  const channelFilter = filter.channel === undefined ? sql`` : sql`AND channel = ${filter.channel}`;
  const base = await sql<{ bucket: string; channel: string | null; campaign: string | null; spend: string; impressions: string; clicks: string; leads: string }>`
    SELECT ${k.bucket} AS bucket, ${k.channel} AS channel, ${k.campaign} AS campaign,
           sum(spend_micros)::text AS spend, sum(impressions)::text AS impressions, sum(clicks)::text AS clicks, sum(leads)::text AS leads
    FROM report_daily
    WHERE day BETWEEN ${filter.from}::date AND ${filter.to}::date ${channelFilter}
    GROUP BY 1, 2, 3`.execute(tx);
  const outcomes = await sql<{ bucket: string; channel: string | null; campaign: string | null; deals: string; won: string; revenue: string; customers: string; ltv: string }>`
    SELECT ${k.bucket} AS bucket, ${k.channel} AS channel, ${k.campaign} AS campaign,
           sum(deal_credits)::text AS deals, sum(won_credits)::text AS won, sum(revenue_micros)::text AS revenue,
           sum(customer_credits)::text AS customers, sum(ltv_revenue_micros)::text AS ltv
    FROM report_outcomes_daily
    WHERE model = ${filter.model} AND day BETWEEN ${filter.from}::date AND ${filter.to}::date ${channelFilter}
    GROUP BY 1, 2, 3`.execute(tx);
  const groups = new Map<string, GroupSums>();
  const groupOf = (row: { bucket: string; channel: string | null; campaign: string | null }) => {
    const key = groupKey(row);
    let group = groups.get(key);
    if (group === undefined) {
      group = { bucket: row.bucket, channel: row.channel, campaign: row.campaign, sums: emptySums() };
      groups.set(key, group);
    }
    return group;
  };
  for (const row of base.rows) {
    const group = groupOf(row);
    group.sums = addSums(group.sums, { ...emptySums(), spendMicros: BigInt(row.spend), impressions: BigInt(row.impressions), clicks: BigInt(row.clicks), leads: BigInt(row.leads) });
  }
  for (const row of outcomes.rows) {
    const group = groupOf(row);
    group.sums = addSums(group.sums, {
      ...emptySums(),
      dealCredits: BigInt(row.deals),
      wonCredits: BigInt(row.won),
      revenueMicros: BigInt(row.revenue),
      ...customerSums(BigInt(row.customers), BigInt(row.ltv)),
    });
  }
  return groups;
}

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
  const groups = [...(await groupedSums(tx, query, query.groupBy)).values()];
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
  for (const group of groups.values()) total = addSums(total, group.sums);
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
  const byDay = new Map([...groups.values()].map((g) => [g.bucket, computeMetrics(g.sums)]));
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
    SELECT to_char(least((SELECT min(day) FROM report_daily), (SELECT min(day) FROM report_outcomes_daily WHERE model = ${model})), 'YYYY-MM-DD') AS "from",
           to_char(greatest((SELECT max(day) FROM report_daily), (SELECT max(day) FROM report_outcomes_daily WHERE model = ${model})), 'YYYY-MM-DD') AS "to"`.execute(tx);
  return row.rows[0] ?? { from: null, to: null };
}
