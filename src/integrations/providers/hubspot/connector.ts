// HubSpot through the CRM v3 search API (https://developers.hubspot.com/docs/api/crm/search):
// contacts (as contacts and as leads, with their original source: the first page URL's UTM tags
// and click ids, HubSpot's own click-id properties) and deals (stage, amount, currency, closed
// won/lost), with each deal's primary contact through the v4 associations batch API. Paging is
// `paging.next.after`; one search returns at most 10,000 results, so the connector re-anchors on
// the newest last-modified date it has seen. 429 carries `policyName` (SECONDLY, TEN_SECONDLY_ROLLING,
// DAILY) and sometimes Retry-After.
import { ProviderError, type ClickIds, type Connector, type ConnectorContext, type StreamName, type SyncBatch, type Utm } from '../kit.js';
import { asArray, asRecord, callProvider, decimalToMinor, minorDigits, optionalString, readJsonBody, retryAfterMs, trackingFromUrl } from '../wire.js';

const PAGE_SIZE = 100;
/** HubSpot's search API refuses `after` beyond 10,000. */
const SEARCH_WINDOW = 10_000;

const CONTACT_PROPERTIES = [
  'email',
  'firstname',
  'lastname',
  'phone',
  'createdate',
  'lastmodifieddate',
  'lifecyclestage',
  'hs_analytics_source',
  'hs_analytics_first_url',
  'hs_google_click_id',
  'hs_facebook_click_id',
  // Portals often add these by hand from form hidden fields; read them when present.
  'utm_source',
  'utm_medium',
  'utm_campaign',
  'utm_content',
  'utm_term',
  'yclid',
];
const DEAL_PROPERTIES = ['dealname', 'amount', 'deal_currency_code', 'dealstage', 'pipeline', 'createdate', 'closedate', 'hs_is_closed', 'hs_is_closed_won', 'hs_lastmodifieddate'];

function msUntilNextUtcMidnight(now: Date): number {
  const next = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1);
  return next - now.getTime();
}

export async function hubspotError(response: Response, now: Date): Promise<ProviderError> {
  const status = response.status;
  let body: Record<string, unknown> = {};
  try {
    body = asRecord(JSON.parse(await response.text()) as unknown, 'HubSpot error');
  } catch {
    // An unreadable error body still has its status.
  }
  if (status === 429) {
    const policy = body['policyName'];
    const fallback = policy === 'DAILY' ? msUntilNextUtcMidnight(now) : policy === 'TEN_SECONDLY_ROLLING' ? 10_000 : 1_000;
    return new ProviderError('rate_limited', 'HubSpot is throttling requests for this portal; the sync continues when it allows.', { status, retryAfterMs: retryAfterMs(response.headers, now) ?? fallback });
  }
  if (status === 401) return new ProviderError('token_expired', 'HubSpot refused the access token.', { status });
  if (status === 403) {
    return new ProviderError('permanent', body['category'] === 'MISSING_SCOPES' ? 'HubSpot says this connection lacks a permission it needs; reconnect HubSpot.' : 'HubSpot refused access to this portal.', { status });
  }
  if (status >= 500) return new ProviderError('transient', 'HubSpot had a temporary problem; the sync will retry.', { status });
  return new ProviderError('permanent', 'HubSpot refused the request.', { status });
}

async function post(context: ConnectorContext, path: string, payload: unknown): Promise<Record<string, unknown>> {
  const response = await callProvider(
    context.fetch,
    `${context.apiBaseUrl.replace(/\/$/, '')}${path}`,
    { method: 'POST', headers: { authorization: `Bearer ${context.accessToken}`, 'content-type': 'application/json', accept: 'application/json' }, body: JSON.stringify(payload), signal: context.signal },
    'HubSpot',
  );
  if (!response.ok && response.status !== 207) throw await hubspotError(response, context.now());
  return asRecord(await readJsonBody(response, 'HubSpot'), 'HubSpot answer');
}

interface Cursor {
  /** Epoch ms: records modified at or after this are read. */
  from: number;
  after: string | null;
}

function parseCursor(cursor: string | null, since: string): Cursor {
  if (cursor !== null) {
    try {
      const c = JSON.parse(cursor) as Cursor;
      if (Number.isSafeInteger(c.from) && (c.after === null || (typeof c.after === 'string' && /^\d{1,6}$/.test(c.after)))) return c;
    } catch {
      // Fall back to the window start.
    }
  }
  return { from: Date.parse(`${since}T00:00:00Z`), after: null };
}

function instant(value: unknown, what: string): string {
  const t = typeof value === 'string' ? Date.parse(value) : NaN;
  if (Number.isNaN(t)) throw new ProviderError('malformed', `${what} is not a date.`);
  return new Date(t).toISOString();
}

function sourceOf(props: Record<string, unknown>): { utm: Utm; clickIds: ClickIds } {
  const fromUrl = trackingFromUrl(props['hs_analytics_first_url']);
  const pick = (name: string) => optionalString(props[name]);
  return {
    utm: {
      source: pick('utm_source') ?? fromUrl.utm.source,
      medium: pick('utm_medium') ?? fromUrl.utm.medium,
      campaign: pick('utm_campaign') ?? fromUrl.utm.campaign,
      content: pick('utm_content') ?? fromUrl.utm.content,
      term: pick('utm_term') ?? fromUrl.utm.term,
    },
    clickIds: {
      gclid: pick('hs_google_click_id') ?? fromUrl.clickIds.gclid,
      fbclid: pick('hs_facebook_click_id') ?? fromUrl.clickIds.fbclid,
      yclid: pick('yclid') ?? fromUrl.clickIds.yclid,
    },
  };
}

/**
 * Searches one object type by its last-modified property, ascending. The cursor after each page
 * is the next `after` within the current anchor, or, past HubSpot's 10,000-result window and at
 * the end, a new anchor at the newest modification seen (records at exactly that instant are read
 * again, which the idempotent upsert absorbs).
 */
async function* search(
  context: ConnectorContext,
  object: 'contacts' | 'deals',
  modifiedProperty: string,
  properties: readonly string[],
): AsyncGenerator<{ results: Array<{ id: string; properties: Record<string, unknown> }>; cursor: string }> {
  let cursor = parseCursor(context.cursor, context.since);
  for (;;) {
    const body = await post(context, `/crm/v3/objects/${object}/search`, {
      filterGroups: [{ filters: [{ propertyName: modifiedProperty, operator: 'GTE', value: String(cursor.from) }] }],
      sorts: [{ propertyName: modifiedProperty, direction: 'ASCENDING' }],
      properties,
      limit: PAGE_SIZE,
      ...(cursor.after === null ? {} : { after: cursor.after }),
    });
    const results = asArray(body['results'], `HubSpot ${object}`).map((raw) => {
      const r = asRecord(raw, `HubSpot ${object} result`);
      const id = optionalString(r['id']);
      if (id === null || !/^\d{1,20}$/.test(id)) throw new ProviderError('malformed', `HubSpot returned a ${object} result without an id.`);
      return { id, properties: asRecord(r['properties'] ?? {}, `HubSpot ${object} properties`) };
    });
    const newest = results.reduce((max, r) => {
      const t = Date.parse(String(r.properties[modifiedProperty] ?? ''));
      return Number.isNaN(t) ? max : Math.max(max, t);
    }, cursor.from);
    const after = optionalString(((body['paging'] as Record<string, unknown> | undefined)?.['next'] as Record<string, unknown> | undefined)?.['after']);
    const next: Cursor | null =
      after === null ? null : Number(after) + PAGE_SIZE > SEARCH_WINDOW ? { from: newest, after: null } : { from: cursor.from, after };
    // A full window of records all modified in the same millisecond cannot be paged past; say so.
    if (next !== null && next.after === null && newest === cursor.from) throw new ProviderError('permanent', `More than 10,000 HubSpot ${object} share one modification time; HubSpot's search cannot page past them.`);
    yield { results, cursor: JSON.stringify(next ?? { from: newest, after: null }) };
    if (next === null) return;
    cursor = next;
  }
}

export function createHubSpotConnector(): Connector {
  async function* contacts(context: ConnectorContext): AsyncGenerator<SyncBatch<'contacts'>> {
    for await (const page of search(context, 'contacts', 'lastmodifieddate', CONTACT_PROPERTIES)) {
      const records = page.results.map(({ id, properties: p }) => {
        const name = [optionalString(p['firstname']), optionalString(p['lastname'])].filter(Boolean).join(' ');
        return { externalId: id, name: name === '' ? null : name, email: optionalString(p['email']), phone: optionalString(p['phone']), createdAt: instant(p['createdate'], 'HubSpot createdate') };
      });
      yield { stream: 'contacts', records, cursor: page.cursor };
    }
  }

  async function* leads(context: ConnectorContext): AsyncGenerator<SyncBatch<'leads'>> {
    // In HubSpot a lead is a contact: its lifecycle stage is the status, its original source the UTM.
    for await (const page of search(context, 'contacts', 'lastmodifieddate', CONTACT_PROPERTIES)) {
      const records = page.results.map(({ id, properties: p }) => ({
        externalId: id,
        contactExternalId: id,
        createdAt: instant(p['createdate'], 'HubSpot createdate'),
        status: optionalString(p['lifecyclestage']) ?? 'lead',
        pipeline: null,
        ...sourceOf(p),
      }));
      yield { stream: 'leads', records, cursor: page.cursor };
    }
  }

  /** Each deal's first associated contact (v4 batch associations), and those contacts' sources. */
  async function primaryContacts(context: ConnectorContext, dealIds: string[]): Promise<Map<string, { contactId: string; source: { utm: Utm; clickIds: ClickIds } }>> {
    const out = new Map<string, { contactId: string; source: { utm: Utm; clickIds: ClickIds } }>();
    if (dealIds.length === 0) return out;
    const assoc = await post(context, '/crm/v4/associations/deals/contacts/batch/read', { inputs: dealIds.map((id) => ({ id })) });
    const contactOf = new Map<string, string>();
    for (const raw of asArray(assoc['results'] ?? [], 'HubSpot associations')) {
      const r = asRecord(raw, 'HubSpot association');
      const from = optionalString(asRecord(r['from'] ?? {}, 'HubSpot association from')['id']);
      const to = asArray(r['to'] ?? [], 'HubSpot association targets').map((t) => optionalString(asRecord(t, 'HubSpot association target')['toObjectId']));
      const first = to.find((t): t is string => t !== null && /^\d{1,20}$/.test(t));
      if (from !== null && first !== undefined) contactOf.set(from, first);
    }
    const contactIds = [...new Set(contactOf.values())];
    const sources = new Map<string, { utm: Utm; clickIds: ClickIds }>();
    if (contactIds.length > 0) {
      const batch = await post(context, '/crm/v3/objects/contacts/batch/read', { properties: CONTACT_PROPERTIES, inputs: contactIds.map((id) => ({ id })) });
      for (const raw of asArray(batch['results'] ?? [], 'HubSpot contacts')) {
        const c = asRecord(raw, 'HubSpot contact');
        const id = optionalString(c['id']);
        if (id !== null) sources.set(id, sourceOf(asRecord(c['properties'] ?? {}, 'HubSpot contact properties')));
      }
    }
    const none = { utm: { source: null, medium: null, campaign: null, content: null, term: null }, clickIds: { gclid: null, fbclid: null, yclid: null } };
    for (const [deal, contact] of contactOf) out.set(deal, { contactId: contact, source: sources.get(contact) ?? none });
    return out;
  }

  async function* deals(context: ConnectorContext): AsyncGenerator<SyncBatch<'deals'>> {
    const portalCurrency = typeof context.settings['currency'] === 'string' ? (context.settings['currency'] as string) : 'USD';
    for await (const page of search(context, 'deals', 'hs_lastmodifieddate', DEAL_PROPERTIES)) {
      const contacts = await primaryContacts(context, page.results.map((r) => r.id));
      const records = page.results.map(({ id, properties: p }) => {
        const won = p['hs_is_closed_won'] === 'true';
        const closed = p['hs_is_closed'] === 'true';
        const contact = contacts.get(id);
        const currency = optionalString(p['deal_currency_code']) ?? portalCurrency;
        if (!/^[A-Z]{3}$/.test(currency)) throw new ProviderError('malformed', 'HubSpot returned a deal with an unknown currency.');
        return {
          externalId: id,
          leadExternalId: contact?.contactId ?? null,
          contactExternalId: contact?.contactId ?? null,
          status: won ? ('won' as const) : closed ? ('lost' as const) : ('open' as const),
          amountMinor: p['amount'] === null || p['amount'] === undefined || p['amount'] === '' ? 0 : decimalToMinor(p['amount'], 'HubSpot deal amount', minorDigits(currency)),
          currency,
          createdAt: instant(p['createdate'], 'HubSpot createdate'),
          closedAt: closed && typeof p['closedate'] === 'string' && p['closedate'] !== '' ? instant(p['closedate'], 'HubSpot closedate') : null,
          utm: contact?.source.utm ?? { source: null, medium: null, campaign: null, content: null, term: null },
          clickIds: contact?.source.clickIds ?? { gclid: null, fbclid: null, yclid: null },
        };
      });
      yield { stream: 'deals', records, cursor: page.cursor };
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
          throw new ProviderError('permanent', `HubSpot has no ${stream} stream.`);
      }
    },
  };
}
