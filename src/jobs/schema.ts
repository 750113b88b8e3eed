// The shapes shared by the job queue and the modules that define jobs: a job definition (what to
// run, on which schedule), what a run may do while it works, and the status an operator reads.

/** What a run returns: stored by pg-boss as the job's output and shown in the job status. */
export type JobResult = Record<string, unknown>;

export interface JobContext {
  readonly jobId: string;
  /** 1 for the first attempt, 2 for the first retry, ... */
  readonly attempt: number;
  /** What the run was queued with (runNow's `data`); empty for a scheduled run. */
  readonly data: Readonly<Record<string, unknown>>;
  /**
   * Call after each committed step: logs the detail as a `job progress` line and remembers it for
   * status(). Throws JobInterruptedError when the worker is stopping or pg-boss has taken the job
   * back (expired, claim lost), so the run ends between two committed steps and the retry resumes.
   */
  progress(detail: Record<string, unknown>): void;
}

export interface JobDefinition<R extends JobResult = JobResult> {
  /** The queue name, `<module>.<task>` (pg-boss allows letters, digits, `.`, `_`, `-`, `/`). */
  readonly name: string;
  /** One line for logs and the status. */
  readonly description: string;
  /** A five-field cron expression, evaluated in UTC; absent: run on demand only. */
  readonly schedule?: string;
  /**
   * The longest a run may take before pg-boss fails it and retries. Keep it well above a normal
   * run: a crashed worker is noticed sooner through the job's heartbeat.
   */
  readonly expireInSeconds?: number;
  /**
   * Runs of this job one worker process works on at once (default 1). More than one only helps a
   * job queued with distinct singleton keys: the queue still runs one per key (see runNow).
   */
  readonly concurrency?: number;
  /** Must be idempotent and resumable: it can be interrupted and retried at any point. */
  run(context: JobContext): Promise<R>;
}

export type JobState = 'created' | 'retry' | 'active' | 'completed' | 'cancelled' | 'failed';

export interface JobRun {
  id: string;
  state: JobState;
  attempt: number;
  createdAt: Date;
  startedAt: Date | null;
  /** When it completed, failed for good or was cancelled; null while it may still run. */
  finishedAt: Date | null;
  /** The run's result once completed. */
  result: JobResult | null;
  /** The last failure's message (never a stack); set while retrying and once failed. */
  error: string | null;
}

export interface JobStatus {
  name: string;
  description: string;
  schedule: string | null;
  nextRunAt: Date | null;
  /** The newest run pg-boss still keeps (completed runs are kept for 30 days). */
  lastRun: JobRun | null;
  lastCompletedAt: Date | null;
  /** The last progress detail of a run active in this process (other processes log theirs). */
  progress: Record<string, unknown> | null;
}

export interface JobLogger {
  info(details: Record<string, unknown>, message: string): void;
  warn(details: Record<string, unknown>, message: string): void;
  error(details: Record<string, unknown>, message: string): void;
}

/** Thrown by JobContext.progress() to end a run between two committed steps. */
export class JobInterruptedError extends Error {
  override name = 'JobInterruptedError';
}
