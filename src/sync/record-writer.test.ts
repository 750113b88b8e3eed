// The one-transaction writer an import uses: everything lands or nothing does, every record is
// checked before the first write, and the rows go through the same upserts as a sync.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIntegration, createWorkspace, syncedData } from '../../test/sync-support.js';
import { createTestDatabase, type TestDatabase } from '../../test/support/database.js';
import { writeRecordsAtOnce, type RecordsToWrite } from './index.js';

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => {
  await t?.close();
});

const noTags = { utm: { source: null, medium: null, campaign: null, content: null, term: null }, clickIds: { gclid: null, fbclid: null, yclid: null } };
const file = (spendOfLast: number): RecordsToWrite[] => [
  // Out of order on purpose: stats before the accounts they name.
  {
    stream: 'ad_stats',
    records: [
      { accountExternalId: 'bing-1', campaignExternalId: 'summer', date: '2026-01-01', spendMicros: 12_340_000, impressions: 900, clicks: 31, platformConversions: 2 },
      { accountExternalId: 'bing-1', campaignExternalId: 'summer', date: '2026-01-02', spendMicros: spendOfLast, impressions: 800, clicks: 20, platformConversions: 0 },
    ],
  },
  { stream: 'ad_accounts', records: [{ externalId: 'bing-1', name: 'Imported ads', currency: 'EUR', timezone: null, channel: 'google-ads' }] },
  { stream: 'campaigns', records: [{ accountExternalId: 'bing-1', externalId: 'summer', name: 'Summer (imported)', status: 'active' }] },
  { stream: 'deals', records: [{ externalId: 'd-1', leadExternalId: null, contactExternalId: null, status: 'won', amountMinor: 45_000, currency: 'EUR', createdAt: '2026-01-03T10:00:00Z', closedAt: '2026-01-05T10:00:00Z', ...noTags }] },
];

describe(`writeRecordsAtOnce (${process.env.TEST_DATABASE_URL ? 'postgres' : 'pglite'})`, () => {
  it('writes nothing when any record is bad, and everything, in dependency order, when all are good', async () => {
    const workspaceId = await createWorkspace(t.db, 'Import');
    const integrationId = await createIntegration(t.db, workspaceId, 'csv');
    const target = { workspaceId, integrationId, provider: 'csv' };
    await expect(writeRecordsAtOnce(t.db, target, file(-5))).rejects.toMatchObject({ kind: 'malformed', userMessage: 'Could not read an ad_stats record from the provider (spendMicros).' });
    const empty = await syncedData(t.db, workspaceId);
    expect([empty.accounts, empty.campaigns, empty.stats, empty.deals]).toEqual([[], [], [], []]);

    expect(await writeRecordsAtOnce(t.db, target, file(5_000_000))).toEqual({ rows: { ad_accounts: 1, campaigns: 1, ad_stats: 2, deals: 1 }, changedRows: 5 });
    const data = await syncedData(t.db, workspaceId);
    expect(data.campaigns).toEqual([{ channel: 'google-ads', external_id: 'summer', name: 'Summer (imported)', status: 'active' }]);
    expect(data.stats.map((s) => [s.date, s.spend_micros, s.currency])).toEqual([
      ['2026-01-01', 12_340_000, 'EUR'],
      ['2026-01-02', 5_000_000, 'EUR'],
    ]);
    expect(data.deals.map((d) => [d.external_id, d.status, d.amount_minor])).toEqual([['d-1', 'won', 45_000]]);
    // The same file again: nothing changes.
    expect((await writeRecordsAtOnce(t.db, target, file(5_000_000))).changedRows).toBe(0);
  });

  it('cannot write into another workspace: the integration must be the workspace’s own', async () => {
    const mine = await createWorkspace(t.db, 'Mine');
    const theirs = await createWorkspace(t.db, 'Theirs');
    const theirIntegration = await createIntegration(t.db, theirs, 'csv');
    await expect(writeRecordsAtOnce(t.db, { workspaceId: mine, integrationId: theirIntegration, provider: 'csv' }, file(1))).rejects.toThrow(/foreign key/);
    const data = await syncedData(t.db, theirs);
    expect([data.accounts, data.stats, data.deals]).toEqual([[], [], []]);
  });
});
