// Attacks on tenant isolation through the sync: a connector that emits another workspace's ids
// during a run, a run started with another workspace's integration, the engine's own queries
// pointed at another workspace, and the platform role reading synced data. Both databases.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIntegration, createWorkspace, fakeClock, providerOf, rowVersions, syncedData } from '../../test/sync-support.js';
import { createTestDatabase, type TestDatabase } from '../../test/support/database.js';
import type { Database } from '../db/index.js';
import { demoAdsConnector, demoSyncProviders } from '../demo/provider/index.js';
import type { Connector, ConnectorContext, StreamName, SyncBatch } from '../integrations/index.js';
import { combineProviders, createSyncEngine } from './index.js';
import { upsertAdStats, upsertCampaigns, upsertLeads } from './queries.js';

let t: TestDatabase;
let db: Database;
const clock = fakeClock(new Date('2026-05-04T12:00:00Z'));
let victim: string;
let victimIntegration: string;
let attacker: string;
let attackerIntegration: string;

beforeAll(async () => {
  t = await createTestDatabase();
  db = t.db;
  victim = await createWorkspace(db, 'Victim');
  attacker = await createWorkspace(db, 'Attacker');
  // The same demo seed: both workspaces hold the same platform ids, the attacker's target.
  victimIntegration = await createIntegration(db, victim, 'demo-ads', { seed: 'shared' });
  attackerIntegration = await createIntegration(db, attacker, 'demo-ads', { seed: 'shared' });
  const engine = createSyncEngine({ db, providers: combineProviders(demoSyncProviders()), clock, options: { initialDays: 10 } });
  expect((await engine.runSync(victimIntegration, victim, { trigger: 'manual' })).state).toBe('succeeded');
});
afterAll(async () => {
  await t?.close();
});

/** The demo connector, with every number inflated tenfold and every campaign renamed. */
function hostileConnector(): Connector {
  const base = demoAdsConnector();
  return {
    streams: base.streams,
    read<S extends StreamName>(stream: S, context: ConnectorContext): AsyncIterable<SyncBatch<S>> {
      return (async function* () {
        for await (const batch of base.read(stream, context)) {
          const records = batch.records.map((r) => {
            const record = r as unknown as Record<string, unknown>;
            if (stream === 'campaigns') return { ...record, name: 'pwned' };
            if (stream === 'ad_stats') return { ...record, spendMicros: (record.spendMicros as number) * 10, workspaceId: victim, workspace_id: victim };
            return { ...record, workspace_id: victim };
          });
          yield { ...batch, records } as unknown as SyncBatch<S>;
        }
      })();
    },
  };
}

describe(`sync tenant isolation (${process.env.TEST_DATABASE_URL ? 'postgres' : 'pglite'})`, () => {
  it("writes only into the run's own workspace, whatever ids and fields the connector emits", async () => {
    const before = await syncedData(db, victim);
    const versions = await rowVersions(t, victim);
    const engine = createSyncEngine({ db, providers: combineProviders({ 'demo-ads': providerOf(hostileConnector()) }), clock, options: { initialDays: 10 } });
    expect((await engine.runSync(attackerIntegration, attacker, { trigger: 'manual' })).state).toBe('succeeded');

    expect(await syncedData(db, victim)).toEqual(before);
    expect(await rowVersions(t, victim)).toEqual(versions);
    const mine = await syncedData(db, attacker);
    expect(mine.campaigns.length).toBe(before.campaigns.length);
    expect(mine.campaigns.every((c) => c.name === 'pwned')).toBe(true);
    expect(mine.stats.map((s) => s.spend_micros)).toEqual(before.stats.map((s) => s.spend_micros * 10));
  });

  it('refuses to run an integration of another workspace, and writes nothing', async () => {
    const engine = createSyncEngine({ db, providers: combineProviders(demoSyncProviders()), clock });
    const runsBefore = await db.withWorkspace(victim, (tx) => tx.selectFrom('sync_runs').select('id').execute());
    await expect(engine.runSync(victimIntegration, attacker, { trigger: 'manual' })).rejects.toMatchObject({ code: 'integration.not_found' });
    expect(await db.withWorkspace(victim, (tx) => tx.selectFrom('sync_runs').select('id').execute())).toEqual(runsBefore);
    expect(await db.withWorkspace(attacker, (tx) => tx.selectFrom('sync_runs').select('id').where('integration_id', '=', victimIntegration).execute())).toEqual([]);
  });

  it("is stopped by the database when the engine's own upserts are pointed at another workspace", async () => {
    const [campaign] = await db.withWorkspace(victim, (tx) => tx.selectFrom('campaigns').select('id').limit(1).execute());
    const campaignId = campaign?.id ?? '';
    await expect(
      db.withWorkspace(attacker, (tx) =>
        upsertAdStats(tx, victim, [{ campaign_id: campaignId, date: '2026-05-01', currency: 'USD', spend_micros: 1, impressions: 1, clicks: 1, platform_conversions: '0' }]),
      ),
    ).rejects.toThrow(/row-level security|violates foreign key/);
    await expect(
      db.withWorkspace(attacker, (tx) => upsertCampaigns(tx, victim, victimIntegration, [{ channel: 'google-ads', external_id: 'x', name: 'x', status: 'active', ad_account_id: randomUUID() }])),
    ).rejects.toThrow(/row-level security|violates foreign key/);
    await expect(
      db.withWorkspace(attacker, (tx) =>
        upsertLeads(tx, victim, victimIntegration, [
          { external_id: 'x', contact_external_id: null, status: 'new', pipeline: null, created_at: new Date(), utm_source: null, utm_medium: null, utm_campaign: null, utm_content: null, utm_term: null, gclid: null, fbclid: null, yclid: null },
        ]),
      ),
    ).rejects.toThrow(/row-level security|violates foreign key/);
    // Its own workspace id with the other's integration or campaign: the same-tenant foreign keys refuse it.
    await expect(
      db.withWorkspace(attacker, (tx) =>
        upsertAdStats(tx, attacker, [{ campaign_id: campaignId, date: '2026-05-01', currency: 'USD', spend_micros: 1, impressions: 1, clicks: 1, platform_conversions: '0' }]),
      ),
    ).rejects.toThrow(/violates foreign key/);
    await expect(
      db.withWorkspace(attacker, (tx) =>
        upsertLeads(tx, attacker, victimIntegration, [
          { external_id: 'y', contact_external_id: null, status: 'new', pipeline: null, created_at: new Date(), utm_source: null, utm_medium: null, utm_campaign: null, utm_content: null, utm_term: null, gclid: null, fbclid: null, yclid: null },
        ]),
      ),
    ).rejects.toThrow(/violates foreign key/);
  });

  it('lets the platform role see which integrations are due, and none of the synced data', async () => {
    for (const table of ['daily_ad_stats', 'campaigns', 'ad_accounts', 'contacts', 'leads', 'deals', 'sync_cursors'] as const) {
      await expect(db.unsafeAsSystem('test: read synced data', (tx) => tx.selectFrom(table).selectAll().execute())).rejects.toThrow(/permission denied/);
    }
    await expect(db.unsafeAsSystem('test: read run errors', (tx) => tx.selectFrom('sync_runs').select('error_message').execute())).rejects.toThrow(/permission denied/);
    await expect(db.unsafeAsSystem('test: write runs', (tx) => tx.updateTable('sync_runs').set({ state: 'failed' }).execute())).rejects.toThrow(/permission denied/);
    const states = await db.unsafeAsSystem('test: read run timing', (tx) => tx.selectFrom('sync_runs').select(['integration_id', 'state', 'finished_at']).execute());
    expect(states.map((s) => s.integration_id)).toContain(victimIntegration);
  });

  it('shows no synced rows to a transaction without a workspace', async () => {
    const seen = await db.withAppRole(async (tx) => ({
      stats: await tx.selectFrom('daily_ad_stats').selectAll().execute(),
      runs: await tx.selectFrom('sync_runs').selectAll().execute(),
      cursors: await tx.selectFrom('sync_cursors').selectAll().execute(),
    }));
    expect(seen).toEqual({ stats: [], runs: [], cursors: [] });
  });
});
