// The provider-independent parts of OAuth 2.0: PKCE (RFC 7636, S256 only), the authorization URL,
// the token request and its answer (RFC 6749 section 5), and the mapping of token-endpoint errors
// to ProviderError kinds. Guarantees: verifiers are 256 random bits; a token answer without an
// access token is refused; `invalid_grant` always means "reconnect", never a retry.
import { createHash, randomBytes } from 'node:crypto';
import { ProviderError } from './contract.js';
import type { OAuthDeclaration, ProviderRuntime, TokenSet } from './provider-types.js';
import { OutboundRequestError } from './provider-fetch.js';

export interface PkcePair {
  verifier: string;
  challenge: string;
}

/** A 43-character verifier (32 random bytes) and its S256 challenge. */
export function createPkcePair(): PkcePair {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: pkceChallenge(verifier) };
}

export function pkceChallenge(verifier: string): string {
  return createHash('sha256').update(verifier, 'ascii').digest('base64url');
}

export function requestedScopes(oauth: OAuthDeclaration): string[] {
  return oauth.scopes.map((s) => s.scope);
}

export function buildAuthorizeUrl(
  oauth: OAuthDeclaration,
  runtime: Pick<ProviderRuntime, 'authorizeUrl' | 'clientId'>,
  input: { redirectUri: string; state: string; codeChallenge: string | null },
): string {
  const url = new URL(runtime.authorizeUrl);
  url.searchParams.set('client_id', runtime.clientId);
  url.searchParams.set('redirect_uri', input.redirectUri);
  url.searchParams.set('response_type', 'code');
  url.searchParams.set('state', input.state);
  const scopes = requestedScopes(oauth);
  if (scopes.length > 0) url.searchParams.set('scope', scopes.join(oauth.scopeDelimiter));
  if (input.codeChallenge !== null) {
    url.searchParams.set('code_challenge', input.codeChallenge);
    url.searchParams.set('code_challenge_method', 'S256');
  }
  for (const [key, value] of Object.entries(oauth.authorizeParams ?? {})) url.searchParams.set(key, value);
  return url.toString();
}

/** Splits a granted-scope string on spaces or commas (providers use either). */
export function parseScopeList(value: unknown): string[] | null {
  if (Array.isArray(value)) return value.filter((s): s is string => typeof s === 'string' && s.length > 0);
  if (typeof value !== 'string') return null;
  return value.split(/[\s,]+/).filter(Boolean);
}

/** Reads RFC 6749 section 5.1; `expires_in` relative to `now`. */
export function parseTokenResponse(body: unknown, now: Date, fallbackRefreshToken: string | null = null): TokenSet {
  const b = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  const access = b['access_token'];
  if (typeof access !== 'string' || access.length === 0 || access.length > 8192) {
    throw new ProviderError('malformed', 'The provider answered the token request without an access token.');
  }
  const refresh = typeof b['refresh_token'] === 'string' && b['refresh_token'].length > 0 ? b['refresh_token'] : fallbackRefreshToken;
  const expiresIn = Number(b['expires_in']);
  const expiresAt = Number.isFinite(expiresIn) && expiresIn > 0 ? new Date(now.getTime() + expiresIn * 1000) : null;
  const scopes = parseScopeList(b['scope'] ?? b['scopes']);
  const extra: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(b)) {
    if (!/token|secret|code/i.test(key) && (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean')) extra[key] = value;
  }
  return { accessToken: access, refreshToken: refresh, expiresAt, scopes, extra };
}

async function readJson(response: Response): Promise<unknown> {
  const text = await response.text();
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** Maps a failed call to the network into the kinds the engine acts on. */
export function networkFailure(error: unknown, what: string): ProviderError {
  if (error instanceof ProviderError) return error;
  if (error instanceof OutboundRequestError && (error.code === 'blocked_address' || error.code === 'bad_url')) {
    return new ProviderError('permanent', `${what} was refused: the provider address is not allowed.`, { cause: error });
  }
  if (error instanceof OutboundRequestError && error.code === 'too_large') {
    return new ProviderError('malformed', `${what} returned more data than allowed.`, { cause: error });
  }
  return new ProviderError('transient', `${what} could not reach the provider; it will be retried.`, { cause: error });
}

/**
 * The token endpoint's error answer as a ProviderError: a dead grant (invalid_grant, or a provider's
 * own words for it) is reauth_required; a rejected client is a configuration problem.
 */
export function tokenEndpointError(status: number, body: unknown, deadGrant: (body: Record<string, unknown>) => boolean = () => false): ProviderError {
  const b = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  const code = typeof b['error'] === 'string' ? b['error'] : undefined;
  if (code === 'invalid_grant' || deadGrant(b)) {
    return new ProviderError('reauth_required', 'The provider no longer accepts this connection (access was revoked or has expired). Reconnect it.', { status });
  }
  if (code === 'invalid_client' || code === 'unauthorized_client') {
    return new ProviderError('permanent', 'The provider refused this Throughline installation\'s app credentials; an operator must check the client id and secret.', { status });
  }
  if (status === 429) return new ProviderError('rate_limited', 'The provider is throttling token requests.', { status, retryAfterMs: 60_000 });
  if (status >= 500) return new ProviderError('transient', 'The provider\'s token service failed; it will be retried.', { status });
  return new ProviderError('permanent', 'The provider refused the token request.', { status });
}

export interface TokenRequestOptions {
  /** `form` (RFC 6749) or `json` (amoCRM). */
  encoding?: 'form' | 'json';
  method?: 'POST' | 'GET';
  fallbackRefreshToken?: string | null;
  deadGrant?: (body: Record<string, unknown>) => boolean;
}

/** One call to a token endpoint with client credentials in the body; parses the token answer. */
export async function requestToken(
  runtime: Pick<ProviderRuntime, 'fetch' | 'now'>,
  tokenUrl: string,
  params: Record<string, string>,
  options: TokenRequestOptions = {},
): Promise<TokenSet> {
  const method = options.method ?? 'POST';
  let response: Response;
  try {
    if (method === 'GET') {
      const url = new URL(tokenUrl);
      for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
      response = await runtime.fetch(url.toString(), { method: 'GET', headers: { accept: 'application/json' } });
    } else if (options.encoding === 'json') {
      response = await runtime.fetch(tokenUrl, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' }, body: JSON.stringify(params) });
    } else {
      response = await runtime.fetch(tokenUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: new URLSearchParams(params),
      });
    }
  } catch (error) {
    throw networkFailure(error, 'The token request');
  }
  const body = await readJson(response);
  if (!response.ok) throw tokenEndpointError(response.status, body, options.deadGrant);
  if (body === undefined) throw new ProviderError('malformed', 'The provider answered the token request with something that is not JSON.');
  return parseTokenResponse(body, runtime.now(), options.fallbackRefreshToken ?? null);
}

/** RFC 6749 4.1.3 with the PKCE verifier when there is one. */
export function standardExchange(
  runtime: ProviderRuntime,
  input: { code: string; codeVerifier: string | null; redirectUri: string },
  options: TokenRequestOptions = {},
  tokenUrl: string = runtime.tokenUrl,
): Promise<TokenSet> {
  return requestToken(
    runtime,
    tokenUrl,
    {
      grant_type: 'authorization_code',
      code: input.code,
      redirect_uri: input.redirectUri,
      client_id: runtime.clientId,
      client_secret: runtime.clientSecret,
      ...(input.codeVerifier === null ? {} : { code_verifier: input.codeVerifier }),
    },
    options,
  );
}

/** RFC 6749 section 6; a provider that does not rotate keeps the old refresh token. */
export function standardRefresh(runtime: ProviderRuntime, refreshToken: string, options: TokenRequestOptions = {}, tokenUrl: string = runtime.tokenUrl): Promise<TokenSet> {
  return requestToken(
    runtime,
    tokenUrl,
    { grant_type: 'refresh_token', refresh_token: refreshToken, client_id: runtime.clientId, client_secret: runtime.clientSecret },
    { fallbackRefreshToken: refreshToken, ...options },
  );
}

/** Granted scopes from the token answer; RFC 6749 5.1: absent means exactly what was requested. */
export function scopesFromTokenAnswer(oauth: OAuthDeclaration, tokens: TokenSet): string[] {
  return tokens.scopes ?? requestedScopes(oauth);
}

/** RFC 7009 revocation with client credentials in the body. Failure is reported, not thrown past disconnect. */
export async function standardRevoke(runtime: ProviderRuntime, token: string, hint: 'refresh_token' | 'access_token'): Promise<void> {
  if (runtime.revokeUrl === null) return;
  let response: Response;
  try {
    response = await runtime.fetch(runtime.revokeUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token, token_type_hint: hint, client_id: runtime.clientId, client_secret: runtime.clientSecret }),
    });
  } catch (error) {
    throw networkFailure(error, 'Revoking access');
  }
  await response.arrayBuffer();
  // 400 invalid_token: already gone, which is what we wanted.
  if (!response.ok && response.status !== 400) throw new ProviderError('transient', 'The provider did not confirm the revocation.', { status: response.status });
}
