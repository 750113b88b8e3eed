// A fake Google Ads API (REST): Google's token endpoint (PKCE, `scope` in the answer, revocation),
// customers:listAccessibleCustomers, and customers/{id}/googleAds:searchStream answering a JSON
// array of result batches with int64 fields as strings, checking the developer-token and
// login-customer-id headers, and failing with google.rpc.Status + GoogleAdsFailure details
// (RESOURCE_EXHAUSTED with retryDelay, UNAUTHENTICATED, PERMISSION_DENIED).
import { installFakeOAuth, type FakeOAuth } from './oauth.js';
import { startFakeServer, type FakeRequest, type FakeResponse, type FakeServer } from './server.js';

export const GOOGLE_CLIENT = { id: 'google-client.apps.googleusercontent.com', secret: 'google-secret', developerToken: 'dev-token-123' };
const V = '/v26';

export interface GoogleStatRow {
  customer: string;
  campaign: string;
  date: string;
  costMicros: string;
  impressions: string;
  clicks: string;
  conversions: number;
}

export interface FakeGoogleAds {
  server: FakeServer;
  oauth: FakeOAuth;
  accessible: string[];
  /** customer -> the manager it must be reached through (login-customer-id) */
  managedBy: Map<string, string>;
  stats: GoogleStatRow[];
  chunkSize: number;
  errors: FakeResponse[];
  queries: string[];
  close(): Promise<void>;
}

export function googleAdsFailure(status: number, rpcStatus: string, errorCode: Record<string, string>, extra: Record<string, unknown> = {}): FakeResponse {
  return {
    status,
    body: [
      {
        error: {
          code: status,
          message: 'Request contains an invalid argument.',
          status: rpcStatus,
          details: [{ '@type': 'type.googleapis.com/google.ads.googleads.v26.errors.GoogleAdsFailure', errors: [{ errorCode, message: 'failure', ...extra }], requestId: 'req-1' }],
        },
      },
    ],
  };
}

export async function startFakeGoogleAds(): Promise<FakeGoogleAds> {
  const server = await startFakeServer();
  const oauth = installFakeOAuth(server, { clientId: GOOGLE_CLIENT.id, clientSecret: GOOGLE_CLIENT.secret, tokenPath: '/token', revokePath: '/revoke', scopeField: 'scope', accessTtlSeconds: 3599 });
  const fake: FakeGoogleAds = { server, oauth, accessible: ['1234567890'], managedBy: new Map(), stats: [], chunkSize: 10_000, errors: [], queries: [], close: () => server.close() };

  const guard = (request: FakeRequest): FakeResponse | undefined => {
    const queued = fake.errors.shift();
    if (queued !== undefined) return queued;
    if (!oauth.bearerOk(request)) return googleAdsFailure(401, 'UNAUTHENTICATED', { authenticationError: 'OAUTH_TOKEN_EXPIRED' });
    if (request.headers['developer-token'] !== GOOGLE_CLIENT.developerToken) return googleAdsFailure(401, 'UNAUTHENTICATED', { authenticationError: 'DEVELOPER_TOKEN_INVALID' });
    return undefined;
  };

  server.on('GET', new RegExp(`^${V}/customers:listAccessibleCustomers$`), (request) => guard(request) ?? { body: { resourceNames: fake.accessible.map((c) => `customers/${c}`) } });

  server.on('POST', new RegExp(`^${V}/customers/(\\d{10})/googleAds:searchStream$`), (request, match) => {
    const denied = guard(request);
    if (denied !== undefined) return denied;
    const customer = match[1] as string;
    const manager = fake.managedBy.get(customer);
    if (manager !== undefined && request.headers['login-customer-id'] !== manager) return googleAdsFailure(403, 'PERMISSION_DENIED', { authorizationError: 'USER_PERMISSION_DENIED' });
    const { query } = request.json() as { query: string };
    fake.queries.push(query);
    let results: unknown[];
    if (/FROM customer\b/.test(query)) {
      results = [{ customer: { resourceName: `customers/${customer}`, id: customer, descriptiveName: `Account ${customer}`, currencyCode: 'GBP', timeZone: 'Europe/London', manager: false } }];
    } else if (/SELECT campaign\.id, campaign\.name, campaign\.status FROM campaign$/.test(query)) {
      results = [...new Set(fake.stats.filter((s) => s.customer === customer).map((s) => s.campaign))].map((id) => ({ campaign: { resourceName: `customers/${customer}/campaigns/${id}`, id, name: `Campaign ${id}`, status: 'ENABLED' } }));
    } else {
      const between = /segments\.date BETWEEN '(\d{4}-\d{2}-\d{2})' AND '(\d{4}-\d{2}-\d{2})'/.exec(query);
      if (between === null) return googleAdsFailure(400, 'INVALID_ARGUMENT', { queryError: 'UNEXPECTED_END_OF_QUERY' });
      results = fake.stats
        .filter((s) => s.customer === customer && s.date >= (between[1] as string) && s.date <= (between[2] as string))
        .map((s) => ({
          campaign: { resourceName: `customers/${customer}/campaigns/${s.campaign}`, id: s.campaign },
          // proto3 JSON leaves out zero values.
          metrics: { ...(s.costMicros === '0' ? {} : { costMicros: s.costMicros }), impressions: s.impressions, clicks: s.clicks, conversions: s.conversions },
          segments: { date: s.date },
        }));
    }
    const chunks: unknown[] = [];
    for (let i = 0; i < results.length; i += fake.chunkSize) chunks.push({ results: results.slice(i, i + fake.chunkSize), fieldMask: 'campaign.id,segments.date', requestId: `r${i}` });
    if (chunks.length === 0) chunks.push({ fieldMask: 'campaign.id', requestId: 'r0' });
    return { body: chunks };
  });
  return fake;
}
