// The report rollups of one workspace, rebuilt from its synced tables: spend, clicks and leads by
// day, channel and campaign (report_daily), and deal outcomes by attribution model
// (report_outcomes_daily). Guarantees: a rebuild replaces the rollups in one transaction (a report
// reads the old ones or the new ones, never a mix); rebuilds of one workspace are serialised; the
// result depends only on the synced rows and the settings, so rebuilding twice changes nothing.
import { sql } from 'kysely';
import type { Database, WorkspaceTx } from '../db/index.js';
import { ATTRIBUTION_MODELS, attributeCredit, type AttributionModel, type Touch } from './attribution.js';
import { createCampaignMatcher } from './campaign-match.js';
import { classifyChannel, isDirect, type ChannelRule } from './channels.js';
import { convertMicros, minorToMicros, splitByCredit } from './money.js';
import { loadAnalyticsSettings, type AnalyticsSettings } from './settings.js';

/** Rows read per query while streaming leads and deals (keyset pages). */
const PAGE_ROWS = 20_000;
/** Rows per INSERT ... SELECT FROM unnest(...) when writing the rollups. */
const WRITE_ROWS = 10_000;
const MS_PER_DAY = 86_400_000;

export interface RollupBuild {
  durationMs: number;
  sourceRows: number;
  /** Rows written to report_channel_daily and report_campaign_running. */
  channelRows: number;
  campaignRows: number;
  /** Currencies (and the first day) with no rate into the reporting currency: left out, not guessed. */
  missingRates: Array<{ currency: string; day: string }>;
}

// --- currency ----------------------------------------------------------------------------------------

interface RateTable {
  /** Converts `micros` of `currency` on `day` into the reporting currency; undefined without a rate. */
  convert(micros: bigint, currency: string, day: string): bigint | undefined;
  missing: Map<string, string>;
}

async function loadRates(tx: WorkspaceTx, reporting: string): Promise<RateTable> {
  const rows = await tx
    .selectFrom('currency_rates')
    .select(['base', sql<string>`to_char(date, 'YYYY-MM-DD')`.as('day'), sql<string>`rate::text`.as('rate')])
    .where('quote', '=', reporting)
    .orderBy('base')
    .orderBy('date')
    .execute();
  const byBase = new Map<string, Array<{ day: string; rate: string }>>();
  for (const row of rows) {
    const list = byBase.get(row.base) ?? [];
    list.push({ day: row.day, rate: row.rate });
    byBase.set(row.base, list);
  }
  const missing = new Map<string, string>();
  return {
    missing,
    convert(micros, currency, day) {
      if (currency === reporting) return micros;
      const list = byBase.get(currency);
      // The latest rate on or before the day (binary search: YYYY-MM-DD compares as text).
      let found: string | undefined;
      if (list !== undefined) {
        let lo = 0;
        let hi = list.length - 1;
        while (lo <= hi) {
          const mid = (lo + hi) >> 1;
          const entry = list[mid] as { day: string; rate: string };
          if (entry.day <= day) {
            found = entry.rate;
            lo = mid + 1;
          } else {
            hi = mid - 1;
          }
        }
      }
      if (found === undefined) {
        const first = missing.get(currency);
        if (first === undefined || day < first) missing.set(currency, day);
        return undefined;
      }
      return convertMicros(micros, found);
    },
  };
}

// --- accumulation ------------------------------------------------------------------------------------

/** Sums in a fixed order; base rows fill the first four, outcomes the rest. */
const SUM_COLUMNS = ['spend_micros', 'impressions', 'clicks', 'leads', 'deal_credits', 'won_credits', 'revenue_micros', 'customer_credits', 'ltv_revenue_micros'] as const;
const SPEND = 0;
const IMPRESSIONS = 1;
const CLICKS = 2;
const LEADS = 3;
const DEALS = 4;
const WON = 5;
const REVENUE = 6;
const CUSTOMERS = 7;
const LTV = 8;
type Sums = bigint[];
const zeroSums = (): Sums => SUM_COLUMNS.map(() => 0n);

/** Touches of a channel that matched none of its campaigns are kept under the zero uuid. */
export const UNMATCHED_CAMPAIGN = '00000000-0000-0000-0000-000000000000';
const MS_PER_DAY_NUMBER = 86_400_000;
const dayNumber = (day: string) => Date.parse(`${day}T00:00:00Z`) / MS_PER_DAY_NUMBER;
const dayText = (n: number) => new Date(n * MS_PER_DAY_NUMBER).toISOString().slice(0, 10);

/** Sums by (channel, campaign) and day: once for the model-independent base, once per model. */
class Accumulator {
  readonly base = new Map<string, Map<number, Sums>>();
  readonly outcomes = new Map<AttributionModel, Map<string, Map<number, Sums>>>(ATTRIBUTION_MODELS.map((m) => [m, new Map()]));
  firstDay = Number.POSITIVE_INFINITY;
  lastDay = Number.NEGATIVE_INFINITY;

  private cell(byKey: Map<string, Map<number, Sums>>, day: string, channel: string, campaignId: string | null): Sums {
    const key = `${channel}\u0000${campaignId ?? UNMATCHED_CAMPAIGN}`;
    let days = byKey.get(key);
    if (days === undefined) {
      days = new Map();
      byKey.set(key, days);
    }
    const n = dayNumber(day);
    let sums = days.get(n);
    if (sums === undefined) {
      sums = zeroSums();
      days.set(n, sums);
      if (n < this.firstDay) this.firstDay = n;
      if (n > this.lastDay) this.lastDay = n;
    }
    return sums;
  }

  baseCell(day: string, channel: string, campaignId: string | null): Sums {
    return this.cell(this.base, day, channel, campaignId);
  }

  outcomeCell(model: AttributionModel, day: string, channel: string, campaignId: string | null): Sums {
    return this.cell(this.outcomes.get(model) as Map<string, Map<number, Sums>>, day, channel, campaignId);
  }
}

// --- touches -----------------------------------------------------------------------------------------

/** One marketing touch of a person: where it came from and when. */
interface TouchPoint extends Touch {
  channel: string;
  campaignId: string | null;
}

interface TagRow {
  utm_source: string | null;
  utm_medium: string | null;
  utm_campaign: string | null;
  gclid: string | null;
  fbclid: string | null;
  yclid: string | null;
}

const hasTags = (row: TagRow) =>
  row.utm_source !== null || row.utm_medium !== null || row.utm_campaign !== null || row.gclid !== null || row.fbclid !== null || row.yclid !== null;

type Classifier = (row: TagRow, at: Date) => TouchPoint;

const present = (clickId: string | null) => (clickId !== null && clickId.trim() !== '' ? 1 : 0);

/** Distinct tag combinations remembered while classifying (a million rows repeat a few thousand). */
const CLASSIFY_CACHE_ENTRIES = 200_000;

function createClassifier(rules: readonly ChannelRule[], matchCampaign: ReturnType<typeof createCampaignMatcher>): Classifier {
  const cache = new Map<string, { channel: string; campaignId: string | null; direct: boolean }>();
  return (row, at) => {
    // Click ids decide a channel only by being present (their values are per click): key on that.
    const key = `${row.utm_source ?? '\u0001'}\u0000${row.utm_medium ?? '\u0001'}\u0000${row.utm_campaign ?? '\u0001'}\u0000${present(row.gclid)}${present(row.fbclid)}${present(row.yclid)}`;
    let found = cache.get(key);
    if (found === undefined) {
      const channel = classifyChannel(
        { utmSource: row.utm_source, utmMedium: row.utm_medium, utmCampaign: row.utm_campaign, gclid: row.gclid, fbclid: row.fbclid, yclid: row.yclid },
        rules,
      );
      found = { channel, campaignId: matchCampaign(channel, row.utm_campaign), direct: isDirect(channel) };
      if (cache.size >= CLASSIFY_CACHE_ENTRIES) cache.clear();
      cache.set(key, found);
    }
    return { at, ...found };
  };
}

// --- the build ---------------------------------------------------------------------------------------

interface WonDeal {
  customer: string;
  closedAt: number;
  closedDay: string;
  /** In reporting-currency micros; undefined when no rate converts it. */
  amount: bigint | undefined;
  touches: TouchPoint[];
  credits: Map<AttributionModel, bigint[]>;
}

/**
 * Rebuilds the rollups of `workspaceId` from its synced rows (one transaction, serialised per
 * workspace by an advisory lock) and records the build in report_builds.
 */
export async function rebuildRollups(db: Pick<Database, 'withWorkspace'>, workspaceId: string): Promise<RollupBuild> {
  return db.withWorkspace(workspaceId, async (tx) => {
    const started = performance.now();
    // Two syncs of one workspace finishing together would otherwise interleave delete and insert.
    await sql`SELECT pg_advisory_xact_lock(hashtext('analytics.rollup'), hashtext(${workspaceId}))`.execute(tx);
    const settings = await loadAnalyticsSettings(tx);
    const rates = await loadRates(tx, settings.reportingCurrency);
    const campaigns = await tx.selectFrom('campaigns').select(['id', 'channel', 'external_id', 'name', 'utm_campaign']).execute();
    const matchCampaign = createCampaignMatcher(campaigns.map((c) => ({ id: c.id, channel: c.channel, externalId: c.external_id, name: c.name, utmCampaign: c.utm_campaign })));
    const classify = createClassifier(settings.channelRules, matchCampaign);
    const acc = new Accumulator();
    let sourceRows = 0;

    sourceRows += await addSpend(tx, acc, rates);
    const { touchesByContact, touchByLead, rows: leadRows } = await addLeads(tx, acc, classify, settings.timezone);
    sourceRows += leadRows;
    const won: WonDeal[] = [];
    sourceRows += await addDeals(tx, acc, classify, settings, rates, touchesByContact, touchByLead, won);
    addCustomers(acc, won, settings.ltvWindowDays);

    await sql`DELETE FROM report_channel_daily WHERE workspace_id = ${workspaceId}`.execute(tx);
    await sql`DELETE FROM report_campaign_running WHERE workspace_id = ${workspaceId}`.execute(tx);
    const channelRows = await writeChannelDaily(tx, workspaceId, acc);
    const campaignRows = await writeCampaignRunning(tx, workspaceId, acc);
    const missingRates = [...rates.missing].map(([currency, day]) => ({ currency, day })).sort((a, b) => a.currency.localeCompare(b.currency));
    const durationMs = Math.round(performance.now() - started);
    await tx
      .insertInto('report_builds')
      .values({ workspace_id: workspaceId, built_at: new Date(), duration_ms: durationMs, source_rows: sourceRows, missing_rates: JSON.stringify(missingRates) })
      .onConflict((oc) =>
        oc.column('workspace_id').doUpdateSet({ built_at: new Date(), duration_ms: durationMs, source_rows: sourceRows, missing_rates: JSON.stringify(missingRates) }),
      )
      .execute();
    return { durationMs, sourceRows, channelRows, campaignRows, missingRates };
  });
}

async function addSpend(tx: WorkspaceTx, acc: Accumulator, rates: RateTable): Promise<number> {
  // Ad stats are already days of the ad account's own calendar; summed per campaign and currency.
  const rows = await sql<{ day: string; channel: string; campaign_id: string; currency: string; spend: string; impressions: string; clicks: string }>`
    SELECT to_char(s.date, 'YYYY-MM-DD') AS day, c.channel, s.campaign_id, s.currency,
           sum(s.spend_micros)::text AS spend, sum(s.impressions)::text AS impressions, sum(s.clicks)::text AS clicks
    FROM daily_ad_stats s JOIN campaigns c ON c.id = s.campaign_id
    GROUP BY s.date, c.channel, s.campaign_id, s.currency`.execute(tx);
  for (const row of rows.rows) {
    const cell = acc.baseCell(row.day, row.channel, row.campaign_id);
    const spend = rates.convert(BigInt(row.spend), row.currency.trim(), row.day);
    if (spend !== undefined) cell[SPEND] = (cell[SPEND] as bigint) + spend;
    cell[IMPRESSIONS] = (cell[IMPRESSIONS] as bigint) + BigInt(row.impressions);
    cell[CLICKS] = (cell[CLICKS] as bigint) + BigInt(row.clicks);
  }
  return rows.rows.length;
}

interface LeadRow extends TagRow {
  id: string;
  integration_id: string;
  external_id: string;
  contact_external_id: string | null;
  created_ms: string;
  day: string;
}

async function addLeads(
  tx: WorkspaceTx,
  acc: Accumulator,
  classify: Classifier,
  timezone: string,
): Promise<{ touchesByContact: Map<string, TouchPoint[]>; touchByLead: Map<string, TouchPoint>; rows: number }> {
  const touchesByContact = new Map<string, TouchPoint[]>();
  const touchByLead = new Map<string, TouchPoint>();
  let rows = 0;
  let after = '00000000-0000-0000-0000-000000000000';
  for (;;) {
    const page = await sql<LeadRow>`
      SELECT id, integration_id, external_id, contact_external_id,
             (extract(epoch FROM created_at) * 1000)::bigint::text AS created_ms,
             to_char((created_at AT TIME ZONE ${timezone})::date, 'YYYY-MM-DD') AS day,
             utm_source, utm_medium, utm_campaign, gclid, fbclid, yclid
      FROM leads WHERE id > ${after}::uuid ORDER BY id LIMIT ${PAGE_ROWS}`.execute(tx);
    for (const lead of page.rows) {
      const touch = classify(lead, new Date(Number(lead.created_ms)));
      const cell = acc.baseCell(lead.day, touch.channel, touch.campaignId);
      cell[LEADS] = (cell[LEADS] as bigint) + 1n;
      touchByLead.set(`${lead.integration_id}\u0000${lead.external_id}`, touch);
      if (lead.contact_external_id !== null) {
        const key = `${lead.integration_id}\u0000${lead.contact_external_id}`;
        const list = touchesByContact.get(key) ?? [];
        list.push(touch);
        touchesByContact.set(key, list);
      }
    }
    rows += page.rows.length;
    if (page.rows.length < PAGE_ROWS) break;
    after = (page.rows[page.rows.length - 1] as LeadRow).id;
  }
  for (const list of touchesByContact.values()) list.sort((a, b) => a.at.getTime() - b.at.getTime());
  return { touchesByContact, touchByLead, rows };
}

interface DealRow extends TagRow {
  id: string;
  integration_id: string;
  lead_external_id: string | null;
  contact_external_id: string | null;
  status: 'open' | 'won' | 'lost';
  amount_minor: string;
  currency: string;
  created_ms: string;
  created_day: string;
  closed_ms: string | null;
  closed_day: string | null;
}

/** The touches that led to a deal: its person's leads up to the deal, its own lead, its own tags. */
function dealTouches(deal: DealRow, createdAt: Date, classify: Classifier, touchesByContact: Map<string, TouchPoint[]>, touchByLead: Map<string, TouchPoint>): TouchPoint[] {
  const touches: TouchPoint[] = [];
  if (deal.contact_external_id !== null) {
    for (const touch of touchesByContact.get(`${deal.integration_id}\u0000${deal.contact_external_id}`) ?? []) {
      if (touch.at.getTime() <= createdAt.getTime()) touches.push(touch);
    }
  }
  if (deal.lead_external_id !== null) {
    const own = touchByLead.get(`${deal.integration_id}\u0000${deal.lead_external_id}`);
    if (own !== undefined && !touches.includes(own)) touches.push(own);
  }
  if (hasTags(deal)) touches.push(classify(deal, createdAt));
  if (touches.length === 0) touches.push(classify(deal, createdAt)); // no tags anywhere: direct
  return touches.sort((a, b) => a.at.getTime() - b.at.getTime());
}

async function addDeals(
  tx: WorkspaceTx,
  acc: Accumulator,
  classify: Classifier,
  settings: AnalyticsSettings,
  rates: RateTable,
  touchesByContact: Map<string, TouchPoint[]>,
  touchByLead: Map<string, TouchPoint>,
  won: WonDeal[],
): Promise<number> {
  let rows = 0;
  let after = '00000000-0000-0000-0000-000000000000';
  const options = { halfLifeDays: settings.halfLifeDays };
  for (;;) {
    const page = await sql<DealRow>`
      SELECT id, integration_id, lead_external_id, contact_external_id, status, amount_minor::text AS amount_minor, currency,
             (extract(epoch FROM created_at) * 1000)::bigint::text AS created_ms,
             to_char((created_at AT TIME ZONE ${settings.timezone})::date, 'YYYY-MM-DD') AS created_day,
             (extract(epoch FROM closed_at) * 1000)::bigint::text AS closed_ms,
             to_char((closed_at AT TIME ZONE ${settings.timezone})::date, 'YYYY-MM-DD') AS closed_day,
             utm_source, utm_medium, utm_campaign, gclid, fbclid, yclid
      FROM deals WHERE id > ${after}::uuid ORDER BY id LIMIT ${PAGE_ROWS}`.execute(tx);
    for (const deal of page.rows) {
      const createdAt = new Date(Number(deal.created_ms));
      const touches = dealTouches(deal, createdAt, classify, touchesByContact, touchByLead);
      const isWon = deal.status === 'won' && deal.closed_ms !== null && deal.closed_day !== null;
      const amount = isWon ? rates.convert(minorToMicros(BigInt(deal.amount_minor), deal.currency.trim()), deal.currency.trim(), deal.closed_day as string) : undefined;
      const credits = new Map<AttributionModel, bigint[]>();
      for (const model of ATTRIBUTION_MODELS) {
        const credit = attributeCredit(model, touches, createdAt, options);
        credits.set(model, credit);
        const revenue = amount === undefined ? undefined : splitByCredit(amount, credit);
        touches.forEach((touch, i) => {
          const share = credit[i] ?? 0n;
          if (share === 0n) return;
          const created = acc.outcomeCell(model, deal.created_day, touch.channel, touch.campaignId);
          created[DEALS] = (created[DEALS] as bigint) + share;
          if (isWon) {
            const cell = acc.outcomeCell(model, deal.closed_day as string, touch.channel, touch.campaignId);
            cell[WON] = (cell[WON] as bigint) + share;
            cell[REVENUE] = (cell[REVENUE] as bigint) + (revenue?.[i] ?? 0n);
          }
        });
      }
      if (isWon) {
        const customer = deal.contact_external_id === null ? `deal\u0000${deal.id}` : `${deal.integration_id}\u0000${deal.contact_external_id}`;
        won.push({ customer, closedAt: Number(deal.closed_ms), closedDay: deal.closed_day as string, amount, touches, credits });
      }
    }
    rows += page.rows.length;
    if (page.rows.length < PAGE_ROWS) break;
    after = (page.rows[page.rows.length - 1] as DealRow).id;
  }
  return rows;
}

/**
 * Customers and LTV: a customer is a person with a won deal, counted on the day of their first
 * one and credited like that deal; their LTV revenue is every won deal within the window after it.
 */
function addCustomers(acc: Accumulator, won: readonly WonDeal[], windowDays: number): void {
  const byCustomer = new Map<string, WonDeal[]>();
  for (const deal of won) {
    const list = byCustomer.get(deal.customer) ?? [];
    list.push(deal);
    byCustomer.set(deal.customer, list);
  }
  for (const deals of byCustomer.values()) {
    deals.sort((a, b) => a.closedAt - b.closedAt);
    const first = deals[0] as WonDeal;
    const until = first.closedAt + windowDays * MS_PER_DAY;
    let lifetime = 0n;
    for (const deal of deals) if (deal.closedAt <= until && deal.amount !== undefined) lifetime += deal.amount;
    for (const model of ATTRIBUTION_MODELS) {
      const credit = first.credits.get(model) ?? [];
      const split = splitByCredit(lifetime, credit);
      first.touches.forEach((touch, i) => {
        const share = credit[i] ?? 0n;
        if (share === 0n) return;
        const cell = acc.outcomeCell(model, first.closedDay, touch.channel, touch.campaignId);
        cell[CUSTOMERS] = (cell[CUSTOMERS] as bigint) + share;
        cell[LTV] = (cell[LTV] as bigint) + (split[i] ?? 0n);
      });
    }
  }
}

// --- writing -----------------------------------------------------------------------------------------

/** Collects rows column by column and inserts them through unnest() in chunks. */
class ColumnWriter {
  private columns: string[][];
  rows = 0;
  private pending = 0;

  constructor(
    private readonly tx: WorkspaceTx,
    private readonly insert: (columns: string[][]) => Promise<void>,
    width: number,
  ) {
    this.columns = Array.from({ length: width }, () => []);
  }

  async add(values: readonly string[]): Promise<void> {
    values.forEach((value, i) => (this.columns[i] as string[]).push(value));
    this.rows += 1;
    this.pending += 1;
    if (this.pending >= WRITE_ROWS) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.pending === 0) return;
    const columns = this.columns;
    this.columns = columns.map(() => []);
    this.pending = 0;
    await this.insert(columns);
  }
}

const sumArrays = (columns: string[][], offset: number) => sql.join(SUM_COLUMNS.map((_, i) => sql`${columns[offset + i]}::bigint[]`));
const sumNames = sql.join(SUM_COLUMNS.map((c) => sql.ref(c)));

function addInto(target: Sums, source: Sums | undefined): void {
  if (source === undefined) return;
  for (let i = 0; i < target.length; i += 1) target[i] = (target[i] as bigint) + (source[i] as bigint);
}

/** report_channel_daily: per model, the base and the model's outcomes summed by day and channel. */
async function writeChannelDaily(tx: WorkspaceTx, workspaceId: string, acc: Accumulator): Promise<number> {
  const writer = new ColumnWriter(
    tx,
    async (c) => {
      await sql`INSERT INTO report_channel_daily (workspace_id, model, day, channel, ${sumNames})
        SELECT ${workspaceId}::uuid, * FROM unnest(${c[0]}::text[], ${c[1]}::date[], ${c[2]}::text[], ${sumArrays(c, 3)})`.execute(tx);
    },
    3 + SUM_COLUMNS.length,
  );
  const byChannel = (byKey: Map<string, Map<number, Sums>>) => {
    const out = new Map<string, Sums>();
    for (const [key, days] of byKey) {
      const channel = key.slice(0, key.indexOf('\u0000'));
      for (const [day, sums] of days) {
        const at = `${day}\u0000${channel}`;
        let total = out.get(at);
        if (total === undefined) {
          total = zeroSums();
          out.set(at, total);
        }
        addInto(total, sums);
      }
    }
    return out;
  };
  const base = byChannel(acc.base);
  for (const model of ATTRIBUTION_MODELS) {
    const outcomes = byChannel(acc.outcomes.get(model) as Map<string, Map<number, Sums>>);
    for (const at of new Set([...base.keys(), ...outcomes.keys()])) {
      const sums = zeroSums();
      addInto(sums, base.get(at));
      addInto(sums, outcomes.get(at));
      const [day, channel] = at.split('\u0000') as [string, string];
      await writer.add([model, dayText(Number(day)), channel, ...sums.map(String)]);
    }
  }
  await writer.flush();
  return writer.rows;
}

/**
 * report_campaign_running: per model and (channel, campaign), running sums on every day from the
 * campaign's first day to the last day of any data, so a range is two rows apart.
 */
async function writeCampaignRunning(tx: WorkspaceTx, workspaceId: string, acc: Accumulator): Promise<number> {
  const writer = new ColumnWriter(
    tx,
    async (c) => {
      await sql`INSERT INTO report_campaign_running (workspace_id, model, day, channel, campaign_id, ${sumNames})
        SELECT ${workspaceId}::uuid, * FROM unnest(${c[0]}::text[], ${c[1]}::date[], ${c[2]}::text[], ${c[3]}::uuid[], ${sumArrays(c, 4)})`.execute(tx);
    },
    4 + SUM_COLUMNS.length,
  );
  const days: string[] = [];
  for (let n = acc.firstDay; n <= acc.lastDay; n += 1) days.push(dayText(n));
  for (const model of ATTRIBUTION_MODELS) {
    const outcomes = acc.outcomes.get(model) as Map<string, Map<number, Sums>>;
    for (const key of new Set([...acc.base.keys(), ...outcomes.keys()])) {
      const [channel, campaign] = key.split('\u0000') as [string, string];
      const own = acc.base.get(key);
      const theirs = outcomes.get(key);
      let first = Number.POSITIVE_INFINITY;
      for (const n of own?.keys() ?? []) if (n < first) first = n;
      for (const n of theirs?.keys() ?? []) if (n < first) first = n;
      const running = zeroSums();
      for (let n = first; n <= acc.lastDay; n += 1) {
        addInto(running, own?.get(n));
        addInto(running, theirs?.get(n));
        await writer.add([model, days[n - acc.firstDay] as string, channel, campaign, ...running.map(String)]);
      }
    }
  }
  await writer.flush();
  return writer.rows;
}
