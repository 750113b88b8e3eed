// Reports end to end: synced rows (through the sync engine's own upserts) -> rollups -> the report
// API, against a fixture small enough to check by hand. Also: the time zone and currency rates,
// rebuilds that change nothing, exports (audited, neutralised, analysts only), bad input, tenants.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addMember, createPeople, createWorkspace, type Person } from '../../test/support/accounts.js';
import { createTestApp, type TestApp } from '../../test/support/app.js';
import { queryAsOwnerWithoutRls } from '../../test/support/database.js';
import { createIntegration } from '../../test/sync-support.js';
import type { Utm } from '../integrations/index.js';
import { writeRecordsAtOnce } from '../sync/index.js';
import { rebuildRollups } from './rollups.js';

const noUtm: Utm = { source: null, medium: null, campaign: null, content: null, term: null };
const noClicks = { gclid: null, fbclid: null, yclid: null };
const utm = (source: string, medium: string, campaign: string) => ({ ...noUtm, source, medium, campaign });

let t: TestApp;
let owner: Person;
let workspaceId: string;

/**
 * The hand-checked fixture (docs in each `expect` below):
 * - Meta (USD account): "Spring Sale" spends $100 on 1 Mar and $50 on 2 Mar; USD->EUR is 0.9 from
 *   1 Mar, so EUR 135.00; 1,500 impressions, 75 clicks.
 * - Google (EUR account): "Brand" spends EUR 60 on 1 Mar; 600 impressions, 30 clicks.
 * - Person P1: lead L1 from facebook/cpc/"spring sale" (1 Mar), lead L2 from Google/CPC/"Brand"
 *   (3 Mar); deal D1 on L2 created 4 Mar, won 5 Mar, EUR 300.
 * - Person P2: lead L3 from fb/paid/"Spring%20Sale" (2 Mar); deal D2 on L3, won 6 Mar, USD 100
 *   (= EUR 90.00).
 * - Deal D3: no person, no tags (direct), created 5 Mar 03:00 UTC, still open, EUR 50.
 */
async function seedFixture(): Promise<void> {
  const ads = await createIntegration(t.database.db, workspaceId, 'meta-ads');
  await writeRecordsAtOnce(t.database.db, { workspaceId, integrationId: ads, provider: 'meta-ads' }, [
    { stream: 'ad_accounts', records: [{ externalId: 'act_1', name: 'Meta main', currency: 'USD', timezone: 'UTC' }] },
    { stream: 'campaigns', records: [{ accountExternalId: 'act_1', externalId: '2385', name: 'Spring Sale', status: 'active' }] },
    {
      stream: 'ad_stats',
      records: [
        { accountExternalId: 'act_1', campaignExternalId: '2385', date: '2026-03-01', spendMicros: 100_000_000, impressions: 1000, clicks: 50, platformConversions: 0 },
        { accountExternalId: 'act_1', campaignExternalId: '2385', date: '2026-03-02', spendMicros: 50_000_000, impressions: 500, clicks: 25, platformConversions: 0 },
      ],
    },
  ]);
  const google = await createIntegration(t.database.db, workspaceId, 'google-ads');
  await writeRecordsAtOnce(t.database.db, { workspaceId, integrationId: google, provider: 'google-ads' }, [
    { stream: 'ad_accounts', records: [{ externalId: '123-456-7890', name: 'Google', currency: 'EUR', timezone: 'UTC' }] },
    { stream: 'campaigns', records: [{ accountExternalId: '123-456-7890', externalId: '987', name: 'Brand', status: 'active' }] },
    { stream: 'ad_stats', records: [{ accountExternalId: '123-456-7890', campaignExternalId: '987', date: '2026-03-01', spendMicros: 60_000_000, impressions: 600, clicks: 30, platformConversions: 0 }] },
  ]);
  const crm = await createIntegration(t.database.db, workspaceId, 'amocrm');
  const lead = (externalId: string, contact: string, createdAt: string, tags: Utm) => ({
    externalId,
    contactExternalId: contact,
    createdAt,
    status: 'new',
    pipeline: null,
    utm: tags,
    clickIds: noClicks,
  });
  await writeRecordsAtOnce(t.database.db, { workspaceId, integrationId: crm, provider: 'amocrm' }, [
    {
      stream: 'leads',
      records: [
        lead('L1', 'P1', '2026-03-01T10:00:00Z', utm('facebook', 'cpc', 'spring sale')),
        lead('L2', 'P1', '2026-03-03T10:00:00Z', utm('Google', 'CPC', 'Brand')),
        lead('L3', 'P2', '2026-03-02T12:00:00Z', utm('fb', 'paid', 'Spring%20Sale')),
      ],
    },
    {
      stream: 'deals',
      records: [
        { externalId: 'D1', leadExternalId: 'L2', contactExternalId: 'P1', status: 'won', amountMinor: 30_000, currency: 'EUR', createdAt: '2026-03-04T10:00:00Z', closedAt: '2026-03-05T10:00:00Z', utm: noUtm, clickIds: noClicks },
        { externalId: 'D2', leadExternalId: 'L3', contactExternalId: 'P2', status: 'won', amountMinor: 10_000, currency: 'USD', createdAt: '2026-03-02T13:00:00Z', closedAt: '2026-03-06T09:00:00Z', utm: noUtm, clickIds: noClicks },
        { externalId: 'D3', leadExternalId: null, contactExternalId: null, status: 'open', amountMinor: 5_000, currency: 'EUR', createdAt: '2026-03-05T03:00:00Z', closedAt: null, utm: noUtm, clickIds: noClicks },
      ],
    },
  ]);
}

const RANGE = 'from=2026-03-01&to=2026-03-07';
type Row = { key: string; label: string; channel: string | null; campaignId: string | null; metrics: Record<string, unknown> };

async function report(query: string, who: Person = owner): Promise<{ rows: Row[]; totals: Record<string, unknown>; total: number }> {
  const response = await who.client.get(`/api/workspaces/${workspaceId}/reports?${query}`);
  expect(response.statusCode, response.body).toBe(200);
  return response.json();
}

const byKey = (rows: Row[]) => Object.fromEntries(rows.map((r) => [r.key, r.metrics]));

beforeAll(async () => {
  t = await createTestApp();
  const people = createPeople(t, 71);
  owner = await people.signUp('analytics-owner@example.test');
  workspaceId = await createWorkspace(owner, 'Analytics Co');
  expect((await owner.client.patch(`/api/workspaces/${workspaceId}`, { currency: 'EUR', timezone: 'UTC' })).statusCode).toBe(200);
  await seedFixture();
  const rates = await owner.client.post(`/api/workspaces/${workspaceId}/analytics/rates`, { rates: [{ date: '2026-03-01', base: 'USD', rate: '0.9' }] });
  expect(rates.statusCode, rates.body).toBe(200);
}, 60_000);

afterAll(async () => {
  await t?.close();
});

describe('the hand-checked fixture', () => {
  it('reports by channel under last non-direct touch, to the cent', async () => {
    const { rows, totals } = await report(`${RANGE}&groupBy=channel&model=last_non_direct`);
    const channels = byKey(rows);
    // Meta: EUR 135.00 spend, leads L1 and L3, deal D2 won for EUR 90.00.
    expect(channels['meta-ads']).toEqual({
      spend: '135.00', impressions: 1500, clicks: 75, ctr: 0.05, cpc: '1.80', leads: 2, cpl: '67.50', deals: 1, wonDeals: 1,
      leadToDealRate: 0.5, dealWinRate: 1, revenue: '90.00', cac: '135.00', romi: -0.3333, roas: 0.6667, ltv: '90.00',
    });
    // Google: D1's last non-direct touch is L2 (Google), so all of EUR 300 is Google's.
    expect(channels['google-ads']).toEqual({
      spend: '60.00', impressions: 600, clicks: 30, ctr: 0.05, cpc: '2.00', leads: 1, cpl: '60.00', deals: 1, wonDeals: 1,
      leadToDealRate: 1, dealWinRate: 1, revenue: '300.00', cac: '60.00', romi: 4, roas: 5, ltv: '300.00',
    });
    // Direct: D3, open, no spend: every ratio over zero is null, never NaN or Infinity.
    expect(channels['direct']).toMatchObject({ spend: '0.00', deals: 1, wonDeals: 0, revenue: '0.00', cpl: null, cac: null, romi: null, roas: null, ltv: null, dealWinRate: 0 });
    // Totals: 195.00 spent, 390.00 earned: ROMI 1, ROAS 2, CAC 97.50, CPL 65.00, LTV (300 + 90) / 2.
    expect(totals).toMatchObject({ spend: '195.00', leads: 3, deals: 3, wonDeals: 2, revenue: '390.00', romi: 1, roas: 2, cac: '97.50', cpl: '65.00', ltv: '195.00' });
    expect(rows.map((r) => r.key), 'sorted by spend, highest first').toEqual(['meta-ads', 'google-ads', 'direct']);
  });

  it('splits D1 between Meta and Google under linear, and gives it to Meta under first touch', async () => {
    const linear = byKey((await report(`${RANGE}&model=linear`)).rows);
    expect(linear['meta-ads']).toMatchObject({ deals: 1.5, wonDeals: 1.5, revenue: '240.00' });
    expect(linear['google-ads']).toMatchObject({ deals: 0.5, wonDeals: 0.5, revenue: '150.00' });
    const first = byKey((await report(`${RANGE}&model=first_touch`)).rows);
    expect(first['meta-ads']).toMatchObject({ deals: 2, revenue: '390.00' });
    expect(first['google-ads']).toMatchObject({ deals: 0, revenue: '0.00' });
    for (const model of ['first_touch', 'last_non_direct', 'linear', 'position_based', 'time_decay']) {
      const { totals } = await report(`${RANGE}&model=${model}`);
      expect(totals, model).toMatchObject({ deals: 3, wonDeals: 2, revenue: '390.00', spend: '195.00' });
    }
  });

  it('matches utm_campaign to the platform campaign, whatever its case and encoding', async () => {
    const { rows } = await report(`${RANGE}&groupBy=campaign&channel=meta-ads`);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ label: 'Spring Sale', channel: 'meta-ads', metrics: { leads: 2, spend: '135.00' } });
    const all = await report(`${RANGE}&groupBy=campaign&sort=label&order=asc`);
    expect(all.rows.map((r) => r.label)).toEqual(['Brand', 'Direct · no matching campaign', 'Spring Sale']);
  });

  it('gives KPI totals, the period before, and every day of the range', async () => {
    const response = await owner.client.get(`/api/workspaces/${workspaceId}/reports/summary?${RANGE}`);
    expect(response.statusCode, response.body).toBe(200);
    const summary = response.json() as { currency: string; previousRange: unknown; previous: Record<string, unknown>; series: Array<{ date: string; spend: string; revenue: string }>; dataFrom: string; dataTo: string };
    expect(summary.currency).toBe('EUR');
    expect(summary.previousRange).toEqual({ from: '2026-02-22', to: '2026-02-28' });
    expect(summary.previous).toMatchObject({ spend: '0.00', revenue: '0.00', romi: null });
    expect(summary.series).toHaveLength(7);
    expect(summary.series.slice(0, 2)).toEqual([
      { date: '2026-03-01', spend: '150.00', revenue: '0.00' },
      { date: '2026-03-02', spend: '45.00', revenue: '0.00' },
    ]);
    expect(summary.series.find((p) => p.date === '2026-03-05')?.revenue).toBe('300.00');
    expect(summary.series.find((p) => p.date === '2026-03-06')?.revenue).toBe('90.00');
    expect([summary.dataFrom, summary.dataTo]).toEqual(['2026-03-01', '2026-03-06']);
  });

  it('counts days in the workspace time zone, and rebuilding twice changes nothing', async () => {
    const days = async () => byKey((await report(`${RANGE}&groupBy=day&sort=label&order=asc`)).rows);
    expect((await days())['2026-03-05']).toMatchObject({ deals: 1 });
    // D3 was created at 03:00 UTC on 5 Mar: 19:00 on 4 Mar in Los Angeles.
    expect((await owner.client.patch(`/api/workspaces/${workspaceId}`, { timezone: 'America/Los_Angeles' })).statusCode).toBe(200);
    expect((await days())['2026-03-04']).toMatchObject({ deals: 2 });
    expect((await owner.client.patch(`/api/workspaces/${workspaceId}`, { timezone: 'UTC' })).statusCode).toBe(200);
    const before = await report(`${RANGE}&groupBy=campaign&model=time_decay`);
    await rebuildRollups(t.database.db, workspaceId);
    await rebuildRollups(t.database.db, workspaceId);
    expect(await report(`${RANGE}&groupBy=campaign&model=time_decay`)).toEqual(before);
  });

  it('leaves out spend with no rate into the reporting currency, and says so', async () => {
    expect((await owner.client.patch(`/api/workspaces/${workspaceId}`, { currency: 'GBP' })).statusCode).toBe(200);
    const { totals } = await report(RANGE);
    // Nothing converts USD or EUR into GBP: no number is guessed.
    expect(totals).toMatchObject({ spend: '0.00', revenue: '0.00' });
    const builds = await queryAsOwnerWithoutRls<{ missing_rates: Array<{ currency: string }> }>(t.database.owner, ['report_builds'], 'SELECT missing_rates FROM report_builds WHERE workspace_id = $1', [workspaceId]);
    expect(builds[0]?.missing_rates.map((m) => m.currency)).toEqual(['EUR', 'USD']);
    expect((await owner.client.patch(`/api/workspaces/${workspaceId}`, { currency: 'EUR' })).statusCode).toBe(200);
    expect((await report(RANGE)).totals).toMatchObject({ spend: '195.00' });
  });
});

describe('exports', () => {
  it('downloads CSV and XLSX for analysts, audits each, and neutralises formula-like names', async () => {
    // As the owner without RLS (FORCE RLS binds the table owner too on a PostgreSQL server).
    const renamed = await queryAsOwnerWithoutRls<{ id: string }>(
      t.database.owner,
      ['campaigns'],
      `UPDATE campaigns SET name = '=HYPERLINK("http://evil.test")' WHERE workspace_id = $1 AND name = 'Brand' RETURNING id`,
      [workspaceId],
    );
    expect(renamed).toHaveLength(1);
    const csv = await owner.client.get(`/api/workspaces/${workspaceId}/reports/export.csv?${RANGE}&groupBy=campaign`);
    expect(csv.statusCode, csv.body).toBe(200);
    expect(csv.headers['content-type']).toContain('text/csv');
    expect(csv.headers['content-disposition']).toMatch(/^attachment; filename="throughline-campaign-2026-03-01-2026-03-07-last_non_direct\.csv"$/);
    const lines = csv.body.trim().split('\r\n');
    expect(lines[0]).toContain('Spend (EUR)');
    expect(lines.find((l) => l.includes('HYPERLINK'))).toMatch(/^"'=HYPERLINK/);
    expect(lines.find((l) => l.startsWith('Spring Sale'))).toContain(',-0.3333,');
    const xlsx = await owner.client.get(`/api/workspaces/${workspaceId}/reports/export.xlsx?${RANGE}&groupBy=campaign`);
    expect(xlsx.statusCode).toBe(200);
    expect(xlsx.rawPayload.subarray(0, 2).toString('latin1')).toBe('PK');
    const audit = await queryAsOwnerWithoutRls<{ n: number }>(t.database.owner, ['audit_log'], `SELECT count(*)::int AS n FROM audit_log WHERE workspace_id = $1 AND action = 'data.exported'`, [workspaceId]);
    expect(audit[0]?.n).toBe(2);
  });

  it('lets viewers read reports but not export them, and hides the workspace from strangers', async () => {
    const people = createPeople(t, 72);
    const viewer = await people.signUp('analytics-viewer@example.test');
    await addMember(t, owner, workspaceId, viewer, 'viewer');
    expect((await viewer.client.get(`/api/workspaces/${workspaceId}/reports?${RANGE}`)).statusCode).toBe(200);
    expect((await viewer.client.get(`/api/workspaces/${workspaceId}/reports/export.csv?${RANGE}`)).statusCode).toBe(403);
    expect((await viewer.client.patch(`/api/workspaces/${workspaceId}/analytics/settings`, { halfLifeDays: 3 })).statusCode).toBe(403);
    const stranger = await people.signUp('analytics-stranger@example.test');
    for (const path of ['reports?' + RANGE, 'reports/summary?' + RANGE, 'analytics/settings', 'analytics/rates']) {
      expect((await stranger.client.get(`/api/workspaces/${workspaceId}/${path}`)).statusCode, path).toBe(404);
    }
    expect((await stranger.client.get(`/api/workspaces/${randomUUID()}/reports?${RANGE}`)).statusCode).toBe(404);
  });
});

describe('settings and bad input', () => {
  it('applies channel rules at once and refuses rules it could not run safely', async () => {
    const url = `/api/workspaces/${workspaceId}/analytics/settings`;
    const saved = await owner.client.patch(url, { channelRules: [{ channel: 'partners', medium: { op: 'equals', value: 'cpc' }, campaign: { op: 'starts_with', value: 'brand' } }] });
    expect(saved.statusCode, saved.body).toBe(200);
    const channels = byKey((await report(RANGE)).rows);
    expect(channels['partners']).toMatchObject({ leads: 1 });
    expect(channels['google-ads']).toMatchObject({ leads: 0 });
    expect((await owner.client.patch(url, { channelRules: [{ channel: 'Bad Key!', medium: { op: 'equals', value: 'x' } }] })).statusCode).toBe(400);
    expect((await owner.client.patch(url, { channelRules: [{ channel: 'x', medium: { op: 'regex', value: '(a+)+$' } }] })).statusCode).toBe(400);
    expect((await owner.client.patch(url, { channelRules: [] })).statusCode).toBe(200);
    expect(byKey((await report(RANGE)).rows)['google-ads']).toMatchObject({ leads: 1 });
  });

  it('previews rules against the tags actually seen, changing nothing', async () => {
    const url = `/api/workspaces/${workspaceId}/analytics/channel-rules/preview`;
    const rules = [{ channel: 'social', source: { op: 'equals', value: 'facebook' } }];
    const response = await owner.client.post(url, { channelRules: rules });
    expect(response.statusCode, response.body).toBe(200);
    const preview = response.json() as { rows: Array<{ source: string | null; touches: number; current: string; proposed: string }>; changed: number };
    // L1 (facebook) and L3 (fb) move from Meta Ads to "social"; Google's lead and the untagged deals do not.
    expect(preview.rows.filter((r) => r.proposed === 'social').map((r) => [r.source, r.current])).toEqual(
      expect.arrayContaining([['facebook', 'meta-ads'], ['fb', 'meta-ads']]),
    );
    expect(preview.changed).toBe(2);
    expect(preview.rows.find((r) => r.source === null)).toMatchObject({ touches: 3, current: 'direct', proposed: 'direct' });
    // Nothing was saved.
    expect(byKey((await report(RANGE)).rows)['social']).toBeUndefined();
  });

  it('answers 400 in the standard shape for impossible ranges and unknown options', async () => {
    const base = `/api/workspaces/${workspaceId}/reports`;
    for (const query of ['from=2026-03-07&to=2026-03-01', 'from=2026-02-30&to=2026-03-01', 'from=2020-01-01&to=2026-01-01', `${RANGE}&model=magic`, `${RANGE}&groupBy=hour`, `${RANGE}&sort=drop%20table`, `${RANGE}&pageSize=100000`, `${RANGE}&extra=1`]) {
      const response = await owner.client.get(`${base}?${query}`);
      expect(response.statusCode, query).toBe(400);
      expect(response.json(), query).toMatchObject({ error: { code: 'request.invalid' } });
    }
    const rates = `/api/workspaces/${workspaceId}/analytics/rates`;
    expect((await owner.client.post(rates, { rates: [{ date: '2026-03-01', base: 'USD', rate: '0' }] })).statusCode).toBe(400);
    const twice = await owner.client.post(rates, { rates: [{ date: '2026-03-01', base: 'USD', rate: '0.9' }, { date: '2026-03-01', base: 'USD', rate: '0.8' }] });
    expect(twice.statusCode).toBe(400);
    expect(twice.json()).toMatchObject({ error: { code: 'request.invalid' } });
    expect((await owner.client.get(rates)).json()).toMatchObject({ rates: [{ date: '2026-03-01', base: 'USD', rate: '0.9000000000' }] });
  });
});
