// Google Ads against the fake REST API: searchStream batches, cost_micros, the developer-token and
// login-customer-id headers, RESOURCE_EXHAUSTED with its retryDelay, expired and revoked tokens,
// malformed answers, and the OAuth steps (PKCE exchange, refresh, revocation, accessible customers).
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { contextFor, drain, drainUntilError } from '../../../../test/providers/connector-context.js';
import { GOOGLE_CLIENT, googleAdsFailure, startFakeGoogleAds, type FakeGoogleAds } from '../../../../test/providers/google-ads.js';
import { buildAuthorizeUrl, createPkcePair } from '../../oauth.js';
import { createProviderRegistry } from '../../registry.js';
import { createGoogleAdsConnector } from './connector.js';
import { googleAds } from './index.js';

let fake: FakeGoogleAds;
let token: string;
const connector = () => createGoogleAdsConnector({ developerToken: GOOGLE_CLIENT.developerToken });

beforeAll(async () => {
  fake = await startFakeGoogleAds();
});
afterAll(async () => {
  await fake?.close();
});
beforeEach(() => {
  token = fake.oauth.mintAccessToken();
  fake.errors = [];
  fake.chunkSize = 10_000;
  fake.managedBy = new Map();
  fake.stats = [
    { customer: '1234567890', campaign: '111', date: '2026-01-01', costMicros: '1230000', impressions: '400', clicks: '12', conversions: 1.5 },
    { customer: '1234567890', campaign: '111', date: '2026-01-02', costMicros: '0', impressions: '3', clicks: '0', conversions: 0 },
    { customer: '1234567890', campaign: '112', date: '2026-01-02', costMicros: '99000000', impressions: '9000', clicks: '300', conversions: 12 },
    { customer: '5555555555', campaign: '900', date: '2026-01-03', costMicros: '5000000', impressions: '50', clicks: '5', conversions: 0 },
  ];
});

const ctx = (overrides: Parameters<typeof contextFor>[1] = {}) =>
  contextFor(fake.server.url, { apiBaseUrl: `${fake.server.url}/v26`, accessToken: token, settings: { accessibleCustomerIds: ['1234567890'] }, ...overrides });

describe('Google Ads connector', () => {
  it('streams daily campaign metrics through searchStream with GAQL, cost already in micros', async () => {
    fake.chunkSize = 2;
    const batches = await drain(connector(), 'ad_stats', ctx());
    expect(batches).toHaveLength(2);
    expect(batches.flatMap((b) => b.records)).toEqual([
      { accountExternalId: '1234567890', campaignExternalId: '111', date: '2026-01-01', spendMicros: 1_230_000, impressions: 400, clicks: 12, platformConversions: 1.5 },
      { accountExternalId: '1234567890', campaignExternalId: '111', date: '2026-01-02', spendMicros: 0, impressions: 3, clicks: 0, platformConversions: 0 },
      { accountExternalId: '1234567890', campaignExternalId: '112', date: '2026-01-02', spendMicros: 99_000_000, impressions: 9000, clicks: 300, platformConversions: 12 },
    ]);
    expect(fake.queries.at(-1)).toBe(
      "SELECT campaign.id, segments.date, metrics.cost_micros, metrics.impressions, metrics.clicks, metrics.conversions FROM campaign WHERE segments.date BETWEEN '2026-01-01' AND '2026-01-07'",
    );
    const call = fake.server.requests.at(-1);
    expect(call?.headers['developer-token']).toBe(GOOGLE_CLIENT.developerToken);
    expect(call?.headers['login-customer-id']).toBeUndefined();
  });

  it('sends login-customer-id for a customer reached through a manager account', async () => {
    fake.managedBy.set('5555555555', '9999999999');
    const refused = await drainUntilError(connector(), 'ad_stats', ctx({ settings: { customerIds: ['5555555555'] } }));
    expect(refused.error).toMatchObject({ kind: 'permanent' });
    const rows = (await drain(connector(), 'ad_stats', ctx({ settings: { customerIds: ['5555555555'], loginCustomerId: '9999999999' } }))).flatMap((b) => b.records);
    expect(rows).toHaveLength(1);
    expect(fake.server.requests.at(-1)?.headers['login-customer-id']).toBe('9999999999');
  });

  it('hands RESOURCE_EXHAUSTED to the engine as rate_limited with Google\'s retryDelay', async () => {
    fake.errors.push(googleAdsFailure(429, 'RESOURCE_EXHAUSTED', { quotaError: 'RESOURCE_TEMPORARILY_EXHAUSTED' }, { details: { quotaErrorDetails: { rateScope: 'DEVELOPER', rateName: 'Requests per developer token', retryDelay: '27s' } } }));
    const { error } = await drainUntilError(connector(), 'ad_stats', ctx());
    expect(error).toMatchObject({ kind: 'rate_limited', options: { retryAfterMs: 27_000 } });
  });

  it('tells an expired token (refresh and retry) from a revoked one (reconnect)', async () => {
    expect((await drainUntilError(connector(), 'ad_stats', ctx({ accessToken: 'expired' }))).error).toMatchObject({ kind: 'token_expired' });
    fake.errors.push(googleAdsFailure(401, 'UNAUTHENTICATED', { authenticationError: 'OAUTH_TOKEN_REVOKED' }));
    expect((await drainUntilError(connector(), 'ad_stats', ctx())).error).toMatchObject({ kind: 'reauth_required' });
    fake.errors.push({ status: 503, body: [{ error: { code: 503, message: 'The service is currently unavailable.', status: 'UNAVAILABLE' } }] });
    expect((await drainUntilError(connector(), 'ad_stats', ctx())).error).toMatchObject({ kind: 'transient' });
  });

  it('refuses malformed answers and bad customer ids', async () => {
    fake.errors.push({ status: 200, body: '{"results": [' });
    expect((await drainUntilError(connector(), 'ad_stats', ctx())).error).toMatchObject({ kind: 'malformed' });
    fake.errors.push({ status: 200, body: [{ results: [{ campaign: { id: '1' }, metrics: { costMicros: '-5' }, segments: { date: '2026-01-01' } }] }] });
    expect((await drainUntilError(connector(), 'ad_stats', ctx())).error).toMatchObject({ kind: 'malformed' });
    const rows = await drain(connector(), 'ad_stats', ctx({ settings: { customerIds: ['../../x'] } }));
    expect(rows).toHaveLength(0);
  });

  it('reads the customer as an ad account with its currency and time zone, and its campaigns', async () => {
    const accounts = (await drain(connector(), 'ad_accounts', ctx())).flatMap((b) => b.records);
    expect(accounts).toEqual([{ externalId: '1234567890', name: 'Account 1234567890', currency: 'GBP', timezone: 'Europe/London' }]);
    const campaigns = (await drain(connector(), 'campaigns', ctx())).flatMap((b) => b.records);
    expect(campaigns.map((c) => c.externalId).sort()).toEqual(['111', '112']);
  });
});

describe('Google OAuth', () => {
  it('exchanges with the PKCE verifier, refreshes without rotation, lists accessible customers, and revokes', async () => {
    const registry = createProviderRegistry({
      config: { GOOGLE_ADS_CLIENT_ID: GOOGLE_CLIENT.id, GOOGLE_ADS_CLIENT_SECRET: GOOGLE_CLIENT.secret, GOOGLE_ADS_DEVELOPER_TOKEN: GOOGLE_CLIENT.developerToken, GOOGLE_ADS_API_BASE_URL: fake.server.url, GOOGLE_ADS_OAUTH_BASE_URL: fake.server.url },
      redirectUri: 'https://app.example/api/integrations/oauth/callback',
    });
    const runtime = registry.runtime('google-ads');
    if (runtime === undefined) throw new Error('not configured');
    const pkce = createPkcePair();
    const authorize = new URL(buildAuthorizeUrl(googleAds.oauth, runtime, { redirectUri: runtime.redirectUri, state: 's', codeChallenge: pkce.challenge }));
    expect(authorize.searchParams.get('access_type')).toBe('offline');
    const consent = fake.oauth.consent(authorize.toString());
    await expect(googleAds.exchangeCode(runtime, { code: consent.code, codeVerifier: createPkcePair().verifier, redirectUri: runtime.redirectUri, settings: {} })).rejects.toMatchObject({ kind: 'reauth_required' });
    const again = fake.oauth.consent(authorize.toString());
    const tokens = await googleAds.exchangeCode(runtime, { code: again.code, codeVerifier: pkce.verifier, redirectUri: runtime.redirectUri, settings: {} });
    expect(await googleAds.grantedScopes(runtime, tokens, {})).toEqual(['https://www.googleapis.com/auth/adwords']);
    fake.accessible = ['2222222222', '1234567890'];
    expect(await googleAds.identify(runtime, tokens, {})).toEqual({ externalAccount: '1234567890,2222222222', displayName: 'Google Ads · 123-456-7890 and 1 more', settings: { accessibleCustomerIds: ['1234567890', '2222222222'] } });
    const refreshed = await googleAds.refresh(runtime, tokens.refreshToken as string, {});
    expect(refreshed.refreshToken).toBe(tokens.refreshToken);
    await googleAds.revoke?.(runtime, { accessToken: refreshed.accessToken, refreshToken: tokens.refreshToken }, {});
    expect(fake.oauth.revokeCalls.at(-1)).toMatchObject({ token: tokens.refreshToken, token_type_hint: 'refresh_token' });
    await expect(googleAds.refresh(runtime, tokens.refreshToken as string, {})).rejects.toMatchObject({ kind: 'reauth_required' });
  });
});
