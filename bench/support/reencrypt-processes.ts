// The two processes bench/reencrypt.ts runs beside its load generator, as a deployment runs them:
// `server` serves buildApp() (the route under load is /readyz, a database round trip) and
// `worker` runs the keys.maintenance job through the real job queue (pg-boss) on request. Both
// use the app login on the throwaway database and the same bench KEK, passed in by the parent.
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buildApp } from '../../src/app.js';
import { createAuditService } from '../../src/audit/index.js';
import { loadConfig } from '../../src/config.js';
import { KEY_MAINTENANCE_JOB, LocalKeyRing, createVault, keyMaintenanceJob, type Vault } from '../../src/crypto/index.js';
import { openDatabase, type Database } from '../../src/db/index.js';
import { createJobQueue, startWorker, type JobLogger } from '../../src/jobs/index.js';
import { createLogger } from '../../src/observability/logger.js';

export interface ReencryptChildEnv {
  BENCH_APP_URL: string;
  BENCH_OWNER_URL: string;
  /** base64 of the 32-byte bench KEK (`bench`). */
  BENCH_KEK: string;
  BENCH_BATCH_SIZE?: string;
  BENCH_ROLE: 'server' | 'worker';
}

export type ReencryptChildMessage =
  | { type: 'ready'; port?: number }
  | { type: 'done'; state: string; seconds: number; result: Record<string, unknown> | null; error: string | null };
export type ReencryptChildRequest = { type: 'run' };

function env(name: keyof ReencryptChildEnv): string {
  const value = process.env[name];
  if (value === undefined || value === '') throw new Error(`${name} is not set; run bench/reencrypt.ts instead`);
  return value;
}

async function open(poolSize: number): Promise<{ db: Database; vault: Vault }> {
  const db = await openDatabase({ databaseUrl: env('BENCH_APP_URL'), ownerUrl: env('BENCH_OWNER_URL'), dataDir: '', poolSize });
  const vault = createVault({ db, keys: new LocalKeyRing([{ id: 'bench', material: Buffer.from(env('BENCH_KEK'), 'base64') }], { source: 'environment' }) });
  await vault.registerActiveKek();
  return { db, vault };
}

async function server(send: (message: ReencryptChildMessage) => void): Promise<() => Promise<void>> {
  const { db, vault } = await open(10);
  const dataDir = await mkdtemp(path.join(tmpdir(), 'throughline-bench-reencrypt-'));
  const app = await buildApp({ config: loadConfig({ PORT: '0', DATA_DIR: dataDir }), db, vault, logger: createLogger({ level: 'silent' }) });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  send({ type: 'ready', port: typeof address === 'object' && address !== null ? address.port : 0 });
  return async () => {
    await app.close();
    await db.close();
  };
}

/** Progress as one short line at most every 5 s (the worker's own throttle); errors in full. */
const printingLogger: JobLogger = {
  info(details, message) {
    if (message !== 'job progress') return;
    const { step, rewrapped, reencrypted, remaining } = details;
    console.log(`  [worker] ${String(step)}: ${String(reencrypted ?? rewrapped)} done, ${String(remaining)} remaining in this column`);
  },
  warn: (details, message) => console.log(`  [worker] ${message} ${JSON.stringify(details)}`),
  error: (details, message) => console.log(`  [worker] ${message}`, details),
};

async function worker(send: (message: ReencryptChildMessage) => void): Promise<() => Promise<void>> {
  const { db, vault } = await open(4);
  const batchSize = Number(process.env.BENCH_BATCH_SIZE ?? '100');
  const queue = await createJobQueue({ db, definitions: [keyMaintenanceJob({ vault, audit: createAuditService({ db }), batchSize })], logger: printingLogger });
  const running = await startWorker(queue, { logger: printingLogger, pollingIntervalSeconds: 0.5 });
  process.on('message', (message: ReencryptChildRequest) => {
    if (message.type !== 'run') return;
    void (async () => {
      const id = await queue.runNow(KEY_MAINTENANCE_JOB);
      for (;;) {
        const status = (await queue.status())[0];
        const run = status?.lastRun;
        if (run !== undefined && run !== null && run.id === id && (run.state === 'completed' || run.state === 'failed')) {
          // The job's own start and end, as pg-boss recorded them: the handler's time, no polling.
          const seconds = ((run.finishedAt?.getTime() ?? Date.now()) - (run.startedAt?.getTime() ?? Date.now())) / 1000;
          send({ type: 'done', state: run.state, seconds, result: run.result, error: run.error });
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    })();
  });
  send({ type: 'ready' });
  return async () => {
    await running.stop();
    await queue.close();
    await db.close();
  };
}

async function main(): Promise<void> {
  const sendRaw = process.send?.bind(process);
  if (sendRaw === undefined) throw new Error('started without an IPC channel; run bench/reencrypt.ts instead');
  const send = (message: ReencryptChildMessage) => void sendRaw(message);
  const role = env('BENCH_ROLE');
  const close = role === 'server' ? await server(send) : role === 'worker' ? await worker(send) : undefined;
  if (close === undefined) throw new Error(`unknown role ${String(role)}`);
  process.once('disconnect', () => {
    void close().finally(() => process.exit(0));
  });
}

await main();
