// The worker: takes runs off the queue one at a time per job and runs their definitions, logging
// start, progress and outcome. Guarantees: stop() lets a running job end between two committed
// steps (its retry resumes from there) and returns once no handler is left running.
import { setTimeout as delay } from 'node:timers/promises';
import type { Job } from 'pg-boss';
import { queueInternals, type JobQueue } from './queue.js';
import { JobInterruptedError, type JobContext, type JobDefinition, type JobLogger, type JobResult } from './schema.js';

export interface WorkerOptions {
  logger: JobLogger;
  /** Seconds between polls for a queued run (default 10; a daily schedule needs no less). */
  pollingIntervalSeconds?: number;
  /** At most one `job progress` line per run this often (default 5 s); every step is still checked. */
  progressLogIntervalMs?: number;
}

export interface Worker {
  /** Stops taking runs, interrupts running ones at their next step, and waits up to timeoutMs for them. */
  stop(options?: { timeoutMs?: number }): Promise<void>;
}

export async function startWorker(queue: JobQueue, options: WorkerOptions): Promise<Worker> {
  const { boss, progress } = queueInternals(queue);
  const { logger } = options;
  const progressLogIntervalMs = options.progressLogIntervalMs ?? 5_000;
  let stopping = false;

  async function runJob(definition: JobDefinition, job: Job<object>): Promise<JobResult> {
    const started = performance.now();
    const log = { job: definition.name, jobId: job.id, attempt: job.retryCount + 1 };
    let loggedAt = Number.NEGATIVE_INFINITY;
    const context: JobContext = {
      jobId: job.id,
      attempt: log.attempt,
      data: (job.data ?? {}) as Record<string, unknown>,
      progress(detail) {
        progress.set(job.id, detail);
        if (performance.now() - loggedAt >= progressLogIntervalMs) {
          loggedAt = performance.now();
          logger.info({ ...log, ...detail }, 'job progress');
        }
        // SECURITY: a run whose claim pg-boss took back (expired, heartbeat lost) must not keep
        // writing beside the retry that now owns the job: stop at the first step boundary.
        if (job.signal.aborted) throw new JobInterruptedError('the queue took the job back (expired or claim lost)');
        if (stopping) throw new JobInterruptedError('the worker is stopping');
      },
    };
    logger.info(log, `job started: ${definition.description}`);
    try {
      const result = await definition.run(context);
      logger.info({ ...log, ms: Math.round(performance.now() - started), result }, 'job completed');
      return result;
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (error instanceof JobInterruptedError) logger.warn({ ...log, reason: message }, 'job interrupted; a retry resumes it');
      else logger.error({ ...log, err: error }, 'job failed (retried with back-off until the retry limit)');
      throw error;
    } finally {
      progress.delete(job.id);
    }
  }

  const pollingIntervalSeconds = options.pollingIntervalSeconds ?? 10;
  for (const definition of queue.definitions) {
    // One run at a time per process (per singleton key with `concurrency`); the queue's `exclusive`
    // policy makes it one across processes.
    const localConcurrency = definition.concurrency ?? 1;
    await boss.work<object, JobResult>(definition.name, { pollingIntervalSeconds, batchSize: 1, localConcurrency }, async ([job]) => {
      if (job === undefined) throw new Error('pg-boss handed over an empty batch');
      return runJob(definition, job);
    });
  }
  logger.info({ jobs: queue.definitions.map((d) => d.name) }, 'job worker started');

  return {
    async stop({ timeoutMs = 30_000 } = {}) {
      stopping = true;
      const drained = Promise.all(queue.definitions.map((d) => boss.offWork(d.name, { wait: true })));
      const timer = new AbortController();
      const outcome = await Promise.race([drained.then(() => 'drained' as const), delay(timeoutMs, 'timeout' as const, { signal: timer.signal }).catch(() => 'drained' as const)]);
      timer.abort();
      if (outcome === 'timeout') logger.warn({ timeoutMs }, 'job worker stopped with a run still in progress; pg-boss retries it');
      else logger.info({}, 'job worker stopped');
    },
  };
}
