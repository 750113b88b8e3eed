// Re-encrypting stored tokens under load. Seeds BENCH_REENCRYPT_TOKENS (default 100,000) OAuth
// access tokens across 4 workspaces (sealed through the vault, inserted 1,000 rows a statement),
// rotates every workspace's data key, then runs the keys.maintenance job through the real job
// queue in a worker process while autocannon holds 10 connections on /readyz (buildApp, one
// database round trip per request) in a server process. Figures: the job's time for all values,
// and /readyz p99 during the job against idle. Target: p99 during / idle <= 1.5. PostgreSQL
// only (skipped when no server answers). Run alone: npx tsx bench/reencrypt.ts
import { once } from 'node:events';
import { randomBytes, randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import autocannon, { type AutocannonResult } from 'autocannon';
import pg from 'pg';
import { LocalKeyRing, createVault, type SecretPlace, type Vault } from '../src/crypto/index.js';
import { RETENTION_ROLE, SYSTEM_ROLE, openDatabase, type Database } from '../src/db/index.js';
import { BENCH_APP_LOGIN, createThrowawayDatabase, findAdminUrl } from './support/postgres-server.js';
import type { ReencryptChildEnv, ReencryptChildMessage, ReencryptChildRequest } from './support/reencrypt-processes.js';
import { BenchSetupError, runAsScript, type BenchFigure } from './support/report.js';
import { formatMs } from './support/stats.js';
import { spawnTypeScript } from './support/tsx-loader.js';

const TARGET_RATIO = 1.5;
const TOKENS = Number(process.env.BENCH_REENCRYPT_TOKENS ?? '100000');
const WORKSPACES = 4;
const INSERT_ROWS = 1_000;
const SEED_CHUNK = 2_500;
const SEED_CONCURRENCY = 8;
const CONNECTIONS = 10;
const IDLE_SECONDS = Number(process.env.BENCH_REENCRYPT_IDLE_SECONDS ?? '10');
const CHILD_SCRIPT = fileURLToPath(new URL('./support/reencrypt-processes.ts', import.meta.url));

/** A realistic OAuth access token: ~180 characters. */
const token = (i: number) => `ya29.a0AfB_${randomBytes(120).toString('base64url')}_${i}`;

/**
 * `count` tokens in one workspace, sealed through the vault (each bound to its row) and inserted
 * INSERT_ROWS a statement, in transactions of SEED_CHUNK rows run SEED_CONCURRENCY at a time.
 */
async function seedWorkspaces(db: Database, vault: Vault, counts: Map<string, number>): Promise<void> {
  const chunks: Array<{ ws: string; rows: number }> = [];
  for (const [ws, count] of counts) {
    await db.withWorkspace(ws, (tx) => tx.insertInto('workspaces').values({ id: ws, name: `Bench ${ws.slice(0, 8)}` }).execute());
    for (let start = 0; start < count; start += SEED_CHUNK) chunks.push({ ws, rows: Math.min(SEED_CHUNK, count - start) });
  }
  const seedChunk = ({ ws, rows: n }: { ws: string; rows: number }) =>
    db.withWorkspace(ws, async (tx) => {
      for (let start = 0; start < n; start += INSERT_ROWS) {
        const rows = [];
        for (let i = start; i < Math.min(n, start + INSERT_ROWS); i += 1) {
          const integrationId = randomUUID();
          const place: SecretPlace = { table: 'integration_tokens', column: 'access_token_sealed', rowId: integrationId, workspaceId: ws };
          rows.push({ integration_id: integrationId, workspace_id: ws, provider: 'google-ads', access_token_sealed: await vault.sealSecret(tx, place, token(i)) });
        }
        await tx.insertInto('integration_tokens').values(rows).execute();
      }
    });
  let next = 0;
  await Promise.all(
    Array.from({ length: SEED_CONCURRENCY }, async () => {
      for (let chunk = chunks[next++]; chunk !== undefined; chunk = chunks[next++]) await seedChunk(chunk);
    }),
  );
}

class Child {
  private constructor(private readonly process: ReturnType<typeof spawnTypeScript>) {}

  static async start(role: ReencryptChildEnv['BENCH_ROLE'], env: Omit<ReencryptChildEnv, 'BENCH_ROLE'>): Promise<{ child: Child; ready: Extract<ReencryptChildMessage, { type: 'ready' }> }> {
    const proc = spawnTypeScript(CHILD_SCRIPT, ['ignore', 'inherit', 'inherit', 'ipc'], { ...process.env, ...env, BENCH_ROLE: role });
    const ready = await new Promise<Extract<ReencryptChildMessage, { type: 'ready' }>>((resolve, reject) => {
      proc.on('message', (message: ReencryptChildMessage) => {
        if (message.type === 'ready') resolve(message);
      });
      proc.once('exit', (code) => reject(new Error(`the ${role} process exited early (code ${String(code)})`)));
    });
    return { child: new Child(proc), ready };
  }

  async runJob(): Promise<Extract<ReencryptChildMessage, { type: 'done' }>> {
    const done = new Promise<Extract<ReencryptChildMessage, { type: 'done' }>>((resolve) => {
      this.process.on('message', (message: ReencryptChildMessage) => {
        if (message.type === 'done') resolve(message);
      });
    });
    this.process.send({ type: 'run' } satisfies ReencryptChildRequest);
    return done;
  }

  async stop(): Promise<void> {
    if (this.process.exitCode !== null) return;
    const exited = once(this.process, 'exit');
    if (this.process.connected) this.process.disconnect();
    const timer = setTimeout(() => this.process.kill('SIGKILL'), 30_000);
    await exited;
    clearTimeout(timer);
  }
}

function checkLoad(what: string, result: AutocannonResult): void {
  if (result.non2xx > 0 || result.errors > 0 || result.timeouts > 0) {
    throw new Error(`${what}: ${result.non2xx} non-2xx, ${result.errors} errors, ${result.timeouts} timeouts`);
  }
}

async function runReencryptBench(): Promise<BenchFigure[]> {
  if (!Number.isInteger(TOKENS) || TOKENS < WORKSPACES) throw new BenchSetupError(`BENCH_REENCRYPT_TOKENS must be a whole number of at least ${WORKSPACES}`);
  const figureName = `${TOKENS.toLocaleString('en-US')} tokens`;
  console.log(`reencrypt: ${figureName} in ${WORKSPACES} workspaces; keys.maintenance through the job queue vs /readyz under ${CONNECTIONS} connections; target p99 during/idle <= ${TARGET_RATIO}`);
  const adminUrl = await findAdminUrl();
  if (adminUrl === undefined) {
    console.log('PostgreSQL: skipped (BENCH_DATABASE_URL unset and nothing answers at 127.0.0.1:5432)');
    return [{ bench: 'reencrypt', figure: 'p99 /readyz during/idle', value: 'no server', target: `<= ${TARGET_RATIO}`, verdict: 'SKIP' }];
  }
  const target = await createThrowawayDatabase(adminUrl);
  const children: Child[] = [];
  try {
    const admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    try {
      // Re-encryption lists workspaces as the system role; the app's own login is a member of both.
      await admin.query(`GRANT ${SYSTEM_ROLE}, ${RETENTION_ROLE} TO ${BENCH_APP_LOGIN}`);
    } finally {
      await admin.end();
    }
    const db = await openDatabase({ databaseUrl: target.appUrl, ownerUrl: target.ownerUrl, dataDir: '', poolSize: SEED_CONCURRENCY + 2 });
    try {
      await db.migrate();
      const kek = randomBytes(32);
      const vault = createVault({ db, keys: new LocalKeyRing([{ id: 'bench', material: kek }], { source: 'environment' }) });
      await vault.registerActiveKek();
      const workspaces = Array.from({ length: WORKSPACES }, () => randomUUID());
      const seedStarted = performance.now();
      await seedWorkspaces(db, vault, new Map(workspaces.map((ws, w) => [ws, Math.floor(TOKENS / WORKSPACES) + (w < TOKENS % WORKSPACES ? 1 : 0)])));
      console.log(`  seeded ${figureName} through the vault in ${((performance.now() - seedStarted) / 1000).toFixed(1)} s (throwaway database ${target.name})`);

      const env = { BENCH_APP_URL: target.appUrl, BENCH_OWNER_URL: target.ownerUrl, BENCH_KEK: kek.toString('base64') };
      const server = await Child.start('server', env);
      children.push(server.child);
      const url = `http://127.0.0.1:${String(server.ready.port)}/readyz`;
      const warm = await autocannon({ url, connections: CONNECTIONS, duration: 2 });
      checkLoad('warm-up', warm);
      const idle = await autocannon({ url, connections: CONNECTIONS, duration: IDLE_SECONDS });
      checkLoad('idle', idle);
      console.log(`  idle:   p99 ${formatMs(idle.latency.p99)}, p50 ${formatMs(idle.latency.p50)}, ${Math.round(idle.requests.average)} req/s`);

      // Every workspace gets a new data key; its values now name a retired one until re-encrypted.
      for (const ws of workspaces) await vault.rotateWorkspaceDek(ws);
      const worker = await Child.start('worker', env);
      children.push(worker.child);
      const during = autocannon({ url, connections: CONNECTIONS, duration: 3_600 });
      const job = await worker.child.runJob();
      during.stop();
      const loaded = await during;
      checkLoad('during re-encryption', loaded);
      if (job.state !== 'completed') throw new Error(`the keys.maintenance job ${job.state}: ${String(job.error)}`);
      const reencrypted = Number(job.result?.reencrypted ?? 0);
      console.log(`  during: p99 ${formatMs(loaded.latency.p99)}, p50 ${formatMs(loaded.latency.p50)}, ${Math.round(loaded.requests.average)} req/s over ${loaded.duration.toFixed(1)} s`);
      console.log(`  job: ${reencrypted.toLocaleString('en-US')} values re-encrypted in ${job.seconds.toFixed(1)} s (${Math.round(reencrypted / job.seconds).toLocaleString('en-US')}/s), ${String(job.result?.deletedDataKeys)} old data keys deleted`);

      // Nothing stale is left, and the values still open (a fresh vault: nothing cached).
      const left = await db.unsafeAsSystem('bench: count data keys', (tx) => tx.selectFrom('data_keys').select(['state']).where('workspace_id', 'is not', null).execute());
      if (reencrypted !== TOKENS || left.length !== WORKSPACES || left.some((k) => k.state !== 'active')) {
        throw new Error(`re-encryption incomplete: ${reencrypted} values, data keys ${JSON.stringify(left)}`);
      }
      const fresh = createVault({ db, keys: new LocalKeyRing([{ id: 'bench', material: kek }], { source: 'environment' }) });
      for (const ws of workspaces) {
        await db.withWorkspace(ws, async (tx) => {
          const rows = await tx.selectFrom('integration_tokens').select(['integration_id', 'access_token_sealed']).limit(50).execute();
          for (const row of rows) await fresh.openSecret(tx, { table: 'integration_tokens', column: 'access_token_sealed', rowId: row.integration_id, workspaceId: ws }, row.access_token_sealed);
        });
      }

      const ratio = loaded.latency.p99 / idle.latency.p99;
      console.log(`  p99 during/idle: ${ratio.toFixed(2)} (target <= ${TARGET_RATIO})`);
      return [
        { bench: 'reencrypt', figure: `re-encrypt ${figureName} (job time)`, value: `${job.seconds.toFixed(1)} s (${Math.round(reencrypted / job.seconds).toLocaleString('en-US')}/s)`, target: '-', verdict: 'INFO' },
        { bench: 'reencrypt', figure: '/readyz p99 idle -> during', value: `${formatMs(idle.latency.p99)} -> ${formatMs(loaded.latency.p99)}`, target: '-', verdict: 'INFO' },
        { bench: 'reencrypt', figure: '/readyz p99 during/idle', value: ratio.toFixed(2), target: `<= ${TARGET_RATIO}`, verdict: ratio <= TARGET_RATIO ? 'PASS' : 'MISS' },
      ];
    } finally {
      for (const child of children.reverse()) await child.stop();
      await db.close();
    }
  } finally {
    await target.drop();
  }
}

await runAsScript('reencrypt', runReencryptBench);
