// The sync API through the real app, with a real job queue and worker behind "sync now": status for
// viewers, sync now for analysts (202 with the run; the same run while one is open), history, and
// the security cases: too low a role, another workspace, unknown ids, no session, no CSRF token,
// API keys by scope, an integration that needs reconnecting.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAST_RETRY, FAST_WORKER, collectingLogger } from '../../test/job-queue.js';
import { addMember, createPeople, createWorkspace, type Person } from '../../test/support/accounts.js';
import { createTestApp, type TestApp } from '../../test/support/app.js';
import { TestClient } from '../../test/support/http-client.js';
import { providerOf } from '../../test/sync-support.js';
import { createAuditService } from '../audit/index.js';
import { demoAdsConnector, demoSyncProviders, ensureDemoIntegrations } from '../demo/provider/index.js';
import type { Connector, ConnectorContext, StreamName, SyncBatch } from '../integrations/index.js';
import { createJobQueue, startWorker, type JobQueue, type Worker } from '../jobs/index.js';
import { combineProviders, createSyncEngine, createSyncJobs } from './index.js';

let t: TestApp;
let queue: JobQueue | undefined;
let worker: Worker | undefined;
let workspaceId: string;
let adsId: string;
let crmId: string;
let foreignIntegration: string;
const people = {} as Record<'owner' | 'analyst' | 'viewer' | 'outsider', Person>;
/** Demo ad runs wait on this before their first page: a test holds a run open while it asks again. */
let hold: Promise<void> = Promise.resolve();

function heldAdsConnector(): Connector {
  const base = demoAdsConnector();
  return {
    streams: base.streams,
    read<S extends StreamName>(stream: S, context: ConnectorContext): AsyncIterable<SyncBatch<S>> {
      return (async function* () {
        if (stream === 'ad_accounts') await hold;
        yield* base.read(stream, context);
      })();
    },
  };
}

beforeAll(async () => {
  // "Sync now" queues on the app's queue: bound once the queue exists on the app's database.
  t = await createTestApp({
    deps: {
      jobs: {
        runNow: (name, options) => {
          if (queue === undefined) throw new Error('no queue yet');
          return queue.runNow(name, options);
        },
      },
    },
  });
  const db = t.database.db;
  const providers = combineProviders({ 'demo-ads': providerOf(heldAdsConnector()) }, demoSyncProviders());
  const sync = createSyncJobs({ engine: createSyncEngine({ db, providers, options: { initialDays: 5 } }), db });
  queue = await createJobQueue({ db, definitions: sync.definitions, logger: collectingLogger(), retry: FAST_RETRY });
  sync.useQueue(queue);
  worker = await startWorker(queue, { logger: collectingLogger(), ...FAST_WORKER });

  const make = createPeople(t, 41);
  people.owner = await make.signUp('sync-owner@example.test');
  workspaceId = await createWorkspace(people.owner, 'Sync Co');
  for (const role of ['analyst', 'viewer'] as const) {
    people[role] = await make.signUp(`sync-${role}@example.test`);
    await addMember(t, people.owner, workspaceId, people[role], role);
  }
  people.outsider = await make.signUp('sync-outsider@example.test');
  [adsId, crmId] = (await ensureDemoIntegrations(db, workspaceId, { seed: 'api' })).map((i) => i.id) as [string, string];
  [foreignIntegration] = (await ensureDemoIntegrations(db, people.outsider.personalWorkspaceId, { seed: 'foreign' })).map((i) => i.id) as [string];
});

afterAll(async () => {
  await worker?.stop();
  await queue?.close();
  await t?.close();
});

const base = () => `/api/workspaces/${workspaceId}/integrations`;

interface StatusBody {
  integrations: Array<{
    id: string;
    provider: string;
    status: string;
    lastSuccessAt: string | null;
    lastError: { message: string; at: string } | null;
    rowsSynced: number | null;
    nextRunAt: string | null;
    currentRun: { id: string; state: string; progress: number } | null;
  }>;
}

interface RunsBody {
  runs: Array<{ id: string; state: string; trigger: string; requestedBy: string | null; progress: number; rows: Record<string, number>; finishedAt: string | null; nextRunAt: string | null; error: string | null }>;
}

async function waitForRun(client: TestClient, integrationId: string, runId: string) {
  for (let i = 0; i < 150; i += 1) {
    const runs = (await client.get(`${base()}/${integrationId}/sync-runs`)).json() as RunsBody;
    const run = runs.runs.find((r) => r.id === runId);
    if (run !== undefined && (run.state === 'succeeded' || run.state === 'failed')) return run;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error('the run did not finish');
}

describe(`sync API (${process.env.TEST_DATABASE_URL ? 'postgres' : 'pglite'})`, () => {
  it('shows viewers each integration’s sync status: never synced, due at the next scheduler tick', async () => {
    const response = await people.viewer.client.get(`${base()}/sync-status`);
    expect(response.statusCode, response.body).toBe(200);
    const body = response.json() as StatusBody;
    expect(body.integrations.map((i) => [i.id, i.provider, i.status])).toEqual([
      [adsId, 'demo-ads', 'active'],
      [crmId, 'demo-crm', 'active'],
    ]);
    for (const integration of body.integrations) {
      expect(integration).toMatchObject({ lastSuccessAt: null, lastError: null, rowsSynced: null, currentRun: null });
      const next = Date.parse(integration.nextRunAt ?? '');
      expect(next).toBeGreaterThanOrEqual(Date.now() - 1_000);
      expect(next).toBeLessThanOrEqual(Date.now() + 5 * 60_000);
    }
  });

  it('lets an analyst sync now: 202 with the run, the same run while it is open, then status shows the result', async () => {
    let release: () => void = () => undefined;
    hold = new Promise((resolve) => (release = resolve));
    const first = await people.analyst.client.post(`${base()}/${adsId}/sync`);
    expect(first.statusCode, first.body).toBe(202);
    const queued = first.json() as { runId: string; state: string; alreadyQueued: boolean };
    expect(queued).toMatchObject({ state: 'queued', alreadyQueued: false });
    const again = await people.analyst.client.post(`${base()}/${adsId}/sync`);
    expect(again.statusCode, again.body).toBe(202);
    expect(again.json()).toMatchObject({ runId: queued.runId, alreadyQueued: true });
    // While it is open, the status shows it (with its progress) instead of a next run.
    const during = ((await people.viewer.client.get(`${base()}/sync-status`)).json() as StatusBody).integrations.find((i) => i.id === adsId);
    expect(during?.currentRun).toMatchObject({ id: queued.runId, state: expect.stringMatching(/^(queued|running)$/), progress: 0 });
    expect(during?.nextRunAt).toBeNull();
    release();

    const run = await waitForRun(people.viewer.client, adsId, queued.runId);
    expect(run).toMatchObject({ state: 'succeeded', trigger: 'manual', requestedBy: people.analyst.userId, progress: 1, error: null });
    expect(run.rows).toMatchObject({ ad_accounts: 3, campaigns: 36 });
    expect(run.rows.ad_stats).toBeGreaterThan(100);

    const status = ((await people.viewer.client.get(`${base()}/sync-status`)).json() as StatusBody).integrations.find((i) => i.id === adsId);
    expect(status).toMatchObject({ lastSuccessAt: run.finishedAt, lastError: null, currentRun: null, rowsSynced: 3 + 36 + (run.rows.ad_stats ?? 0) });
    // Hourly by default, on the scheduler's five-minute ticks.
    const next = Date.parse(status?.nextRunAt ?? '');
    expect(next - Date.parse(run.finishedAt ?? '')).toBeGreaterThanOrEqual(60 * 60_000);
    expect(next - Date.parse(run.finishedAt ?? '')).toBeLessThanOrEqual(65 * 60_000);
    expect(next % (5 * 60_000)).toBe(0);

    const audit = await createAuditService({ db: t.database.db }).list(workspaceId, { action: 'integration.sync.requested' });
    expect(audit.entries.map((e) => [e.actorKind, e.actorId, e.targetId, e.details.runId])).toEqual([['user', people.analyst.userId, adsId, queued.runId]]);
  });

  it('refuses sync now below analyst (403), to non-members (404) and without a session (401)', async () => {
    const viewer = await people.viewer.client.post(`${base()}/${crmId}/sync`);
    expect(viewer.statusCode, viewer.body).toBe(403);
    expect(viewer.json().error.code).toBe('auth.forbidden');
    for (const path of [`${base()}/${crmId}/sync`, `${base()}/sync-status`, `${base()}/${crmId}/sync-runs`]) {
      const response = path.endsWith('/sync') ? await people.outsider.client.post(path) : await people.outsider.client.get(path);
      expect(response.statusCode, response.body).toBe(404);
      expect(response.json().error.code).toBe('workspace.not_found');
    }
    const anonymous = new TestClient(t.app, '198.51.100.41');
    expect((await anonymous.post(`${base()}/${crmId}/sync`)).statusCode).toBe(401);
    expect((await anonymous.get(`${base()}/sync-status`)).statusCode).toBe(401);
  });

  it('answers 404 for another workspace’s integration and an unknown one, and writes no run', async () => {
    for (const id of [foreignIntegration, randomUUID()]) {
      const sync = await people.owner.client.post(`${base()}/${id}/sync`);
      expect(sync.statusCode, sync.body).toBe(404);
      expect(sync.json().error.code).toBe('integration.not_found');
      const runs = await people.owner.client.get(`${base()}/${id}/sync-runs`);
      expect(runs.statusCode, runs.body).toBe(404);
      expect(runs.json().error.code).toBe('integration.not_found');
    }
    const foreignRuns = await t.database.db.withWorkspace(people.outsider.personalWorkspaceId, (tx) => tx.selectFrom('sync_runs').select('id').execute());
    expect(foreignRuns).toEqual([]);
  });

  it('needs the CSRF token on sync now from a browser session', async () => {
    const response = await people.analyst.client.post(`${base()}/${crmId}/sync`, undefined, { noCsrf: true });
    expect(response.statusCode, response.body).toBe(403);
    expect(response.json().error.code).toBe('auth.csrf_failed');
  });

  it('answers 409 for an integration that must be reconnected, and queues nothing', async () => {
    const db = t.database.db;
    await db.withWorkspace(workspaceId, (tx) => tx.updateTable('integrations').set({ status: 'needs_reconnect', status_message: 'Reconnect the demo CRM.' }).where('id', '=', crmId).execute());
    try {
      const response = await people.owner.client.post(`${base()}/${crmId}/sync`);
      expect(response.statusCode, response.body).toBe(409);
      expect(response.json().error.code).toBe('integration.needs_reconnect');
      const status = ((await people.viewer.client.get(`${base()}/sync-status`)).json() as StatusBody).integrations.find((i) => i.id === crmId);
      expect(status).toMatchObject({ status: 'needs_reconnect', nextRunAt: null, currentRun: null });
      expect(await db.withWorkspace(workspaceId, (tx) => tx.selectFrom('sync_runs').select('id').where('integration_id', '=', crmId).execute())).toEqual([]);
    } finally {
      await db.withWorkspace(workspaceId, (tx) => tx.updateTable('integrations').set({ status: 'active', status_message: null }).where('id', '=', crmId).execute());
    }
  });

  it('lets a read API key see status but not sync; a read-write key may sync', async () => {
    const keyOf = async (scope: 'read' | 'read_write') => {
      const created = await people.owner.client.post(`/api/workspaces/${workspaceId}/api-keys`, { name: `sync ${scope}`, scope });
      expect(created.statusCode, created.body).toBe(201);
      return (created.json() as { key: string }).key;
    };
    const machine = new TestClient(t.app, '198.51.100.42');
    const read = { authorization: `Bearer ${await keyOf('read')}` };
    expect((await machine.get(`${base()}/sync-status`, { headers: read })).statusCode).toBe(200);
    const refused = await machine.post(`${base()}/${crmId}/sync`, undefined, { headers: read, noCsrf: true });
    expect(refused.statusCode, refused.body).toBe(403);

    const write = { authorization: `Bearer ${await keyOf('read_write')}` };
    const accepted = await machine.post(`${base()}/${crmId}/sync`, undefined, { headers: write, noCsrf: true });
    expect(accepted.statusCode, accepted.body).toBe(202);
    const { runId } = accepted.json() as { runId: string };
    const run = await waitForRun(people.viewer.client, crmId, runId);
    expect(run).toMatchObject({ state: 'succeeded', requestedBy: null });
    expect(run.rows.leads).toBeGreaterThan(0);
  });

  it('refuses a sync-now body with any field in it', async () => {
    const response = await people.analyst.client.post(`${base()}/${crmId}/sync`, { since: '2020-01-01' });
    expect(response.statusCode, response.body).toBe(400);
    expect(response.json().error.code).toBe('request.invalid');
  });

  it('validates the run history query', async () => {
    for (const query of ['limit=0', 'limit=101', 'before=yesterday', 'unknown=1']) {
      const response = await people.viewer.client.get(`${base()}/${adsId}/sync-runs?${query}`);
      expect(response.statusCode, `${query}: ${response.body}`).toBe(400);
    }
    const page = (await people.viewer.client.get(`${base()}/${adsId}/sync-runs?limit=1`)).json() as RunsBody;
    expect(page.runs).toHaveLength(1);
  });
});
