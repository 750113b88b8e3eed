// Audit append throughput: 8 concurrent writers calling createAuditService().record on a
// PostgreSQL server (each call its own withWorkspace transaction: one INSERT, linked by the
// database's chain trigger), first all on one workspace chain, then one chain each. Target:
// >= 2,000 appends/s with 8 writers; every chain must verify intact afterwards. Skipped when no
// server answers. Run alone: npx tsx bench/audit.ts (BENCH_AUDIT_SECONDS per run, default 5).
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { createAuditService, verifyAuditChains, type AuditContext, type AuditService } from '../src/audit/index.js';
import { openDatabase, RETENTION_ROLE, SYSTEM_ROLE } from '../src/db/index.js';
import { BENCH_APP_LOGIN, createThrowawayDatabase, findAdminUrl } from './support/postgres-server.js';
import { BenchSetupError, runAsScript, type BenchFigure } from './support/report.js';

const TARGET_PER_SECOND = 2_000;
const WRITERS = 8;
const SECONDS = Number(process.env.BENCH_AUDIT_SECONDS ?? '5');
const CONTEXT: AuditContext = {
  actor: { kind: 'user', id: 'user-1' },
  ip: '203.0.113.9',
  userAgent: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36',
  requestId: 'req-bench',
};

/** Appends per second for WRITERS loops, writer w appending to chainOf(w), for SECONDS. */
async function appendRate(audit: AuditService, chainOf: (writer: number) => string): Promise<{ appends: number; perSecond: number }> {
  for (let w = 0; w < WRITERS; w++) await audit.record({ action: 'auth.login.succeeded', workspaceId: chainOf(w) }, CONTEXT); // warm-up
  let appends = 0;
  const started = performance.now();
  const deadline = started + SECONDS * 1000;
  await Promise.all(
    Array.from({ length: WRITERS }, async (_, w) => {
      while (performance.now() < deadline) {
        await audit.record({ action: 'data.exported', workspaceId: chainOf(w), target: { type: 'report', id: `r-${appends}` }, details: { writer: w, n: appends } }, CONTEXT);
        appends += 1;
      }
    }),
  );
  return { appends: appends + WRITERS, perSecond: appends / ((performance.now() - started) / 1000) };
}

async function runAuditBench(): Promise<BenchFigure[]> {
  console.log(`audit: ${WRITERS} concurrent writers through createAuditService().record on PostgreSQL; target >= ${TARGET_PER_SECOND}/s; ${SECONDS} s per run`);
  const adminUrl = await findAdminUrl();
  if (adminUrl === undefined) {
    console.log('PostgreSQL: skipped (BENCH_DATABASE_URL unset and nothing answers at 127.0.0.1:5432)');
    return [{ bench: 'audit', figure: 'appends/s, 8 writers', value: 'no server', target: `>= ${TARGET_PER_SECOND}/s`, verdict: 'SKIP' }];
  }
  const target = await createThrowawayDatabase(adminUrl);
  try {
    const migrator = await openDatabase({ databaseUrl: target.appUrl, ownerUrl: target.ownerUrl, dataDir: '', poolSize: 1 });
    try {
      const { applied } = await migrator.migrate();
      if (applied.length === 0) throw new BenchSetupError('audit: the throwaway database had no migrations to apply');
    } finally {
      await migrator.close();
    }
    // The app login switches to the system role to verify (and the retention role, like the app's
    // own login); the roles exist once migrated. Neither grant makes it superuser or BYPASSRLS.
    const admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    try {
      await admin.query(`GRANT ${SYSTEM_ROLE}, ${RETENTION_ROLE} TO ${BENCH_APP_LOGIN}`);
    } finally {
      await admin.end();
    }
    const db = await openDatabase({ databaseUrl: target.appUrl, ownerUrl: target.ownerUrl, dataDir: '', poolSize: WRITERS + 2 });
    try {
      console.log(`throwaway database ${target.name}; app login ${BENCH_APP_LOGIN}`);
      const audit = createAuditService({ db });
      const one = randomUUID();
      const single = await appendRate(audit, () => one);
      console.log(`  one chain:  ${single.appends} appends, ${single.perSecond.toFixed(0)}/s`);
      const many = Array.from({ length: WRITERS }, () => randomUUID());
      const spread = await appendRate(audit, (w) => many[w] ?? one);
      console.log(`  ${WRITERS} chains: ${spread.appends} appends, ${spread.perSecond.toFixed(0)}/s`);

      const verifyStarted = performance.now();
      const verified = await verifyAuditChains(db);
      const verifySeconds = (performance.now() - verifyStarted) / 1000;
      const expected = single.appends + spread.appends;
      const intact = verified.ok && verified.entries === expected && verified.chains === 1 + WRITERS;
      console.log(`  verify: ${JSON.stringify(verified)} in ${verifySeconds.toFixed(1)} s`);

      const verdict = (perSecond: number) => (perSecond >= TARGET_PER_SECOND ? 'PASS' : 'MISS');
      return [
        { bench: 'audit', figure: `appends/s, ${WRITERS} writers, one chain`, value: `${single.perSecond.toFixed(0)}/s`, target: `>= ${TARGET_PER_SECOND}/s`, verdict: verdict(single.perSecond) },
        { bench: 'audit', figure: `appends/s, ${WRITERS} writers, ${WRITERS} chains`, value: `${spread.perSecond.toFixed(0)}/s`, target: `>= ${TARGET_PER_SECOND}/s`, verdict: verdict(spread.perSecond) },
        {
          bench: 'audit',
          figure: 'chains intact afterwards',
          value: intact ? `${expected} entries (verified at ${(expected / verifySeconds).toFixed(0)}/s)` : JSON.stringify(verified),
          target: 'all verify',
          verdict: intact ? 'PASS' : 'MISS',
        },
      ];
    } finally {
      await db.close();
    }
  } finally {
    await target.drop();
  }
}

await runAsScript('audit', runAuditBench);
