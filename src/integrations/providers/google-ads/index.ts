// Google Ads: Google's OAuth 2.0 for web server apps (https://developers.google.com/identity/protocols/oauth2/web-server)
// with PKCE and offline access (a refresh token that does not rotate), and the Google Ads API.
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { ProviderError } from '../kit.js';
import { networkFailure, scopesFromTokenAnswer, standardExchange, standardRefresh, standardRevoke } from '../kit.js';
import type { ImplementedProvider } from '../kit.js';
import { asArray, asRecord, readJsonBody } from '../wire.js';
import { createGoogleAdsConnector, googleAdsError } from './connector.js';

export const GOOGLE_ADS_API_VERSION = 'v26';

const customerId = z.string().regex(/^\d{10}$/, 'a ten-digit customer id without dashes');

function developerToken(extras: Readonly<Record<string, string>>): string {
  const token = extras['GOOGLE_ADS_DEVELOPER_TOKEN'];
  if (token === undefined) throw new ProviderError('permanent', 'Google Ads needs GOOGLE_ADS_DEVELOPER_TOKEN; an operator must set it.');
  return token;
}

export const googleAds: ImplementedProvider = {
  id: 'google-ads',
  kind: 'ads',
  displayName: 'Google Ads',
  implemented: true,
  configPrefix: 'GOOGLE_ADS',
  extraConfigKeys: ['GOOGLE_ADS_DEVELOPER_TOKEN'],
  docsUrl: 'https://developers.google.com/google-ads/api/docs/reporting/streaming',
  oauth: {
    authorizeUrl: 'https://accounts.google.com/o/oauth2/v2/auth',
    tokenUrl: 'https://oauth2.googleapis.com/token',
    revokeUrl: 'https://oauth2.googleapis.com/revoke',
    scopes: [
      {
        scope: 'https://www.googleapis.com/auth/adwords',
        reason: 'the only Google Ads API scope (Google offers no read-only one); Throughline only sends GAQL reads with it',
      },
    ],
    scopeDelimiter: ' ',
    pkce: true,
    rotatesRefreshToken: false,
    // A refresh token is issued only with offline access; consent is forced so a reconnect gets one again.
    authorizeParams: { access_type: 'offline', prompt: 'consent', include_granted_scopes: 'false' },
  },
  apiBaseUrl: `https://googleads.googleapis.com/${GOOGLE_ADS_API_VERSION}`,
  settingsSchema: z.strictObject({
    customerIds: z.array(customerId).min(1).max(50).optional(),
    loginCustomerId: customerId.optional(),
  }),

  acceptCallback: () => ({}),
  apiBaseUrlFor: (runtime) => runtime.apiBaseUrl,
  exchangeCode: (runtime, input) => standardExchange(runtime, input),
  refresh: (runtime, refreshToken) => standardRefresh(runtime, refreshToken),
  grantedScopes: (_runtime, tokens) => Promise.resolve(scopesFromTokenAnswer(googleAds.oauth, tokens)),

  async identify(runtime, tokens) {
    // customers:listAccessibleCustomers: the accounts this person can reach directly.
    let response: Response;
    try {
      response = await runtime.fetch(`${runtime.apiBaseUrl}/customers:listAccessibleCustomers`, {
        headers: { authorization: `Bearer ${tokens.accessToken}`, 'developer-token': developerToken(runtime.extras), accept: 'application/json' },
      });
    } catch (error) {
      throw networkFailure(error, 'Google Ads');
    }
    const body = await readJsonBody(response, 'Google Ads');
    if (!response.ok) throw googleAdsError(response.status, body);
    const names = asArray(asRecord(body, 'Google Ads answer')['resourceNames'] ?? [], 'Google Ads customers');
    const ids = names
      .map((n) => (typeof n === 'string' ? /^customers\/(\d{10})$/.exec(n)?.[1] : undefined))
      .filter((id): id is string => id !== undefined)
      .sort();
    if (ids.length === 0) throw new ProviderError('permanent', 'This Google account has no Google Ads customer accounts.');
    // Google's grant names no account (no openid scope is requested), so the set of reachable
    // customers identifies it: reconnecting the same person updates the same integration.
    const joined = ids.join(',');
    const externalAccount = joined.length <= 200 ? joined : `sha256:${createHash('sha256').update(joined).digest('hex')}`;
    const first = ids[0] as string;
    const shown = `${first.slice(0, 3)}-${first.slice(3, 6)}-${first.slice(6)}`;
    return {
      externalAccount,
      displayName: ids.length === 1 ? `Google Ads · ${shown}` : `Google Ads · ${shown} and ${ids.length - 1} more`,
      settings: { accessibleCustomerIds: ids },
    };
  },

  async revoke(runtime, tokens) {
    // Revoking the refresh token also revokes the access tokens issued from it.
    await standardRevoke(runtime, tokens.refreshToken ?? tokens.accessToken, tokens.refreshToken === null ? 'access_token' : 'refresh_token');
  },

  createConnector: (runtime) => createGoogleAdsConnector({ developerToken: developerToken(runtime.extras) }),
};
