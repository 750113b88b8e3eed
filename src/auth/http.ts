// The HTTP side of identity: the session cookies, the CSRF check, and who a request is.
// Guarantees:
// - Session cookies are `__Host-` prefixed (Secure, Path=/, no Domain), HttpOnly, SameSite=Strict.
// - Every unsafe request to /api that could ride on cookies (no Authorization header) must carry
//   `X-Requested-With: XMLHttpRequest` and an `X-CSRF-Token` equal to the `__Host-csrf` cookie, or it
//   is refused with 403 before routing, body parsing or rate counting. Sign-in and sign-up included.
// - A request's principal is resolved once, lazily: a Bearer API key, or the access-token cookie
//   of a live session. Nothing else (no query-string tokens).
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AuditContext } from '../audit/index.js';
import type { ApiKeyScope } from '../db/index.js';
import { sendError } from '../http/error-handler.js';
import { AppError } from '../http/errors.js';
import type { ClientContext, IssuedSession, SessionService, UserPrincipal } from './sessions.js';

export const ACCESS_COOKIE = '__Host-tl_access';
export const REFRESH_COOKIE = '__Host-tl_refresh';
export const CSRF_COOKIE = '__Host-csrf';
export const CSRF_HEADER = 'x-csrf-token';

const UNSAFE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
/** Unsafe routes that browsers call without our headers and that change nothing of a user's. */
const CSRF_EXEMPT = new Set(['/api/csp-report']);

export interface ApiKeyPrincipal {
  kind: 'api_key';
  keyId: string;
  workspaceId: string;
  scope: ApiKeyScope;
}

export type Principal = UserPrincipal | ApiKeyPrincipal;

export interface ApiKeyAuthenticator {
  /** @returns undefined for any string that is not a live key. */
  authenticate(token: string): Promise<ApiKeyPrincipal | undefined>;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Memoised principal lookup (see principalOf). */
    principalPromise: Promise<Principal | undefined> | undefined;
  }
}

export function clientContext(request: FastifyRequest): ClientContext {
  const userAgent = request.headers['user-agent'];
  return { ip: request.ip, userAgent: typeof userAgent === 'string' ? userAgent : null, requestId: String(request.id) };
}

export function auditContextOf(request: FastifyRequest, principal: Principal | undefined): AuditContext {
  const client = clientContext(request);
  const actor =
    principal === undefined
      ? { kind: 'user' as const, id: null }
      : principal.kind === 'user'
        ? { kind: 'user' as const, id: principal.userId }
        : { kind: 'api_key' as const, id: principal.keyId };
  return { actor, ip: client.ip, userAgent: client.userAgent, requestId: client.requestId };
}

const cookieBase = { path: '/', secure: true, sameSite: 'strict' as const };

export function setSessionCookies(reply: FastifyReply, issued: IssuedSession, now: Date = new Date()): void {
  const seconds = (until: Date) => Math.max(0, Math.floor((until.getTime() - now.getTime()) / 1000));
  void reply.setCookie(ACCESS_COOKIE, issued.accessToken, { ...cookieBase, httpOnly: true, maxAge: seconds(issued.accessExpiresAt) });
  void reply.setCookie(REFRESH_COOKIE, issued.refreshToken, { ...cookieBase, httpOnly: true, maxAge: seconds(issued.sessionExpiresAt) });
}

export function clearSessionCookies(reply: FastifyReply): void {
  void reply.clearCookie(ACCESS_COOKIE, { ...cookieBase, httpOnly: true });
  void reply.clearCookie(REFRESH_COOKIE, { ...cookieBase, httpOnly: true });
}

/** Issues (or re-issues) the CSRF token: random, in a cookie the page can read. */
export function issueCsrfToken(reply: FastifyReply): string {
  const token = randomBytes(32).toString('base64url');
  void reply.setCookie(CSRF_COOKIE, token, { ...cookieBase, httpOnly: false });
  return token;
}

function csrfValid(request: FastifyRequest): boolean {
  if (request.headers['x-requested-with'] !== 'XMLHttpRequest') return false;
  const header = request.headers[CSRF_HEADER];
  const cookie = request.cookies[CSRF_COOKIE];
  if (typeof header !== 'string' || cookie === undefined || header.length < 32 || header.length !== cookie.length) return false;
  return timingSafeEqual(Buffer.from(header), Buffer.from(cookie));
}

function bearerToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (typeof header !== 'string') return undefined;
  const match = /^Bearer ([A-Za-z0-9._~+/=-]{20,400})$/.exec(header);
  return match?.[1];
}

export interface AuthHttpDeps {
  sessions: SessionService;
  apiKeys?: ApiKeyAuthenticator;
}

export function registerAuthHooks(app: FastifyInstance): void {
  app.decorateRequest('principalPromise', undefined);
  // SECURITY: onRequest, so a forged cross-site request is refused before its body is parsed and
  // before it counts against any rate limit.
  app.addHook('onRequest', (request, reply, done) => {
    const path = request.url.split('?')[0] ?? '';
    if (!UNSAFE_METHODS.has(request.method) || !path.startsWith('/api/') || CSRF_EXEMPT.has(path)) return done();
    // An Authorization header cannot be attached by a cross-site form or fetch without CORS,
    // which we never grant: API-key calls carry no ambient credential to forge.
    if (request.headers.authorization !== undefined) return done();
    if (csrfValid(request)) return done();
    request.log.info('CSRF check failed');
    void sendError(reply, request, 'auth.csrf_failed');
  });
}

async function resolvePrincipal(request: FastifyRequest, deps: AuthHttpDeps): Promise<Principal | undefined> {
  if (request.headers.authorization !== undefined) {
    const token = bearerToken(request);
    if (token === undefined || deps.apiKeys === undefined) return undefined;
    return deps.apiKeys.authenticate(token);
  }
  const access = request.cookies[ACCESS_COOKIE];
  if (access === undefined || access.length > 4096) return undefined;
  return deps.sessions.authenticate(access);
}

export function principalOf(request: FastifyRequest, deps: AuthHttpDeps): Promise<Principal | undefined> {
  request.principalPromise ??= resolvePrincipal(request, deps);
  return request.principalPromise;
}

/** The signed-in user; API keys are refused (account routes are for people). */
export async function requireUser(request: FastifyRequest, deps: AuthHttpDeps): Promise<UserPrincipal> {
  const principal = await principalOf(request, deps);
  if (principal === undefined) throw new AppError('auth.unauthenticated');
  if (principal.kind !== 'user') throw new AppError('auth.forbidden', { message: 'API keys cannot use this endpoint.' });
  return principal;
}

export async function requirePrincipal(request: FastifyRequest, deps: AuthHttpDeps): Promise<Principal> {
  const principal = await principalOf(request, deps);
  if (principal === undefined) throw new AppError('auth.unauthenticated');
  return principal;
}
