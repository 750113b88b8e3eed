// The jobs module's public surface: the queue (pg-boss on the app's database), the worker that
// runs it, and the types a module uses to define a job (see src/crypto and src/audit for two).
export { DEFAULT_RETRY, JOB_QUEUE_SCHEMA, createJobQueue } from './queue.js';
export type { JobQueue, JobQueueOptions, RetryPolicy } from './queue.js';
export { startWorker } from './worker.js';
export type { Worker, WorkerOptions } from './worker.js';
export { JobInterruptedError } from './schema.js';
export type { JobContext, JobDefinition, JobLogger, JobResult, JobRun, JobState, JobStatus } from './schema.js';
