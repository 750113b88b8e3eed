// The default dashboard report at scale: a workspace with 1,000 campaigns x 3 years of daily stats
// and 1,000,000 deals (generated here in SQL), rollups rebuilt once, then the default report (90
// days, by campaign, last non-direct touch) through the app's path: withWorkspace (RLS) ->
// buildReport over the rollups -> exact metrics. Targets: p95 < 150 ms on PostgreSQL, < 600 ms on
// PGlite. Also printed: the ratio against a bare aggregate over the raw tables (spend by campaign
// plus won revenue by the deal's utm_campaign: what a report without rollups or attribution reads).
// Run alone: npx tsx bench/report.ts (BENCH_REPORT_CAMPAIGNS, BENCH_REPORT_DAYS, BENCH_REPORT_DEALS,
// BENCH_REPORT_RUNS; BENCH_REPORT_ONLY=pglite|postgres).
import { randomUUID } from 'node:crypto';
import { PGlite } from '@electric-sql/pglite';
import { sql } from 'kysely';
import { buildReport } from '../src/analytics/reports.js';
import { rebuildRollups } from '../src/analytics/rollups.js';
import { applyMigrations, openDatabase, pgliteOwnerSession, type Database } from '../src/db/index.js';
import { createThrowawayDatabase, findAdminUrl } from './support/postgres-server.js';
import { runAsScript, type BenchFigure } from './support/report.js';
import { formatMs, quantile } from './support/stats.js';

const CAMPAIGNS = Number(process.env.BENCH_REPORT_CAMPAIGNS ?? '1000');
const DAYS = Number(process.env.BENCH_REPORT_DAYS ?? String(3 * 365));
const DEALS = Number(process.env.BENCH_REPORT_DEALS ?? '1000000');
const RUNS = Number(process.env.BENCH_REPORT_RUNS ?? '40');
const ONLY = process.env.BENCH_REPORT_ONLY;
const LAST_DAY = '2026-10-31';
const FIRST_REPORT_DAY = '2026-08-02'; // 90 days to LAST_DAY
const TARGET_MS = { PostgreSQL: 150, PGlite: 600 } as const;

/** Runs SQL as the owner (no RLS): the generator writes rows the way a long sync history would. */
type OwnerExec = (text: string, params?: unknown[]) => Promise<void>;

async function generate(owner: OwnerExec, workspaceId: string): Promise<void> {
  const ads = randomUUID();
  const crm = randomUUID();
  await owner(`INSERT INTO workspaces (id, name, currency, timezone) VALUES ($1, 'Bench', 'USD', 'UTC')`, [workspaceId]);
  await owner(
    `INSERT INTO integrations (id, workspace_id, provider, external_account, display_name) VALUES ($1, $3, 'demo-ads', 'bench-ads', 'Bench ads'), ($2, $3, 'demo-crm', 'bench-crm', 'Bench CRM')`,
    [ads, crm, workspaceId],
  );
  const channels = `(ARRAY['meta-ads', 'google-ads', 'yandex-direct'])[1 + c % 3]`;
  await owner(
    `INSERT INTO campaigns (workspace_id, channel, external_id, name, integration_id)
     SELECT $1, ${channels}, 'cmp-' || c, 'Campaign ' || c, $2 FROM generate_series(0, $3 - 1) AS c`,
    [workspaceId, ads, CAMPAIGNS],
  );
  // One row per campaign and day; spend and clicks vary by both (deterministic).
  await owner(
    `INSERT INTO daily_ad_stats (workspace_id, campaign_id, date, currency, spend_micros, impressions, clicks)
     SELECT $1, c.id, $2::date - d, 'USD', ((c.n * 7 + d * 13) % 500) * 731000, ((c.n * 7 + d * 13) % 500) * 37 + 11, (c.n * 7 + d * 13) % 500
     FROM (SELECT id, substr(external_id, 5)::int AS n FROM campaigns WHERE workspace_id = $1) c, generate_series(0, $3 - 1) AS d`,
    [workspaceId, LAST_DAY, DAYS],
  );
  // Deals across the three years: 30% won (a week later), 20% lost, the rest open; tagged with
  // their campaign's source and name (some in other case), 1 in 10 untagged; 400k repeat customers.
  const sources = `(ARRAY['facebook', 'google', 'yandex'])[1 + (i % ${CAMPAIGNS}) % 3]`;
  await owner(
    `INSERT INTO deals (workspace_id, integration_id, external_id, contact_external_id, status, amount_minor, currency, created_at, closed_at, utm_source, utm_medium, utm_campaign)
     SELECT $1, $2, 'deal-' || i, 'p-' || (i % 400000),
            CASE WHEN i % 10 < 3 THEN 'won' WHEN i % 10 < 5 THEN 'lost' ELSE 'open' END,
            1000 + (i * 7919) % 250000, 'USD',
            $3::timestamptz - make_interval(secs => (i * 94.6) % ($4 * 86400)),
            CASE WHEN i % 10 < 5 THEN $3::timestamptz - make_interval(secs => (i * 94.6) % ($4 * 86400)) + interval '7 days' END,
            CASE WHEN i % 10 = 9 THEN NULL ELSE ${sources} END,
            CASE WHEN i % 10 = 9 THEN NULL ELSE 'cpc' END,
            CASE WHEN i % 10 = 9 THEN NULL WHEN i % 4 = 0 THEN 'CAMPAIGN ' || (i % ${CAMPAIGNS}) ELSE 'campaign ' || (i % ${CAMPAIGNS}) END
     FROM generate_series(0::bigint, $5::bigint - 1) AS i`,
    [workspaceId, crm, `${LAST_DAY}T23:00:00Z`, DAYS, DEALS],
  );
  await owner('ANALYZE');
}

async function timeRuns(fn: () => Promise<unknown>): Promise<number[]> {
  for (let i = 0; i < 5; i += 1) await fn(); // plans and caches
  const samples: number[] = [];
  for (let i = 0; i < RUNS; i += 1) {
    const started = performance.now();
    await fn();
    samples.push(performance.now() - started);
  }
  return samples;
}

async function measure(label: 'PostgreSQL' | 'PGlite', db: Database, owner: OwnerExec): Promise<BenchFigure[]> {
  const workspaceId = randomUUID();
  let started = performance.now();
  await generate(owner, workspaceId);
  console.log(`  ${label}: generated ${CAMPAIGNS.toLocaleString('en-US')} campaigns x ${DAYS} days of stats and ${DEALS.toLocaleString('en-US')} deals in ${formatMs(performance.now() - started)}`);
  started = performance.now();
  const build = await rebuildRollups(db, workspaceId);
  const buildMs = performance.now() - started;
  console.log(`  ${label}: rollups rebuilt in ${formatMs(buildMs)} (${build.channelRows.toLocaleString('en-US')} channel-day rows, ${build.campaignRows.toLocaleString('en-US')} campaign running-sum rows)`);

  const query = { from: FIRST_REPORT_DAY, to: LAST_DAY, model: 'last_non_direct' as const, groupBy: 'campaign' as const, sort: 'spend' as const, order: 'desc' as const };
  let rows = 0;
  const report = await timeRuns(async () => {
    rows = (await db.withWorkspace(workspaceId, (tx) => buildReport(tx, query))).rows.length;
  });
  // The baseline: the raw tables aggregated directly, through the same RLS transaction.
  const bare = await timeRuns(() =>
    db.withWorkspace(workspaceId, async (tx) => {
      await sql`SELECT campaign_id, sum(spend_micros), sum(impressions), sum(clicks) FROM daily_ad_stats
                WHERE date BETWEEN ${FIRST_REPORT_DAY}::date AND ${LAST_DAY}::date GROUP BY campaign_id`.execute(tx);
      await sql`SELECT utm_campaign, count(*), count(*) FILTER (WHERE status = 'won'), sum(amount_minor) FILTER (WHERE status = 'won') FROM deals
                WHERE created_at >= ${FIRST_REPORT_DAY}::date AND created_at < ${LAST_DAY}::date + 1 GROUP BY utm_campaign`.execute(tx);
    }),
  );
  const p95 = quantile(report, 0.95);
  const bareP95 = quantile(bare, 0.95);
  console.log(`  ${label}: default report (${rows} campaign rows) p50 ${formatMs(quantile(report, 0.5))}, p95 ${formatMs(p95)}; bare aggregate p95 ${formatMs(bareP95)}; report/bare ${(p95 / bareP95).toFixed(3)}`);
  const target = TARGET_MS[label];
  return [
    { bench: 'report', figure: `default report p95 (${label})`, value: formatMs(p95), target: `< ${target} ms`, verdict: p95 < target ? 'PASS' : 'MISS' },
    { bench: 'report', figure: `report/bare aggregate p95 (${label})`, value: (p95 / bareP95).toFixed(3), target: '-', verdict: 'INFO' },
    { bench: 'report', figure: `rollup rebuild, ${DEALS.toLocaleString('en-US')} deals (${label})`, value: formatMs(buildMs), target: '-', verdict: 'INFO' },
  ];
}

async function onPglite(): Promise<BenchFigure[]> {
  const pglite = await PGlite.create();
  try {
    await applyMigrations(pgliteOwnerSession(pglite));
    const db = await openDatabase({ dataDir: '', pglite });
    return await measure('PGlite', db, async (text, params) => {
      await pglite.query(text, params);
    });
  } finally {
    await pglite.close();
  }
}

async function onPostgres(): Promise<BenchFigure[]> {
  const adminUrl = await findAdminUrl();
  if (adminUrl === undefined) return [{ bench: 'report', figure: 'default report p95 (PostgreSQL)', value: 'no server', target: '< 150 ms', verdict: 'SKIP' }];
  const target = await createThrowawayDatabase(adminUrl);
  const pg = (await import('pg')).default;
  const admin = new pg.Client({ connectionString: target.ownerUrl });
  await admin.connect();
  try {
    const db = await openDatabase({ databaseUrl: target.appUrl, ownerUrl: target.ownerUrl, dataDir: '', poolSize: 2 });
    try {
      await db.migrate();
      return await measure('PostgreSQL', db, async (text, params) => {
        await admin.query(text, params);
      });
    } finally {
      await db.close();
    }
  } finally {
    await admin.end();
    await target.drop();
  }
}

async function bench(): Promise<BenchFigure[]> {
  console.log(`report: ${CAMPAIGNS} campaigns x ${DAYS} days, ${DEALS.toLocaleString('en-US')} deals; default report = 90 days by campaign, last non-direct touch; ${RUNS} timed runs`);
  const figures: BenchFigure[] = [];
  if (ONLY !== 'pglite') figures.push(...(await onPostgres()));
  if (ONLY !== 'postgres') figures.push(...(await onPglite()));
  return figures;
}

await runAsScript('report', bench);
