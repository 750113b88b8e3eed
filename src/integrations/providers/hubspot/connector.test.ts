// HubSpot against the fake CRM search API: contacts and leads with their source, deals with won/lost,
// amounts and the primary contact's UTM, `after` paging, the 10,000-result window, 429 with
// policyName and Retry-After, 401, and malformed answers.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { contextFor, drain, drainUntilError } from '../../../../test/providers/connector-context.js';
import { startFakeHubSpot, type FakeHubSpot, type HubSpotRecord } from '../../../../test/providers/hubspot.js';
import { createHubSpotConnector } from './connector.js';

let fake: FakeHubSpot;
let token: string;

function contact(id: number, modified: string, extra: Record<string, string | null> = {}): HubSpotRecord {
  return { id: String(id), properties: { createdate: '2026-01-01T09:00:00.000Z', lastmodifieddate: modified, email: `c${id}@example.test`, firstname: 'Casey', lastname: `No${id}`, lifecyclestage: 'lead', ...extra } };
}

beforeAll(async () => {
  fake = await startFakeHubSpot();
});
afterAll(async () => {
  await fake?.close();
});
beforeEach(() => {
  token = fake.oauth.mintAccessToken();
  fake.throttle = { remaining: 0, policy: 'SECONDLY' };
  fake.malformedNext = false;
  fake.contacts = [
    contact(101, '2026-01-03T10:00:00.000Z', { hs_analytics_first_url: 'https://shop.example/landing?utm_source=facebook&utm_medium=cpc&utm_campaign=spring&fbclid=IwAR0xyz', hs_analytics_source: 'PAID_SOCIAL' }),
    contact(102, '2026-01-04T10:00:00.000Z', { hs_analytics_first_url: 'https://shop.example/?gclid=EAIaIQ', utm_source: 'google', hs_google_click_id: 'EAIaIQ-prop' }),
  ];
  fake.deals = [
    { id: '9001', properties: { dealname: 'Big', amount: '1500.50', deal_currency_code: 'EUR', dealstage: 'closedwon', createdate: '2026-01-05T00:00:00Z', closedate: '2026-01-20T00:00:00Z', hs_is_closed: 'true', hs_is_closed_won: 'true', hs_lastmodifieddate: '2026-01-20T00:00:00Z' } },
    { id: '9002', properties: { dealname: 'Lost', amount: '300', deal_currency_code: null, dealstage: 'closedlost', createdate: '2026-01-06T00:00:00Z', closedate: '2026-01-21T00:00:00Z', hs_is_closed: 'true', hs_is_closed_won: 'false', hs_lastmodifieddate: '2026-01-21T00:00:00Z' } },
    { id: '9003', properties: { dealname: 'Open', amount: null, dealstage: 'appointmentscheduled', createdate: '2026-01-07T00:00:00Z', closedate: null, hs_is_closed: 'false', hs_is_closed_won: 'false', hs_lastmodifieddate: '2026-01-22T00:00:00Z' } },
    { id: '9004', properties: { dealname: 'Yen', amount: '120000', deal_currency_code: 'JPY', dealstage: 'x', createdate: '2026-01-07T00:00:00Z', hs_is_closed: 'false', hs_is_closed_won: 'false', hs_lastmodifieddate: '2026-01-23T00:00:00Z' } },
  ];
  fake.associations = new Map([['9001', ['101']], ['9002', ['102', '101']]]);
});

const ctx = (overrides: Parameters<typeof contextFor>[1] = {}) => contextFor(fake.server.url, { accessToken: token, settings: { currency: 'USD' }, since: '2026-01-01', ...overrides });

describe('HubSpot connector', () => {
  it('reads contacts, and contacts as leads with UTM tags and click ids from their original source', async () => {
    const contacts = (await drain(createHubSpotConnector(), 'contacts', ctx())).flatMap((b) => b.records);
    expect(contacts[0]).toEqual({ externalId: '101', name: 'Casey No101', email: 'c101@example.test', phone: null, createdAt: '2026-01-01T09:00:00.000Z' });
    const leads = (await drain(createHubSpotConnector(), 'leads', ctx())).flatMap((b) => b.records);
    expect(leads[0]).toMatchObject({ externalId: '101', contactExternalId: '101', status: 'lead', utm: { source: 'facebook', medium: 'cpc', campaign: 'spring' }, clickIds: { fbclid: 'IwAR0xyz', gclid: null } });
    // A portal's own utm_source property and HubSpot's click-id property win over the URL.
    expect(leads[1]).toMatchObject({ utm: { source: 'google' }, clickIds: { gclid: 'EAIaIQ-prop' } });
    const search = fake.server.requests.find((r) => r.path === '/crm/v3/objects/contacts/search');
    expect(search?.json()).toMatchObject({ sorts: [{ propertyName: 'lastmodifieddate', direction: 'ASCENDING' }], limit: 100 });
  });

  it('reads deals: won, lost and open, amounts in minor units of their currency, and the primary contact\'s source', async () => {
    const deals = (await drain(createHubSpotConnector(), 'deals', ctx())).flatMap((b) => b.records);
    expect(deals.map((d) => [d.externalId, d.status, d.amountMinor, d.currency, d.closedAt])).toEqual([
      ['9001', 'won', 150_050, 'EUR', '2026-01-20T00:00:00.000Z'],
      ['9002', 'lost', 30_000, 'USD', '2026-01-21T00:00:00.000Z'],
      ['9003', 'open', 0, 'USD', null],
      ['9004', 'open', 120_000, 'JPY', null],
    ]);
    expect(deals[0]).toMatchObject({ contactExternalId: '101', utm: { source: 'facebook', campaign: 'spring' }, clickIds: { fbclid: 'IwAR0xyz' } });
    expect(deals[1]?.contactExternalId).toBe('102');
    expect(deals[2]).toMatchObject({ contactExternalId: null, utm: { source: null } });
  });

  it('pages with `after`, re-anchors past the 10,000-result window, and resumes from the cursor', async () => {
    fake.contacts = Array.from({ length: 10_150 }, (_, i) => contact(200_000 + i, new Date(Date.parse('2026-01-02T00:00:00Z') + i * 1000).toISOString()));
    const batches = await drain(createHubSpotConnector(), 'contacts', ctx());
    const ids = new Set(batches.flatMap((b) => b.records.map((r) => r.externalId)));
    expect(ids.size).toBe(10_150);
    expect(fake.server.requests.filter((r) => r.path.endsWith('/search')).every((r) => Number((r.json() as { after?: string }).after ?? 0) + 100 <= 10_000)).toBe(true);
    const mark = JSON.parse(batches.at(-1)?.cursor ?? '{}') as { from: number; after: string | null };
    expect(mark).toEqual({ from: Date.parse('2026-01-02T00:00:00Z') + 10_149_000, after: null });
  }, 60_000);

  it('maps 429 to rate_limited using Retry-After, or the policy when there is none', async () => {
    fake.throttle = { remaining: 1, policy: 'TEN_SECONDLY_ROLLING' };
    expect((await drainUntilError(createHubSpotConnector(), 'contacts', ctx())).error).toMatchObject({ kind: 'rate_limited', options: { retryAfterMs: 10_000 } });
    fake.throttle = { remaining: 1, policy: 'SECONDLY', retryAfter: '3' };
    expect((await drainUntilError(createHubSpotConnector(), 'contacts', ctx())).error).toMatchObject({ kind: 'rate_limited', options: { retryAfterMs: 3_000 } });
    fake.throttle = { remaining: 1, policy: 'DAILY' };
    const daily = (await drainUntilError(createHubSpotConnector(), 'contacts', ctx())).error as { options: { retryAfterMs: number } };
    expect(daily.options.retryAfterMs).toBeGreaterThan(0);
    expect(daily.options.retryAfterMs).toBeLessThanOrEqual(86_400_000);
  });

  it('maps 401 to token_expired and a non-JSON answer to malformed', async () => {
    expect((await drainUntilError(createHubSpotConnector(), 'deals', ctx({ accessToken: 'stale' }))).error).toMatchObject({ kind: 'token_expired' });
    fake.malformedNext = true;
    expect((await drainUntilError(createHubSpotConnector(), 'contacts', ctx())).error).toMatchObject({ kind: 'malformed' });
  });
});
