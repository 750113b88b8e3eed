// Ingest of daily ad-stat rows on PostgreSQL: the whole sync path (createSyncEngine().runSync: a
// connector's pages checked record by record, campaign ids resolved, a multi-row INSERT ... ON
// CONFLICT DO UPDATE per page in its own withWorkspace transaction with the stream cursor and the
// run's progress) against a bare multi-row INSERT of the same rows, in pages of the same size, by
// the superuser (no RLS, no conflict handling, no cursor). Targets: sync/bare >= 0.5 and >= 50,000
// rows/s. Rounds alternate the two so table growth favours neither; medians are reported. Also
// shown: a re-sync of the same rows (nothing changed: nothing rewritten). Skipped when no server
// answers. Run alone: npx tsx bench/ingest.ts (BENCH_INGEST_CAMPAIGNS, BENCH_INGEST_DAYS, BENCH_INGEST_ROUNDS;
// BENCH_INGEST_WITHOUT_FK=1 shows what the same-tenant foreign key costs).
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { openDatabase, type Database } from '../src/db/index.js';
import type { Connector, ConnectorContext, DailyAdStatRecord, StreamName, SyncBatch } from '../src/integrations/index.js';
import { combineProviders, createSyncEngine, type SyncClock, type SyncProvider } from '../src/sync/index.js';
import { createThrowawayDatabase, findAdminUrl } from './support/postgres-server.js';
import { BenchSetupError, runAsScript, type BenchFigure } from './support/report.js';
import { median } from './support/stats.js';

const TARGET_RATIO = 0.5;
const TARGET_ROWS_PER_SECOND = 50_000;
const CAMPAIGNS = Number(process.env.BENCH_INGEST_CAMPAIGNS ?? '1000');
const DAYS = Number(process.env.BENCH_INGEST_DAYS ?? '100');
const ROUNDS = Number(process.env.BENCH_INGEST_ROUNDS ?? '3');
/** Rows a page: a large ads report page (Google's searchStream and Meta's insights pages are of this order). */
const PAGE_ROWS = 2_000;
/** BENCH_INGEST_WITHOUT_FK=1: drop the stats -> campaigns foreign key first, to show what it costs. */
const WITHOUT_FOREIGN_KEY = process.env.BENCH_INGEST_WITHOUT_FK === '1';
const ACCOUNT = '482-193-7765';
const TODAY = '2026-04-30';
const DAY_MS = 86_400_000;

const dayOf = (offset: number) => new Date(Date.parse(`${TODAY}T00:00:00Z`) - offset * DAY_MS).toISOString().slice(0, 10);
const campaignId = (c: number) => String(21_000_000_000 + c);

/** Every stat row of a round, in page order (two days of every campaign a page at the defaults). */
function statRows(): DailyAdStatRecord[] {
  const rows: DailyAdStatRecord[] = [];
  for (let d = DAYS - 1; d >= 0; d -= 1) {
    const date = dayOf(d);
    for (let c = 0; c < CAMPAIGNS; c += 1) {
      const clicks = (c * 7 + d * 13) % 500;
      rows.push({ accountExternalId: ACCOUNT, campaignExternalId: campaignId(c), date, spendMicros: clicks * 731_000, impressions: clicks * 37 + 11, clicks, platformConversions: (clicks % 17) / 4 });
    }
  }
  return rows;
}

/** A connector serving pre-built rows in pages, resuming from a page-number cursor. */
function benchConnector(streams: readonly StreamName[], stats: DailyAdStatRecord[]): Connector {
  return {
    streams,
    read<S extends StreamName>(stream: S, context: ConnectorContext): AsyncIterable<SyncBatch<S>> {
      return (async function* () {
        if (stream === 'ad_accounts') {
          yield { stream, records: [{ externalId: ACCOUNT, name: 'Bench account', currency: 'USD', timezone: 'UTC' }], cursor: null } as SyncBatch<S>;
        } else if (stream === 'campaigns') {
          const records = Array.from({ length: CAMPAIGNS }, (_, c) => ({ accountExternalId: ACCOUNT, externalId: campaignId(c), name: `Bench campaign ${c}`, status: 'active' as const }));
          yield { stream, records, cursor: null } as SyncBatch<S>;
        } else if (stream === 'ad_stats') {
          const pages = Math.ceil(stats.length / PAGE_ROWS);
          for (let page = context.cursor === null ? 0 : Number(context.cursor) + 1; page < pages; page += 1) {
            yield { stream, records: stats.slice(page * PAGE_ROWS, (page + 1) * PAGE_ROWS), cursor: String(page), progress: (page + 1) / pages } as SyncBatch<S>;
          }
        }
      })();
    },
  };
}

function providerOf(connector: Connector): SyncProvider {
  return { connector, apiBaseUrl: () => 'bench:', requiresToken: false, fetch: () => Promise.reject(new Error('no network in the bench')) };
}

const clock: SyncClock = { now: () => new Date(`${TODAY}T23:00:00Z`), sleep: () => Promise.resolve(), random: () => 0.5 };

async function newIntegration(db: Database): Promise<{ workspaceId: string; integrationId: string }> {
  const workspaceId = randomUUID();
  const integrationId = randomUUID();
  await db.withWorkspace(workspaceId, async (tx) => {
    await tx.insertInto('workspaces').values({ id: workspaceId, name: 'Bench' }).execute();
    await tx.insertInto('integrations').values({ id: integrationId, workspace_id: workspaceId, provider: 'google-ads', display_name: 'Bench' }).execute();
  });
  return { workspaceId, integrationId };
}

/** Sync path: accounts and campaigns first (untimed), then the stats stream alone, timed. */
async function syncRound(db: Database, stats: DailyAdStatRecord[]): Promise<{ seconds: number; resyncSeconds: number; rows: number }> {
  const { workspaceId, integrationId } = await newIntegration(db);
  const options = { initialDays: DAYS - 1 };
  const setup = createSyncEngine({ db, providers: combineProviders({ 'google-ads': providerOf(benchConnector(['ad_accounts', 'campaigns'], stats)) }), clock, options });
  const ready = await setup.runSync(integrationId, workspaceId, { trigger: 'manual' });
  if (ready.state !== 'succeeded') throw new BenchSetupError(`ingest: setup sync ${ready.state}`);
  const engine = createSyncEngine({ db, providers: combineProviders({ 'google-ads': providerOf(benchConnector(['ad_stats'], stats)) }), clock, options });
  const started = performance.now();
  const outcome = await engine.runSync(integrationId, workspaceId, { trigger: 'manual' });
  const seconds = (performance.now() - started) / 1000;
  if (outcome.state !== 'succeeded' || outcome.rows.ad_stats !== stats.length || outcome.changedRows !== stats.length) throw new BenchSetupError(`ingest: sync ${JSON.stringify(outcome)}`);
  // The same days again (a re-sync whose look-back covers them all): every row compared, none rewritten.
  await db.withWorkspace(workspaceId, (tx) => tx.updateTable('sync_cursors').set({ synced_through: null }).where('integration_id', '=', integrationId).execute());
  const again = performance.now();
  const second = await engine.runSync(integrationId, workspaceId, { trigger: 'manual' });
  const resyncSeconds = (performance.now() - again) / 1000;
  if (second.state !== 'succeeded' || second.changedRows !== 0) throw new BenchSetupError(`ingest: re-sync ${JSON.stringify(second)}`);
  return { seconds, resyncSeconds, rows: stats.length };
}

/**
 * Baselines: the same rows, campaign ids pre-resolved, inserted by the superuser in pages of the
 * same size with no conflict handling: as a multi-row VALUES list, and as arrays (unnest).
 */
async function bareRound(db: Database, admin: pg.Client, stats: DailyAdStatRecord[], form: 'values' | 'arrays'): Promise<{ seconds: number; rows: number }> {
  const { workspaceId } = await newIntegration(db);
  const { rows: campaigns } = await admin.query<{ id: string; external_id: string }>(
    `INSERT INTO campaigns (workspace_id, channel, external_id, name) SELECT $1, 'google-ads', e, 'Bench campaign' FROM unnest($2::text[]) AS e RETURNING id, external_id`,
    [workspaceId, Array.from({ length: CAMPAIGNS }, (_, c) => campaignId(c))],
  );
  const idOf = new Map(campaigns.map((c) => [c.external_id, c.id]));
  const columns = 8;
  const started = performance.now();
  for (let offset = 0; offset < stats.length; offset += PAGE_ROWS) {
    const page = stats.slice(offset, offset + PAGE_ROWS);
    if (form === 'arrays') {
      await admin.query(
        `INSERT INTO daily_ad_stats (workspace_id, campaign_id, date, currency, spend_micros, impressions, clicks, platform_conversions)
         SELECT $1, r.c, r.d, 'USD', r.s, r.i, r.k, r.v FROM unnest($2::uuid[], $3::date[], $4::bigint[], $5::bigint[], $6::bigint[], $7::numeric[]) AS r(c, d, s, i, k, v)`,
        [workspaceId, page.map((p) => idOf.get(p.campaignExternalId)), page.map((p) => p.date), page.map((p) => p.spendMicros), page.map((p) => p.impressions), page.map((p) => p.clicks), page.map((p) => p.platformConversions)],
      );
      continue;
    }
    const values: unknown[] = [];
    const tuples = page.map((s, i) => {
      values.push(workspaceId, idOf.get(s.campaignExternalId), s.date, 'USD', s.spendMicros, s.impressions, s.clicks, s.platformConversions);
      return `(${Array.from({ length: columns }, (_, k) => `$${i * columns + k + 1}`).join(', ')})`;
    });
    await admin.query(
      `INSERT INTO daily_ad_stats (workspace_id, campaign_id, date, currency, spend_micros, impressions, clicks, platform_conversions) VALUES ${tuples.join(', ')}`,
      values,
    );
  }
  return { seconds: (performance.now() - started) / 1000, rows: stats.length };
}

async function runIngestBench(): Promise<BenchFigure[]> {
  const rows = CAMPAIGNS * DAYS;
  console.log(`ingest: ${rows.toLocaleString('en-US')} daily ad-stat rows (${CAMPAIGNS} campaigns x ${DAYS} days, pages of ${PAGE_ROWS}) per round, ${ROUNDS} rounds each way, on PostgreSQL`);
  const adminUrl = await findAdminUrl();
  if (adminUrl === undefined) {
    console.log('PostgreSQL: skipped (BENCH_DATABASE_URL unset and nothing answers at 127.0.0.1:5432)');
    return [{ bench: 'ingest', figure: 'sync/bare ratio', value: 'no server', target: `>= ${TARGET_RATIO}`, verdict: 'SKIP' }];
  }
  const target = await createThrowawayDatabase(adminUrl);
  try {
    const db = await openDatabase({ databaseUrl: target.appUrl, ownerUrl: target.ownerUrl, dataDir: '', poolSize: 2 });
    const admin = new pg.Client({ connectionString: target.ownerUrl });
    await admin.connect();
    try {
      const { applied } = await db.migrate();
      if (applied.length === 0) throw new BenchSetupError('ingest: the throwaway database had no migrations to apply');
      console.log(`throwaway database ${target.name}`);
      if (WITHOUT_FOREIGN_KEY) {
        // Diagnostic only: what the same-tenant foreign key to campaigns costs per row.
        await admin.query('ALTER TABLE daily_ad_stats DROP CONSTRAINT daily_ad_stats_workspace_id_campaign_id_fkey');
        console.log('  (diagnostic: the daily_ad_stats -> campaigns foreign key is dropped in this run)');
      }
      const stats = statRows();
      // Warm-up (plans, caches, JIT of the page builders), not counted.
      const warm = stats.slice(0, PAGE_ROWS * 2);
      await bareRound(db, admin, warm, 'values');
      await bareRound(db, admin, warm, 'arrays');
      await syncRound(db, warm);
      const sync: number[] = [];
      const bareValues: number[] = [];
      const bareArrays: number[] = [];
      const resync: number[] = [];
      const rate = (r: { rows: number; seconds: number }) => r.rows / r.seconds;
      for (let round = 0; round < ROUNDS; round += 1) {
        const values = rate(await bareRound(db, admin, stats, 'values'));
        const arrays = rate(await bareRound(db, admin, stats, 'arrays'));
        const s = await syncRound(db, stats);
        bareValues.push(values);
        bareArrays.push(arrays);
        sync.push(rate(s));
        resync.push(s.rows / s.resyncSeconds);
        console.log(
          `  round ${round + 1}: bare INSERT VALUES ${values.toFixed(0)} rows/s, bare INSERT unnest ${arrays.toFixed(0)} rows/s; sync ${rate(s).toFixed(0)} rows/s; re-sync (unchanged) ${(s.rows / s.resyncSeconds).toFixed(0)} rows/s`,
        );
      }
      // The ratio is against the faster bare form: the sync path is held to the best plain insert.
      const bare = Math.max(median(bareValues), median(bareArrays));
      const perSecond = median(sync);
      const ratio = perSecond / bare;
      console.log(`  median: sync ${perSecond.toFixed(0)} rows/s; bare ${median(bareValues).toFixed(0)} (VALUES) / ${median(bareArrays).toFixed(0)} (unnest) rows/s; ratio ${ratio.toFixed(3)}`);
      const label = WITHOUT_FOREIGN_KEY ? ' [diagnostic: no FK]' : '';
      return [
        { bench: 'ingest', figure: `sync/bare rows per second (PostgreSQL)${label}`, value: ratio.toFixed(3), target: `>= ${TARGET_RATIO}`, verdict: ratio >= TARGET_RATIO ? 'PASS' : 'MISS' },
        { bench: 'ingest', figure: `sync rows/s (PostgreSQL)${label}`, value: `${perSecond.toFixed(0)}/s`, target: `>= ${TARGET_ROWS_PER_SECOND}/s`, verdict: perSecond >= TARGET_ROWS_PER_SECOND ? 'PASS' : 'MISS' },
        { bench: 'ingest', figure: `bare INSERT rows/s, VALUES / unnest${label}`, value: `${median(bareValues).toFixed(0)}/s / ${median(bareArrays).toFixed(0)}/s`, target: '-', verdict: 'INFO' },
        { bench: 'ingest', figure: `re-sync of unchanged rows/s${label}`, value: `${median(resync).toFixed(0)}/s`, target: '-', verdict: 'INFO' },
      ];
    } finally {
      await admin.end();
      await db.close();
    }
  } finally {
    await target.drop();
  }
}

await runAsScript('ingest', runIngestBench);
