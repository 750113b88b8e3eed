// The sync engine against a real database (PGlite, or PostgreSQL with TEST_DATABASE_URL), driving
// the real demo connector, with faults injected around it: idempotent re-sync, crash and resume
// without gaps or duplicates, the look-back window, throttling and back-off on a fake clock, token
// refresh, revoked grants, malformed pages, one run per integration.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorkspace, createIntegration, failOnce, fakeClock, faultyConnector, providerOf, rowVersions, syncedData, type FakeClock } from '../../test/sync-support.js';
import { createTestDatabase, queryAsOwnerWithoutRls, type TestDatabase } from '../../test/support/database.js';
import { createAuditService } from '../audit/index.js';
import type { Database } from '../db/index.js';
import { demoAdsConnector, demoCrmConnector, demoSyncProviders } from '../demo/provider/index.js';
import { ProviderError, type Connector, type ConnectorContext, type StreamName, type SyncBatch } from '../integrations/index.js';
import { combineProviders, createSyncEngine, SyncInterruptedError, type SyncEngineDeps, type SyncProvider, type TokenRefresher } from './index.js';
import { addDays } from './window.js';

let t: TestDatabase;
let db: Database;
const START = new Date('2026-03-18T15:00:00Z');
const TODAY = '2026-03-18';
const DAYS = 30;

beforeAll(async () => {
  t = await createTestDatabase();
  db = t.db;
});
afterAll(async () => {
  await t?.close();
});

function engineWith(providers: Readonly<Record<string, SyncProvider>>, clock: FakeClock, extra: Partial<SyncEngineDeps> = {}) {
  return createSyncEngine({ db, providers: combineProviders(providers), clock, audit: createAuditService({ db }), options: { initialDays: DAYS }, ...extra });
}

const ads = (connector: Connector, requiresToken = false) => ({ 'demo-ads': providerOf(connector, requiresToken) });

/** A workspace with a demo-ads integration (small pages: many batches), synced cleanly: what every faulty run must end up equal to. */
async function referenceAds(seed: string, clock: FakeClock) {
  const workspaceId = await createWorkspace(db, `Reference ${seed}`);
  const integrationId = await createIntegration(db, workspaceId, 'demo-ads', { seed, pageSize: 100 });
  const outcome = await engineWith(demoSyncProviders(), clock).runSync(integrationId, workspaceId, { trigger: 'manual' });
  expect(outcome.state).toBe('succeeded');
  return syncedData(db, workspaceId);
}

async function cursorOf(workspaceId: string, integrationId: string, stream: StreamName) {
  return db.withWorkspace(workspaceId, (tx) =>
    tx
      .selectFrom('sync_cursors')
      .select(['cursor', sql<string | null>`window_since::text`.as('since'), sql<string | null>`window_until::text`.as('until'), sql<string | null>`synced_through::text`.as('through')])
      .where('integration_id', '=', integrationId)
      .where('stream', '=', stream)
      .executeTakeFirst(),
  );
}

async function runsOf(workspaceId: string, integrationId: string) {
  return db.withWorkspace(workspaceId, (tx) =>
    tx.selectFrom('sync_runs').selectAll().where('integration_id', '=', integrationId).orderBy('created_at').orderBy('attempts').execute(),
  );
}

async function integrationRow(workspaceId: string, integrationId: string) {
  return db.withWorkspace(workspaceId, (tx) => tx.selectFrom('integrations').select(['status', 'status_message']).where('id', '=', integrationId).executeTakeFirstOrThrow());
}

describe(`sync engine (${process.env.TEST_DATABASE_URL ? 'postgres' : 'pglite'})`, () => {
  it('syncs the demo ad platforms and CRM, and a second run over the same days rewrites nothing', async () => {
    const clock = fakeClock(START);
    const workspaceId = await createWorkspace(db, 'Idempotent');
    const adsId = await createIntegration(db, workspaceId, 'demo-ads', { seed: 'idem' });
    const crmId = await createIntegration(db, workspaceId, 'demo-crm', { seed: 'idem' });
    const engine = engineWith(demoSyncProviders(), clock);

    const first = [await engine.runSync(adsId, workspaceId, { trigger: 'manual' }), await engine.runSync(crmId, workspaceId, { trigger: 'manual' })];
    for (const outcome of first) expect(outcome.state).toBe('succeeded');
    const data = await syncedData(db, workspaceId);
    expect(data.accounts.map((a) => a.channel)).toEqual(['google-ads', 'meta-ads', 'yandex-direct']);
    expect(data.campaigns.length).toBeGreaterThanOrEqual(30);
    expect(data.stats.length).toBeGreaterThan(20 * DAYS);
    expect(new Set(data.stats.map((s) => s.date)).size).toBe(DAYS + 1);
    expect(data.leads.length).toBeGreaterThan(10 * DAYS);
    expect(data.deals.length).toBeGreaterThan(50);
    if (first[0]?.state !== 'succeeded' || first[1]?.state !== 'succeeded') throw new Error('unreachable');
    expect(first[0].windows.ad_stats).toEqual({ since: addDays(TODAY, -DAYS), until: TODAY });
    expect(first[0].changedRows).toBe(data.accounts.length + data.campaigns.length + data.stats.length);
    expect(first[1].changedRows).toBe(data.contacts.length + data.leads.length + data.deals.length);

    const versions = await rowVersions(t, workspaceId);
    const second = [await engine.runSync(adsId, workspaceId, { trigger: 'schedule' }), await engine.runSync(crmId, workspaceId, { trigger: 'schedule' })];
    for (const outcome of second) expect(outcome).toMatchObject({ state: 'succeeded', changedRows: 0 });
    expect(await syncedData(db, workspaceId)).toEqual(data);
    expect(await rowVersions(t, workspaceId)).toEqual(versions);

    const runs = await runsOf(workspaceId, adsId);
    expect(runs.map((r) => [r.trigger, r.state, r.progress, r.error_message])).toEqual([
      ['manual', 'succeeded', 1, null],
      ['schedule', 'succeeded', 1, null],
    ]);
    expect(runs[0]?.rows).toEqual({ ad_accounts: 3, campaigns: data.campaigns.length, ad_stats: data.stats.length });
    expect(runs[0]?.next_run_at?.getTime()).toBeGreaterThan((runs[0]?.finished_at?.getTime() ?? 0) + 59 * 60_000);
  });

  it('resumes after a connector fails mid-stream from the last committed batch: no gaps, no duplicates', async () => {
    const clock = fakeClock(START);
    const reference = await referenceAds('crash', clock);
    const workspaceId = await createWorkspace(db, 'Crash');
    const integrationId = await createIntegration(db, workspaceId, 'demo-ads', { seed: 'crash', pageSize: 100 });
    const crashing = faultyConnector(demoAdsConnector(), failOnce('ad_stats', 3, () => new TypeError('Cannot read properties of undefined (a crash in the connector)')));

    const failed = await engineWith(ads(crashing), clock).runSync(integrationId, workspaceId, { trigger: 'schedule' });
    expect(failed).toMatchObject({ state: 'failed', kind: 'internal', error: 'The connector failed unexpectedly; the error is in the server log.' });
    const partial = await syncedData(db, workspaceId);
    expect(partial.stats.length).toBeGreaterThan(200);
    expect(partial.stats.length).toBeLessThan(reference.stats.length);
    const cursor = await cursorOf(workspaceId, integrationId, 'ad_stats');
    expect(cursor).toMatchObject({ since: addDays(TODAY, -DAYS), until: TODAY, through: null });
    expect(cursor?.cursor).not.toBeNull();

    const healthy = faultyConnector(demoAdsConnector());
    const resumed = await engineWith(ads(healthy), clock).runSync(integrationId, workspaceId, { trigger: 'schedule' });
    expect(resumed.state).toBe('succeeded');
    // The failed pass is read on from its cursor over its own window, not from the start.
    const statsRead = healthy.calls.find((c) => c.stream === 'ad_stats');
    expect(statsRead).toMatchObject({ cursor: cursor?.cursor, since: cursor?.since, until: cursor?.until });
    expect(await syncedData(db, workspaceId)).toEqual(reference);
    expect(await cursorOf(workspaceId, integrationId, 'ad_stats')).toMatchObject({ cursor: null, since: null, until: null, through: TODAY });
  });

  it('leaves a run stopped between two batches to the next worker, which takes it over and finishes it', async () => {
    const clock = fakeClock(START);
    const reference = await referenceAds('stop', clock);
    const workspaceId = await createWorkspace(db, 'Stop');
    const integrationId = await createIntegration(db, workspaceId, 'demo-ads', { seed: 'stop', pageSize: 100 });
    const engine = engineWith(demoSyncProviders(), clock);
    let batches = 0;
    const stopped = engine.runSync(integrationId, workspaceId, {
      trigger: 'manual',
      leaseToken: 'job:first',
      onProgress: () => {
        batches += 1;
        if (batches === 4) throw new Error('the worker is stopping');
      },
    });
    await expect(stopped).rejects.toBeInstanceOf(SyncInterruptedError);
    const [interrupted] = await runsOf(workspaceId, integrationId);
    expect(interrupted).toMatchObject({ state: 'running', lease_token: null, attempts: 1, trigger: 'manual' });

    const taken = await engine.runSync(integrationId, workspaceId, { trigger: 'schedule', leaseToken: 'job:second' });
    expect(taken).toMatchObject({ state: 'succeeded', runId: interrupted?.id });
    const [finished] = await runsOf(workspaceId, integrationId);
    expect(finished).toMatchObject({ id: interrupted?.id, state: 'succeeded', attempts: 2, trigger: 'manual' });
    expect(await syncedData(db, workspaceId)).toEqual(reference);
  });

  it('reads the look-back window again and takes in the platforms’ revisions of recent days', async () => {
    const clock = fakeClock(START);
    const workspaceId = await createWorkspace(db, 'Look-back');
    const integrationId = await createIntegration(db, workspaceId, 'demo-ads', { seed: 'lookback' });
    const engine = engineWith(demoSyncProviders(), clock);
    await engine.runSync(integrationId, workspaceId, { trigger: 'schedule' });
    const byDay = async () => {
      const rows = (await syncedData(db, workspaceId)).stats;
      const sum = (day: string, pick: (r: (typeof rows)[number]) => number) => rows.filter((r) => r.date === day).reduce((n, r) => n + pick(r), 0);
      return (day: string) => ({ spend: sum(day, (r) => r.spend_micros), conversions: sum(day, (r) => Number(r.platform_conversions)) });
    };
    const before = await byDay();
    const oldVersions = async () =>
      queryAsOwnerWithoutRls<{ v: string }>(t.owner, ['daily_ad_stats'], `SELECT xmin::text AS v FROM daily_ad_stats WHERE workspace_id = $1 AND date < $2 ORDER BY campaign_id, date`, [workspaceId, addDays(TODAY, -7)]);
    const untouched = await oldVersions();

    clock.set(new Date('2026-03-20T15:00:00Z'));
    const later = await engine.runSync(integrationId, workspaceId, { trigger: 'schedule' });
    expect(later.state).toBe('succeeded');
    if (later.state !== 'succeeded') return;
    expect(later.windows.ad_stats).toEqual({ since: addDays(TODAY, -7), until: '2026-03-20' });
    const after = await byDay();
    // Yesterday's late conversions arrived; today, then partial, is now a whole day.
    expect(after(addDays(TODAY, -1)).conversions).toBeGreaterThan(before(addDays(TODAY, -1)).conversions);
    expect(after(TODAY).spend).toBeGreaterThan(before(TODAY).spend);
    expect(after(addDays(TODAY, -10))).toEqual(before(addDays(TODAY, -10)));
    expect(after('2026-03-20').spend).toBeGreaterThan(0);
    expect(await oldVersions()).toEqual(untouched);
  });

  it('waits as long as a throttled provider asks, then carries on from the last batch', async () => {
    const clock = fakeClock(START);
    const reference = await referenceAds('throttle', clock);
    const workspaceId = await createWorkspace(db, 'Throttled');
    const integrationId = await createIntegration(db, workspaceId, 'demo-ads', { seed: 'throttle', pageSize: 100 });
    const throttled = faultyConnector(
      demoAdsConnector(),
      failOnce('ad_stats', 2, () => new ProviderError('rate_limited', 'The ad platform is limiting requests.', { retryAfterMs: 42_000, status: 429 })),
    );
    const outcome = await engineWith(ads(throttled), clock).runSync(integrationId, workspaceId, { trigger: 'schedule' });
    expect(outcome.state).toBe('succeeded');
    expect(clock.sleeps).toEqual([42_000]);
    const reads = throttled.calls.filter((c) => c.stream === 'ad_stats');
    expect(reads).toHaveLength(2);
    expect(reads[0]?.cursor).toBeNull();
    expect(JSON.parse(reads[1]?.cursor ?? 'null')).toEqual({ day: expect.stringMatching(/^2026-02-/) });
    expect(await syncedData(db, workspaceId)).toEqual(reference);
  });

  it('fails at once, keeping its place, when a provider asks to wait longer than the ceiling (quota spent)', async () => {
    const clock = fakeClock(START);
    const workspaceId = await createWorkspace(db, 'Quota');
    const integrationId = await createIntegration(db, workspaceId, 'demo-ads', { seed: 'quota', pageSize: 100 });
    const exhausted = faultyConnector(demoAdsConnector(), failOnce('ad_stats', 1, () => new ProviderError('rate_limited', 'The daily API quota is used up.', { retryAfterMs: 6 * 3_600_000 })));
    const outcome = await engineWith(ads(exhausted), clock).runSync(integrationId, workspaceId, { trigger: 'schedule' });
    expect(outcome).toMatchObject({ state: 'failed', kind: 'rate_limited', error: 'The daily API quota is used up. The next sync continues from where this one stopped.' });
    expect(clock.sleeps).toEqual([]);
    expect((await cursorOf(workspaceId, integrationId, 'ad_stats'))?.cursor).not.toBeNull();
    expect((await integrationRow(workspaceId, integrationId)).status).toBe('active');
  });

  it('backs off exponentially with jitter on transient failures, and gives up after the attempt limit', async () => {
    const clock = fakeClock(START);
    const workspaceId = await createWorkspace(db, 'Flaky');
    const integrationId = await createIntegration(db, workspaceId, 'demo-ads', { seed: 'flaky', pageSize: 500 });
    let failures = 0;
    const flaky = faultyConnector(demoAdsConnector(), (stream, index) => {
      if (stream === 'ad_stats' && index === 0 && failures < 3) {
        failures += 1;
        throw new ProviderError('transient', 'The ad platform is unavailable (HTTP 503).', { status: 503 });
      }
    });
    expect((await engineWith(ads(flaky), clock).runSync(integrationId, workspaceId, { trigger: 'schedule' })).state).toBe('succeeded');
    // Base 2 s doubling; with the jitter at mid-range each wait is 3/4 of its cap.
    expect(clock.sleeps).toEqual([1_500, 3_000, 6_000]);

    const downClock = fakeClock(START);
    const down = faultyConnector(demoAdsConnector(), (stream) => {
      if (stream === 'campaigns') throw new ProviderError('transient', 'The ad platform is unavailable (HTTP 503).', { status: 503 });
    });
    const otherId = await createIntegration(db, workspaceId, 'demo-ads', { seed: 'flaky-2' });
    const outcome = await engineWith(ads(down), downClock).runSync(otherId, workspaceId, { trigger: 'schedule' });
    expect(outcome).toMatchObject({ state: 'failed', kind: 'transient', error: 'The ad platform is unavailable (HTTP 503).' });
    expect(downClock.sleeps).toEqual([1_500, 3_000, 6_000, 12_000]);
    expect(down.calls.filter((c) => c.stream === 'campaigns')).toHaveLength(5);
  });

  it('refreshes an expired access token once and retries with the new one', async () => {
    const clock = fakeClock(START);
    const workspaceId = await createWorkspace(db, 'Refresh');
    const integrationId = await createIntegration(db, workspaceId, 'demo-ads', { seed: 'refresh' });
    // The refresher's own work (the provider's token endpoint, storing rotated tokens) is
    // src/integrations' and tested there; here: when the engine asks for it, and what it does next.
    const forced: boolean[] = [];
    const refresher: TokenRefresher = {
      async refreshIfNeeded(ws, id, options) {
        expect([ws, id]).toEqual([workspaceId, integrationId]);
        forced.push(options?.force === true);
        return { accessToken: options?.force === true ? 'fresh-token' : 'stale-token', apiBaseUrl: 'http://127.0.0.1:9/', settings: { seed: 'refresh' } };
      },
    };
    const picky = faultyConnector(demoAdsConnector(), (_stream, _index, call) => {
      if (call.accessToken !== 'fresh-token') throw new ProviderError('token_expired', 'The access token has expired.', { status: 401 });
    });
    const outcome = await engineWith(ads(picky, true), clock, { refresher }).runSync(integrationId, workspaceId, { trigger: 'schedule' });
    expect(outcome.state).toBe('succeeded');
    expect(forced).toEqual([false, true]);
    expect(picky.calls.map((c) => c.accessToken)).toEqual(['stale-token', 'fresh-token', 'fresh-token', 'fresh-token']);

    // Refused again right after a refresh: the grant is no good; the person must reconnect.
    const stubborn = faultyConnector(demoAdsConnector(), () => {
      throw new ProviderError('token_expired', 'The access token has expired.', { status: 401 });
    });
    const failed = await engineWith(ads(stubborn, true), clock, { refresher }).runSync(integrationId, workspaceId, { trigger: 'schedule' });
    expect(failed).toMatchObject({ state: 'failed', kind: 'reauth_required' });
    expect(await integrationRow(workspaceId, integrationId)).toEqual({ status: 'needs_reconnect', status_message: 'The provider keeps refusing our access; reconnect the integration.' });
  });

  it('marks the integration "needs reconnect" when the grant is revoked, audits it once, and stops syncing it', async () => {
    const clock = fakeClock(START);
    const workspaceId = await createWorkspace(db, 'Revoked');
    const integrationId = await createIntegration(db, workspaceId, 'demo-ads', { seed: 'revoked' });
    const revoked = faultyConnector(demoAdsConnector(), failOnce('campaigns', 0, () => new ProviderError('reauth_required', 'Meta no longer accepts this connection (the access was revoked). Reconnect it.', { status: 400 })));
    const engine = engineWith(ads(revoked), clock);
    const outcome = await engine.runSync(integrationId, workspaceId, { trigger: 'schedule' });
    expect(outcome).toMatchObject({ state: 'failed', kind: 'reauth_required', error: 'Meta no longer accepts this connection (the access was revoked). Reconnect it.' });
    expect(await integrationRow(workspaceId, integrationId)).toEqual({ status: 'needs_reconnect', status_message: 'Meta no longer accepts this connection (the access was revoked). Reconnect it.' });
    const audit = await createAuditService({ db }).list(workspaceId, { action: 'integration.needs_reconnect' });
    expect(audit.entries).toHaveLength(1);
    expect(audit.entries[0]).toMatchObject({ actorKind: 'system', actorId: 'sync', result: 'failure', targetType: 'integration', targetId: integrationId });

    expect(await engine.runSync(integrationId, workspaceId, { trigger: 'schedule' })).toEqual({ state: 'skipped', reason: 'The integration is waiting to be reconnected.' });
    expect(revoked.calls.filter((c) => c.stream === 'ad_accounts')).toHaveLength(1);
  });

  it('fails the run in plain words on a page it cannot read, keeping the batches committed before it', async () => {
    const clock = fakeClock(START);
    const workspaceId = await createWorkspace(db, 'Malformed');
    const integrationId = await createIntegration(db, workspaceId, 'demo-ads', { seed: 'malformed', pageSize: 100 });
    const base = demoAdsConnector();
    const broken: Connector = {
      streams: base.streams,
      read<S extends StreamName>(stream: S, context: ConnectorContext): AsyncIterable<SyncBatch<S>> {
        if (stream !== 'ad_stats') return base.read(stream, context);
        return (async function* () {
          let index = 0;
          for await (const batch of base.read(stream, context)) {
            if (index === 2) {
              const records = batch.records.map((r, i) => (i === 5 ? { ...r, spendMicros: -1_000_000 } : r));
              yield { ...batch, records } as SyncBatch<S>;
            } else yield batch;
            index += 1;
          }
        })();
      },
    };
    const outcome = await engineWith(ads(broken), clock).runSync(integrationId, workspaceId, { trigger: 'schedule' });
    expect(outcome).toMatchObject({ state: 'failed', kind: 'malformed', error: 'Could not read an ad_stats record from the provider (spendMicros).' });
    const stats = (await syncedData(db, workspaceId)).stats;
    expect(stats.length).toBeGreaterThanOrEqual(200);
    expect(stats.every((s) => s.spend_micros >= 0)).toBe(true);
    const [run] = await runsOf(workspaceId, integrationId);
    expect(run).toMatchObject({ state: 'failed', error_message: 'Could not read an ad_stats record from the provider (spendMicros).' });
    expect(run?.rows.ad_stats).toBe(stats.length);
    expect((await integrationRow(workspaceId, integrationId)).status).toBe('active');
  });

  it('runs one sync per integration at a time, and takes over a run whose worker died', async () => {
    const clock = fakeClock(START);
    const workspaceId = await createWorkspace(db, 'One at a time');
    const integrationId = await createIntegration(db, workspaceId, 'demo-crm', { seed: 'single', pageSize: 200 });
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let reached: () => void = () => undefined;
    const atGate = new Promise<void>((resolve) => (reached = resolve));
    const base = demoCrmConnector();
    const slow: Connector = {
      streams: base.streams,
      read<S extends StreamName>(stream: S, context: ConnectorContext): AsyncIterable<SyncBatch<S>> {
        return (async function* () {
          let index = 0;
          for await (const batch of base.read(stream, context)) {
            if (stream === 'leads' && index === 1) {
              reached();
              await gate;
            }
            index += 1;
            yield batch;
          }
        })();
      },
    };
    const engine = engineWith({ 'demo-crm': providerOf(slow) }, clock);
    const first = engine.runSync(integrationId, workspaceId, { trigger: 'schedule', leaseToken: 'job:one' });
    await atGate;
    const [open] = await runsOf(workspaceId, integrationId);
    expect(await engine.runSync(integrationId, workspaceId, { trigger: 'manual', leaseToken: 'job:two' })).toEqual({ state: 'busy', runId: open?.id });
    release();
    expect(await first).toMatchObject({ state: 'succeeded', runId: open?.id });

    // A worker that died holding a run: another takes it over once the lease has run out, not before.
    await db.withWorkspace(workspaceId, (tx) =>
      tx.insertInto('sync_runs').values({ id: crypto.randomUUID(), workspace_id: workspaceId, integration_id: integrationId, trigger: 'schedule', state: 'running', attempts: 1, lease_token: 'job:dead', lease_expires_at: sql<Date>`now() + interval '5 minutes'` }).execute(),
    );
    expect((await engine.runSync(integrationId, workspaceId, { trigger: 'schedule' })).state).toBe('busy');
    await db.withWorkspace(workspaceId, (tx) => tx.updateTable('sync_runs').set({ lease_expires_at: sql<Date>`now() - interval '1 minute'` }).where('lease_token', '=', 'job:dead').execute());
    const taken = await engine.runSync(integrationId, workspaceId, { trigger: 'schedule', leaseToken: 'job:three' });
    expect(taken.state).toBe('succeeded');
    const runs = await runsOf(workspaceId, integrationId);
    expect(runs.map((r) => [r.state, r.attempts])).toEqual([
      ['succeeded', 1],
      ['succeeded', 2],
    ]);
  });

  it('fails a run for a provider with no connector, in plain words', async () => {
    const clock = fakeClock(START);
    const workspaceId = await createWorkspace(db, 'Unknown provider');
    const integrationId = await createIntegration(db, workspaceId, 'tiktok-ads');
    const outcome = await engineWith(demoSyncProviders(), clock).runSync(integrationId, workspaceId, { trigger: 'schedule' });
    expect(outcome).toMatchObject({ state: 'failed', kind: 'permanent', error: 'No connector is available for this provider yet.' });
  });
});
