// The demo provider's data: deterministic (same seed and clock, same records, however the window
// is paged or resumed), and shaped like the real thing: three channels, dozens of campaigns, a year
// of spend with a weekly rhythm, leads whose tags name the campaigns (messily), click ids by
// channel, deals won and lost in whole minor units.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { ConnectorContext, DailyAdStatRecord, DealRecord, LeadRecord, StreamName, SyncBatch } from '../../integrations/index.js';
import { DEMO_CAMPAIGNS, createDemoWorld, demoAdsConnector, demoCrmConnector } from './index.js';

const NOW = new Date('2026-06-30T18:00:00Z');
const YEAR = { since: '2025-06-30', until: '2026-06-30' };

function context(overrides: Partial<ConnectorContext> & { settings?: Record<string, unknown> } = {}): ConnectorContext {
  return {
    accessToken: '',
    apiBaseUrl: 'demo:',
    settings: { seed: 'northwind' },
    fetch: async () => {
      throw new Error('the demo provider must not use the network');
    },
    ...YEAR,
    cursor: null,
    signal: new AbortController().signal,
    now: () => NOW,
    ...overrides,
  };
}

async function readAll<S extends StreamName>(stream: S, ctx: ConnectorContext): Promise<{ batches: SyncBatch<S>[]; records: SyncBatch<S>['records'] }> {
  const connector = ['contacts', 'leads', 'deals'].includes(stream) ? demoCrmConnector() : demoAdsConnector();
  const batches: SyncBatch<S>[] = [];
  for await (const batch of connector.read(stream, ctx)) batches.push(batch);
  return { batches, records: batches.flatMap((b) => b.records) as SyncBatch<S>['records'] };
}

const digest = (value: unknown) => createHash('sha256').update(JSON.stringify(value)).digest('hex');

describe('demo provider', () => {
  it('gives the same records for the same seed and clock, and different ones for another seed', async () => {
    for (const stream of ['ad_stats', 'leads', 'deals', 'contacts'] as const) {
      const once = digest((await readAll(stream, context())).records);
      expect(digest((await readAll(stream, context())).records), stream).toBe(once);
      expect(digest((await readAll(stream, context({ settings: { seed: 'elsewhere' } }))).records), stream).not.toBe(once);
    }
    // A world built afresh (no cache shared with the connector's) draws the same day.
    const world = createDemoWorld('northwind');
    const day = '2026-03-03';
    const fromConnector = ((await readAll('leads', context())).records as LeadRecord[]).filter((l) => l.createdAt.startsWith(day));
    expect(world.leadsOfDay(day).map((l) => world.leadAt(l, NOW).record)).toEqual(fromConnector);
    expect(fromConnector.length).toBeGreaterThan(20);
  });

  it('pages by day with resumable cursors: reading on from any cursor gives exactly the rest', async () => {
    const small = context({ settings: { seed: 'northwind', pageSize: 300 } });
    for (const stream of ['ad_stats', 'leads'] as const) {
      const whole = await readAll(stream, small);
      expect(whole.batches.length).toBeGreaterThan(10);
      const progress = whole.batches.map((b) => b.progress ?? 0);
      expect(progress).toEqual([...progress].sort((a, b) => a - b));
      expect(progress.at(-1)).toBe(1);
      const cut = 4;
      const resumed = await readAll(stream, { ...small, cursor: whole.batches[cut - 1]?.cursor ?? null });
      expect(whole.batches.slice(0, cut).flatMap((b) => b.records).concat(resumed.records)).toEqual(whole.records);
    }
  });

  it('reports three ad accounts, dozens of campaigns and a year of daily spend with a weekly rhythm', async () => {
    const accounts = (await readAll('ad_accounts', context())).records;
    expect(accounts.map((a) => [a.channel, a.currency])).toEqual([
      ['google-ads', 'USD'],
      ['meta-ads', 'USD'],
      ['yandex-direct', 'USD'],
    ]);
    const campaigns = (await readAll('campaigns', context())).records;
    expect(campaigns.length).toBeGreaterThanOrEqual(30);
    expect(new Set(campaigns.map((c) => c.status))).toEqual(new Set(['active', 'paused']));

    const stats = (await readAll('ad_stats', context())).records as DailyAdStatRecord[];
    const days = new Set(stats.map((s) => s.date));
    expect(days.size).toBe(366);
    for (const s of stats) {
      expect(Number.isSafeInteger(s.spendMicros) && s.spendMicros % 10_000 === 0).toBe(true);
      expect(s.clicks).toBeLessThanOrEqual(s.impressions);
    }
    // Search spends more on weekdays, social at the weekend.
    const bySearchWeekday = (channel: string, weekend: boolean) => {
      const rows = stats.filter((s) => s.campaignExternalId.length > 0 && DEMO_CAMPAIGNS.find((c) => c.externalId === s.campaignExternalId)?.channel === channel);
      const pick = rows.filter((s) => [0, 6].includes(new Date(`${s.date}T00:00:00Z`).getUTCDay()) === weekend);
      return pick.reduce((n, s) => n + s.spendMicros, 0) / new Set(pick.map((s) => s.date)).size;
    };
    expect(bySearchWeekday('google-ads', false)).toBeGreaterThan(bySearchWeekday('google-ads', true));
    expect(bySearchWeekday('meta-ads', true)).toBeGreaterThan(bySearchWeekday('meta-ads', false));
    // Seasonal campaigns spend in their season only.
    const kayaks = stats.filter((s) => s.campaignExternalId === '21034568412').map((s) => s.date.slice(5, 7));
    expect(new Set(kayaks)).toEqual(new Set(['04', '05', '06', '07', '08', '09']));
  });

  it("tags leads with the campaigns' utm_campaign, messily, and click ids by channel", async () => {
    const leads = (await readAll('leads', context())).records as LeadRecord[];
    expect(leads.length).toBeGreaterThan(10_000);
    const tags = new Set(DEMO_CAMPAIGNS.map((c) => c.utmCampaign));
    const ids = new Set(DEMO_CAMPAIGNS.map((c) => c.externalId));
    const normalise = (tag: string) => decodeURIComponent(tag).trim().toLowerCase().replace(/[\s-]+/g, '_');
    const paid = leads.filter((l) => l.utm.medium !== null && !['organic', 'email'].includes(l.utm.medium));
    const exact = paid.filter((l) => l.utm.campaign !== null && tags.has(l.utm.campaign));
    const recoverable = paid.filter((l) => l.utm.campaign !== null && (tags.has(normalise(l.utm.campaign)) || ids.has(l.utm.campaign.trim())));
    expect(exact.length / paid.length).toBeGreaterThan(0.6);
    expect(exact.length / paid.length).toBeLessThan(0.8);
    expect(recoverable.length / paid.length).toBeGreaterThan(0.9);
    const campaignsTagged = paid.map((l) => l.utm.campaign ?? '');
    expect(campaignsTagged.some((c) => c !== c.trim())).toBe(true);
    expect(campaignsTagged.some((c) => /%20/.test(c))).toBe(true);
    expect(campaignsTagged.some((c) => c !== c.toLowerCase())).toBe(true);
    const sources = new Set(paid.map((l) => l.utm.source));
    for (const alias of ['fb', 'facebook', 'ya', 'yandex', 'google', 'Google', 'google ']) expect(sources, alias).toContain(alias);
    const mediums = new Set(paid.map((l) => l.utm.medium));
    for (const alias of ['cpc', 'ppc', 'CPC', 'paid']) expect(mediums, alias).toContain(alias);
    expect(leads.some((l) => l.utm.source === null)).toBe(true);

    const withGclid = leads.filter((l) => l.clickIds.gclid !== null);
    expect(withGclid.length).toBeGreaterThan(500);
    expect(withGclid.every((l) => l.clickIds.fbclid === null && l.clickIds.yclid === null && /^Cj0KCQ[\w-]{80}$/.test(l.clickIds.gclid ?? ''))).toBe(true);
    expect(leads.some((l) => /^IwAR[\w-]{58}$/.test(l.clickIds.fbclid ?? ''))).toBe(true);
    expect(leads.some((l) => /^[1-9]\d{18}$/.test(l.clickIds.yclid ?? ''))).toBe(true);
  });

  it('closes deals won and lost with whole minor-unit amounts, after their lead, and none in the future', async () => {
    const deals = (await readAll('deals', context())).records as DealRecord[];
    const leads = new Map(((await readAll('leads', context({ since: '2025-04-01' }))).records as LeadRecord[]).map((l) => [l.externalId, l]));
    const byStatus = (status: string) => deals.filter((d) => d.status === status).length;
    expect(byStatus('won')).toBeGreaterThan(byStatus('lost'));
    expect(byStatus('lost')).toBeGreaterThan(byStatus('open') / 3);
    for (const deal of deals) {
      expect(Number.isSafeInteger(deal.amountMinor) && deal.amountMinor >= 1_899).toBe(true);
      expect(deal.currency).toBe('USD');
      expect(Date.parse(deal.createdAt)).toBeLessThanOrEqual(NOW.getTime());
      expect(deal.closedAt === null).toBe(deal.status === 'open');
      if (deal.closedAt !== null) expect(Date.parse(deal.closedAt)).toBeGreaterThan(Date.parse(deal.createdAt));
      const lead = leads.get(deal.leadExternalId ?? '');
      if (lead !== undefined) expect(Date.parse(deal.createdAt)).toBeGreaterThanOrEqual(Date.parse(lead.createdAt));
    }
    // Some customers come back: contacts with more than one deal (LTV).
    const perContact = new Map<string, number>();
    for (const deal of deals) perContact.set(deal.contactExternalId ?? '', (perContact.get(deal.contactExternalId ?? '') ?? 0) + 1);
    expect([...perContact.values()].some((n) => n > 1)).toBe(true);
  });

  it('revises recent days as late conversions arrive, and leaves older days alone', async () => {
    const at = (now: Date) => readAll('ad_stats', context({ since: '2026-06-20', until: '2026-06-30', now: () => now })).then((r) => r.records as DailyAdStatRecord[]);
    const today = await at(NOW);
    const later = await at(new Date('2026-07-03T18:00:00Z'));
    const day = (rows: DailyAdStatRecord[], date: string) => rows.filter((r) => r.date === date);
    expect(day(later, '2026-06-20')).toEqual(day(today, '2026-06-20'));
    const conversions = (rows: DailyAdStatRecord[]) => rows.reduce((n, r) => n + r.platformConversions, 0);
    expect(conversions(day(later, '2026-06-29'))).toBeGreaterThan(conversions(day(today, '2026-06-29')));
  });
});
