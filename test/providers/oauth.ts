// A fake OAuth 2.0 authorization server that behaves like the real ones where it matters to us:
// codes are single-use and expire; the redirect URI must match; client credentials are checked;
// with a code_challenge the token endpoint recomputes S256(code_verifier) and refuses a mismatch
// (RFC 7636 4.6); refresh tokens may rotate (the old one then fails with invalid_grant); revoked
// grants fail with invalid_grant. `consent()` plays the provider's consent page.
import { createHash, randomBytes } from 'node:crypto';
import type { FakeRequest, FakeResponse, FakeServer } from './server.js';

export interface FakeOAuthOptions {
  clientId: string;
  clientSecret: string;
  tokenPath: string;
  revokePath?: string;
  /** How the token endpoint takes its parameters: form POST (RFC 6749), JSON POST (amoCRM), GET query (Meta). */
  encoding?: 'form' | 'json' | 'query';
  rotateRefreshTokens?: boolean;
  /** Issue a refresh token at all (Meta does not). */
  issueRefreshTokens?: boolean;
  accessTtlSeconds?: number;
  /** How granted scopes appear in the token answer. */
  scopeField?: 'scope' | 'scopes' | 'none';
  /** The error body for a dead grant (amoCRM answers problem+json, not invalid_grant). */
  deadGrantBody?: Record<string, unknown>;
  extraAnswer?: Record<string, unknown>;
}

interface CodeRecord {
  redirectUri: string;
  challenge: string | null;
  scopes: string[];
  expiresAt: number;
  used: boolean;
  grant: string;
}

interface GrantRecord {
  scopes: string[];
  revoked: boolean;
}

export interface FakeOAuth {
  /** Plays the consent page for an authorize URL; returns what the provider would append to the redirect. */
  consent(authorizeUrl: string, options?: { grantScopes?: string[] }): { code: string; state: string; redirectUri: string; challenge: string | null };
  isValidAccessToken(token: string | undefined): boolean;
  /** The access token from an Authorization header, if it is live. */
  bearerOk(request: FakeRequest): boolean;
  revokeAll(): void;
  /** Expires every access token now (the next API call answers 401). */
  expireAccessTokens(): void;
  tokenCalls: Array<Record<string, string>>;
  revokeCalls: Array<Record<string, string>>;
  liveRefreshTokens(): string[];
  /** A live access token without the consent dance (connector tests). */
  mintAccessToken(): string;
  /** Runs before a refresh grant is answered (to simulate a concurrent rotation). */
  onRefresh?: (refreshToken: string) => Promise<void> | void;
}

export function installFakeOAuth(server: FakeServer, options: FakeOAuthOptions): FakeOAuth {
  const codes = new Map<string, CodeRecord>();
  const grants = new Map<string, GrantRecord>();
  const accessTokens = new Map<string, { grant: string; expiresAt: number }>();
  const refreshTokens = new Map<string, { grant: string; live: boolean }>();
  const ttl = options.accessTtlSeconds ?? 3600;
  const tokenCalls: Array<Record<string, string>> = [];
  const revokeCalls: Array<Record<string, string>> = [];

  const deadGrant = (): FakeResponse => ({ status: 400, body: options.deadGrantBody ?? { error: 'invalid_grant', error_description: 'Token has been expired or revoked.' } });

  function issue(grant: string): Record<string, unknown> {
    const access = `at-${randomBytes(12).toString('hex')}`;
    accessTokens.set(access, { grant, expiresAt: Date.now() + ttl * 1000 });
    const answer: Record<string, unknown> = { access_token: access, token_type: 'Bearer', expires_in: ttl, ...options.extraAnswer };
    if (options.issueRefreshTokens !== false) {
      const refresh = `rt-${randomBytes(12).toString('hex')}`;
      refreshTokens.set(refresh, { grant, live: true });
      answer['refresh_token'] = refresh;
    }
    const scopes = grants.get(grant)?.scopes ?? [];
    if (options.scopeField === 'scope' || options.scopeField === undefined) answer['scope'] = scopes.join(' ');
    if (options.scopeField === 'scopes') answer['scopes'] = scopes;
    return answer;
  }

  function paramsOf(request: FakeRequest): Record<string, string> {
    if (options.encoding === 'query') return Object.fromEntries(request.query);
    if (options.encoding === 'json') return request.json() as Record<string, string>;
    return Object.fromEntries(request.form());
  }

  const fake: FakeOAuth = {
    tokenCalls,
    revokeCalls,
    consent(authorizeUrl, consentOptions = {}) {
      const url = new URL(authorizeUrl);
      const clientId = url.searchParams.get('client_id');
      if (clientId !== options.clientId) throw new Error(`consent: unknown client ${String(clientId)}`);
      const redirectUri = url.searchParams.get('redirect_uri') ?? '';
      const state = url.searchParams.get('state') ?? '';
      const challenge = url.searchParams.get('code_challenge');
      if (challenge !== null && url.searchParams.get('code_challenge_method') !== 'S256') throw new Error('consent: only S256 is accepted');
      const requested = (url.searchParams.get('scope') ?? '').split(/[\s,]+/).filter(Boolean);
      const grant = randomBytes(6).toString('hex');
      grants.set(grant, { scopes: consentOptions.grantScopes ?? requested, revoked: false });
      const code = `code-${randomBytes(12).toString('hex')}`;
      codes.set(code, { redirectUri, challenge, scopes: requested, expiresAt: Date.now() + 60_000, used: false, grant });
      return { code, state, redirectUri, challenge };
    },
    isValidAccessToken(token) {
      if (token === undefined) return false;
      const t = accessTokens.get(token);
      return t !== undefined && t.expiresAt > Date.now() && grants.get(t.grant)?.revoked === false;
    },
    bearerOk(request) {
      const header = request.headers.authorization;
      const token = typeof header === 'string' ? /^Bearer (.+)$/i.exec(header)?.[1] : undefined;
      return fake.isValidAccessToken(token);
    },
    revokeAll() {
      for (const g of grants.values()) g.revoked = true;
    },
    expireAccessTokens() {
      for (const t of accessTokens.values()) t.expiresAt = 0;
    },
    mintAccessToken() {
      const grant = randomBytes(6).toString('hex');
      grants.set(grant, { scopes: [], revoked: false });
      return issue(grant)['access_token'] as string;
    },
    liveRefreshTokens: () => [...refreshTokens].filter(([, r]) => r.live && grants.get(r.grant)?.revoked === false).map(([t]) => t),
  };

  server.on(options.encoding === 'query' ? 'GET' : 'POST', new RegExp(`^${options.tokenPath.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`), async (request) => {
    const p = paramsOf(request);
    tokenCalls.push(p);
    if (p['client_id'] !== options.clientId || p['client_secret'] !== options.clientSecret) return { status: 401, body: { error: 'invalid_client' } };
    // Meta's long-lived exchange.
    if (p['grant_type'] === 'fb_exchange_token') {
      const t = accessTokens.get(p['fb_exchange_token'] ?? '');
      if (t === undefined || grants.get(t.grant)?.revoked) return deadGrant();
      return { body: issue(t.grant) };
    }
    if (p['grant_type'] === 'refresh_token') {
      await fake.onRefresh?.(p['refresh_token'] ?? '');
      const r = refreshTokens.get(p['refresh_token'] ?? '');
      if (r === undefined || !r.live || grants.get(r.grant)?.revoked) return deadGrant();
      if (options.rotateRefreshTokens === true) {
        r.live = false;
        return { body: issue(r.grant) };
      }
      const answer = issue(r.grant);
      // A provider that does not rotate answers without a new refresh token.
      refreshTokens.delete(answer['refresh_token'] as string);
      delete answer['refresh_token'];
      return { body: answer };
    }
    if (p['grant_type'] === 'authorization_code' || (options.encoding === 'query' && p['code'] !== undefined)) {
      const code = codes.get(p['code'] ?? '');
      if (code === undefined || code.used || code.expiresAt < Date.now()) {
        if (code !== undefined) code.used = true;
        return deadGrant();
      }
      code.used = true;
      if (p['redirect_uri'] !== code.redirectUri) return { status: 400, body: { error: 'invalid_grant', error_description: 'redirect_uri mismatch' } };
      if (code.challenge !== null) {
        const verifier = p['code_verifier'];
        // RFC 7636 4.6: BASE64URL(SHA256(ASCII(code_verifier))) == code_challenge.
        if (verifier === undefined || createHash('sha256').update(verifier, 'ascii').digest('base64url') !== code.challenge) {
          return { status: 400, body: { error: 'invalid_grant', error_description: 'PKCE verification failed' } };
        }
      }
      return { body: issue(code.grant) };
    }
    return { status: 400, body: { error: 'unsupported_grant_type' } };
  });

  if (options.revokePath !== undefined) {
    server.on('POST', new RegExp(`^${options.revokePath.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`), (request) => {
      const p = Object.fromEntries(request.form());
      revokeCalls.push(p);
      const token = p['token'] ?? p['access_token'] ?? '';
      const grant = refreshTokens.get(token)?.grant ?? accessTokens.get(token)?.grant;
      if (grant === undefined) return { status: 400, body: { error: 'invalid_token' } };
      (grants.get(grant) as GrantRecord).revoked = true;
      return { status: 200, body: {} };
    });
  }
  return fake;
}
