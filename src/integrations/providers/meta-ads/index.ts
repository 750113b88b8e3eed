// Meta Ads: Facebook Login for the OAuth grant (https://developers.facebook.com/docs/facebook-login/guides/advanced/manual-flow),
// the Graph API for reading. Meta issues no refresh token: the short-lived token from the code is
// exchanged for a long-lived one (about 60 days), after which the person reconnects.
import { z } from 'zod';
import { ProviderError } from '../kit.js';
import { networkFailure, requestToken } from '../kit.js';
import type { ImplementedProvider, ProviderRuntime, TokenSet } from '../kit.js';
import { asArray, asRecord, optionalString, readJsonBody } from '../wire.js';
import { createMetaAdsConnector, metaError, readUsage } from './connector.js';

export const META_GRAPH_VERSION = 'v23.0';

async function graph(runtime: ProviderRuntime, accessToken: string, path: string, init: RequestInit = {}): Promise<Record<string, unknown>> {
  let response: Response;
  try {
    response = await runtime.fetch(`${runtime.apiBaseUrl}/${path}`, { ...init, headers: { authorization: `Bearer ${accessToken}`, accept: 'application/json' } });
  } catch (error) {
    throw networkFailure(error, 'Meta');
  }
  const body = await readJsonBody(response, 'Meta');
  if (!response.ok || (typeof body === 'object' && body !== null && 'error' in body)) throw metaError(response.status, body, readUsage(response.headers));
  return asRecord(body, 'Meta answer');
}

export const metaAds: ImplementedProvider = {
  id: 'meta-ads',
  kind: 'ads',
  displayName: 'Meta Ads',
  implemented: true,
  configPrefix: 'META_ADS',
  extraConfigKeys: [],
  docsUrl: 'https://developers.facebook.com/docs/marketing-api/insights',
  oauth: {
    authorizeUrl: `https://www.facebook.com/${META_GRAPH_VERSION}/dialog/oauth`,
    tokenUrl: `https://graph.facebook.com/${META_GRAPH_VERSION}/oauth/access_token`,
    // DELETE /me/permissions removes the app's grant (https://developers.facebook.com/docs/facebook-login/guides/permissions/request-revoke).
    revokeUrl: `https://graph.facebook.com/${META_GRAPH_VERSION}/me/permissions`,
    scopes: [{ scope: 'ads_read', reason: 'reads ad accounts, campaigns and their insights (spend, impressions, clicks, actions); no write access' }],
    scopeDelimiter: ',',
    // Facebook Login's PKCE support is limited to its OIDC flow (documented as "still in testing").
    pkce: false,
    rotatesRefreshToken: false,
  },
  apiBaseUrl: `https://graph.facebook.com/${META_GRAPH_VERSION}`,
  settingsSchema: z.strictObject({
    adAccountIds: z.array(z.string().regex(/^act_\d{1,20}$/, 'an ad account id such as act_1234567890')).max(50).optional(),
    conversionActionTypes: z.array(z.string().regex(/^[a-z0-9_.]{1,80}$/)).min(1).max(20).optional(),
  }),

  acceptCallback: () => ({}),
  apiBaseUrlFor: (runtime) => runtime.apiBaseUrl,

  async exchangeCode(runtime, input) {
    // Meta documents the exchange as a GET with the parameters in the query string.
    const short = await requestToken(
      runtime,
      runtime.tokenUrl,
      { client_id: runtime.clientId, client_secret: runtime.clientSecret, redirect_uri: input.redirectUri, code: input.code },
      { method: 'GET', deadGrant: (b) => Number((b['error'] as Record<string, unknown> | undefined)?.['code']) === 100 },
    );
    // The code's token lasts about an hour; the long-lived one about 60 days.
    return requestToken(runtime, runtime.tokenUrl, {
      grant_type: 'fb_exchange_token',
      client_id: runtime.clientId,
      client_secret: runtime.clientSecret,
      fb_exchange_token: short.accessToken,
    }, { method: 'GET' });
  },

  refresh() {
    return Promise.reject(new ProviderError('reauth_required', 'Meta access lasts about 60 days and cannot be renewed without you. Reconnect Meta Ads.'));
  },

  async grantedScopes(runtime, tokens: TokenSet) {
    // Meta's token answer does not list scopes; /me/permissions does, with each one's status.
    const body = await graph(runtime, tokens.accessToken, 'me/permissions');
    return asArray(body['data'], 'Meta permissions')
      .map((p) => asRecord(p, 'Meta permission'))
      .filter((p) => p['status'] === 'granted' && typeof p['permission'] === 'string')
      .map((p) => p['permission'] as string);
  },

  async identify(runtime, tokens) {
    const me = await graph(runtime, tokens.accessToken, 'me?fields=id,name');
    const id = optionalString(me['id']);
    if (id === null || !/^\d{1,25}$/.test(id)) throw new ProviderError('malformed', 'Meta did not say who connected.');
    return { externalAccount: id, displayName: `Meta Ads · ${optionalString(me['name']) ?? id}`.slice(0, 200), settings: {} };
  },

  async revoke(runtime, tokens) {
    if (runtime.revokeUrl === null) return;
    let response: Response;
    try {
      response = await runtime.fetch(runtime.revokeUrl, { method: 'DELETE', headers: { authorization: `Bearer ${tokens.accessToken}` } });
    } catch (error) {
      throw networkFailure(error, 'Revoking Meta access');
    }
    const body = await readJsonBody(response, 'Meta');
    // An already-dead token (190) means there is nothing left to revoke.
    if (!response.ok && Number((body as { error?: { code?: unknown } }).error?.code) !== 190) {
      throw new ProviderError('transient', 'Meta did not confirm the revocation.', { status: response.status });
    }
  },

  createConnector: () => createMetaAdsConnector(),
};
