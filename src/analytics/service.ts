// The analytics service: reports, exports, settings and currency rates of a workspace, and the
// rollup rebuild the sync, CSV import and settings changes call. Every read is scoped twice:
// withWorkspace (RLS) and the caller's current role. Exports and changes are audited.
import { sql } from 'kysely';
import writeXlsxFile from 'write-excel-file/node';
import type { AuditContext, AuditService } from '../audit/index.js';
import type { Database, WorkspaceTx } from '../db/index.js';
import { AppError } from '../http/errors.js';
import { csvRow } from '../http/csv.js';
import { requireCurrentRole, type WorkspaceAccess } from '../workspaces/index.js';
import type { AttributionModel } from './attribution.js';
import { createChannelClassifier, type ChannelRule } from './channels.js';
import type { Metrics } from './metrics.js';
import { buildReport, dailySeries, dataSpan, daysBetween, nextDay, totalsOf, type DailyPoint, type ReportQuery, type ReportRow } from './reports.js';
import { rebuildRollups, type RollupBuild } from './rollups.js';
import { loadAnalyticsSettings, saveAnalyticsSettings, type AnalyticsSettings, type AnalyticsSettingsPatch } from './settings.js';

/** The longest range a report covers (the dashboard's presets are far shorter). */
export const MAX_REPORT_DAYS = 3 * 366;

export interface SummaryQuery {
  from: string;
  to: string;
  model?: AttributionModel | undefined;
}

export interface Summary {
  currency: string;
  timezone: string;
  model: AttributionModel;
  range: { from: string; to: string };
  previousRange: { from: string; to: string };
  totals: Metrics;
  previous: Metrics;
  series: DailyPoint[];
  dataFrom: string | null;
  dataTo: string | null;
}

export interface ReportPage {
  currency: string;
  model: AttributionModel;
  groupBy: ReportQuery['groupBy'];
  page: number;
  pageSize: number;
  total: number;
  totals: Metrics;
  rows: ReportRow[];
}

export type ReportRequest = Omit<ReportQuery, 'model'> & { model?: AttributionModel | undefined };

export interface ExportFile {
  filename: string;
  contentType: string;
  body: Buffer;
}

export interface CurrencyRate {
  date: string;
  base: string;
  rate: string;
}

export interface AnalyticsService {
  summary(access: WorkspaceAccess, query: SummaryQuery): Promise<Summary>;
  report(access: WorkspaceAccess, query: ReportRequest, paging: { page: number; pageSize: number }): Promise<ReportPage>;
  exportReport(access: WorkspaceAccess, query: ReportRequest, format: 'csv' | 'xlsx', context: AuditContext): Promise<ExportFile>;
  settings(access: WorkspaceAccess): Promise<AnalyticsSettings>;
  updateSettings(access: WorkspaceAccess, patch: AnalyticsSettingsPatch, context: AuditContext): Promise<AnalyticsSettings>;
  rates(access: WorkspaceAccess): Promise<{ quote: string; rates: CurrencyRate[] }>;
  saveRates(access: WorkspaceAccess, rates: readonly CurrencyRate[], context: AuditContext): Promise<{ saved: number }>;
  /** The most common tag combinations of leads and deals, classified under the current and the proposed rules. */
  previewChannelRules(access: WorkspaceAccess, rules: readonly ChannelRule[]): Promise<ChannelRulePreview>;
  /** Rebuilds the rollups after new data (sync, import); callers hold no user access. */
  rebuild(workspaceId: string): Promise<RollupBuild>;
}

export interface ChannelRulePreview {
  rows: Array<{ source: string | null; medium: string | null; campaign: string | null; clickId: boolean; touches: number; current: string; proposed: string }>;
  /** Touches (leads and deals) whose channel the proposed rules change, among those shown. */
  changed: number;
}

/** Distinct tag combinations a preview shows, most frequent first. */
const PREVIEW_ROWS = 200;

export interface AnalyticsServiceDeps {
  db: Pick<Database, 'withWorkspace'>;
  audit: Pick<AuditService, 'record'>;
}

function checkRange(from: string, to: string): void {
  if (to < from) throw new AppError('request.invalid', { message: 'The range ends before it starts.' });
  if (daysBetween(from, to) >= MAX_REPORT_DAYS) throw new AppError('request.invalid', { message: 'A report covers at most three years.' });
}

const EXPORT_COLUMNS: ReadonlyArray<{ header: string; value: (row: ReportRow) => string | number | null }> = [
  { header: 'Label', value: (r) => r.label },
  { header: 'Channel', value: (r) => r.channel },
  { header: 'Campaign ID', value: (r) => r.campaignId },
  { header: 'Spend', value: (r) => r.metrics.spend },
  { header: 'Impressions', value: (r) => r.metrics.impressions },
  { header: 'Clicks', value: (r) => r.metrics.clicks },
  { header: 'CTR', value: (r) => r.metrics.ctr },
  { header: 'CPC', value: (r) => r.metrics.cpc },
  { header: 'Leads', value: (r) => r.metrics.leads },
  { header: 'CPL', value: (r) => r.metrics.cpl },
  { header: 'Deals', value: (r) => r.metrics.deals },
  { header: 'Won deals', value: (r) => r.metrics.wonDeals },
  { header: 'Lead to deal', value: (r) => r.metrics.leadToDealRate },
  { header: 'Win rate', value: (r) => r.metrics.dealWinRate },
  { header: 'Revenue', value: (r) => r.metrics.revenue },
  { header: 'CAC', value: (r) => r.metrics.cac },
  { header: 'ROMI', value: (r) => r.metrics.romi },
  { header: 'ROAS', value: (r) => r.metrics.roas },
  { header: 'LTV', value: (r) => r.metrics.ltv },
];

/** Money columns hold exact decimal strings; in a spreadsheet they go as numbers it can add. */
const MONEY_HEADERS = new Set(['Spend', 'CPC', 'CPL', 'Revenue', 'CAC', 'LTV']);

async function toXlsx(rows: readonly ReportRow[], currency: string): Promise<Buffer> {
  const header = EXPORT_COLUMNS.map((c) => ({ value: MONEY_HEADERS.has(c.header) ? `${c.header} (${currency})` : c.header, fontWeight: 'bold' as const }));
  const body = rows.map((row) =>
    EXPORT_COLUMNS.map((column) => {
      const value = column.value(row);
      if (value === null) return null;
      if (typeof value === 'number') return { type: Number, value };
      // Money: a decimal with two places, exact in the string; a spreadsheet cell is a double anyway.
      if (MONEY_HEADERS.has(column.header)) return { type: Number, value: Number(value), format: '#,##0.00' };
      // Text cells are stored as strings (t="inlineStr"), never as formulas, whatever they start with.
      return { type: String, value };
    }),
  );
  return Buffer.from(await writeXlsxFile([header, ...body]).toBuffer());
}

export function createAnalyticsService(deps: AnalyticsServiceDeps): AnalyticsService {
  const withRole = <T>(access: WorkspaceAccess, minimum: 'viewer' | 'analyst' | 'admin', fn: (tx: WorkspaceTx) => Promise<T>) =>
    deps.db.withWorkspace(access.workspaceId, async (tx) => {
      await requireCurrentRole(tx, access, minimum);
      return fn(tx);
    });

  const fullReport = (access: WorkspaceAccess, query: ReportRequest, minimum: 'viewer' | 'analyst') =>
    withRole(access, minimum, async (tx) => {
      checkRange(query.from, query.to);
      const settings = await loadAnalyticsSettings(tx);
      const model = query.model ?? settings.defaultModel;
      const result = await buildReport(tx, { ...query, model });
      return { settings, model, ...result };
    });

  return {
    summary: (access, query) =>
      withRole(access, 'viewer', async (tx) => {
        checkRange(query.from, query.to);
        const settings = await loadAnalyticsSettings(tx);
        const model = query.model ?? settings.defaultModel;
        const length = daysBetween(query.from, query.to) + 1;
        const previousRange = { from: nextDay(query.from, -length), to: nextDay(query.from, -1) };
        // One connection, so one query after another.
        const totals = await totalsOf(tx, { ...query, model });
        const previous = await totalsOf(tx, { ...previousRange, model });
        const series = await dailySeries(tx, { ...query, model });
        const span = await dataSpan(tx, model);
        return {
          currency: settings.reportingCurrency,
          timezone: settings.timezone,
          model,
          range: { from: query.from, to: query.to },
          previousRange,
          totals,
          previous,
          series,
          dataFrom: span.from,
          dataTo: span.to,
        };
      }),

    async report(access, query, paging) {
      const { settings, model, rows, totals } = await fullReport(access, query, 'viewer');
      const start = (paging.page - 1) * paging.pageSize;
      return {
        currency: settings.reportingCurrency,
        model,
        groupBy: query.groupBy,
        page: paging.page,
        pageSize: paging.pageSize,
        total: rows.length,
        totals,
        rows: rows.slice(start, start + paging.pageSize),
      };
    },

    async exportReport(access, query, format, context) {
      // Exports leave the platform: analysts and up, and every one is on the record.
      const { settings, model, rows } = await fullReport(access, query, 'analyst');
      const name = `throughline-${query.groupBy}-${query.from}-${query.to}-${model}`;
      const body =
        format === 'csv'
          ? Buffer.from(
              csvRow(EXPORT_COLUMNS.map((c) => (MONEY_HEADERS.has(c.header) ? `${c.header} (${settings.reportingCurrency})` : c.header))) +
                rows.map((row) => csvRow(EXPORT_COLUMNS.map((c) => c.value(row)))).join(''),
              'utf8',
            )
          : await toXlsx(rows, settings.reportingCurrency);
      await deps.audit.record(
        {
          action: 'data.exported',
          workspaceId: access.workspaceId,
          target: { type: 'report', id: query.groupBy },
          details: { format, from: query.from, to: query.to, model, groupBy: query.groupBy, channel: query.channel ?? null, rows: rows.length },
        },
        context,
      );
      return {
        filename: `${name}.${format}`,
        contentType: format === 'csv' ? 'text/csv; charset=utf-8' : 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
        body,
      };
    },

    settings: (access) => withRole(access, 'viewer', (tx) => loadAnalyticsSettings(tx)),

    async updateSettings(access, patch, context) {
      const saved = await withRole(access, 'admin', async (tx) => {
        await saveAnalyticsSettings(tx, access.workspaceId, patch);
        return loadAnalyticsSettings(tx);
      });
      await deps.audit.record(
        {
          action: 'analytics.settings.changed',
          workspaceId: access.workspaceId,
          target: { type: 'workspace', id: access.workspaceId },
          details: { fields: Object.keys(patch).filter((k) => patch[k as keyof AnalyticsSettingsPatch] !== undefined) },
        },
        context,
      );
      // Every number depends on these: rebuild now, so the next report already shows the change.
      await rebuildRollups(deps.db, access.workspaceId);
      return saved;
    },

    rates: (access) =>
      withRole(access, 'viewer', async (tx) => {
        const settings = await loadAnalyticsSettings(tx);
        const rows = await tx
          .selectFrom('currency_rates')
          .select(['base', sql<string>`rate::text`.as('rate'), sql<string>`to_char(date, 'YYYY-MM-DD')`.as('day')])
          .where('quote', '=', settings.reportingCurrency)
          .orderBy('date', 'desc')
          .orderBy('base')
          .limit(1000)
          .execute();
        return { quote: settings.reportingCurrency, rates: rows.map((r) => ({ date: r.day, base: r.base.trim(), rate: r.rate })) };
      }),

    async saveRates(access, rates, context) {
      const saved = await withRole(access, 'admin', async (tx) => {
        const settings = await loadAnalyticsSettings(tx);
        if (rates.some((r) => r.base === settings.reportingCurrency)) {
          throw new AppError('request.invalid', { message: `Rates convert into ${settings.reportingCurrency}; a rate from it to itself is not needed.` });
        }
        for (let i = 0; i < rates.length; i += 1000) {
          const chunk = rates.slice(i, i + 1000).map((r) => ({ workspace_id: access.workspaceId, date: r.date, base: r.base, quote: settings.reportingCurrency, rate: r.rate }));
          await tx
            .insertInto('currency_rates')
            .values(chunk)
            .onConflict((oc) => oc.columns(['workspace_id', 'base', 'quote', 'date']).doUpdateSet((eb) => ({ rate: eb.ref('excluded.rate') })))
            .execute();
        }
        return rates.length;
      });
      await deps.audit.record(
        { action: 'analytics.rates.changed', workspaceId: access.workspaceId, target: { type: 'workspace', id: access.workspaceId }, details: { rates: saved } },
        context,
      );
      await rebuildRollups(deps.db, access.workspaceId);
      return { saved };
    },

    previewChannelRules: (access, rules) =>
      withRole(access, 'analyst', async (tx) => {
        const settings = await loadAnalyticsSettings(tx);
        const current = createChannelClassifier(settings.channelRules);
        const proposed = createChannelClassifier(rules);
        const tags = await sql<{ source: string | null; medium: string | null; campaign: string | null; click: boolean; touches: string }>`
          SELECT utm_source AS source, utm_medium AS medium, utm_campaign AS campaign, click, count(*)::text AS touches
          FROM (
            SELECT utm_source, utm_medium, utm_campaign, (gclid IS NOT NULL OR fbclid IS NOT NULL OR yclid IS NOT NULL) AS click FROM leads
            UNION ALL
            SELECT utm_source, utm_medium, utm_campaign, (gclid IS NOT NULL OR fbclid IS NOT NULL OR yclid IS NOT NULL) FROM deals
          ) t
          GROUP BY 1, 2, 3, 4 ORDER BY count(*) DESC, 1, 2, 3 LIMIT ${PREVIEW_ROWS}`.execute(tx);
        let changed = 0;
        const rows = tags.rows.map((row) => {
          // Which click id it was does not matter for the rules; gclid stands in for "one is present".
          const touch = { utmSource: row.source, utmMedium: row.medium, utmCampaign: row.campaign, gclid: row.click ? 'x' : null, fbclid: null, yclid: null };
          const before = current(touch);
          const after = proposed(touch);
          const touches = Number(row.touches);
          if (before !== after) changed += touches;
          return { source: row.source, medium: row.medium, campaign: row.campaign, clickId: row.click, touches, current: before, proposed: after };
        });
        return { rows, changed };
      }),

    rebuild: (workspaceId) => rebuildRollups(deps.db, workspaceId),
  };
}
