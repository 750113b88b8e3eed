// The job queue on PGlite or PostgreSQL, through real pg-boss: one run at a time, status with
// results and errors (never stacks), retries after a failure, a stop between two steps that the
// next worker resumes, and a queue schema the app's roles cannot reach.
import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FAST_RETRY, FAST_WORKER, collectingLogger, waitForStatus } from '../../test/job-queue.js';
import { createTestDatabase, type TestDatabase } from '../../test/support/database.js';
import { JOB_QUEUE_SCHEMA, createJobQueue, startWorker, type JobDefinition, type JobLogger, type JobQueue, type Worker } from './index.js';

let t: TestDatabase;
const open: Array<{ close(): Promise<void> } | { stop(): Promise<void> }> = [];

beforeAll(async () => {
  t = await createTestDatabase();
});

afterEach(async () => {
  for (const item of open.splice(0).reverse()) await ('stop' in item ? item.stop() : item.close());
});

afterAll(async () => {
  await t?.close();
});

async function queueOf(definitions: JobDefinition[], retry = FAST_RETRY): Promise<JobQueue> {
  const queue = await createJobQueue({ db: t.db, definitions, logger: collectingLogger(), retry });
  open.push(queue);
  return queue;
}

async function workerOf(queue: JobQueue, logger: JobLogger = collectingLogger()): Promise<Worker> {
  const worker = await startWorker(queue, { logger, ...FAST_WORKER });
  open.push(worker);
  return worker;
}

describe(`job queue (${process.env.TEST_DATABASE_URL ? 'postgres' : 'pglite'})`, () => {
  it('registers each schedule in UTC, runs a job once at a time, and reports its result', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let runs = 0;
    const queue = await queueOf([
      {
        name: 'test.gated',
        description: 'waits for the test',
        schedule: '17 3 * * *',
        async run(context) {
          runs += 1;
          context.progress({ step: 'waiting' });
          await gate;
          return { runs };
        },
      },
    ]);
    const [before] = await queue.status();
    expect(before).toMatchObject({ name: 'test.gated', schedule: '17 3 * * *', lastRun: null, lastCompletedAt: null });
    expect(before?.nextRunAt?.toISOString()).toMatch(/T03:17:00\.000Z$/);

    const logger = collectingLogger();
    await workerOf(queue, logger);
    const id = await queue.runNow('test.gated');
    expect(id).toEqual(expect.any(String));
    // Queued or running: a second request (or the schedule firing meanwhile) adds nothing.
    expect(await queue.runNow('test.gated')).toBeNull();
    const running = await waitForStatus(queue, 'test.gated', (s) => s.lastRun?.state === 'active' && s.progress !== null);
    expect(running.progress).toEqual({ step: 'waiting' });
    expect(await queue.runNow('test.gated')).toBeNull();

    release();
    const done = await waitForStatus(queue, 'test.gated', (s) => s.lastRun?.state === 'completed');
    expect(done.lastRun).toMatchObject({ id, attempt: 1, result: { runs: 1 }, error: null });
    expect(done.lastCompletedAt).toBeInstanceOf(Date);
    expect(done.progress).toBeNull();
    expect(runs).toBe(1);
    expect(logger.lines.map((l) => l.message)).toEqual(['job worker started', 'job started: waits for the test', 'job progress', 'job completed']);
    await expect(queue.runNow('test.unknown')).rejects.toThrow(/no job named/);
  });

  it('retries a failed run with back-off and shows the error message, never the stack', async () => {
    let attempts = 0;
    const queue = await queueOf([
      {
        name: 'test.flaky',
        description: 'fails twice',
        async run() {
          attempts += 1;
          if (attempts < 3) throw new Error(`provider unavailable (attempt ${attempts})`);
          return { attempts };
        },
      },
    ]);
    const logger = collectingLogger();
    await workerOf(queue, logger);
    await queue.runNow('test.flaky');
    const retrying = await waitForStatus(queue, 'test.flaky', (s) => s.lastRun?.state === 'retry');
    expect(retrying.lastRun?.error).toBe('provider unavailable (attempt 1)');
    expect(JSON.stringify(retrying)).not.toMatch(/at .*worker\.test\.ts/);
    const done = await waitForStatus(queue, 'test.flaky', (s) => s.lastRun?.state === 'completed');
    expect(done.lastRun).toMatchObject({ attempt: 3, result: { attempts: 3 } });
    expect(logger.lines.filter((l) => l.level === 'error').map((l) => l.details.attempt)).toEqual([1, 2]);
  });

  it('fails a run for good after the retry limit', async () => {
    const retry = { ...FAST_RETRY, limit: 1 };
    const queue = await queueOf(
      [
        {
          name: 'test.broken',
          description: 'always fails',
          async run() {
            throw new Error('misconfigured');
          },
        },
      ],
      retry,
    );
    await workerOf(queue);
    await queue.runNow('test.broken');
    const failed = await waitForStatus(queue, 'test.broken', (s) => s.lastRun?.state === 'failed');
    expect(failed.lastRun).toMatchObject({ attempt: retry.limit + 1, error: 'misconfigured', result: null });
    expect(failed.lastRun?.finishedAt).toBeInstanceOf(Date);
  });

  it('stops a running job right after its current step; a new worker after a restart takes the run over and finishes it', async () => {
    const done = new Set<number>();
    const definition: JobDefinition = {
      name: 'test.steps',
      description: 'ten committed steps',
      async run(context) {
        for (let step = 0; step < 10; step += 1) {
          if (done.has(step)) continue; // as a real job resumes: from what is already committed
          await new Promise((resolve) => setTimeout(resolve, 20));
          done.add(step);
          context.progress({ step, of: 10 });
        }
        return { steps: done.size };
      },
    };
    const first: { worker?: Worker } = {};
    let stopped: Promise<void> | undefined;
    const queue1 = await queueOf([definition]);
    const logger1 = collectingLogger((line) => {
      // SIGTERM arrives while the job runs: after its third step.
      if (line.message === 'job progress' && line.details.step === 2) stopped ??= first.worker?.stop();
    });
    first.worker = await workerOf(queue1, logger1);
    await queue1.runNow('test.steps');
    await waitForStatus(queue1, 'test.steps', () => stopped !== undefined);
    await stopped;
    const interrupted = await waitForStatus(queue1, 'test.steps', (s) => s.lastRun?.state === 'retry');
    expect(interrupted.lastRun?.error).toBe('the worker is stopping');
    expect([...done]).toEqual([0, 1, 2]);
    expect(logger1.lines.map((l) => l.message)).toContain('job interrupted; a retry resumes it');
    await queue1.close();

    const queue2 = await queueOf([definition]);
    await workerOf(queue2);
    const finished = await waitForStatus(queue2, 'test.steps', (s) => s.lastRun?.state === 'completed');
    expect(finished.lastRun).toMatchObject({ attempt: 2, result: { steps: 10 } });
  });

  it.skipIf(!process.env.TEST_DATABASE_URL)('refuses to start on a login that may not own the queue, saying which setting to fix', async () => {
    const appLogin = t.urls?.app ?? '';
    const asApp = { unsafeJobQueueConnection: () => ({ kind: 'postgres' as const, ownerUrl: appLogin }) };
    await expect(createJobQueue({ db: asApp, definitions: [], logger: collectingLogger() })).rejects.toThrow(
      /^the job queue \(pg-boss, schema pgboss\) could not start on DATABASE_OWNER_URL's login: permission denied/,
    );
  });

  it('keeps the queue out of reach of the app, system and retention roles', async () => {
    await queueOf([{ name: 'test.private', description: 'nothing', run: async () => ({}) }]);
    const table = sql.raw(`${JOB_QUEUE_SCHEMA}.job`);
    await expect(t.db.withAppRole((tx) => sql`SELECT count(*) FROM ${table}`.execute(tx))).rejects.toThrow(/permission denied/);
    await expect(t.db.unsafeAsSystem('test: read the job queue', (tx) => sql`SELECT count(*) FROM ${table}`.execute(tx))).rejects.toThrow(/permission denied/);
    await expect(t.db.unsafeAsRetention('test: empty the job queue', (tx) => sql`DELETE FROM ${table}`.execute(tx))).rejects.toThrow(/permission denied/);
    if (t.urls !== undefined) {
      // PostgreSQL: the owner login created the schema; the app login itself has no way in either.
      const app = new pg.Client({ connectionString: t.urls.app });
      await app.connect();
      try {
        await expect(app.query(`SELECT count(*) FROM ${JOB_QUEUE_SCHEMA}.job`)).rejects.toThrow(/permission denied/);
        await expect(app.query(`CREATE TABLE ${JOB_QUEUE_SCHEMA}.planted (id int)`)).rejects.toThrow(/permission denied/);
        const [owner] = (await app.query<{ owner: string }>('SELECT nspowner::regrole::text AS owner FROM pg_namespace WHERE nspname = $1', [JOB_QUEUE_SCHEMA])).rows;
        expect(owner?.owner).toBe(new URL(t.urls.owner).username);
      } finally {
        await app.end();
      }
    }
  });
});
