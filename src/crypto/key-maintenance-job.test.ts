// Scheduled key maintenance through the real job queue (pg-boss on PGlite or PostgreSQL): a due
// KEK rotates and every data key is re-wrapped; a run that dies after a committed batch, or whose
// worker is stopped mid-run, is finished by its retry with nothing lost.
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FAST_RETRY, FAST_WORKER, collectingLogger, waitForStatus } from '../../test/job-queue.js';
import { createTestDatabase, queryAsOwnerWithoutRls, type TestDatabase } from '../../test/support/database.js';
import { createAuditService, verifyAuditChains } from '../audit/index.js';
import { createJobQueue, startWorker, type JobLogger, type JobQueue, type Worker } from '../jobs/index.js';
import { createIntegrationTokenStore } from './integration-tokens.js';
import { KEY_MAINTENANCE_JOB, keyMaintenanceJob, type KeyMaintenanceJobDeps } from './key-maintenance-job.js';
import { LocalKeyRing, createKeyRing } from './key-ring.js';
import { createVault, type Vault } from './vault.js';

const DAY = 86_400_000;
const day0 = new Date('2025-01-01T00:00:00Z');
const at = (days: number) => new Date(day0.getTime() + days * DAY);

let t: TestDatabase | undefined;
const open: Array<JobQueue | Worker> = [];
afterEach(async () => {
  for (const item of open.splice(0).reverse()) await ('stop' in item ? item.stop() : item.close());
  await t?.close();
  t = undefined;
});

interface Seeded {
  ws: string;
  integration: string;
  token: string;
}

function database(): TestDatabase {
  if (t === undefined) throw new Error('no database');
  return t;
}

/** `workspaces` workspaces with `perWorkspace` integrations each, tokens sealed through the store. */
async function seedTokens(vault: Vault, workspaces: number, perWorkspace = 1): Promise<Seeded[]> {
  const store = createIntegrationTokenStore(vault);
  const seeded: Seeded[] = [];
  for (let w = 0; w < workspaces; w += 1) {
    const ws = randomUUID();
    await database().db.withWorkspace(ws, async (tx) => {
      await tx.insertInto('workspaces').values({ id: ws, name: `W${w}` }).execute();
      for (let i = 0; i < perWorkspace; i += 1) {
        const entry = { ws, integration: randomUUID(), token: `tok-${w}-${i}-${randomBytes(6).toString('hex')}` };
        await store.save(tx, ws, { integrationId: entry.integration, provider: 'meta-ads', accessToken: entry.token, refreshToken: `r-${entry.token}` });
        seeded.push(entry);
      }
    });
  }
  return seeded;
}

/** Every token reads back, through a vault with nothing cached (as after a restart). */
async function expectAllReadable(vault: Vault, seeded: Seeded[]): Promise<void> {
  vault.forgetCachedKeys();
  const store = createIntegrationTokenStore(vault);
  for (const s of seeded) {
    const tokens = await database().db.withWorkspace(s.ws, (tx) => store.find(tx, s.integration));
    expect(tokens?.accessToken).toBe(s.token);
    expect(tokens?.refreshToken).toBe(`r-${s.token}`);
  }
}

/** A vault with one operator KEK, recorded as active as a start-up would. */
async function vaultUnder(kek: { id: string; material: Buffer }): Promise<Vault> {
  const vault = createVault({ db: database().db, keys: new LocalKeyRing([kek], { source: 'environment' }) });
  await vault.registerActiveKek();
  return vault;
}

const kekCounts = () =>
  queryAsOwnerWithoutRls<{ kek_id: string; n: number }>(database().owner, ['data_keys'], 'SELECT kek_id, count(*)::int AS n FROM data_keys GROUP BY kek_id ORDER BY kek_id');

async function startQueue(deps: KeyMaintenanceJobDeps, logger: JobLogger = collectingLogger()): Promise<{ queue: JobQueue; worker: Worker }> {
  const queue = await createJobQueue({ db: database().db, definitions: [keyMaintenanceJob(deps)], logger: collectingLogger(), retry: FAST_RETRY });
  open.push(queue);
  const worker = await startWorker(queue, { logger, ...FAST_WORKER });
  open.push(worker);
  return { queue, worker };
}

describe(`keys.maintenance job (${process.env.TEST_DATABASE_URL ? 'postgres' : 'pglite'})`, () => {
  it('rotates a due KEK, re-wraps every data key, audits the rotation and reports progress', async () => {
    t = await createTestDatabase();
    const { ring } = await createKeyRing({ NODE_ENV: 'test', DATA_DIR: await mkdtemp(path.join(tmpdir(), 'tl-job-keys-')) });
    const vault = createVault({ db: t.db, keys: ring, rotationDays: 30 });
    await vault.registerActiveKek(day0);
    const seeded = await seedTokens(vault, 7);
    const audit = createAuditService({ db: t.db });
    const logger = collectingLogger();
    const { queue } = await startQueue({ vault, audit, batchSize: 3, now: () => at(31) }, logger);

    const [scheduled] = await queue.status();
    expect(scheduled).toMatchObject({ name: KEY_MAINTENANCE_JOB, schedule: '17 3 * * *' });
    await queue.runNow(KEY_MAINTENANCE_JOB);
    const done = await waitForStatus(queue, KEY_MAINTENANCE_JOB, (s) => s.lastRun?.state === 'completed');

    expect(done.lastRun?.result).toEqual({
      rotated: true,
      activeKekId: 'k2',
      needsOperatorKey: false,
      nextRotationAt: at(61).toISOString(),
      rewrapped: 7,
      retiredKekIds: ['k1'],
      reencrypted: 0,
      workspacesReencrypted: 0,
      deletedDataKeys: 0,
    });
    expect(await kekCounts()).toEqual([{ kek_id: 'k2', n: 7 }]);
    await expectAllReadable(vault, seeded);
    const progress = logger.lines.filter((l) => l.message === 'job progress').map((l) => [l.details.step, l.details.remaining]);
    expect(progress).toEqual([
      ['rewrap', 4],
      ['rewrap', 1],
      ['rewrap', 0],
    ]);
    const platform = await audit.list(null, { action: 'keys.rotated' });
    expect(platform.entries).toHaveLength(1);
    expect(platform.entries[0]).toMatchObject({ actorKind: 'system', actorId: 'job:keys.maintenance', targetId: 'k2', details: { previousKekId: 'k1', trigger: 'schedule' } });
    expect(await verifyAuditChains(t.db)).toMatchObject({ ok: true });

    // The next day's run finds nothing to do and rotates nothing.
    await queue.runNow(KEY_MAINTENANCE_JOB);
    const again = await waitForStatus(queue, KEY_MAINTENANCE_JOB, (s) => s.lastRun?.state === 'completed' && s.lastRun.id !== done.lastRun?.id);
    expect(again.lastRun?.result).toMatchObject({ rotated: false, rewrapped: 0, reencrypted: 0 });
  });

  it('dies after a committed batch of re-wrap, then of re-encryption; each retry resumes and nothing is lost', async () => {
    t = await createTestDatabase();
    const k1 = { id: 'k1', material: randomBytes(32) };
    const seeded = await seedTokens(await vaultUnder(k1), 8);
    // The operator put k2 first (ENCRYPTION_KEYS) and restarted; one workspace's data key was rotated.
    const vault = createVault({ db: t.db, keys: new LocalKeyRing([{ id: 'k2', material: randomBytes(32) }, k1], { source: 'environment' }) });
    const busy = await seedTokens(vault, 1, 12);
    const busyWs = busy[0]?.ws ?? '';
    const { retiredDekId } = await vault.rotateWorkspaceDek(busyWs);

    // A crash right after the first committed batch of each step, once each.
    const crashed = new Set<string>();
    const crashOnce = (step: string) => () => {
      if (crashed.has(step)) return;
      crashed.add(step);
      throw new Error(`worker killed after the first ${step} batch`);
    };
    const crashing: KeyMaintenanceJobDeps['vault'] = {
      rotateKek: (now) => vault.rotateKek(now),
      rewrapDataKeys: (options = {}) => vault.rewrapDataKeys({ ...options, onProgress: async (p) => (await options.onProgress?.(p), crashOnce('re-wrap')()) }),
      reencryptPendingWorkspaces: (options = {}) =>
        vault.reencryptPendingWorkspaces({ ...options, onProgress: async (p) => (await options.onProgress?.(p), crashOnce('re-encryption')()) }),
    };
    const logger = collectingLogger();
    const { queue } = await startQueue({ vault: crashing, audit: createAuditService({ db: t.db }), batchSize: 4 }, logger);
    await queue.runNow(KEY_MAINTENANCE_JOB);
    const done = await waitForStatus(queue, KEY_MAINTENANCE_JOB, (s) => s.lastRun?.state === 'completed');

    expect(logger.lines.filter((l) => l.level === 'error').map((l) => (l.details.err as Error).message)).toEqual([
      'worker killed after the first re-wrap batch',
      'worker killed after the first re-encryption batch',
    ]);
    // Attempt 1 re-wrapped 4 of the 9 data keys; attempt 2 the other 5 and re-encrypted 4 of the
    // 24 values; attempt 3 found only the 20 left.
    expect(done.lastRun).toMatchObject({ attempt: 3, result: { rewrapped: 0, retiredKekIds: [], reencrypted: 20, workspacesReencrypted: 1, deletedDataKeys: 1 } });
    expect(await kekCounts()).toEqual([{ kek_id: 'k2', n: 9 }]);
    const stale = await queryAsOwnerWithoutRls<{ n: number }>(
      database().owner,
      ['integration_tokens', 'data_keys'],
      `SELECT count(*)::int AS n FROM integration_tokens t WHERE NOT EXISTS (SELECT 1 FROM data_keys k WHERE k.state = 'active' AND t.access_token_sealed LIKE 'tlv1.' || k.id || '.%')`,
    );
    expect(stale).toEqual([{ n: 0 }]);
    expect(await queryAsOwnerWithoutRls(database().owner, ['data_keys'], 'SELECT id FROM data_keys WHERE id = $1', [retiredDekId])).toEqual([]);
    await expectAllReadable(vault, [...seeded, ...busy]);
  });

  it('a worker stopped mid-run (SIGTERM) keeps its committed batches; the next worker finishes the run', async () => {
    t = await createTestDatabase();
    const k1 = { id: 'k1', material: randomBytes(32) };
    const seeded = await seedTokens(await vaultUnder(k1), 10);
    const keys = new LocalKeyRing([{ id: 'k2', material: randomBytes(32) }, k1], { source: 'environment' });
    const audit = createAuditService({ db: t.db });

    let stopping: Promise<void> | undefined;
    const first: { worker?: Worker } = {};
    const firstLogger = collectingLogger((line) => {
      if (line.message === 'job progress') stopping ??= first.worker?.stop();
    });
    const one = await startQueue({ vault: createVault({ db: t.db, keys }), audit, batchSize: 3 }, firstLogger);
    first.worker = one.worker;
    await one.queue.runNow(KEY_MAINTENANCE_JOB);
    await waitForStatus(one.queue, KEY_MAINTENANCE_JOB, () => stopping !== undefined);
    await stopping;
    await one.queue.close();
    // Exactly one batch committed before the stop took effect.
    expect(await kekCounts()).toEqual([
      { kek_id: 'k1', n: 7 },
      { kek_id: 'k2', n: 3 },
    ]);

    const two = await startQueue({ vault: createVault({ db: t.db, keys }), audit, batchSize: 3 });
    const done = await waitForStatus(two.queue, KEY_MAINTENANCE_JOB, (s) => s.lastRun?.state === 'completed');
    expect(done.lastRun).toMatchObject({ attempt: 2, result: { rewrapped: 7, retiredKekIds: ['k1'] } });
    expect(await kekCounts()).toEqual([{ kek_id: 'k2', n: 10 }]);
    await expectAllReadable(createVault({ db: t.db, keys }), seeded);
  });
});
