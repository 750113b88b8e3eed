// Helpers for tests that run jobs through the real queue (src/jobs): a logger that keeps its lines,
// a wait on the queue's status, and intervals short enough that a test waits a second, not a minute.
// (Beside test/support rather than in it only to stay out of a concurrent change there.)
import type { JobLogger, JobQueue, JobStatus } from '../src/jobs/index.js';

export interface LogLine {
  level: 'info' | 'warn' | 'error';
  message: string;
  details: Record<string, unknown>;
}

/** A logger that keeps every line and lets a test act on one as it is written. */
export function collectingLogger(onLine: (line: LogLine) => void = () => undefined): JobLogger & { lines: LogLine[] } {
  const lines: LogLine[] = [];
  const write = (level: LogLine['level']) => (details: Record<string, unknown>, message: string) => {
    const line = { level, message, details };
    lines.push(line);
    onLine(line);
  };
  return { lines, info: write('info'), warn: write('warn'), error: write('error') };
}

/** Polls the queue's status until `accept` holds (a run waits for a poll or a retry delay). */
export async function waitForStatus(queue: JobQueue, name: string, accept: (status: JobStatus) => boolean, timeoutMs = 20_000): Promise<JobStatus> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const status = (await queue.status()).find((s) => s.name === name);
    if (status !== undefined && accept(status)) return status;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${name}: ${JSON.stringify(status?.lastRun)}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Retries after a second; production waits a minute, doubling up to an hour. */
export const FAST_RETRY = { limit: 3, delaySeconds: 1, maxDelaySeconds: 1 };
/** Polls twice a second and logs every progress step. */
export const FAST_WORKER = { pollingIntervalSeconds: 0.5, progressLogIntervalMs: 0 };
