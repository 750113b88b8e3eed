// Yandex Direct against the fake API v5: the TSV report with its offline 201/202 + retryIn flow,
// Client-Login, micros, error codes (53 token, 56/9000 throttling, 152 points), malformed reports,
// LimitedBy paging of campaigns, and the OAuth steps.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { contextFor, drain, drainUntilError } from '../../../../test/providers/connector-context.js';
import { startFakeYandexDirect, YANDEX_CLIENT, yandexError, type FakeYandexDirect } from '../../../../test/providers/yandex-direct.js';
import { buildAuthorizeUrl, createPkcePair } from '../../oauth.js';
import { createProviderRegistry } from '../../registry.js';
import { createYandexDirectConnector, parseReportTsv } from './connector.js';
import { yandexDirect } from './index.js';

let fake: FakeYandexDirect;
let token: string;

beforeAll(async () => {
  fake = await startFakeYandexDirect();
});
afterAll(async () => {
  await fake?.close();
});
beforeEach(() => {
  token = fake.oauth.mintAccessToken();
  fake.errors = [];
  fake.offlineRounds = 0;
  fake.reportRequests = [];
  fake.reportRows = [
    ['2026-01-01', '7001', '1500', '44', '1250000000', '3'],
    ['2026-01-02', '7001', '1400', '40', '1100500000', '--'],
    ['2026-01-02', '7002', '10', '0', '0', '0.5'],
  ];
  fake.campaigns = Array.from({ length: 5 }, (_, i) => ({ Id: 7000 + i, Name: `Campaign ${i}`, State: i === 4 ? 'ARCHIVED' : i === 3 ? 'SUSPENDED' : 'ON' }));
});

const ctx = (overrides: Parameters<typeof contextFor>[1] = {}) => contextFor(fake.server.url, { accessToken: token, settings: { login: 'acme-direct' }, ...overrides });
const connector = () => createYandexDirectConnector({ minRetryMs: 1, rowsPerBatch: 2 });

describe('Yandex Direct connector', () => {
  it('reads the campaign report as TSV with money in micros and "--" conversions as zero', async () => {
    const batches = await drain(connector(), 'ad_stats', ctx());
    expect(batches.flatMap((b) => b.records)).toEqual([
      { accountExternalId: 'acme-direct', campaignExternalId: '7001', date: '2026-01-01', spendMicros: 1_250_000_000, impressions: 1500, clicks: 44, platformConversions: 3 },
      { accountExternalId: 'acme-direct', campaignExternalId: '7001', date: '2026-01-02', spendMicros: 1_100_500_000, impressions: 1400, clicks: 40, platformConversions: 0 },
      { accountExternalId: 'acme-direct', campaignExternalId: '7002', date: '2026-01-02', spendMicros: 0, impressions: 10, clicks: 0, platformConversions: 0.5 },
    ]);
    expect(batches).toHaveLength(2);
    const sent = fake.reportRequests[0];
    expect(sent?.headers['returnmoneyinmicros']).toBe('true');
    expect(sent?.headers['processingmode']).toBe('auto');
    expect(sent?.headers['skipreportheader']).toBe('true');
    expect(sent?.body).toMatchObject({ params: { ReportType: 'CAMPAIGN_PERFORMANCE_REPORT', DateRangeType: 'CUSTOM_DATE', Format: 'TSV', SelectionCriteria: { DateFrom: '2026-01-01', DateTo: '2026-01-07' } } });
  });

  it('waits through the offline queue (201 then 202, retryIn) repeating the identical request', async () => {
    fake.offlineRounds = 2;
    const rows = (await drain(connector(), 'ad_stats', ctx())).flatMap((b) => b.records);
    expect(rows).toHaveLength(3);
    expect(fake.reportRequests).toHaveLength(3);
    expect(new Set(fake.reportRequests.map((r) => JSON.stringify(r.body))).size).toBe(1);
  });

  it('hands a report that takes too long back to the engine with the provider\'s wait', async () => {
    fake.offlineRounds = 5;
    fake.retryInSeconds = 30;
    const { error } = await drainUntilError(createYandexDirectConnector({ maxReportWaitMs: 1_000 }), 'ad_stats', ctx());
    expect(error).toMatchObject({ kind: 'rate_limited', options: { retryAfterMs: 30_000 } });
    fake.retryInSeconds = 1;
  });

  it('sends Client-Login for an agency client', async () => {
    await drain(connector(), 'ad_stats', ctx({ settings: { login: 'agency', clientLogin: 'client-1' } }));
    expect(fake.reportRequests[0]?.headers['client-login']).toBe('client-1');
    const rows = (await drain(connector(), 'ad_stats', ctx({ settings: { login: 'agency', clientLogin: 'client-1' } }))).flatMap((b) => b.records);
    expect(rows[0]?.accountExternalId).toBe('client-1');
  });

  it.each([
    [56, 'rate_limited'],
    [9000, 'rate_limited'],
    [152, 'rate_limited'],
    [513, 'permanent'],
    [53, 'token_expired'],
  ])('maps error code %i to %s', async (code, kind) => {
    fake.errors.push(yandexError(code, 'error'));
    expect((await drainUntilError(connector(), 'ad_stats', ctx())).error).toMatchObject({ kind });
  });

  it('refuses a report with unexpected columns, a short row, or a non-numeric cell', async () => {
    expect(() => parseReportTsv('Date\tCampaignId\n2026-01-01\t1\n')).toThrow(/unexpected columns/);
    fake.reportRows = [['2026-01-01', '7001', '1']];
    expect((await drainUntilError(connector(), 'ad_stats', ctx())).error).toMatchObject({ kind: 'malformed' });
    fake.reportRows = [['2026-01-01', '7001', '1', '1', 'lots', '0']];
    expect((await drainUntilError(connector(), 'ad_stats', ctx())).error).toMatchObject({ kind: 'malformed' });
    fake.errors.push({ status: 500, body: 'Internal Server Error' });
    expect((await drainUntilError(connector(), 'ad_stats', ctx())).error).toMatchObject({ kind: 'transient' });
  });

  it('pages campaigns by LimitedBy and reads the client as the ad account', async () => {
    fake.campaigns = Array.from({ length: 1500 }, (_, i) => ({ Id: 10_000 + i, Name: `C${i}`, State: 'ON' }));
    const batches = await drain(connector(), 'campaigns', ctx());
    expect(batches).toHaveLength(2);
    expect(batches.flatMap((b) => b.records)).toHaveLength(1500);
    const accounts = (await drain(connector(), 'ad_accounts', ctx())).flatMap((b) => b.records);
    expect(accounts).toEqual([{ externalId: 'acme-direct', name: 'acme-direct', currency: 'RUB', timezone: 'Europe/Moscow' }]);
  });
});

describe('Yandex OAuth', () => {
  it('exchanges with PKCE, identifies the Direct login, treats an absent scope as the requested one, and revokes', async () => {
    const registry = createProviderRegistry({
      config: { YANDEX_DIRECT_CLIENT_ID: YANDEX_CLIENT.id, YANDEX_DIRECT_CLIENT_SECRET: YANDEX_CLIENT.secret, YANDEX_DIRECT_API_BASE_URL: fake.server.url, YANDEX_DIRECT_OAUTH_BASE_URL: fake.server.url },
      redirectUri: 'https://app.example/api/integrations/oauth/callback',
    });
    const runtime = registry.runtime('yandex-direct');
    if (runtime === undefined) throw new Error('not configured');
    const pkce = createPkcePair();
    const consent = fake.oauth.consent(buildAuthorizeUrl(yandexDirect.oauth, runtime, { redirectUri: runtime.redirectUri, state: 's', codeChallenge: pkce.challenge }));
    const tokens = await yandexDirect.exchangeCode(runtime, { code: consent.code, codeVerifier: pkce.verifier, redirectUri: runtime.redirectUri, settings: {} });
    expect(await yandexDirect.grantedScopes(runtime, tokens, {})).toEqual(['direct:api']);
    expect(await yandexDirect.identify(runtime, tokens, {})).toEqual({ externalAccount: 'acme-direct', displayName: 'Yandex Direct · acme-direct', settings: { login: 'acme-direct', currency: 'RUB' } });
    await yandexDirect.revoke?.(runtime, { accessToken: tokens.accessToken, refreshToken: tokens.refreshToken }, {});
    expect(fake.oauth.isValidAccessToken(tokens.accessToken)).toBe(false);
  });
});
