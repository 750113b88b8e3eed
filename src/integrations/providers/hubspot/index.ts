// HubSpot: OAuth through the dated token API (https://developers.hubspot.com/docs/api-reference/latest/authentication/manage-oauth-tokens;
// the v1 endpoints are deprecated), with PKCE. The token answer lists the granted `scopes` and the
// portal's `hub_id`; access tokens last 30 minutes; refresh tokens do not rotate.
import { z } from 'zod';
import { ProviderError } from '../kit.js';
import { networkFailure, scopesFromTokenAnswer, standardExchange, standardRefresh, standardRevoke } from '../kit.js';
import type { ImplementedProvider } from '../kit.js';
import { asRecord, optionalString, readJsonBody } from '../wire.js';
import { createHubSpotConnector, hubspotError } from './connector.js';

export const hubSpot: ImplementedProvider = {
  id: 'hubspot',
  kind: 'crm',
  displayName: 'HubSpot',
  implemented: true,
  configPrefix: 'HUBSPOT',
  extraConfigKeys: [],
  docsUrl: 'https://developers.hubspot.com/docs/api/crm/search',
  oauth: {
    authorizeUrl: 'https://app.hubspot.com/oauth/authorize',
    tokenUrl: 'https://api.hubapi.com/oauth/2026-03/token',
    revokeUrl: 'https://api.hubapi.com/oauth/2026-03/token/revoke',
    scopes: [
      { scope: 'oauth', reason: 'HubSpot requires it on every OAuth install; it grants no CRM data by itself' },
      { scope: 'crm.objects.contacts.read', reason: 'reads contacts with their original source (first page URL, UTM tags, click ids)' },
      { scope: 'crm.objects.deals.read', reason: 'reads deals (stage, amount, currency, dates, closed won/lost) and their contact associations' },
    ],
    scopeDelimiter: ' ',
    pkce: true,
    rotatesRefreshToken: false,
  },
  apiBaseUrl: 'https://api.hubapi.com',
  settingsSchema: z.strictObject({}),

  acceptCallback: () => ({}),
  apiBaseUrlFor: (runtime) => runtime.apiBaseUrl,
  exchangeCode: (runtime, input) => standardExchange(runtime, input),
  refresh: (runtime, refreshToken) => standardRefresh(runtime, refreshToken),
  grantedScopes: (_runtime, tokens) => Promise.resolve(scopesFromTokenAnswer(hubSpot.oauth, tokens)),

  async identify(runtime, tokens) {
    // The portal's id, currency and time zone (no scope beyond `oauth` needed).
    let response: Response;
    try {
      response = await runtime.fetch(`${runtime.apiBaseUrl}/account-info/v3/details`, { headers: { authorization: `Bearer ${tokens.accessToken}`, accept: 'application/json' } });
    } catch (error) {
      throw networkFailure(error, 'HubSpot');
    }
    if (!response.ok) throw await hubspotError(response, runtime.now());
    const details = asRecord(await readJsonBody(response, 'HubSpot'), 'HubSpot account details');
    const portal = optionalString(details['portalId']) ?? optionalString(tokens.extra['hub_id']);
    if (portal === null || !/^\d{1,20}$/.test(portal)) throw new ProviderError('malformed', 'HubSpot did not say which portal was connected.');
    const currency = optionalString(details['companyCurrency']);
    return {
      externalAccount: portal,
      displayName: `HubSpot · ${optionalString(details['uiDomain']) ?? `portal ${portal}`}`.slice(0, 200),
      settings: { ...(currency !== null && /^[A-Z]{3}$/.test(currency) ? { currency } : {}), timezone: optionalString(details['timeZone']) },
    };
  },

  async revoke(runtime, tokens) {
    if (tokens.refreshToken !== null) await standardRevoke(runtime, tokens.refreshToken, 'refresh_token');
  },

  createConnector: () => createHubSpotConnector(),
};
