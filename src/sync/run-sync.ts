// The sync engine: runSync() pulls one integration's streams through its connector into the
// workspace's tables. Guarantees:
// - Tenant: every read and write runs in db.withWorkspace(workspaceId), so RLS confines the run to
//   that workspace; an integration of another workspace is not found.
// - No gaps, no duplicates: each batch is upserted in one transaction with its stream cursor and
//   the run's progress, so a crash between batches resumes after the last committed one, and a
//   batch read twice changes nothing (upserts on natural keys that skip unchanged rows).
// - One run per integration at a time, across processes: a run is held under a lease that every
//   batch extends; a worker that lost its lease (it stalled, another took over) writes nothing more.
// - Provider trouble is handled by kind: throttling waits as the provider asks (bounded), network
//   and 5xx failures back off exponentially with jitter, an expired token is refreshed once, a
//   revoked grant marks the integration "needs reconnect", anything else fails the run in plain words.
import { randomUUID } from 'node:crypto';
import type { AuditService } from '../audit/index.js';
import type { Database, IntegrationStatus, SyncStream, SyncTrigger, WorkspaceTx } from '../db/index.js';
import { AppError } from '../http/errors.js';
import { ProviderError, type ConnectorContext, type ProviderErrorKind, type StreamName, type SyncBatch } from '../integrations/index.js';
import type { SyncProvider, SyncProviderLookup, TokenRefresher } from './providers.js';
import {
  claimRun,
  extendLease,
  failQueuedRun,
  finishRun,
  findIntegration,
  insertRunningRun,
  loadStreamStates,
  lockOpenRun,
  recordProgress,
  releaseLease,
  saveStreamState,
  setIntegrationStatus,
  workspaceTimezone,
  type StreamState,
  type SyncIntegration,
} from './queries.js';
import { RecordWriter } from './record-writer.js';
import { DEFAULT_RETRY_POLICY, backoffDelayMs, systemClock, type RetryPolicy, type SyncClock } from './retry-policy.js';
import { nextWindow, todayIn, type SyncWindow, type WindowOptions } from './window.js';

export interface SyncEngineOptions extends WindowOptions, RetryPolicy {
  /** How long a run is held without a sign of life before another worker may take it over. */
  leaseMs: number;
}

export const DEFAULT_SYNC_OPTIONS: SyncEngineOptions = {
  initialDays: 365,
  lookbackDays: 7,
  leaseMs: 10 * 60_000,
  ...DEFAULT_RETRY_POLICY,
};

export interface SyncLogger {
  info(details: Record<string, unknown>, message: string): void;
  warn(details: Record<string, unknown>, message: string): void;
  error(details: Record<string, unknown>, message: string): void;
}

export interface SyncRunSummary {
  workspaceId: string;
  integrationId: string;
  runId: string;
  /** The days each windowed stream read in this run (analytics refreshes its rollups over them). */
  windows: Partial<Record<SyncStream, SyncWindow>>;
  rows: Partial<Record<SyncStream, number>>;
  changedRows: number;
}

export interface SyncEngineDeps {
  db: Pick<Database, 'withWorkspace'>;
  providers: SyncProviderLookup;
  /** Fresh OAuth credentials (src/integrations); required by every provider that holds a grant. */
  refresher?: TokenRefresher;
  audit?: Pick<AuditService, 'record'>;
  logger?: SyncLogger;
  clock?: SyncClock;
  options?: Partial<SyncEngineOptions>;
  /** Told after each successful run, outside any transaction; its failure is logged, not fatal. */
  afterRun?: (summary: SyncRunSummary) => Promise<void>;
}

export interface SyncProgress {
  runId: string;
  integrationId: string;
  stream: SyncStream;
  progress: number;
  rows: Partial<Record<SyncStream, number>>;
}

export interface RunSyncOptions {
  trigger: SyncTrigger;
  /**
   * Who holds the run while it works. A retried job passes the same token and takes its run back
   * at once; anyone else waits for the lease to run out. Default: a fresh one.
   */
  leaseToken?: string;
  /** Called after each committed batch. Throwing stops the run there; it resumes next time. */
  onProgress?: (progress: SyncProgress) => void;
  signal?: AbortSignal;
}

export type SyncOutcome =
  | { state: 'succeeded'; runId: string; rows: Partial<Record<SyncStream, number>>; changedRows: number; windows: SyncRunSummary['windows'] }
  | { state: 'failed'; runId: string; rows: Partial<Record<SyncStream, number>>; changedRows: number; error: string; kind: ProviderErrorKind | 'internal' }
  /** Another worker holds the integration's run. */
  | { state: 'busy'; runId: string | null }
  /** The integration is not active (needs reconnecting, disconnected): nothing was read. */
  | { state: 'skipped'; reason: string };

export interface SyncEngine {
  /**
   * Runs (or resumes) a sync of one integration of `workspaceId`.
   * @throws AppError integration.not_found when the integration is not in that workspace.
   * @throws SyncInterruptedError when onProgress or the signal stopped it between two batches.
   */
  runSync(integrationId: string, workspaceId: string, options: RunSyncOptions): Promise<SyncOutcome>;
}

/** The run stopped between two committed batches (worker stopping): the next run resumes it. */
export class SyncInterruptedError extends Error {
  override name = 'SyncInterruptedError';
}

/** Another worker took the run over; this one must not write anything more. */
class LeaseLostError extends Error {
  override name = 'LeaseLostError';
}

/** A connector threw something that is not a ProviderError: a bug, reported in plain words. */
class ConnectorFailure extends Error {
  override name = 'ConnectorFailure';
}

const SYNCABLE: ReadonlySet<IntegrationStatus> = new Set(['active', 'error']);
const KNOWN_STREAMS: ReadonlySet<string> = new Set<StreamName>(['ad_accounts', 'campaigns', 'ad_stats', 'contacts', 'leads', 'deals']);
const MAX_CURSOR_LENGTH = 4000;
const EMPTY_STATE: StreamState = { cursor: null, windowSince: null, windowUntil: null, syncedThrough: null };

const STATUS_WORDS: Record<IntegrationStatus, string> = {
  active: 'active',
  error: 'in error',
  needs_reconnect: 'waiting to be reconnected',
  disconnected: 'disconnected',
};

export function createSyncEngine(deps: SyncEngineDeps): SyncEngine {
  const { db } = deps;
  const clock = deps.clock ?? systemClock;
  const options: SyncEngineOptions = { ...DEFAULT_SYNC_OPTIONS, ...deps.options };

  async function runSync(integrationId: string, workspaceId: string, runOptions: RunSyncOptions): Promise<SyncOutcome> {
    const leaseToken = runOptions.leaseToken ?? `run:${randomUUID()}`;
    const claim = await db.withWorkspace(workspaceId, async (tx) => {
      // SECURITY: RLS shows only this workspace's integrations: another tenant's id is not found.
      const integration = await findIntegration(tx, integrationId);
      if (integration === undefined) return { kind: 'not_found' as const };
      const open = await lockOpenRun(tx, integrationId);
      if (!SYNCABLE.has(integration.status)) {
        const reason = `The integration is ${STATUS_WORDS[integration.status]}.`;
        if (open?.state === 'queued') await failQueuedRun(tx, open.id, reason);
        return { kind: 'skipped' as const, reason };
      }
      let run: { id: string; rows: Partial<Record<SyncStream, number>>; changedRows: number; progress: number };
      if (open !== undefined) {
        if (!(await claimRun(tx, open.id, leaseToken, options.leaseMs))) return { kind: 'busy' as const, runId: open.id };
        run = { id: open.id, rows: open.rows, changedRows: open.changedRows, progress: open.progress };
      } else {
        const id = randomUUID();
        if (!(await insertRunningRun(tx, { id, workspaceId, integrationId, trigger: runOptions.trigger, leaseToken, leaseMs: options.leaseMs }))) {
          return { kind: 'busy' as const, runId: null };
        }
        run = { id, rows: {}, changedRows: 0, progress: 0 };
      }
      return {
        kind: 'claimed' as const,
        integration,
        run,
        timezone: await workspaceTimezone(tx, workspaceId),
        states: await loadStreamStates(tx, integrationId),
      };
    });
    if (claim.kind === 'not_found') throw new AppError('integration.not_found');
    if (claim.kind === 'skipped') return { state: 'skipped', reason: claim.reason };
    if (claim.kind === 'busy') return { state: 'busy', runId: claim.runId };

    const run = new RunInProgress(claim.integration, workspaceId, claim.run.id, leaseToken, claim.run.rows, claim.run.changedRows, claim.run.progress, runOptions);
    const provider = deps.providers(claim.integration.provider);
    try {
      if (provider === undefined) throw new ProviderError('permanent', 'No connector is available for this provider yet.');
      const windows = await run.syncAll(provider, claim.timezone, claim.states);
      const finished = await db.withWorkspace(workspaceId, async (tx) => {
        if (!(await finishRun(tx, run.runId, leaseToken, { state: 'succeeded', errorMessage: null, intervalMinutes: claim.integration.syncIntervalMinutes, rows: run.rows, changedRows: run.changedRows }))) return false;
        if (claim.integration.status === 'error') await setIntegrationStatus(tx, integrationId, 'active', null);
        return true;
      });
      if (!finished) return { state: 'busy', runId: run.runId };
      const summary: SyncRunSummary = { workspaceId, integrationId, runId: run.runId, windows, rows: run.rows, changedRows: run.changedRows };
      deps.logger?.info({ integrationId, runId: run.runId, rows: run.rows, changedRows: run.changedRows }, 'sync succeeded');
      if (deps.afterRun !== undefined) {
        await deps.afterRun(summary).catch((error: unknown) => deps.logger?.error({ err: error, integrationId, runId: run.runId }, 'after-sync hook failed'));
      }
      return { state: 'succeeded', runId: run.runId, rows: run.rows, changedRows: run.changedRows, windows };
    } catch (error) {
      if (error instanceof LeaseLostError) {
        deps.logger?.warn({ integrationId, runId: run.runId }, 'sync run taken over by another worker; stopping');
        return { state: 'busy', runId: run.runId };
      }
      if (error instanceof SyncInterruptedError || runOptions.signal?.aborted) {
        // Left running with no holder: the next worker takes it over at once and resumes.
        await db.withWorkspace(workspaceId, (tx) => releaseLease(tx, run.runId, leaseToken));
        throw error instanceof SyncInterruptedError ? error : new SyncInterruptedError('the sync was aborted', { cause: error });
      }
      return run.fail(error);
    }
  }

  /** One run's state while it works: counts, the lease, the current access token. */
  class RunInProgress {
    accessToken = '';
    /** From the refresher for providers with a grant (amoCRM's base is per account). */
    credentials: { apiBaseUrl: string; settings: Readonly<Record<string, unknown>> } | undefined;
    readonly writer: RecordWriter;
    readonly signal: AbortSignal;

    constructor(
      readonly integration: SyncIntegration,
      readonly workspaceId: string,
      readonly runId: string,
      readonly leaseToken: string,
      readonly rows: Partial<Record<SyncStream, number>>,
      public changedRows: number,
      public progress: number,
      readonly runOptions: RunSyncOptions,
    ) {
      this.signal = runOptions.signal ?? new AbortController().signal;
      this.writer = new RecordWriter(workspaceId, integration.id, integration.provider);
    }

    async syncAll(provider: SyncProvider, timezone: string, states: Map<SyncStream, StreamState>): Promise<SyncRunSummary['windows']> {
      if (provider.requiresToken) await this.acquireCredentials(false);
      const streams = [...new Set(provider.connector.streams)];
      if (streams.some((s) => !KNOWN_STREAMS.has(s))) throw new ConnectorFailure('the connector declares an unknown stream');
      const today = todayIn(timezone, clock.now());
      const windows: SyncRunSummary['windows'] = {};
      for (const [index, stream] of streams.entries()) {
        let state = states.get(stream) ?? EMPTY_STATE;
        // A pass interrupted earlier is finished first over its own window; then, if that window
        // ended before today, a fresh pass brings the stream up to date in the same run.
        for (let pass = 0; pass < 2; pass += 1) {
          const resuming = state.windowSince !== null && state.windowUntil !== null;
          const window = resuming ? { since: state.windowSince as string, until: state.windowUntil as string } : nextWindow(state.syncedThrough, today, options);
          state = { ...state, windowSince: window.since, windowUntil: window.until, cursor: resuming ? state.cursor : null };
          await this.readPass(provider, stream, index, streams.length, window, state);
          state = { cursor: null, windowSince: null, windowUntil: null, syncedThrough: window.until };
          const done = state;
          await db.withWorkspace(this.workspaceId, async (tx) => {
            await saveStreamState(tx, this.workspaceId, this.integration.id, stream, done);
            await this.recordProgress(tx, stream, (index + 1) / streams.length);
          });
          const previous = windows[stream];
          windows[stream] = previous === undefined ? window : { since: previous.since < window.since ? previous.since : window.since, until: window.until };
          if (!resuming || window.until >= today) break;
        }
      }
      return windows;
    }

    /** Reads one window of a stream to its end, resuming from the last committed cursor after a retryable failure. */
    async readPass(provider: SyncProvider, stream: SyncStream, index: number, streamCount: number, window: SyncWindow, state: StreamState): Promise<void> {
      let failures = 0;
      let throttled = 0;
      let refreshed = false;
      let streamProgress = 0;
      for (;;) {
        const context: ConnectorContext = {
          accessToken: this.accessToken,
          apiBaseUrl: this.credentials?.apiBaseUrl ?? provider.apiBaseUrl(this.integration.settings),
          settings: this.credentials?.settings ?? this.integration.settings,
          fetch: provider.fetch,
          since: window.since,
          until: window.until,
          cursor: state.cursor,
          signal: this.signal,
          now: clock.now,
        };
        try {
          const iterator = provider.connector.read(stream, context)[Symbol.asyncIterator]();
          try {
            for (;;) {
              const next = await this.nextBatch(iterator);
              if (next.done === true) return;
              const batch = next.value;
              if (typeof batch.progress === 'number' && Number.isFinite(batch.progress)) streamProgress = Math.min(1, Math.max(streamProgress, batch.progress));
              state.cursor = await this.writeBatch(stream, batch, state, (index + streamProgress) / streamCount);
              failures = 0;
              throttled = 0;
              refreshed = false;
              this.report(stream);
            }
          } finally {
            await iterator.return?.().catch(() => undefined);
          }
        } catch (error) {
          if (!(error instanceof ProviderError)) throw error;
          switch (error.kind) {
            case 'rate_limited': {
              const wait = error.options.retryAfterMs ?? options.defaultRateLimitWaitMs;
              throttled += 1;
              if (throttled > options.rateLimitWaits || wait > options.maxRateLimitWaitMs) {
                throw new ProviderError('rate_limited', `${error.userMessage} The next sync continues from where this one stopped.`);
              }
              deps.logger?.info({ integrationId: this.integration.id, stream, waitMs: wait }, 'provider rate limit: waiting');
              await this.pause(wait);
              continue;
            }
            case 'transient': {
              failures += 1;
              if (failures >= options.transientAttempts) throw error;
              const wait = backoffDelayMs(failures, options, clock.random);
              deps.logger?.info({ integrationId: this.integration.id, stream, waitMs: wait, failures }, 'provider unavailable: backing off');
              await this.pause(wait);
              continue;
            }
            case 'token_expired': {
              if (!provider.requiresToken || refreshed) {
                throw new ProviderError('reauth_required', 'The provider keeps refusing our access; reconnect the integration.');
              }
              await this.acquireCredentials(true);
              refreshed = true;
              continue;
            }
            default:
              throw error;
          }
        }
      }
    }

    async nextBatch(iterator: AsyncIterator<SyncBatch>): Promise<IteratorResult<SyncBatch>> {
      try {
        return await iterator.next();
      } catch (error) {
        if (error instanceof ProviderError || this.signal.aborted) throw error;
        deps.logger?.error({ err: error, integrationId: this.integration.id, provider: this.integration.provider }, 'connector failed unexpectedly');
        throw new ConnectorFailure('the connector failed unexpectedly', { cause: error });
      }
    }

    /** Validates a batch, then writes its records, its cursor and the run's progress in one transaction. */
    async writeBatch(stream: SyncStream, batch: SyncBatch, state: StreamState, progress: number): Promise<string | null> {
      if (typeof batch !== 'object' || batch === null || batch.stream !== stream || !Array.isArray(batch.records)) {
        throw new ProviderError('malformed', `Could not read a page of ${stream} from the provider.`);
      }
      const cursor = batch.cursor;
      if (cursor !== null && (typeof cursor !== 'string' || cursor.length > MAX_CURSOR_LENGTH)) {
        throw new ProviderError('malformed', `Could not read a page of ${stream} from the provider (cursor).`);
      }
      const write = this.writer.prepare(stream, batch.records);
      const resolved = new Map<string, string>();
      const before = { rows: this.rows[stream] ?? 0, changedRows: this.changedRows, progress: this.progress };
      try {
        await db.withWorkspace(this.workspaceId, async (tx) => {
          const changed = await write(tx, resolved);
          await saveStreamState(tx, this.workspaceId, this.integration.id, stream, { ...state, cursor });
          this.changedRows += changed;
          this.rows[stream] = before.rows + batch.records.length;
          await this.recordProgress(tx, stream, progress);
        });
      } catch (error) {
        // The transaction rolled back: so do the counts it added.
        this.rows[stream] = before.rows;
        this.changedRows = before.changedRows;
        this.progress = before.progress;
        throw error;
      }
      // Campaign ids found or created in that transaction are real only now that it committed.
      this.writer.committed(stream, resolved);
      return cursor;
    }

    async recordProgress(tx: WorkspaceTx, stream: SyncStream, progress: number): Promise<void> {
      this.progress = Math.min(1, Math.max(this.progress, progress));
      const held = await recordProgress(tx, this.runId, this.leaseToken, options.leaseMs, { progress: this.progress, stream, rows: this.rows, changedRows: this.changedRows });
      // SECURITY: a worker that lost the run must not commit beside the one that now holds it.
      if (!held) throw new LeaseLostError('the run is held by another worker');
    }

    report(stream: SyncStream): void {
      try {
        this.runOptions.onProgress?.({ runId: this.runId, integrationId: this.integration.id, stream, progress: this.progress, rows: { ...this.rows } });
      } catch (error) {
        throw new SyncInterruptedError(error instanceof Error ? error.message : 'interrupted', { cause: error });
      }
    }

    /** Waits (throttling, back-off) while keeping the run's lease for the whole wait. */
    async pause(ms: number): Promise<void> {
      const held = await db.withWorkspace(this.workspaceId, (tx) => extendLease(tx, this.runId, this.leaseToken, ms + options.leaseMs));
      if (!held) throw new LeaseLostError('the run is held by another worker');
      await clock.sleep(ms, this.signal);
    }

    /** Fresh credentials from the refresher, retrying a provider that is briefly unavailable. */
    async acquireCredentials(force: boolean): Promise<void> {
      const refresher = deps.refresher;
      if (refresher === undefined) throw new ProviderError('permanent', 'This server cannot renew access for this provider (no token refresher is configured).');
      let failures = 0;
      for (;;) {
        try {
          const credentials = await refresher.refreshIfNeeded(this.workspaceId, this.integration.id, force ? { force: true } : {});
          this.accessToken = credentials.accessToken;
          this.credentials = { apiBaseUrl: credentials.apiBaseUrl, settings: credentials.settings };
          return;
        } catch (error) {
          if (!(error instanceof ProviderError)) throw error;
          const wait = error.options.retryAfterMs ?? options.defaultRateLimitWaitMs;
          const retryable = error.kind === 'transient' || (error.kind === 'rate_limited' && wait <= options.maxRateLimitWaitMs);
          failures += 1;
          if (!retryable || failures >= options.transientAttempts) throw error;
          await this.pause(error.kind === 'rate_limited' ? wait : backoffDelayMs(failures, options, clock.random));
        }
      }
    }

    /** Ends the run as failed, in plain words; a revoked grant also marks the integration. */
    async fail(error: unknown): Promise<SyncOutcome> {
      const integrationId = this.integration.id;
      let message: string;
      let kind: ProviderErrorKind | 'internal';
      if (error instanceof ProviderError) {
        message = error.userMessage.slice(0, 500);
        kind = error.kind;
        deps.logger?.warn({ integrationId, runId: this.runId, kind, status: error.options.status }, `sync failed: ${message}`);
      } else if (error instanceof ConnectorFailure) {
        message = 'The connector failed unexpectedly; the error is in the server log.';
        kind = 'internal';
      } else {
        message = 'The sync failed on our side; it will be retried.';
        kind = 'internal';
        deps.logger?.error({ err: error, integrationId, runId: this.runId }, 'sync failed unexpectedly');
      }
      const reconnect = kind === 'reauth_required';
      const unexpected = !(error instanceof ProviderError) && !(error instanceof ConnectorFailure);
      const recorded = db.withWorkspace(this.workspaceId, async (tx) => {
        const finished = await finishRun(tx, this.runId, this.leaseToken, {
          state: 'failed',
          errorMessage: message,
          intervalMinutes: this.integration.syncIntervalMinutes,
          rows: this.rows,
          changedRows: this.changedRows,
        });
        if (!finished || !reconnect) return;
        // The refresher may have marked it already (a dead refresh token): mark and audit once.
        const current = await findIntegration(tx, integrationId);
        if (current === undefined || !SYNCABLE.has(current.status)) return;
        await setIntegrationStatus(tx, integrationId, 'needs_reconnect', message);
        await deps.audit?.record(
          {
            action: 'integration.needs_reconnect',
            workspaceId: this.workspaceId,
            result: 'failure',
            target: { type: 'integration', id: integrationId },
            details: { provider: this.integration.provider, runId: this.runId, reason: message },
          },
          { actor: { kind: 'system', id: 'sync' } },
          tx,
        );
      });
      if (unexpected) {
        // The database may be what failed: the original error is what the job retries on.
        await recorded.catch((cause: unknown) => deps.logger?.error({ err: cause, runId: this.runId }, 'could not record the failed sync run'));
        throw error;
      }
      await recorded;
      return { state: 'failed', runId: this.runId, rows: this.rows, changedRows: this.changedRows, error: message, kind };
    }
  }

  return { runSync };
}
