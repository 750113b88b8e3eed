// Meta Ads against the fake Graph API: the login exchange, paging, async report runs, usage
// headers, throttling codes, code 190, and malformed answers.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { contextFor, drain, drainUntilError } from '../../../../test/providers/connector-context.js';
import { graphError, META_CLIENT, startFakeMeta, type FakeMeta } from '../../../../test/providers/meta-ads.js';
import { ProviderError } from '../../contract.js';
import { buildAuthorizeUrl } from '../../oauth.js';
import { createProviderRegistry } from '../../registry.js';
import { createMetaAdsConnector } from './connector.js';
import { metaAds } from './index.js';

let fake: FakeMeta;
let token: string;

beforeAll(async () => {
  fake = await startFakeMeta();
});
afterAll(async () => {
  await fake?.close();
});
beforeEach(() => {
  token = fake.oauth.mintAccessToken();
  fake.errors = [];
  fake.usagePercent = 5;
  fake.accounts = [
    { id: 'act_111', name: 'Main', currency: 'EUR', timezone_name: 'Europe/Berlin' },
    { id: 'act_222', name: 'Second', currency: 'USD', timezone_name: 'America/New_York' },
  ];
  fake.campaigns = [
    { account: 'act_111', id: '2381', name: 'Spring', effective_status: 'ACTIVE' },
    { account: 'act_111', id: '2382', name: 'Old', effective_status: 'ARCHIVED' },
    { account: 'act_222', id: '2383', name: 'Paused', effective_status: 'PAUSED' },
  ];
  fake.insights = [];
  for (const day of ['2026-01-01', '2026-01-02', '2026-01-03']) {
    fake.insights.push({ account: 'act_111', campaign_id: '2381', campaign_name: 'Spring', date_start: day, spend: '12.34', impressions: '1000', clicks: '31', actions: [{ action_type: 'lead', value: '2' }, { action_type: 'link_click', value: '31' }] });
    fake.insights.push({ account: 'act_222', campaign_id: '2383', campaign_name: 'Paused', date_start: day, spend: '0.015', impressions: '10', clicks: '0' });
  }
});

const ctx = (overrides: Parameters<typeof contextFor>[1] = {}) => contextFor(fake.server.url, { apiBaseUrl: `${fake.server.url}/v23.0`, accessToken: token, ...overrides });

describe('Meta Ads connector', () => {
  it('reads daily campaign insights across ad accounts and pages, with spend as exact micros', async () => {
    const batches = await drain(createMetaAdsConnector({ pageSize: 2 }), 'ad_stats', ctx());
    const rows = batches.flatMap((b) => b.records);
    expect(rows).toHaveLength(6);
    expect(rows.find((r) => r.accountExternalId === 'act_111' && r.date === '2026-01-02')).toEqual({
      accountExternalId: 'act_111',
      campaignExternalId: '2381',
      date: '2026-01-02',
      spendMicros: 12_340_000,
      impressions: 1000,
      clicks: 31,
      platformConversions: 2,
    });
    expect(rows.find((r) => r.accountExternalId === 'act_222')?.spendMicros).toBe(15_000);
    // Paged by `paging.next`; the last batch says the stream is done.
    expect(batches.length).toBeGreaterThan(2);
    expect(batches.at(-1)?.cursor).toBeNull();
    const insightCalls = fake.server.requests.filter((r) => r.path.endsWith('/insights'));
    expect(insightCalls.every((r) => r.query.get('level') === 'campaign' && r.query.get('time_increment') === '1')).toBe(true);
    expect(insightCalls.every((r) => r.headers.authorization === `Bearer ${token}`)).toBe(true);
  });

  it('resumes from a cursor in the middle of an account without reading earlier pages again', async () => {
    const connector = createMetaAdsConnector({ pageSize: 2 });
    const batches = await drain(connector, 'ad_stats', ctx());
    const resumeAfter = batches[0] as (typeof batches)[number];
    const rest = await drain(connector, 'ad_stats', ctx({ cursor: resumeAfter.cursor }));
    expect([...resumeAfter.records, ...rest.flatMap((b) => b.records)]).toEqual(batches.flatMap((b) => b.records));
  });

  it('runs an asynchronous report for a long range and polls it to completion', async () => {
    fake.runPollsBeforeDone = 2;
    const batches = await drain(createMetaAdsConnector({ asyncAboveDays: 3, pollIntervalMs: 5 }), 'ad_stats', ctx({ since: '2026-01-01', until: '2026-01-31' }));
    expect(batches.flatMap((b) => b.records)).toHaveLength(6);
    expect(fake.server.requests.some((r) => r.method === 'POST' && r.path.endsWith('/insights'))).toBe(true);
    expect(fake.server.requests.filter((r) => /\/\d{13}$/.test(r.path)).length).toBeGreaterThanOrEqual(3);
  });

  it('honours the usage headers: stops after the page when usage nears the limit, with Meta\'s wait', async () => {
    fake.usagePercent = 100;
    const { batches, error } = await drainUntilError(createMetaAdsConnector({ pageSize: 2 }), 'ad_stats', ctx());
    // The page already read is handed over (its cursor saved), then the engine waits as Meta says.
    expect(batches).toHaveLength(1);
    expect(error).toMatchObject({ kind: 'rate_limited', options: { retryAfterMs: 7 * 60_000 } });
    fake.usagePercent = 95;
    const partial = await drainUntilError(createMetaAdsConnector({ pageSize: 2 }), 'ad_stats', ctx());
    expect(partial.batches).toHaveLength(1);
    expect(partial.batches[0]?.cursor).not.toBeNull();
    expect(partial.error).toMatchObject({ kind: 'rate_limited' });
  });

  it.each([
    [17, 'User request limit reached'],
    [613, 'Calls to this api have exceeded the rate limit.'],
    [80004, 'There have been too many calls to this ad-account.'],
    [4, 'Application request limit reached'],
  ])('maps throttling code %i to rate_limited', async (code, message) => {
    fake.errors.push(graphError(code, message));
    const { error } = await drainUntilError(createMetaAdsConnector(), 'campaigns', ctx());
    expect(error).toBeInstanceOf(ProviderError);
    expect((error as ProviderError).kind).toBe('rate_limited');
  });

  it('maps code 190 (expired or revoked token) to reauth_required', async () => {
    const { error } = await drainUntilError(createMetaAdsConnector(), 'ad_accounts', ctx({ accessToken: 'revoked-token' }));
    expect(error).toMatchObject({ kind: 'reauth_required', userMessage: expect.stringMatching(/expired/) });
  });

  it('refuses malformed answers: not JSON, a row without a campaign id, spend that is not a number', async () => {
    fake.errors.push({ status: 200, body: '<html>Sorry, something went wrong.</html>' });
    expect((await drainUntilError(createMetaAdsConnector(), 'ad_accounts', ctx())).error).toMatchObject({ kind: 'malformed' });
    fake.insights.push({ account: 'act_111', campaign_id: '', campaign_name: 'x', date_start: '2026-01-04', spend: '1', impressions: '1', clicks: '1' });
    expect((await drainUntilError(createMetaAdsConnector(), 'ad_stats', ctx())).error).toMatchObject({ kind: 'malformed' });
    fake.insights = [{ account: 'act_111', campaign_id: '9', campaign_name: 'x', date_start: '2026-01-04', spend: '1e3', impressions: '1', clicks: '1' }];
    expect((await drainUntilError(createMetaAdsConnector(), 'ad_stats', ctx())).error).toMatchObject({ kind: 'malformed' });
  });

  it('refuses a next-page link to another host', async () => {
    const evil = JSON.stringify({ window: '2026-01-01..2026-01-07', account: 'act_111', next: 'https://attacker.example/steal' });
    expect((await drainUntilError(createMetaAdsConnector(), 'ad_stats', ctx({ cursor: evil }))).error).toMatchObject({ kind: 'malformed' });
  });

  it('reads only the chosen ad accounts, and campaigns with their status', async () => {
    const accounts = await drain(createMetaAdsConnector(), 'ad_accounts', ctx({ settings: { adAccountIds: ['act_222'] } }));
    expect(accounts.flatMap((b) => b.records)).toEqual([{ externalId: 'act_222', name: 'Second', currency: 'USD', timezone: 'America/New_York' }]);
    const campaigns = (await drain(createMetaAdsConnector(), 'campaigns', ctx())).flatMap((b) => b.records);
    expect(campaigns.map((c) => [c.externalId, c.status])).toEqual([
      ['2381', 'active'],
      ['2382', 'archived'],
      ['2383', 'paused'],
    ]);
  });
});

describe('Meta login', () => {
  const registry = () =>
    createProviderRegistry({
      config: { META_ADS_CLIENT_ID: META_CLIENT.id, META_ADS_CLIENT_SECRET: META_CLIENT.secret, META_ADS_API_BASE_URL: fake.server.url, META_ADS_OAUTH_BASE_URL: fake.server.url },
      redirectUri: 'https://app.example/api/integrations/oauth/callback',
    });

  it('exchanges the code, then for a long-lived token; reads granted permissions; identifies the person; revokes', async () => {
    const runtime = registry().runtime('meta-ads');
    if (runtime === undefined) throw new Error('not configured');
    const consent = fake.oauth.consent(buildAuthorizeUrl(metaAds.oauth, runtime, { redirectUri: runtime.redirectUri, state: 's', codeChallenge: null }));
    const tokens = await metaAds.exchangeCode(runtime, { code: consent.code, codeVerifier: null, redirectUri: runtime.redirectUri, settings: {} });
    const calls = fake.oauth.tokenCalls.slice(-2);
    expect(calls[0]).toMatchObject({ code: consent.code, redirect_uri: runtime.redirectUri });
    expect(calls[1]).toMatchObject({ grant_type: 'fb_exchange_token' });
    expect(tokens.refreshToken).toBeNull();
    expect(tokens.expiresAt?.getTime()).toBeGreaterThan(Date.now() + 50 * 86_400_000);
    expect(await metaAds.grantedScopes(runtime, tokens, {})).toEqual(['ads_read']);
    expect(await metaAds.identify(runtime, tokens, {})).toMatchObject({ externalAccount: '10158000000000001', displayName: 'Meta Ads · Ada Marketer' });
    await metaAds.revoke?.(runtime, { accessToken: tokens.accessToken, refreshToken: null }, {});
    expect(fake.oauth.isValidAccessToken(tokens.accessToken)).toBe(false);
    await expect(metaAds.refresh(runtime, 'x', {})).rejects.toMatchObject({ kind: 'reauth_required' });
  });

  it('reports a declined permission as not granted', async () => {
    fake.grantedPermissions = [];
    try {
      const runtime = registry().runtime('meta-ads');
      if (runtime === undefined) throw new Error('not configured');
      expect(await metaAds.grantedScopes(runtime, { accessToken: token, refreshToken: null, expiresAt: null, scopes: null, extra: {} }, {})).toEqual([]);
    } finally {
      fake.grantedPermissions = ['ads_read'];
    }
  });
});
