// Reports over the demo provider's data, synced through the real engine: re-running the sync (and
// the rebuild it triggers) changes no report, the channels always add up to the workspace total,
// every model credits every deal exactly once, and no metric is ever NaN or Infinity.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorkspace, fakeClock } from '../../test/sync-support.js';
import { createTestDatabase, type TestDatabase } from '../../test/support/database.js';
import { demoSyncProviders, ensureDemoIntegrations } from '../demo/provider/index.js';
import { combineProviders, createSyncEngine, type SyncEngine } from '../sync/index.js';
import { ATTRIBUTION_MODELS } from './attribution.js';
import { CREDIT_SCALE } from './money.js';
import { buildReport, REPORT_GROUPINGS, type ReportQuery } from './reports.js';
import { rebuildRollups } from './rollups.js';

let t: TestDatabase;
let workspaceId: string;
let engine: SyncEngine;
let integrations: string[];
const clock = fakeClock(new Date('2026-06-30T18:00:00Z'));

async function syncAll(): Promise<void> {
  for (const id of integrations) expect((await engine.runSync(id, workspaceId, { trigger: 'manual' })).state).toBe('succeeded');
  await rebuildRollups(t.db, workspaceId);
}

const run = (query: ReportQuery) => t.db.withWorkspace(workspaceId, (tx) => buildReport(tx, query));
const cents = (money: string) => BigInt(money.replace('.', ''));

beforeAll(async () => {
  t = await createTestDatabase();
  workspaceId = await createWorkspace(t.db, 'Demo reports');
  integrations = (await ensureDemoIntegrations(t.db, workspaceId)).map((i) => i.id);
  engine = createSyncEngine({ db: t.db, providers: combineProviders(demoSyncProviders()), clock, options: { initialDays: 120 } });
  await syncAll();
}, 120_000);

afterAll(async () => {
  await t?.close();
});

describe('reports over synced demo data', () => {
  it('has spend, leads and won revenue in three paid channels', async () => {
    const { rows, totals } = await run({ from: '2026-03-01', to: '2026-06-30', model: 'last_non_direct', groupBy: 'channel', sort: 'spend', order: 'desc' });
    const paid = rows.filter((r) => cents(r.metrics.spend) > 0n);
    expect(paid.length).toBe(3);
    expect(totals.leads).toBeGreaterThan(100);
    expect(cents(totals.revenue)).toBeGreaterThan(0n);
    expect(totals.romi).not.toBeNull();
  });

  it('does not change any report when the same sync runs again', async () => {
    const query: ReportQuery = { from: '2026-03-01', to: '2026-06-30', model: 'time_decay', groupBy: 'campaign', sort: 'revenue', order: 'desc' };
    const before = await Promise.all(ATTRIBUTION_MODELS.map((model) => run({ ...query, model })));
    await syncAll();
    const after = await Promise.all(ATTRIBUTION_MODELS.map((model) => run({ ...query, model })));
    expect(after).toEqual(before);
  }, 120_000);

  it('adds the channels (and campaigns, and days) up to the workspace total for any range and model', async () => {
    const day = fc.integer({ min: 0, max: 125 }).map((n) => new Date(Date.parse('2026-02-25T00:00:00Z') + n * 86_400_000).toISOString().slice(0, 10));
    await fc.assert(
      fc.asyncProperty(day, day, fc.constantFrom(...ATTRIBUTION_MODELS), fc.constantFrom(...REPORT_GROUPINGS), async (a, b, model, groupBy) => {
        const [from, to] = a <= b ? [a, b] : [b, a];
        const { rows, totals } = await run({ from, to, model, groupBy, sort: 'spend', order: 'desc' });
        const sum = (pick: (m: (typeof rows)[number]['metrics']) => string) => rows.reduce((s, r) => s + cents(pick(r.metrics)), 0n);
        // Cents of rounded rows may differ from the rounded total by at most half a cent a row.
        const slack = BigInt(rows.length);
        for (const [name, pick] of [['spend', (m: typeof totals) => m.spend], ['revenue', (m: typeof totals) => m.revenue]] as const) {
          const gap = sum(pick) - cents(pick(totals));
          expect(gap <= slack && gap >= -slack, `${name} ${groupBy} ${model} ${from}..${to}`).toBe(true);
        }
        expect(rows.reduce((s, r) => s + r.metrics.leads, 0)).toBe(totals.leads);
        for (const row of rows) for (const value of Object.values(row.metrics)) if (typeof value === 'number') expect(Number.isFinite(value)).toBe(true);
      }),
      { numRuns: 25 },
    );
  }, 120_000);

  it('credits every deal exactly once under every model', async () => {
    const counts = await t.db.withWorkspace(workspaceId, async (tx) => {
      const deals = await tx.selectFrom('deals').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
      const credits = await tx
        .selectFrom('report_channel_daily')
        .select(['model', (eb) => eb.fn.sum<string>('deal_credits').as('credits')])
        .groupBy('model')
        .execute();
      return { deals: BigInt(deals.n), credits };
    });
    expect(counts.credits).toHaveLength(ATTRIBUTION_MODELS.length);
    for (const row of counts.credits) expect(BigInt(row.credits), row.model).toBe(counts.deals * CREDIT_SCALE);
  });
});
