// Reports, exports and analytics settings under /api/workspaces/:id: HTTP only. Viewers and up
// read reports; analysts and up export (the export is audited); admins and up change settings
// and currency rates. Another workspace answers 404, as an unknown one does.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { auditContextOf } from '../auth/index.js';
import { requireWorkspaceRole, type WorkspaceAccessDeps } from '../workspaces/index.js';
import { ATTRIBUTION_MODELS } from './attribution.js';
import { channelRulesSchema } from './channels.js';
import { REPORT_GROUPINGS, REPORT_SORT_KEYS } from './reports.js';
import type { AnalyticsService } from './service.js';

export interface AnalyticsRouteDeps extends WorkspaceAccessDeps {
  analytics: AnalyticsService;
}

/** A real calendar day: 2026-02-30 is refused, not rolled over into March. */
const day = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'a date as YYYY-MM-DD')
  .refine((value) => {
    const parsed = new Date(`${value}T00:00:00Z`);
    return !Number.isNaN(parsed.getTime()) && parsed.toISOString().slice(0, 10) === value;
  }, 'not a calendar date')
  .meta({ example: '2026-11-01' });
const model = z.enum(ATTRIBUTION_MODELS).meta({ description: 'Attribution model; the workspace default when omitted' });
const channelKey = z.string().regex(/^[a-z0-9][a-z0-9-]{0,39}$/, 'a channel key such as meta-ads');
const money = z.string().meta({ description: 'Decimal in the reporting currency, two places' });
const ratio = z.number().nullable();

const metricsSchema = z
  .object({
    spend: money,
    impressions: z.number(),
    clicks: z.number(),
    ctr: ratio,
    cpc: money.nullable(),
    leads: z.number(),
    cpl: money.nullable(),
    deals: z.number().meta({ description: 'Attributed deals (fractional under multi-touch models)' }),
    wonDeals: z.number(),
    leadToDealRate: ratio,
    dealWinRate: ratio,
    revenue: money,
    cac: money.nullable(),
    romi: ratio.meta({ description: '(revenue - spend) / spend' }),
    roas: ratio.meta({ description: 'revenue / spend' }),
    ltv: money.nullable(),
  })
  .meta({ id: 'ReportMetrics' });

const rangeQuery = { from: day, to: day, model: model.optional() };
const reportQuery = z.strictObject({
  ...rangeQuery,
  groupBy: z.enum(REPORT_GROUPINGS).default('channel'),
  channel: channelKey.optional().meta({ description: 'Only this channel (drill-down)' }),
  sort: z.enum(REPORT_SORT_KEYS).default('spend'),
  order: z.enum(['asc', 'desc']).default('desc'),
});
const pagedReportQuery = reportQuery.extend({ page: z.coerce.number().int().min(1).max(100_000).default(1), pageSize: z.coerce.number().int().min(1).max(500).default(50) });
const params = z.object({ id: z.uuid() });

const settingsSchema = z
  .object({
    reportingCurrency: z.string(),
    timezone: z.string(),
    halfLifeDays: z.number().int(),
    ltvWindowDays: z.number().int(),
    defaultModel: model,
    channelRules: channelRulesSchema,
  })
  .meta({ id: 'AnalyticsSettings' });

const rateSchema = z.strictObject({
  date: day,
  base: z.string().regex(/^[A-Z]{3}$/, 'an ISO 4217 code such as EUR'),
  rate: z
    .string()
    .regex(/^\d{1,14}(\.\d{1,10})?$/, 'a positive decimal such as 0.0107')
    .refine((value) => /[1-9]/.test(value), 'must be above zero')
    .meta({ description: `1 unit of base = rate units of the workspace's reporting currency` }),
});

export function registerAnalyticsRoutes(app: FastifyInstance, deps: AnalyticsRouteDeps): void {
  const routes = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['analytics'];
  const limit = (max: number) => ({ rateLimit: { max, timeWindow: '1 minute' } });

  routes.get(
    '/api/workspaces/:id/reports/summary',
    {
      config: limit(120),
      schema: {
        tags,
        summary: 'KPI totals for a range and the period before it, and spend vs revenue per day',
        params,
        querystring: z.strictObject(rangeQuery),
        response: {
          200: z.object({
            currency: z.string(),
            timezone: z.string(),
            model,
            range: z.object({ from: z.string(), to: z.string() }),
            previousRange: z.object({ from: z.string(), to: z.string() }),
            totals: metricsSchema,
            previous: metricsSchema,
            series: z.array(z.object({ date: z.string(), spend: money, revenue: money })),
            dataFrom: z.string().nullable(),
            dataTo: z.string().nullable(),
          }),
        },
      },
    },
    async (request) => {
      const access = await requireWorkspaceRole(request, deps, request.params.id, 'viewer');
      return deps.analytics.summary(access, request.query);
    },
  );

  routes.get(
    '/api/workspaces/:id/reports',
    {
      config: limit(120),
      schema: {
        tags,
        summary: 'Metrics grouped by channel, campaign, day, week or month, sorted and paged',
        params,
        querystring: pagedReportQuery,
        response: {
          200: z.object({
            currency: z.string(),
            model,
            groupBy: z.enum(REPORT_GROUPINGS),
            page: z.number().int(),
            pageSize: z.number().int(),
            total: z.number().int(),
            totals: metricsSchema,
            rows: z.array(z.object({ key: z.string(), label: z.string(), channel: z.string().nullable(), campaignId: z.string().nullable(), metrics: metricsSchema })),
          }),
        },
      },
    },
    async (request) => {
      const access = await requireWorkspaceRole(request, deps, request.params.id, 'viewer');
      const { page, pageSize, ...query } = request.query;
      return deps.analytics.report(access, query, { page, pageSize });
    },
  );

  for (const format of ['csv', 'xlsx'] as const) {
    routes.get(
      `/api/workspaces/:id/reports/export.${format}`,
      {
        config: limit(20),
        schema: { tags, summary: `Download the report as ${format.toUpperCase()} (analyst or above; audited)`, params, querystring: reportQuery },
      },
      async (request, reply) => {
        const access = await requireWorkspaceRole(request, deps, request.params.id, 'analyst');
        const file = await deps.analytics.exportReport(access, request.query, format, auditContextOf(request, access.principal));
        return reply
          .header('content-type', file.contentType)
          .header('content-disposition', `attachment; filename="${file.filename}"`)
          .header('cache-control', 'no-store')
          .send(file.body);
      },
    );
  }

  routes.get(
    '/api/workspaces/:id/analytics/settings',
    { schema: { tags, summary: 'Reporting currency, time zone, attribution settings and channel rules', params, response: { 200: settingsSchema } } },
    async (request) => {
      const access = await requireWorkspaceRole(request, deps, request.params.id, 'viewer');
      return deps.analytics.settings(access);
    },
  );

  routes.patch(
    '/api/workspaces/:id/analytics/settings',
    {
      config: limit(30),
      schema: {
        tags,
        summary: 'Change attribution settings and channel rules (owner or admin); reports are rebuilt at once',
        params,
        body: z
          .strictObject({
            halfLifeDays: z.number().int().min(1).max(365).optional(),
            ltvWindowDays: z.number().int().min(1).max(3650).optional(),
            defaultModel: model.optional(),
            channelRules: channelRulesSchema.optional(),
          })
          .refine((body) => Object.values(body).some((v) => v !== undefined), 'nothing to change'),
        response: { 200: settingsSchema },
      },
    },
    async (request) => {
      const access = await requireWorkspaceRole(request, deps, request.params.id, 'admin');
      return deps.analytics.updateSettings(access, request.body, auditContextOf(request, access.principal));
    },
  );

  routes.post(
    '/api/workspaces/:id/analytics/channel-rules/preview',
    {
      config: limit(30),
      schema: {
        tags,
        summary: 'How proposed channel rules would classify the most common tags of leads and deals, next to the current rules (analyst or above; changes nothing)',
        params,
        body: z.strictObject({ channelRules: channelRulesSchema }),
        response: {
          200: z.object({
            rows: z.array(
              z.object({
                source: z.string().nullable(),
                medium: z.string().nullable(),
                campaign: z.string().nullable(),
                clickId: z.boolean(),
                touches: z.number().int(),
                current: z.string(),
                proposed: z.string(),
              }),
            ),
            changed: z.number().int(),
          }),
        },
      },
    },
    async (request) => {
      const access = await requireWorkspaceRole(request, deps, request.params.id, 'analyst');
      return deps.analytics.previewChannelRules(access, request.body.channelRules);
    },
  );

  routes.get(
    '/api/workspaces/:id/analytics/rates',
    {
      schema: {
        tags,
        summary: 'Daily currency rates into the reporting currency (latest 1,000)',
        params,
        response: { 200: z.object({ quote: z.string(), rates: z.array(z.object({ date: z.string(), base: z.string(), rate: z.string() })) }) },
      },
    },
    async (request) => {
      const access = await requireWorkspaceRole(request, deps, request.params.id, 'viewer');
      return deps.analytics.rates(access);
    },
  );

  routes.post(
    '/api/workspaces/:id/analytics/rates',
    {
      config: limit(20),
      schema: {
        tags,
        summary: 'Add or replace daily currency rates (owner or admin); reports are rebuilt at once',
        params,
        body: z.strictObject({
          rates: z
            .array(rateSchema)
            .min(1)
            .max(20_000)
            .refine((rates) => new Set(rates.map((r) => `${r.date}:${r.base}`)).size === rates.length, 'each date and currency at most once'),
        }),
        response: { 200: z.object({ saved: z.number().int() }) },
      },
    },
    async (request) => {
      const access = await requireWorkspaceRole(request, deps, request.params.id, 'admin');
      return deps.analytics.saveRates(access, request.body.rates, auditContextOf(request, access.principal));
    },
  );
}
