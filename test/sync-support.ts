// Helpers for the sync tests (src/sync, src/demo/provider): a clock whose sleeps take no time, tenants
// and integrations made with the app's own transactions, connectors that fail on cue around the
// real demo connector, and snapshots of what a sync wrote.
import { randomUUID } from 'node:crypto';
import type { Database } from '../src/db/index.js';
import { ProviderError, type Connector, type ConnectorContext, type StreamName, type SyncBatch } from '../src/integrations/index.js';
import type { SyncClock, SyncProvider } from '../src/sync/index.js';
import type { TestDatabase } from './support/database.js';
import { queryAsOwnerWithoutRls } from './support/database.js';

export interface FakeClock extends SyncClock {
  /** Every sleep asked for, in ms, in order. */
  readonly sleeps: number[];
  set(now: Date): void;
}

/** Time stands still except when set; sleeps are recorded and return at once; jitter is mid-range. */
export function fakeClock(start: Date): FakeClock {
  let current = start;
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => current,
    async sleep(ms, signal) {
      signal?.throwIfAborted();
      sleeps.push(ms);
    },
    random: () => 0.5,
    set(now) {
      current = now;
    },
  };
}

export async function createWorkspace(db: Database, name: string): Promise<string> {
  const id = randomUUID();
  await db.withWorkspace(id, (tx) => tx.insertInto('workspaces').values({ id, name }).execute());
  return id;
}

export async function createIntegration(db: Database, workspaceId: string, provider: string, settings: Record<string, unknown> = {}): Promise<string> {
  const id = randomUUID();
  await db.withWorkspace(workspaceId, (tx) =>
    tx
      .insertInto('integrations')
      .values({ id, workspace_id: workspaceId, provider, external_account: `${provider}-${id.slice(0, 8)}`, display_name: `Test ${provider}`, settings: JSON.stringify(settings) })
      .execute(),
  );
  return id;
}

/** What a connector saw at each read() call: the stream, its window and the cursor it resumed from. */
export interface ReadCall {
  stream: StreamName;
  since: string;
  until: string;
  cursor: string | null;
  accessToken: string;
}

/**
 * Wraps a real connector. `fault(stream, batchIndex, call)` runs before each batch is handed over
 * (batchIndex counts this read() call's batches) and may throw to fail there; `calls` records reads.
 */
export function faultyConnector(
  base: Connector,
  fault: (stream: StreamName, batchIndex: number, call: ReadCall) => void = () => undefined,
): Connector & { calls: ReadCall[] } {
  const calls: ReadCall[] = [];
  return {
    calls,
    streams: base.streams,
    read<S extends StreamName>(stream: S, context: ConnectorContext): AsyncIterable<SyncBatch<S>> {
      const call: ReadCall = { stream, since: context.since, until: context.until, cursor: context.cursor, accessToken: context.accessToken };
      calls.push(call);
      return (async function* () {
        let index = 0;
        for await (const batch of base.read(stream, context)) {
          fault(stream, index, call);
          index += 1;
          yield batch;
        }
      })();
    },
  };
}

/** A sync provider around a connector (no grant, like the demo's, unless requiresToken). */
export function providerOf(connector: Connector, requiresToken = false): SyncProvider {
  return {
    connector,
    apiBaseUrl: () => 'http://127.0.0.1:9/',
    fetch: async () => {
      throw new ProviderError('permanent', 'no network in this test');
    },
    requiresToken,
  };
}

/** Fails once, at the given batch of the given stream's first read. */
export function failOnce(stream: StreamName, atBatch: number, error: () => Error): (s: StreamName, i: number) => void {
  let fired = false;
  return (s, i) => {
    if (!fired && s === stream && i === atBatch) {
      fired = true;
      throw error();
    }
  };
}

/** Everything a sync wrote to a workspace (natural keys and values; ids and write times left out), sorted. */
export async function syncedData(db: Database, workspaceId: string) {
  return db.withWorkspace(workspaceId, async (tx) => ({
    accounts: await tx.selectFrom('ad_accounts').select(['channel', 'external_id', 'name', 'currency']).orderBy('channel').orderBy('external_id').execute(),
    campaigns: await tx.selectFrom('campaigns').select(['channel', 'external_id', 'name', 'status']).orderBy('channel').orderBy('external_id').execute(),
    stats: await tx
      .selectFrom('daily_ad_stats as s')
      .innerJoin('campaigns as c', 'c.id', 's.campaign_id')
      .select(['c.external_id', (eb) => eb.cast<string>('s.date', 'text').as('date'), 's.spend_micros', 's.impressions', 's.clicks', 's.platform_conversions', 's.currency'])
      .orderBy('c.external_id')
      .orderBy('s.date')
      .execute(),
    contacts: await tx.selectFrom('contacts').select(['external_id', 'email_sha256', 'created_at']).orderBy('external_id').execute(),
    leads: await tx
      .selectFrom('leads')
      .select(['external_id', 'contact_external_id', 'status', 'created_at', 'utm_source', 'utm_medium', 'utm_campaign', 'gclid', 'fbclid', 'yclid'])
      .orderBy('external_id')
      .execute(),
    deals: await tx.selectFrom('deals').select(['external_id', 'lead_external_id', 'status', 'amount_minor', 'currency', 'created_at', 'closed_at', 'utm_campaign']).orderBy('external_id').execute(),
  }));
}

/** Row versions of a workspace's synced tables (xmin changes on every write): equal means nothing was rewritten. */
export async function rowVersions(t: TestDatabase, workspaceId: string): Promise<string[]> {
  const tables = ['ad_accounts', 'campaigns', 'daily_ad_stats', 'contacts', 'leads', 'deals'];
  const out: string[] = [];
  for (const table of tables) {
    const rows = await queryAsOwnerWithoutRls<{ v: string }>(t.owner, [table], `SELECT xmin::text || ':' || ctid::text AS v FROM ${table} WHERE workspace_id = $1 ORDER BY 1`, [workspaceId]);
    out.push(...rows.map((r) => `${table}:${r.v}`));
  }
  return out;
}
