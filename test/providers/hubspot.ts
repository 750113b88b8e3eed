// A fake HubSpot: the dated OAuth token API (scopes and hub_id in the token answer, PKCE), account
// details, and the CRM v3 search API with its real shapes: `results`, `paging.next.after`,
// GTE/ASCENDING on the last-modified property, the 10,000-result window, 429 with policyName, and
// the v4 batch associations and v3 batch read.
import { installFakeOAuth, type FakeOAuth } from './oauth.js';
import { startFakeServer, type FakeRequest, type FakeResponse, type FakeServer } from './server.js';

export interface HubSpotRecord {
  id: string;
  properties: Record<string, string | null>;
}

export interface FakeHubSpot {
  server: FakeServer;
  oauth: FakeOAuth;
  contacts: HubSpotRecord[];
  deals: HubSpotRecord[];
  /** deal id -> contact ids */
  associations: Map<string, string[]>;
  /** Answer the next N search calls with 429 and this policy. */
  throttle: { remaining: number; policy: string; retryAfter?: string };
  /** Answer the next search with a body that is not JSON. */
  malformedNext: boolean;
  close(): Promise<void>;
}

export const HUBSPOT_CLIENT = { id: 'hubspot-client', secret: 'hubspot-secret' };

export async function startFakeHubSpot(): Promise<FakeHubSpot> {
  const server = await startFakeServer();
  const oauth = installFakeOAuth(server, {
    clientId: HUBSPOT_CLIENT.id,
    clientSecret: HUBSPOT_CLIENT.secret,
    tokenPath: '/oauth/2026-03/token',
    revokePath: '/oauth/2026-03/token/revoke',
    scopeField: 'scopes',
    accessTtlSeconds: 1800,
    extraAnswer: { hub_id: 4242, token_use: 'access_token' },
  });
  const fake: FakeHubSpot = {
    server,
    oauth,
    contacts: [],
    deals: [],
    associations: new Map(),
    throttle: { remaining: 0, policy: 'SECONDLY' },
    malformedNext: false,
    close: () => server.close(),
  };
  const unauthorized: FakeResponse = { status: 401, body: { status: 'error', message: 'Authentication credentials not found.', category: 'INVALID_AUTHENTICATION', correlationId: 'c-1' } };

  server.on('GET', /^\/account-info\/v3\/details$/, (request) =>
    oauth.bearerOk(request) ? { body: { portalId: 4242, accountType: 'STANDARD', timeZone: 'Europe/Berlin', companyCurrency: 'EUR', uiDomain: 'app-eu1.hubspot.com', utcOffset: '+01:00' } } : unauthorized,
  );

  function search(records: () => HubSpotRecord[], modified: string) {
    return (request: FakeRequest): FakeResponse => {
      if (!oauth.bearerOk(request)) return unauthorized;
      if (fake.throttle.remaining > 0) {
        fake.throttle.remaining -= 1;
        return {
          status: 429,
          headers: fake.throttle.retryAfter === undefined ? {} : { 'retry-after': fake.throttle.retryAfter },
          body: { status: 'error', message: 'You have reached your secondly limit.', errorType: 'RATE_LIMIT', correlationId: 'c-2', policyName: fake.throttle.policy },
        };
      }
      if (fake.malformedNext) {
        fake.malformedNext = false;
        return { body: '<html>upstream timeout</html>' };
      }
      const q = request.json() as { filterGroups: Array<{ filters: Array<{ propertyName: string; operator: string; value: string }> }>; limit: number; after?: string; properties: string[] };
      const filter = q.filterGroups[0]?.filters[0];
      if (filter?.propertyName !== modified || filter.operator !== 'GTE') return { status: 400, body: { status: 'error', message: 'unexpected filter' } };
      const after = Number(q.after ?? 0);
      if (after + q.limit > 10_000) return { status: 400, body: { status: 'error', message: 'paging beyond 10000 results is not supported' } };
      const from = Number(filter.value);
      const matching = records()
        .filter((r) => Date.parse(r.properties[modified] ?? '') >= from)
        .sort((a, b) => Date.parse(a.properties[modified] ?? '') - Date.parse(b.properties[modified] ?? ''));
      const page = matching.slice(after, after + q.limit);
      const more = after + q.limit < matching.length;
      return {
        body: {
          total: matching.length,
          results: page.map((r) => ({ id: r.id, properties: Object.fromEntries(q.properties.map((p) => [p, r.properties[p] ?? null])), createdAt: r.properties['createdate'], updatedAt: r.properties[modified], archived: false })),
          ...(more ? { paging: { next: { after: String(after + q.limit), link: 'https://api.hubapi.com/crm/v3/objects?after=' } } } : {}),
        },
      };
    };
  }
  server.on('POST', /^\/crm\/v3\/objects\/contacts\/search$/, search(() => fake.contacts, 'lastmodifieddate'));
  server.on('POST', /^\/crm\/v3\/objects\/deals\/search$/, search(() => fake.deals, 'hs_lastmodifieddate'));

  server.on('POST', /^\/crm\/v4\/associations\/deals\/contacts\/batch\/read$/, (request) => {
    if (!oauth.bearerOk(request)) return unauthorized;
    const { inputs } = request.json() as { inputs: Array<{ id: string }> };
    return {
      body: {
        status: 'COMPLETE',
        results: inputs
          .filter((i) => fake.associations.has(i.id))
          .map((i) => ({ from: { id: i.id }, to: (fake.associations.get(i.id) ?? []).map((c) => ({ toObjectId: Number(c), associationTypes: [{ category: 'HUBSPOT_DEFINED', typeId: 3, label: null }] })) })),
      },
    };
  });

  server.on('POST', /^\/crm\/v3\/objects\/contacts\/batch\/read$/, (request) => {
    if (!oauth.bearerOk(request)) return unauthorized;
    const { inputs, properties } = request.json() as { inputs: Array<{ id: string }>; properties: string[] };
    return {
      body: {
        status: 'COMPLETE',
        results: inputs
          .map((i) => fake.contacts.find((c) => c.id === i.id))
          .filter((c): c is HubSpotRecord => c !== undefined)
          .map((c) => ({ id: c.id, properties: Object.fromEntries(properties.map((p) => [p, c.properties[p] ?? null])) })),
      },
    };
  });
  return fake;
}
