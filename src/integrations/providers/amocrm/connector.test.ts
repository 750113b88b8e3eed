// amoCRM against the fake account: leads with pipelines and statuses (142 won, 143 lost), tracking
// fields, contacts, `_links.next` paging, 204 for nothing new, the updated_at high-water cursor,
// 429 and 401.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { amoLead, startFakeAmoCrm, type FakeAmoCrm } from '../../../../test/providers/amocrm.js';
import { contextFor, drain, drainUntilError } from '../../../../test/providers/connector-context.js';
import { createAmoCrmConnector } from './connector.js';

let fake: FakeAmoCrm;
let token: string;
const T0 = Date.parse('2026-01-02T00:00:00Z') / 1000;

beforeAll(async () => {
  fake = await startFakeAmoCrm();
});
afterAll(async () => {
  await fake?.close();
});
beforeEach(() => {
  token = fake.oauth.mintAccessToken();
  fake.throttleNext = 0;
  fake.leads = [
    amoLead(1, T0 + 10, { contactId: 501, utmSource: 'google', gclid: 'Cj0KCQ-abc', price: 120000 }),
    amoLead(2, T0 + 20, { status: 142, price: 50000, closedAt: T0 + 20, contactId: 502 }),
    amoLead(3, T0 + 30, { status: 143, closedAt: T0 + 30 }),
  ];
  fake.contacts = [
    {
      id: 501,
      name: 'Ivan Petrov',
      created_at: T0,
      updated_at: T0 + 5,
      custom_fields_values: [
        { field_id: 1, field_name: 'Phone', field_code: 'PHONE', field_type: 'multitext', values: [{ value: '+7 900 000-00-00', enum_code: 'WORK' }] },
        { field_id: 2, field_name: 'Email', field_code: 'EMAIL', field_type: 'multitext', values: [{ value: 'ivan@example.ru', enum_code: 'WORK' }] },
      ],
    },
  ];
});

const ctx = (overrides: Parameters<typeof contextFor>[1] = {}) => contextFor(fake.server.url, { accessToken: token, settings: { baseDomain: 'acme.amocrm.ru', currency: 'RUB' }, since: '2026-01-01', ...overrides });

describe('amoCRM connector', () => {
  it('reads leads with pipeline, status names, won/lost and the tracking fields', async () => {
    const rows = (await drain(createAmoCrmConnector(), 'leads', ctx())).flatMap((b) => b.records);
    expect(rows[0]).toEqual({
      externalId: '1',
      contactExternalId: '501',
      createdAt: new Date((T0 + 10 - 3600) * 1000).toISOString(),
      status: 'First contact',
      pipeline: 'Sales',
      utm: { source: 'google', medium: null, campaign: null, content: null, term: null },
      clickIds: { gclid: 'Cj0KCQ-abc', fbclid: null, yclid: null },
    });
    expect(rows.map((r) => r.status)).toEqual(['First contact', 'won', 'lost']);
    const leadCall = fake.server.requests.find((r) => r.path === '/api/v4/leads');
    expect(leadCall?.query.get('with')).toBe('contacts');
    expect(leadCall?.query.get('order[updated_at]')).toBe('asc');
  });

  it('reads deals in minor units of the account currency, closed only when won or lost', async () => {
    const deals = (await drain(createAmoCrmConnector(), 'deals', ctx())).flatMap((b) => b.records);
    expect(deals.map((d) => [d.externalId, d.status, d.amountMinor, d.currency, d.closedAt !== null])).toEqual([
      ['1', 'open', 12_000_000, 'RUB', false],
      ['2', 'won', 5_000_000, 'RUB', true],
      ['3', 'lost', 0, 'RUB', true],
    ]);
    expect(deals[0]?.leadExternalId).toBe('1');
  });

  it('pages with _links.next and ends on 204; the cursor is a high-water mark that the next run starts from', async () => {
    fake.leads = Array.from({ length: 600 }, (_, i) => amoLead(1000 + i, T0 + i));
    const batches = await drain(createAmoCrmConnector(), 'leads', ctx());
    expect(batches).toHaveLength(3);
    expect(new Set(batches.flatMap((b) => b.records.map((r) => r.externalId))).size).toBe(600);
    const last = JSON.parse(batches.at(-1)?.cursor ?? '{}') as { from: number };
    expect(last.from).toBe(T0 + 599);
    // Nothing changed since: the next run reads only the record at the mark.
    const next = await drain(createAmoCrmConnector(), 'leads', ctx({ cursor: batches.at(-1)?.cursor ?? null }));
    expect(next.flatMap((b) => b.records).map((r) => r.externalId)).toEqual(['1599']);
    fake.leads = [];
    const empty = await drain(createAmoCrmConnector(), 'leads', ctx({ cursor: batches.at(-1)?.cursor ?? null }));
    expect(empty.flatMap((b) => b.records)).toEqual([]);
  });

  it('never skips a record updated while a run pages (it moves to the end of the order)', async () => {
    fake.leads = Array.from({ length: 500 }, (_, i) => amoLead(2000 + i, T0 + i));
    const connector = createAmoCrmConnector();
    const seen = new Set<string>();
    let first = true;
    for await (const batch of connector.read('leads', ctx())) {
      for (const r of batch.records) seen.add(r.externalId);
      if (first) {
        // A record on the first page is edited: its updated_at jumps past everything.
        const moved = fake.leads.find((l) => l.id === 2003);
        if (moved) moved.updated_at = T0 + 10_000;
        first = false;
      }
    }
    expect(seen.size).toBe(500);
  });

  it('reads contacts with email and phone', async () => {
    const contacts = (await drain(createAmoCrmConnector(), 'contacts', ctx())).flatMap((b) => b.records);
    expect(contacts).toEqual([{ externalId: '501', name: 'Ivan Petrov', email: 'ivan@example.ru', phone: '+7 900 000-00-00', createdAt: new Date(T0 * 1000).toISOString() }]);
  });

  it('maps 429 to rate_limited and 401 to token_expired', async () => {
    fake.throttleNext = 1;
    expect((await drainUntilError(createAmoCrmConnector(), 'contacts', ctx())).error).toMatchObject({ kind: 'rate_limited', options: { retryAfterMs: 2_000 } });
    expect((await drainUntilError(createAmoCrmConnector(), 'contacts', ctx({ accessToken: 'old' }))).error).toMatchObject({ kind: 'token_expired' });
  });

  it('refuses malformed leads', async () => {
    fake.leads = [{ id: 9, updated_at: T0, status_id: 'won?', pipeline_id: 7001, created_at: T0 }];
    expect((await drainUntilError(createAmoCrmConnector(), 'leads', ctx())).error).toMatchObject({ kind: 'malformed' });
  });
});
