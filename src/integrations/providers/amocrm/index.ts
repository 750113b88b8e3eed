// amoCRM (Kommo): OAuth 2.0 per account (https://www.amocrm.ru/developers/content/oauth/step-by-step).
// The consent page redirects back with `code`, `state` and `referer` (the account's own host); the
// token endpoint is on that host; tokens are JSON; every refresh returns a new refresh token and
// invalidates the old one (rotation). amoCRM has no scope parameter and no revocation endpoint:
// access rights are fixed when the integration is registered, and access is withdrawn by removing
// the integration in the account's settings.
import { z } from 'zod';
import { ProviderError } from '../kit.js';
import { networkFailure, requestToken } from '../kit.js';
import type { ImplementedProvider, ProviderRuntime } from '../kit.js';
import { asRecord, nonNegativeInt, optionalString, readJsonBody } from '../wire.js';
import { createAmoCrmConnector } from './connector.js';

/** SECURITY: the referer names the host we send the code and client secret to; only amoCRM's own hosts pass. */
const ACCOUNT_HOST = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.(?:amocrm\.ru|amocrm\.com|kommo\.com)$/;

function accountHost(settings: Readonly<Record<string, unknown>>): string {
  const host = settings['baseDomain'];
  if (typeof host !== 'string' || !ACCOUNT_HOST.test(host)) throw new ProviderError('permanent', 'This amoCRM connection does not name its account; reconnect it.');
  return host;
}

function tokenUrlFor(runtime: ProviderRuntime, settings: Readonly<Record<string, unknown>>): string {
  return runtime.oauthBaseOverridden ? runtime.tokenUrl : `https://${accountHost(settings)}/oauth2/access_token`;
}

/** amoCRM answers a dead refresh token or code with 400/401 and a problem+json body, not invalid_grant. */
const deadGrant = (body: Record<string, unknown>) =>
  [body['hint'], body['detail'], body['title']].some((v) => typeof v === 'string' && /revoked|expired|invalid|decrypt/i.test(v));

export const amoCrm: ImplementedProvider = {
  id: 'amocrm',
  kind: 'crm',
  displayName: 'amoCRM',
  implemented: true,
  configPrefix: 'AMOCRM',
  extraConfigKeys: [],
  docsUrl: 'https://www.amocrm.ru/developers/content/crm_platform/leads-api',
  oauth: {
    authorizeUrl: 'https://www.amocrm.ru/oauth',
    // The real endpoint is on the account's host (tokenUrlFor); this is its shape.
    tokenUrl: 'https://www.amocrm.ru/oauth2/access_token',
    revokeUrl: null,
    // No scope parameter exists: rights are set on the integration itself ("account data" only).
    scopes: [],
    scopeDelimiter: ' ',
    pkce: false,
    rotatesRefreshToken: true,
  },
  apiBaseUrl: 'https://www.amocrm.ru',
  settingsSchema: z.strictObject({}),

  acceptCallback(runtime, extras) {
    const host = extras.accountDomain?.toLowerCase();
    if (host === undefined || !ACCOUNT_HOST.test(host)) {
      throw new ProviderError('permanent', 'amoCRM did not say which account was connected.');
    }
    return { baseDomain: host };
  },

  apiBaseUrlFor: (runtime, settings) => (runtime.apiBaseOverridden ? runtime.apiBaseUrl : `https://${accountHost(settings)}`),

  exchangeCode: (runtime, input) =>
    requestToken(
      runtime,
      tokenUrlFor(runtime, input.settings),
      { client_id: runtime.clientId, client_secret: runtime.clientSecret, grant_type: 'authorization_code', code: input.code, redirect_uri: input.redirectUri },
      { encoding: 'json', deadGrant },
    ),

  // SECURITY: no fallback refresh token: amoCRM rotates on every use, so an answer without a new
  // one is malformed, never "keep the old one".
  async refresh(runtime, refreshToken, settings) {
    const tokens = await requestToken(
      runtime,
      tokenUrlFor(runtime, settings),
      { client_id: runtime.clientId, client_secret: runtime.clientSecret, grant_type: 'refresh_token', refresh_token: refreshToken, redirect_uri: runtime.redirectUri },
      { encoding: 'json', deadGrant: (b) => deadGrant(b) || b['status'] === 400 || b['status'] === 401 },
    );
    if (tokens.refreshToken === null) throw new ProviderError('malformed', 'amoCRM renewed access without a new refresh token.');
    return tokens;
  },

  grantedScopes: () => Promise.resolve([]),

  async identify(runtime, tokens, settings) {
    let response: Response;
    try {
      response = await runtime.fetch(`${amoCrm.apiBaseUrlFor(runtime, settings)}/api/v4/account`, { headers: { authorization: `Bearer ${tokens.accessToken}`, accept: 'application/json' } });
    } catch (error) {
      throw networkFailure(error, 'amoCRM');
    }
    if (!response.ok) throw new ProviderError(response.status >= 500 ? 'transient' : 'permanent', 'amoCRM did not describe the connected account.', { status: response.status });
    const account = asRecord(await readJsonBody(response, 'amoCRM'), 'amoCRM account');
    const id = String(nonNegativeInt(account['id'], 'amoCRM account id'));
    const currency = optionalString(account['currency']);
    return {
      externalAccount: id,
      displayName: `amoCRM · ${optionalString(account['name']) ?? optionalString(account['subdomain']) ?? id}`.slice(0, 200),
      settings: { ...(currency !== null && /^[A-Z]{3}$/.test(currency) ? { currency } : {}) },
    };
  },

  createConnector: () => createAmoCrmConnector(),
};
