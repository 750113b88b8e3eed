// The demo provider's two connectors, `demo-ads` (three ad accounts: Google Ads, Meta Ads, Yandex
// Direct) and `demo-crm` (contacts, leads, deals). They speak the same contract as the real
// connectors and go through the same sync engine: paged batches, each with a cursor to resume
// after it (the last day, or the offset, fully sent), and progress through the window.
import { ProviderError, type Connector, type ConnectorContext, type StreamName, type SyncBatch } from '../../integrations/index.js';
import { DEMO_ACCOUNTS } from './catalogue.js';
import { createDemoWorld, CRM_LOOKBEHIND_DAYS, dayNumber, dayOf, todayOf, type DemoLead, type DemoWorld } from './world.js';

export const DEMO_ADS_PROVIDER = 'demo-ads';
export const DEMO_CRM_PROVIDER = 'demo-crm';
export const DEFAULT_DEMO_SEED = 'northwind';
const DEFAULT_PAGE_SIZE = 2_000;
/** Leads change status up to this long after they are created (a deal opens, or they settle). */
const LEAD_LOOKBEHIND_DAYS = 6;

const worlds = new Map<string, DemoWorld>();

function worldOf(seed: string): DemoWorld {
  let world = worlds.get(seed);
  if (world === undefined) {
    if (worlds.size > 16) worlds.clear();
    world = createDemoWorld(seed);
    worlds.set(seed, world);
  }
  return world;
}

interface DemoSettings {
  seed: string;
  pageSize: number;
}

function settingsOf(context: ConnectorContext): DemoSettings {
  const { seed, pageSize } = context.settings;
  return {
    seed: typeof seed === 'string' && seed.length > 0 && seed.length <= 100 ? seed : DEFAULT_DEMO_SEED,
    pageSize: typeof pageSize === 'number' && Number.isInteger(pageSize) ? Math.min(5_000, Math.max(1, pageSize)) : DEFAULT_PAGE_SIZE,
  };
}

interface DemoCursor {
  day?: string;
  offset?: number;
}

function parseCursor(cursor: string | null): DemoCursor {
  if (cursor === null) return {};
  try {
    const parsed: unknown = JSON.parse(cursor);
    if (typeof parsed !== 'object' || parsed === null) return {};
    const { day, offset } = parsed as Record<string, unknown>;
    return {
      ...(typeof day === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(day) ? { day } : {}),
      ...(typeof offset === 'number' && Number.isInteger(offset) && offset >= 0 ? { offset } : {}),
    };
  } catch {
    // Not ours (or damaged): start the window over; the engine's upserts make that harmless.
    return {};
  }
}

/** The days [from, until], resumed after the cursor's day when it lies inside them. */
function daysToRead(from: string, until: string, cursor: string | null): { days: string[]; total: number; done: number } {
  const first = dayNumber(from);
  const last = dayNumber(until);
  const total = Math.max(0, last - first + 1);
  const resumeDay = parseCursor(cursor).day;
  const resumeAt = resumeDay !== undefined && resumeDay >= from && resumeDay <= until ? dayNumber(resumeDay) + 1 : first;
  const days: string[] = [];
  for (let n = resumeAt; n <= last; n += 1) days.push(dayOf(n));
  return { days, total, done: resumeAt - first };
}

/**
 * Pages a day-by-day read: collects each day's records and yields at a day boundary once a page
 * is full, so the cursor (the last day sent) is an exact resume point.
 */
async function* pagedByDay<S extends StreamName>(
  stream: S,
  context: ConnectorContext,
  from: string,
  recordsOf: (day: string) => SyncBatch<S>['records'],
): AsyncGenerator<SyncBatch<S>> {
  const { pageSize } = settingsOf(context);
  const until = context.until < todayOf(context.now()) ? context.until : todayOf(context.now());
  if (from > until) return;
  const { days, total, done } = daysToRead(from, until, context.cursor);
  let page: SyncBatch<S>['records'] = [];
  for (const [i, day] of days.entries()) {
    context.signal.throwIfAborted();
    page = page.concat(recordsOf(day));
    const last = i === days.length - 1;
    if (page.length >= pageSize || last) {
      yield { stream, records: page, cursor: JSON.stringify({ day }), progress: total === 0 ? 1 : (done + i + 1) / total };
      page = [];
    }
  }
}

async function* pagedList<S extends StreamName>(stream: S, context: ConnectorContext, all: SyncBatch<S>['records']): AsyncGenerator<SyncBatch<S>> {
  const { pageSize } = settingsOf(context);
  let offset = parseCursor(context.cursor).offset ?? 0;
  if (offset > all.length) offset = 0;
  while (offset < all.length) {
    context.signal.throwIfAborted();
    const records = all.slice(offset, offset + pageSize);
    offset += records.length;
    yield { stream, records, cursor: JSON.stringify({ offset }), progress: offset / all.length };
  }
}

function unsupported(provider: string, stream: StreamName): ProviderError {
  return new ProviderError('permanent', `The ${provider} provider has no ${stream} stream.`);
}

const addDays = (day: string, days: number) => dayOf(dayNumber(day) + days);

export function demoAdsConnector(): Connector {
  return {
    streams: ['ad_accounts', 'campaigns', 'ad_stats'],
    read<S extends StreamName>(stream: S, context: ConnectorContext): AsyncIterable<SyncBatch<S>> {
      const world = worldOf(settingsOf(context).seed);
      const now = context.now();
      switch (stream) {
        case 'ad_accounts':
          return pagedList(stream, context, DEMO_ACCOUNTS.map(({ externalId, name, currency, timezone, channel }) => ({ externalId, name, currency, timezone, channel })) as SyncBatch<S>['records']);
        case 'campaigns':
          return pagedList(
            stream,
            context,
            world.campaigns.map((c) => ({ accountExternalId: c.accountExternalId, externalId: c.externalId, name: c.name, status: world.campaignStatus(c, now) })) as SyncBatch<S>['records'],
          );
        case 'ad_stats':
          return pagedByDay(stream, context, context.since, (day) => world.campaigns.flatMap((c) => world.adStat(c, day, now) ?? []) as SyncBatch<S>['records']);
        default:
          throw unsupported(DEMO_ADS_PROVIDER, stream);
      }
    },
  };
}

export function demoCrmConnector(): Connector {
  return {
    streams: ['contacts', 'leads', 'deals'],
    read<S extends StreamName>(stream: S, context: ConnectorContext): AsyncIterable<SyncBatch<S>> {
      const world = worldOf(settingsOf(context).seed);
      const now = context.now();
      const { since, until } = context;
      const inWindow = (instant: Date) => {
        const day = instant.toISOString().slice(0, 10);
        return day >= since && day <= until && instant <= now;
      };
      const created = (lead: DemoLead) => lead.createdAt <= now;
      switch (stream) {
        case 'contacts':
          // Contacts are created with their first lead.
          return pagedByDay(stream, context, since, (day) =>
            world.leadsOfDay(day).flatMap((lead) => (lead.newContact && created(lead) ? [world.contactOf(lead)] : [])) as SyncBatch<S>['records'],
          );
        case 'leads':
          // "Modified in the window", as a CRM's incremental API answers: new leads and leads whose status moved.
          return pagedByDay(stream, context, addDays(since, -LEAD_LOOKBEHIND_DAYS), (day) =>
            world.leadsOfDay(day).flatMap((lead) => {
              if (!created(lead)) return [];
              const seen = world.leadAt(lead, now);
              return inWindow(lead.createdAt) || inWindow(seen.changedAt) ? [seen.record] : [];
            }) as SyncBatch<S>['records'],
          );
        case 'deals':
          return pagedByDay(stream, context, addDays(since, -CRM_LOOKBEHIND_DAYS), (day) =>
            world.leadsOfDay(day).flatMap((lead) => {
              const deal = world.dealAt(lead, now);
              if (deal === null) return [];
              return inWindow(new Date(deal.record.createdAt)) || inWindow(deal.changedAt) ? [deal.record] : [];
            }) as SyncBatch<S>['records'],
          );
        default:
          throw unsupported(DEMO_CRM_PROVIDER, stream);
      }
    },
  };
}
