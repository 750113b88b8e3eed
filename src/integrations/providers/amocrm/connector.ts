// amoCRM (Kommo) through REST API v4 (https://www.amocrm.ru/developers/content/crm_platform/api-reference):
// leads with their pipeline and status (status 142 is "won", 143 "lost" in every pipeline), the
// tracking fields (UTM_SOURCE ... UTM_TERM, GCLID, FBCLID, YCLID) and contacts. Lists page through
// `_links.next` inside `_embedded`; an empty list is 204 No Content; 429 means over 7 requests a
// second. Incremental: ordered by updated_at ascending from a high-water mark.
import { ProviderError, type ClickIds, type Connector, type ConnectorContext, type StreamName, type SyncBatch, type Utm } from '../kit.js';
import { asArray, asRecord, callProvider, minorDigits, nonNegativeInt, optionalString, readJsonBody, retryAfterMs, sameOriginNext, unixToIso } from '../wire.js';

export const AMO_WON_STATUS = 142;
export const AMO_LOST_STATUS = 143;
const PAGE_LIMIT = 250;

const TRACKING_FIELDS: Record<string, keyof Utm | keyof ClickIds> = {
  utm_source: 'source',
  utm_medium: 'medium',
  utm_campaign: 'campaign',
  utm_content: 'content',
  utm_term: 'term',
  gclid: 'gclid',
  fbclid: 'fbclid',
  yclid: 'yclid',
};

function amoError(response: Response, now: Date): ProviderError {
  const status = response.status;
  if (status === 429) return new ProviderError('rate_limited', 'amoCRM is throttling requests (7 a second per account); the sync continues shortly.', { status, retryAfterMs: retryAfterMs(response.headers, now) ?? 2_000 });
  if (status === 401) return new ProviderError('token_expired', 'amoCRM refused the access token.', { status });
  if (status === 402) return new ProviderError('permanent', 'This amoCRM account\'s subscription has lapsed; amoCRM refuses API access until it is paid.', { status });
  if (status === 403) return new ProviderError('permanent', 'amoCRM refused access (the account or this integration is blocked, or the user lacks rights).', { status });
  if (status >= 500) return new ProviderError('transient', 'amoCRM had a temporary problem; the sync will retry.', { status });
  return new ProviderError('permanent', 'amoCRM refused the request.', { status });
}

async function amoGet(context: ConnectorContext, url: string): Promise<Record<string, unknown> | null> {
  const response = await callProvider(context.fetch, url, { headers: { authorization: `Bearer ${context.accessToken}`, accept: 'application/json' }, signal: context.signal }, 'amoCRM');
  if (response.status === 204) return null;
  if (!response.ok) {
    await response.arrayBuffer();
    throw amoError(response, context.now());
  }
  return asRecord(await readJsonBody(response, 'amoCRM'), 'amoCRM answer');
}

interface Cursor {
  /** Unix seconds: records updated at or after this are read. */
  from: number;
  page: number;
}

function parseCursor(cursor: string | null, since: string): Cursor {
  if (cursor !== null) {
    try {
      const c = JSON.parse(cursor) as Cursor;
      if (Number.isSafeInteger(c.from) && Number.isSafeInteger(c.page) && c.page >= 1) return c;
    } catch {
      // An unreadable cursor falls back to the window start.
    }
  }
  return { from: Math.floor(Date.parse(`${since}T00:00:00Z`) / 1000), page: 1 };
}

function fieldValues(entity: Record<string, unknown>): Map<string, string> {
  const out = new Map<string, string>();
  const fields = entity['custom_fields_values'];
  if (!Array.isArray(fields)) return out;
  for (const raw of fields) {
    if (typeof raw !== 'object' || raw === null) continue;
    const f = raw as Record<string, unknown>;
    const first = Array.isArray(f['values']) ? (f['values'][0] as Record<string, unknown> | undefined) : undefined;
    const value = optionalString(first?.['value']);
    if (value === null) continue;
    // Tracking fields carry a field_code (UTM_SOURCE, GCLID, ...); hand-made ones only a name.
    for (const key of [f['field_code'], f['field_name']]) if (typeof key === 'string') out.set(key.toLowerCase(), value);
  }
  return out;
}

function tracking(entity: Record<string, unknown>): { utm: Utm; clickIds: ClickIds } {
  const values = fieldValues(entity);
  const utm: Utm = { source: null, medium: null, campaign: null, content: null, term: null };
  const clickIds: ClickIds = { gclid: null, fbclid: null, yclid: null };
  for (const [name, target] of Object.entries(TRACKING_FIELDS)) {
    const value = values.get(name) ?? null;
    if (target in utm) utm[target as keyof Utm] = value;
    else clickIds[target as keyof ClickIds] = value;
  }
  return { utm, clickIds };
}

interface Pipelines {
  pipelineName: Map<number, string>;
  statusName: Map<string, string>;
}

async function readPipelines(context: ConnectorContext): Promise<Pipelines> {
  const body = await amoGet(context, `${context.apiBaseUrl.replace(/\/$/, '')}/api/v4/leads/pipelines`);
  const pipelineName = new Map<number, string>();
  const statusName = new Map<string, string>();
  const list = body === null ? [] : asArray(asRecord(body['_embedded'], 'amoCRM pipelines')['pipelines'], 'amoCRM pipelines');
  for (const raw of list) {
    const p = asRecord(raw, 'amoCRM pipeline');
    const id = nonNegativeInt(p['id'], 'amoCRM pipeline id');
    pipelineName.set(id, optionalString(p['name']) ?? String(id));
    const statuses = (p['_embedded'] as Record<string, unknown> | undefined)?.['statuses'];
    for (const s of Array.isArray(statuses) ? statuses : []) {
      const st = asRecord(s, 'amoCRM status');
      statusName.set(`${id}:${String(st['id'])}`, optionalString(st['name']) ?? String(st['id']));
    }
  }
  return { pipelineName, statusName };
}

function currencyOf(context: ConnectorContext): string {
  const c = context.settings['currency'];
  return typeof c === 'string' && /^[A-Z]{3}$/.test(c) ? c : 'RUB';
}

/**
 * Pages through one entity ordered by updated_at. After each page the cursor moves to that page's
 * newest updated_at with page 1 again, so a record updated mid-run (which moves to the end of the
 * order) is never skipped; only a page whose records all share one second advances the page number.
 */
async function* incremental(
  context: ConnectorContext,
  entity: 'leads' | 'contacts',
  extraParams: Record<string, string>,
): AsyncGenerator<{ items: Record<string, unknown>[]; cursor: string | null }> {
  let cursor = parseCursor(context.cursor, context.since);
  const base = context.apiBaseUrl.replace(/\/$/, '');
  for (;;) {
    const url = new URL(`${base}/api/v4/${entity}`);
    url.searchParams.set('limit', String(PAGE_LIMIT));
    url.searchParams.set('page', String(cursor.page));
    url.searchParams.set('filter[updated_at][from]', String(cursor.from));
    url.searchParams.set('order[updated_at]', 'asc');
    for (const [k, v] of Object.entries(extraParams)) url.searchParams.set(k, v);
    const body = await amoGet(context, url.toString());
    if (body === null) {
      yield { items: [], cursor: JSON.stringify({ from: cursor.from, page: 1 }) };
      return;
    }
    const items = asArray(asRecord(body['_embedded'], `amoCRM ${entity}`)[entity], `amoCRM ${entity}`).map((i) => asRecord(i, `amoCRM ${entity} item`));
    const links = (body['_links'] ?? {}) as Record<string, unknown>;
    const next = sameOriginNext((links['next'] as Record<string, unknown> | undefined)?.['href'], context.apiBaseUrl);
    const newest = items.reduce((max, i) => Math.max(max, nonNegativeInt(i['updated_at'], 'amoCRM updated_at')), cursor.from);
    const oldest = items.reduce((min, i) => Math.min(min, nonNegativeInt(i['updated_at'], 'amoCRM updated_at')), newest);
    const following: Cursor = next === null ? { from: newest, page: 1 } : oldest === newest ? { from: cursor.from, page: cursor.page + 1 } : { from: newest, page: 1 };
    yield { items, cursor: JSON.stringify(following) };
    if (next === null) return;
    cursor = following;
  }
}

export function createAmoCrmConnector(): Connector {
  async function* leads(context: ConnectorContext): AsyncGenerator<SyncBatch<'leads'>> {
    const pipelines = await readPipelines(context);
    for await (const page of incremental(context, 'leads', { with: 'contacts' })) {
      const records = page.items.map((lead) => {
        const pipeline = nonNegativeInt(lead['pipeline_id'], 'amoCRM pipeline_id');
        const status = nonNegativeInt(lead['status_id'], 'amoCRM status_id');
        const contacts = ((lead['_embedded'] as Record<string, unknown> | undefined)?.['contacts'] ?? []) as unknown[];
        const main = (Array.isArray(contacts) ? contacts : []).map((c) => asRecord(c, 'amoCRM lead contact')).find((c) => c['is_main'] === true) ?? (contacts[0] as Record<string, unknown> | undefined);
        const { utm, clickIds } = tracking(lead);
        return {
          externalId: String(nonNegativeInt(lead['id'], 'amoCRM lead id')),
          contactExternalId: main === undefined ? null : String(nonNegativeInt(main['id'], 'amoCRM contact id')),
          createdAt: unixToIso(lead['created_at'], 'amoCRM created_at'),
          status: status === AMO_WON_STATUS ? 'won' : status === AMO_LOST_STATUS ? 'lost' : (pipelines.statusName.get(`${pipeline}:${status}`) ?? String(status)),
          pipeline: pipelines.pipelineName.get(pipeline) ?? String(pipeline),
          utm,
          clickIds,
        };
      });
      yield { stream: 'leads', records, cursor: page.cursor };
    }
  }

  async function* deals(context: ConnectorContext): AsyncGenerator<SyncBatch<'deals'>> {
    const currency = currencyOf(context);
    for await (const page of incremental(context, 'leads', { with: 'contacts' })) {
      const records = page.items.map((lead) => {
        const status = nonNegativeInt(lead['status_id'], 'amoCRM status_id');
        const closed = status === AMO_WON_STATUS || status === AMO_LOST_STATUS;
        const contacts = ((lead['_embedded'] as Record<string, unknown> | undefined)?.['contacts'] ?? []) as unknown[];
        const main = (Array.isArray(contacts) ? contacts : []).map((c) => asRecord(c, 'amoCRM lead contact')).find((c) => c['is_main'] === true) ?? (contacts[0] as Record<string, unknown> | undefined);
        const { utm, clickIds } = tracking(lead);
        const id = String(nonNegativeInt(lead['id'], 'amoCRM lead id'));
        return {
          externalId: id,
          // An amoCRM "lead" is the deal itself: the lead record and the deal share the id.
          leadExternalId: id,
          contactExternalId: main === undefined ? null : String(nonNegativeInt(main['id'], 'amoCRM contact id')),
          status: status === AMO_WON_STATUS ? ('won' as const) : status === AMO_LOST_STATUS ? ('lost' as const) : ('open' as const),
          // `price` is a whole amount in the account currency.
          amountMinor: nonNegativeInt(lead['price'] ?? 0, 'amoCRM price') * 10 ** minorDigits(currency),
          currency,
          createdAt: unixToIso(lead['created_at'], 'amoCRM created_at'),
          closedAt: closed && lead['closed_at'] != null ? unixToIso(lead['closed_at'], 'amoCRM closed_at') : null,
          utm,
          clickIds,
        };
      });
      yield { stream: 'deals', records, cursor: page.cursor };
    }
  }

  async function* contacts(context: ConnectorContext): AsyncGenerator<SyncBatch<'contacts'>> {
    for await (const page of incremental(context, 'contacts', {})) {
      const records = page.items.map((c) => {
        const values = fieldValues(c);
        return {
          externalId: String(nonNegativeInt(c['id'], 'amoCRM contact id')),
          name: optionalString(c['name']),
          email: values.get('email') ?? null,
          phone: values.get('phone') ?? null,
          createdAt: unixToIso(c['created_at'], 'amoCRM created_at'),
        };
      });
      yield { stream: 'contacts', records, cursor: page.cursor };
    }
  }

  return {
    streams: ['contacts', 'leads', 'deals'],
    read<S extends StreamName>(stream: S, context: ConnectorContext): AsyncIterable<SyncBatch<S>> {
      switch (stream) {
        case 'contacts':
          return contacts(context) as AsyncIterable<SyncBatch<S>>;
        case 'leads':
          return leads(context) as AsyncIterable<SyncBatch<S>>;
        case 'deals':
          return deals(context) as AsyncIterable<SyncBatch<S>>;
        default:
          throw new ProviderError('permanent', `amoCRM has no ${stream} stream.`);
      }
    },
  };
}
