// Yandex Direct: Yandex OAuth (https://yandex.ru/dev/id/doc/ru/codes/code-url) with PKCE, and the
// Direct API v5. Tokens last about a year; the refresh token renews them.
import { z } from 'zod';
import { ProviderError } from '../kit.js';
import { networkFailure, scopesFromTokenAnswer, standardExchange, standardRefresh } from '../kit.js';
import type { ImplementedProvider } from '../kit.js';
import { asArray, asRecord, optionalString, readJsonBody } from '../wire.js';
import { createYandexDirectConnector, yandexError } from './connector.js';

export const yandexDirect: ImplementedProvider = {
  id: 'yandex-direct',
  kind: 'ads',
  displayName: 'Yandex Direct',
  implemented: true,
  configPrefix: 'YANDEX_DIRECT',
  extraConfigKeys: [],
  docsUrl: 'https://yandex.ru/dev/direct/doc/ru/reports',
  oauth: {
    authorizeUrl: 'https://oauth.yandex.ru/authorize',
    tokenUrl: 'https://oauth.yandex.ru/token',
    // Yandex revokes only tokens issued for a device_id; disconnect then also asks the person to
    // remove the app at id.yandex.ru if the revocation is not confirmed.
    revokeUrl: 'https://oauth.yandex.ru/revoke_token',
    scopes: [{ scope: 'direct:api', reason: 'the only Direct API permission (no read-only variant); used for the Reports, Clients and Campaigns reads' }],
    scopeDelimiter: ' ',
    pkce: true,
    rotatesRefreshToken: false,
  },
  apiBaseUrl: 'https://api.direct.yandex.com',
  settingsSchema: z.strictObject({
    // An agency's client: sent as Client-Login on every call.
    clientLogin: z.string().regex(/^[A-Za-z0-9._-]{1,100}$/, 'a Yandex login').optional(),
  }),

  acceptCallback: () => ({}),
  apiBaseUrlFor: (runtime) => runtime.apiBaseUrl,
  exchangeCode: (runtime, input) => standardExchange(runtime, input),
  refresh: (runtime, refreshToken) => standardRefresh(runtime, refreshToken),
  grantedScopes: (_runtime, tokens) => Promise.resolve(scopesFromTokenAnswer(yandexDirect.oauth, tokens)),

  async identify(runtime, tokens) {
    let response: Response;
    try {
      response = await runtime.fetch(`${runtime.apiBaseUrl}/json/v5/clients`, {
        method: 'POST',
        headers: { authorization: `Bearer ${tokens.accessToken}`, 'accept-language': 'en', 'content-type': 'application/json; charset=utf-8' },
        body: JSON.stringify({ method: 'get', params: { FieldNames: ['ClientId', 'Login', 'Currency'] } }),
      });
    } catch (error) {
      throw networkFailure(error, 'Yandex Direct');
    }
    const body = await readJsonBody(response, 'Yandex Direct');
    if (!response.ok || (typeof body === 'object' && body !== null && 'error' in body)) throw yandexError(response.status, body, undefined);
    const clients = asArray(asRecord(asRecord(body, 'Yandex Direct answer')['result'], 'Yandex Direct result')['Clients'], 'Yandex Direct clients');
    const client = clients[0] === undefined ? undefined : asRecord(clients[0], 'Yandex Direct client');
    const login = optionalString(client?.['Login']);
    if (login === null) throw new ProviderError('permanent', 'This Yandex account has no Direct advertiser login.');
    return { externalAccount: login, displayName: `Yandex Direct · ${login}`.slice(0, 200), settings: { login, currency: optionalString(client?.['Currency']) } };
  },

  async revoke(runtime, tokens) {
    if (runtime.revokeUrl === null) return;
    let response: Response;
    try {
      response = await runtime.fetch(runtime.revokeUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ access_token: tokens.accessToken, client_id: runtime.clientId, client_secret: runtime.clientSecret }),
      });
    } catch (error) {
      throw networkFailure(error, 'Revoking Yandex access');
    }
    await response.arrayBuffer();
    if (!response.ok) throw new ProviderError('transient', 'Yandex did not confirm the revocation; remove the app\'s access at id.yandex.ru.', { status: response.status });
  },

  createConnector: () => createYandexDirectConnector(),
};
