// The job queue: pg-boss on Throughline's own database, in its own schema (`pgboss`). It owns the
// queues, their schedules and retry policy, and the status an operator reads. Guarantees: at most
// one run of a job is queued or active at a time (policy `exclusive`), across every worker process;
// failed runs are retried with exponential back-off; completed runs are kept 30 days for status().
import { PgBoss, fromPglite, type ConstructorOptions, type JobWithMetadata, type Queue } from 'pg-boss';
import { DatabaseSetupError, type Database, type JobQueueConnection } from '../db/index.js';
import type { JobDefinition, JobLogger, JobResult, JobRun, JobState, JobStatus } from './schema.js';

/** pg-boss's schema, beside `public`: created and migrated by pg-boss itself at start. */
export const JOB_QUEUE_SCHEMA = 'pgboss';

export interface RetryPolicy {
  /** Retries after the first attempt before the run is failed for good. */
  limit: number;
  /** The first retry's delay; each later one doubles it (with jitter) up to maxDelaySeconds. */
  delaySeconds: number;
  maxDelaySeconds: number;
}

export const DEFAULT_RETRY: RetryPolicy = { limit: 6, delaySeconds: 60, maxDelaySeconds: 3_600 };
/** A run whose worker stopped refreshing its heartbeat this long ago is failed and retried. */
const HEARTBEAT_SECONDS = 60;
const DEFAULT_EXPIRE_SECONDS = 3_600;
const KEEP_FINISHED_SECONDS = 30 * 86_400;
/** Connections pg-boss may hold on a PostgreSQL server (owner login): polling, heartbeat, upkeep. */
const SERVER_POOL_SIZE = 3;

export interface JobQueueOptions {
  db: Pick<Database, 'unsafeJobQueueConnection'>;
  definitions: readonly JobDefinition[];
  logger: JobLogger;
  /**
   * This process fires the schedules and runs pg-boss's upkeep (expiry, retention). Workers do;
   * a process that only reads status or queues runs need not. Default true.
   */
  supervise?: boolean;
  retry?: Partial<RetryPolicy>;
}

export interface JobQueue {
  readonly definitions: readonly JobDefinition[];
  /**
   * Queues a run now; null when one is already queued, retrying or running (nothing is added).
   * With a `singletonKey` that holds per key: the sync job runs each integration alone, but
   * different integrations side by side. `data` reaches the run as `context.data`.
   */
  runNow(name: string, options?: { data?: Record<string, unknown>; singletonKey?: string }): Promise<string | null>;
  /** Per job: schedule, next run, the newest run with its result or error, live progress. */
  status(): Promise<JobStatus[]>;
  /** Stops pg-boss gracefully (waits up to timeoutMs for running handlers) and closes its pool. */
  close(options?: { timeoutMs?: number }): Promise<void>;
}

/** For worker.ts: the pg-boss instance behind a queue, and where live progress is kept. */
export interface JobQueueInternals {
  boss: PgBoss;
  progress: Map<string, Record<string, unknown>>;
}

const internals = new WeakMap<JobQueue, JobQueueInternals>();

export function queueInternals(queue: JobQueue): JobQueueInternals {
  const found = internals.get(queue);
  if (found === undefined) throw new TypeError('not a queue made by createJobQueue');
  return found;
}

function bossOptions(connection: JobQueueConnection, supervise: boolean): ConstructorOptions {
  const common: ConstructorOptions = { schema: JOB_QUEUE_SCHEMA, migrate: true, createSchema: true, supervise, schedule: supervise };
  if (connection.kind === 'embedded') {
    // One in-process session shared with the app: PGlite serialises pg-boss's statements with the
    // app's transactions. No REINDEX passes: they would hold that session for their whole run.
    return { ...common, db: fromPglite(connection.pglite), backend: 'pglite', reindex: false };
  }
  // SECURITY: the owner login (DATABASE_OWNER_URL), not the app login: pg-boss creates and migrates
  // its schema, and the app login is kept unable to create anything. The pool runs pg-boss's own
  // statements only; job handlers reach tenant data through the app login's role switches.
  return { ...common, connectionString: connection.ownerUrl, max: SERVER_POOL_SIZE };
}

function queueOptions(definition: JobDefinition, retry: RetryPolicy): Omit<Queue, 'name'> {
  return {
    policy: 'exclusive',
    retryLimit: retry.limit,
    retryDelay: retry.delaySeconds,
    retryBackoff: true,
    retryDelayMax: retry.maxDelaySeconds,
    expireInSeconds: definition.expireInSeconds ?? DEFAULT_EXPIRE_SECONDS,
    heartbeatSeconds: HEARTBEAT_SECONDS,
    deleteAfterSeconds: KEEP_FINISHED_SECONDS,
  };
}

/** Starts pg-boss (installing or migrating its schema), then makes each queue and schedule match its definition. */
export async function createJobQueue(options: JobQueueOptions): Promise<JobQueue> {
  const { definitions, logger } = options;
  const names = new Set(definitions.map((d) => d.name));
  if (names.size !== definitions.length) throw new TypeError('two job definitions share a name');
  const retry = { ...DEFAULT_RETRY, ...options.retry };
  const connection = options.db.unsafeJobQueueConnection();
  const boss = new PgBoss(bossOptions(connection, options.supervise ?? true));
  boss.on('error', (error) => logger.error({ err: error }, 'job queue error'));
  boss.on('warning', (warning) => logger.warn({ detail: warning.data }, `job queue: ${warning.message}`));
  try {
    await boss.start();
  } catch (error) {
    await boss.stop({ graceful: false }).catch(() => undefined);
    // Typically the owner login may not create the schema; pg's messages carry no credentials.
    const reason = error instanceof Error ? error.message : String(error);
    const where = connection.kind === 'embedded' ? 'the embedded database' : "DATABASE_OWNER_URL's login";
    throw new DatabaseSetupError(`the job queue (pg-boss, schema ${JOB_QUEUE_SCHEMA}) could not start on ${where}: ${reason} (see docs/operations/postgres.md)`);
  }
  try {
    for (const definition of definitions) {
      const wanted = queueOptions(definition, retry);
      const existing = await boss.getQueue(definition.name);
      if (existing === null) await boss.createQueue(definition.name, wanted);
      else {
        const { policy, ...updatable } = wanted;
        if (existing.policy !== policy) logger.warn({ job: definition.name, policy: existing.policy }, `job queue: ${definition.name} keeps its policy; expected ${policy}`);
        await boss.updateQueue(definition.name, updatable);
      }
      if (definition.schedule === undefined) await boss.unschedule(definition.name);
      else await boss.schedule(definition.name, definition.schedule, {}, { tz: 'UTC' });
    }
  } catch (error) {
    await boss.stop({ graceful: false });
    throw error;
  }

  const progress = new Map<string, Record<string, unknown>>();
  const definitionOf = (name: string): JobDefinition => {
    const found = definitions.find((d) => d.name === name);
    if (found === undefined) throw new TypeError(`no job named ${name}`);
    return found;
  };

  const queue: JobQueue = {
    definitions,
    async runNow(name, options = {}) {
      return boss.send(definitionOf(name).name, options.data ?? {}, options.singletonKey === undefined ? {} : { singletonKey: options.singletonKey });
    },
    async status() {
      return Promise.all(
        definitions.map(async (definition): Promise<JobStatus> => {
          const runs = await boss.findJobs<object>(definition.name, { limit: 1_000 });
          const newest = runs.reduce<JobWithMetadata<object> | undefined>((a, b) => (a === undefined || b.createdOn > a.createdOn ? b : a), undefined);
          const completed = runs.filter((r) => r.state === 'completed').map((r) => r.completedOn?.getTime() ?? 0);
          const schedule = definition.schedule ?? null;
          return {
            name: definition.name,
            description: definition.description,
            schedule,
            nextRunAt: schedule === null ? null : (boss.previewSchedule(schedule, { count: 1, tz: 'UTC' })[0] ?? null),
            lastRun: newest === undefined ? null : toRun(newest),
            lastCompletedAt: completed.length === 0 ? null : new Date(Math.max(...completed)),
            progress: newest !== undefined && newest.state === 'active' ? (progress.get(newest.id) ?? null) : null,
          };
        }),
      );
    },
    async close({ timeoutMs = 30_000 } = {}) {
      await boss.stop({ graceful: true, timeout: timeoutMs });
    },
  };
  internals.set(queue, { boss, progress });
  return queue;
}

const FINISHED: ReadonlySet<JobState> = new Set(['completed', 'failed', 'cancelled']);

function toRun(job: JobWithMetadata<object>): JobRun {
  const state = job.state;
  const output = (job.output ?? null) as Record<string, unknown> | null;
  // pg-boss stores a failure as the serialised error; only its message leaves this module.
  const message = output !== null && state !== 'completed' && typeof output.message === 'string' ? output.message : null;
  return {
    id: job.id,
    state,
    attempt: job.retryCount + 1,
    createdAt: job.createdOn,
    startedAt: job.startedOn ?? null,
    finishedAt: FINISHED.has(state) ? (job.completedOn ?? null) : null,
    result: state === 'completed' ? (output as JobResult | null) : null,
    error: message,
  };
}
