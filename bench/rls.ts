// What tenant isolation by row-level security costs: the same campaigns query through
// db.withWorkspace() (app role, the policy filters rows) against an explicit
// `WHERE workspace_id = $1` run where RLS does not apply. Target: RLS time / baseline <= 1.15,
// on embedded PGlite and, when one answers, a PostgreSQL server. Run alone: npx tsx bench/rls.ts
// (--explain prints the full plans; BENCH_RLS_SECONDS sets the time per query, default 5).
import { PGlite } from '@electric-sql/pglite';
import { CompiledQuery, Kysely, PGliteDialect, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { APP_ROLE, openDatabase, type Database, type DB } from '../src/db/index.js';
import { seedCampaignsSql, type SeedShape } from './support/campaign-seed.js';
import { createThrowawayDatabase, findAdminUrl } from './support/postgres-server.js';
import { runAsScript, type BenchFigure } from './support/report.js';
import { formatMs, formatRatio, median, quantile } from './support/stats.js';

const TARGET_RATIO = 1.15;
const SHAPE: SeedShape = { workspaces: 20, campaignsPerWorkspace: 5_000 };
const SECONDS_PER_QUERY = Number(process.env.BENCH_RLS_SECONDS ?? '5');
const WARMUP_ROUNDS = 30;
const MIN_ROUNDS = 100;
const MAX_ROUNDS = 3_000;
const SHOW_PLANS = process.argv.includes('--explain') || process.env.BENCH_EXPLAIN === '1';

interface Backend {
  label: 'PGlite' | 'PostgreSQL';
  /** The app's own database handle: every transaction as throughline_app, RLS on. */
  db: Database;
  /** A superuser on the same database and table: RLS does not apply. */
  owner: Kysely<DB>;
  ownerExec(script: string): Promise<void>;
  close(): Promise<void>;
}

/** What both sides run: a Kysely query, with the explicit tenant filter only when given one. */
interface BenchQuery {
  name: string;
  build(q: Kysely<DB>, workspaceId: string | undefined): { execute(): Promise<unknown[]>; compile(): CompiledQuery };
}

const QUERIES: BenchQuery[] = [
  {
    name: 'per-channel count + budget sum',
    build: (q, workspaceId) =>
      q
        .selectFrom('campaigns')
        .select((eb) => ['channel', eb.fn.countAll<number>().as('campaigns'), eb.fn.sum<number>('daily_budget_minor').as('budgetMinor')])
        .$if(workspaceId !== undefined, (qb) => qb.where('workspace_id', '=', workspaceId ?? ''))
        .groupBy('channel')
        .orderBy('channel'),
  },
  {
    name: '50 newest campaigns',
    build: (q, workspaceId) =>
      q
        .selectFrom('campaigns')
        .select(['id', 'channel', 'external_id', 'name', 'status', 'daily_budget_minor', 'created_at'])
        .$if(workspaceId !== undefined, (qb) => qb.where('workspace_id', '=', workspaceId ?? ''))
        .orderBy('created_at', 'desc')
        .limit(50),
  },
];

interface Variant {
  name: string;
  run(workspaceId: string): Promise<unknown[]>;
}

interface Variants {
  rls: Variant;
  baseline: Variant;
  settings: Variant;
  rlsWhere: Variant;
}

function variantsFor(backend: Backend, query: BenchQuery): Variants {
  return {
    // The production path: BEGIN; set_config(role, tenant, ...); query; COMMIT.
    rls: { name: 'rls (withWorkspace, app role)', run: (ws) => backend.db.withWorkspace(ws, (tx) => query.build(tx, undefined).execute()) },
    // Diagnostic: RLS plus the explicit filter, as a query written belt-and-braces would run.
    rlsWhere: { name: 'rls + explicit WHERE', run: (ws) => backend.db.withWorkspace(ws, (tx) => query.build(tx, ws).execute()) },
    // The baseline: BEGIN; query WHERE workspace_id = $1; COMMIT, as a superuser (RLS bypassed).
    baseline: {
      name: 'baseline (superuser, WHERE)',
      run: (ws) => backend.owner.transaction().execute((trx) => query.build(trx, ws).execute()),
    },
    // Diagnostic: the baseline plus a set_config statement of the same shape minus the role
    // switch, which separates the extra round trip from the cost of the role and the policy.
    settings: {
      name: 'baseline + same set_config stmt',
      run: (ws) =>
        backend.owner.transaction().execute(async (trx) => {
          await sql`SELECT set_config('bench.role', ${APP_ROLE}, true), set_config('statement_timeout', '15s', true),
                           set_config('app.workspace_id', ${ws}, true), set_config('app.user_id', '', true)`.execute(trx);
          return query.build(trx, ws).execute();
        }),
    },
  };
}

/**
 * Interleaves the variants round by round on the same workspace, rotating which goes first
 * (A B C, B C A, C A B, ...) so neither drift nor position in a round favours one of them.
 */
async function measure(variants: Variant[], workspaces: string[]): Promise<{ samples: number[][]; rounds: number }> {
  const samples = variants.map((): number[] => []);
  const deadline = performance.now() + SECONDS_PER_QUERY * 1000;
  let rounds = 0;
  for (let round = 0; round < WARMUP_ROUNDS + MAX_ROUNDS; round++) {
    const measured = round >= WARMUP_ROUNDS;
    if (measured && rounds >= MIN_ROUNDS && performance.now() > deadline) break;
    const workspace = workspaces[round % workspaces.length] ?? '';
    for (let k = 0; k < variants.length; k++) {
      const index = (k + round) % variants.length;
      const started = performance.now();
      await variants[index]?.run(workspace);
      const elapsed = performance.now() - started;
      if (measured) samples[index]?.push(elapsed);
    }
    if (measured) rounds++;
  }
  return { samples, rounds };
}

async function explain(backend: Backend, query: BenchQuery, workspaceId: string): Promise<{ rls: string[]; baseline: string[]; rlsWhere: string[] }> {
  const explainOf = (compiled: CompiledQuery) =>
    CompiledQuery.raw(`EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) ${compiled.sql}`, [...compiled.parameters]);
  const lines = (rows: unknown[]) => rows.map((row) => String(Object.values(row as Record<string, unknown>)[0]));
  const rls = await backend.db.withWorkspace(workspaceId, async (tx) => lines((await tx.executeQuery(explainOf(query.build(tx, undefined).compile()))).rows));
  const rlsWhere = await backend.db.withWorkspace(workspaceId, async (tx) => lines((await tx.executeQuery(explainOf(query.build(tx, workspaceId).compile()))).rows));
  const baseline = await backend.owner
    .transaction()
    .execute(async (trx) => lines((await trx.executeQuery(explainOf(query.build(trx, workspaceId).compile()))).rows));
  return { rls, baseline, rlsWhere };
}

/** The scan nodes and their conditions: enough to see whether the policy used the index. */
const planGist = (plan: string[]) =>
  plan
    .map((line) => line.trim().replace(/^->\s*/, ''))
    .filter((line) => /Scan|Index Cond|Filter|Recheck/.test(line) && !line.startsWith('Buffers'))
    .map((line) => line.replace(/\s*\(actual.*$/, ''))
    .join(' | ');

/** Proves the two sides are what they claim: RLS on for the app role, off for the baseline. */
async function assertSetup(backend: Backend, workspaceId: string): Promise<void> {
  const probe = sql<{ role: string; rls: boolean }>`SELECT current_user AS role, row_security_active('campaigns') AS rls`;
  const app = await backend.db.withWorkspace(workspaceId, async (tx) => (await probe.execute(tx)).rows[0]);
  const owner = await backend.owner.transaction().execute(async (trx) => (await probe.execute(trx)).rows[0]);
  if (app?.role !== APP_ROLE || app.rls !== true) throw new Error(`${backend.label}: withWorkspace did not run with RLS as ${APP_ROLE}`);
  if (owner?.rls !== false) throw new Error(`${backend.label}: the baseline connection is subject to RLS; it must be a superuser`);
  console.log(`  app side runs as ${app.role} with RLS active; baseline runs as ${owner.role} with RLS inactive`);
}

async function benchBackend(backend: Backend): Promise<BenchFigure[]> {
  const started = performance.now();
  await backend.db.migrate();
  await backend.ownerExec(seedCampaignsSql(SHAPE));
  await backend.ownerExec('VACUUM ANALYZE workspaces');
  await backend.ownerExec('VACUUM ANALYZE campaigns');
  const workspaces = (await backend.owner.selectFrom('workspaces').select('id').orderBy('id').execute()).map((w) => w.id);
  const total = SHAPE.workspaces * SHAPE.campaignsPerWorkspace;
  console.log(`\n${backend.label}: ${workspaces.length} workspaces x ${SHAPE.campaignsPerWorkspace} campaigns (${total} rows) seeded in ${formatMs(performance.now() - started)}`);
  await assertSetup(backend, workspaces[0] ?? '');

  const figures: BenchFigure[] = [];
  for (const query of QUERIES) {
    const { rls, baseline, settings, rlsWhere } = variantsFor(backend, query);
    const variants = [rls, baseline, settings, rlsWhere];
    // Both sides must return the same rows, or the comparison (and the isolation) is wrong.
    for (const ws of workspaces.slice(0, 3)) {
      const [a, b] = [JSON.stringify(await rls.run(ws)), JSON.stringify(await baseline.run(ws))];
      if (a !== b) throw new Error(`${backend.label} ${query.name}: RLS and baseline results differ for workspace ${ws}`);
    }
    const { samples, rounds } = await measure(variants, workspaces);
    const [rlsMs, baseMs, settingsMs, rlsWhereMs] = samples.map((s) => median(s));
    if (rlsMs === undefined || baseMs === undefined || settingsMs === undefined || rlsWhereMs === undefined) throw new Error('no samples');
    const ratio = rlsMs / baseMs;
    const pairedRatio = median((samples[0] ?? []).map((a, i) => a / (samples[1]?.[i] ?? Number.NaN)));
    const verdict = ratio <= TARGET_RATIO ? 'PASS' : 'MISS';
    console.log(`\n  ${backend.label} / ${query.name}: ${rounds} interleaved rounds over ${workspaces.length} workspaces`);
    variants.forEach((variant, i) => {
      const s = samples[i] ?? [];
      console.log(`    ${variant.name.padEnd(34)} median ${formatMs(median(s)).padStart(9)}   p10 ${formatMs(quantile(s, 0.1)).padStart(9)}   p90 ${formatMs(quantile(s, 0.9)).padStart(9)}`);
    });
    console.log(`    ratio rls/baseline ${formatRatio(ratio)} (median of per-round ratios ${formatRatio(pairedRatio)}), target <= ${TARGET_RATIO}: ${verdict}`);
    console.log(`    of which: extra set_config statement x${formatRatio(settingsMs / baseMs)}, role switch + policy x${formatRatio(rlsMs / settingsMs)}`);
    console.log(`    adding the explicit WHERE under RLS: x${formatRatio(rlsWhereMs / rlsMs)}`);
    const plans = await explain(backend, query, workspaces[0] ?? '');
    console.log(`    plan rls:       ${planGist(plans.rls)}`);
    console.log(`    plan baseline:  ${planGist(plans.baseline)}`);
    console.log(`    plan rls+WHERE: ${planGist(plans.rlsWhere)}`);
    if (SHOW_PLANS || verdict === 'MISS') {
      console.log(`    EXPLAIN ANALYZE, rls:\n${plans.rls.map((l) => `      ${l}`).join('\n')}`);
      console.log(`    EXPLAIN ANALYZE, baseline:\n${plans.baseline.map((l) => `      ${l}`).join('\n')}`);
      console.log(`    EXPLAIN ANALYZE, rls + explicit WHERE:\n${plans.rlsWhere.map((l) => `      ${l}`).join('\n')}`);
    }
    figures.push({
      bench: 'rls',
      figure: `${backend.label}: ${query.name}, RLS/baseline`,
      value: `${formatRatio(ratio)} (${formatMs(rlsMs)} vs ${formatMs(baseMs)}; policy+role alone x${formatRatio(rlsMs / settingsMs)})`,
      target: `<= ${TARGET_RATIO}`,
      verdict,
    });
  }
  return figures;
}

const INT8_OID = 20;
// The same bigint parsing the app's pool uses (src/db/database.ts), so both sides decode alike.
const parseTypes = ((oid: number, format?: 'text' | 'binary') =>
  oid === INT8_OID ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser;

async function openPglite(): Promise<Backend> {
  const pglite = new PGlite();
  const db = await openDatabase({ dataDir: '', pglite });
  return {
    label: 'PGlite',
    db,
    // PGlite's default user is a superuser: a second Kysely on the same instance, without the
    // role switch, reads the very same table with RLS bypassed.
    owner: new Kysely<DB>({ dialect: new PGliteDialect({ pglite }) }),
    ownerExec: async (script) => void (await pglite.exec(script)),
    close: () => db.close(),
  };
}

async function openPostgres(adminUrl: string): Promise<{ backend: Backend; drop: () => Promise<void> }> {
  const target = await createThrowawayDatabase(adminUrl);
  try {
    // One connection each, so every transaction of a side reuses the same warm backend.
    const db = await openDatabase({ databaseUrl: target.appUrl, ownerUrl: target.ownerUrl, dataDir: '', poolSize: 1 });
    const pool = new pg.Pool({ connectionString: target.ownerUrl, max: 1, types: { getTypeParser: parseTypes } });
    // Without a listener, a server-side end of an idle connection is an uncaught 'error' event.
    pool.on('error', (error) => console.error(`baseline pool: ${error.message}`));
    const owner = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
    console.log(`\nPostgreSQL: throwaway database ${target.name}; app login ${new URL(target.appUrl).username}, baseline login ${new URL(target.ownerUrl).username}`);
    return {
      backend: {
        label: 'PostgreSQL',
        db,
        owner,
        ownerExec: async (script) => void (await pool.query(script)),
        close: async () => {
          await db.close();
          await owner.destroy();
        },
      },
      drop: () => target.drop(),
    };
  } catch (error) {
    await target.drop();
    throw error;
  }
}

async function runRlsBench(): Promise<BenchFigure[]> {
  console.log(`rls: RLS through withWorkspace() vs explicit WHERE without RLS; target ratio <= ${TARGET_RATIO}; ~${SECONDS_PER_QUERY} s per query`);
  const figures: BenchFigure[] = [];

  const embedded = await openPglite();
  try {
    figures.push(...(await benchBackend(embedded)));
  } finally {
    await embedded.close();
  }

  const adminUrl = await findAdminUrl();
  if (adminUrl === undefined) {
    console.log('\nPostgreSQL: skipped (BENCH_DATABASE_URL unset and nothing answers at 127.0.0.1:5432)');
    figures.push({ bench: 'rls', figure: 'PostgreSQL: RLS/baseline', value: 'no server', target: `<= ${TARGET_RATIO}`, verdict: 'SKIP' });
    return figures;
  }
  const server = await openPostgres(adminUrl);
  try {
    figures.push(...(await benchBackend(server.backend)));
  } finally {
    await server.backend.close();
    await server.drop();
  }
  return figures;
}

await runAsScript('rls', runRlsBench);
