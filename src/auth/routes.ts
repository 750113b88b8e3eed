// /api/auth/*, /api/me and /.well-known/jwks.json. Every body is a strict zod schema; every
// answer that sets a session sets it in cookies only (the tokens never appear in a body).
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AuditService } from '../audit/index.js';
import { AppError } from '../http/errors.js';
import type { WorkspacesService } from '../workspaces/index.js';
import {
  REFRESH_COOKIE,
  auditContextOf,
  clearSessionCookies,
  clientContext,
  issueCsrfToken,
  principalOf,
  requireUser,
  setSessionCookies,
  type AuthHttpDeps,
} from './http.js';
import type { UserRow } from './queries.js';
import type { AuthService } from './service.js';
import type { SessionService } from './sessions.js';
import type { SigningKeys } from './signing-keys.js';
import { TotpAlreadyEnabledError, type TotpService } from './totp.js';

const email = z.email().max(254).meta({ example: 'dana@example.com' });
// Length in bytes is checked by the service (a clear 400 naming the 72-byte limit).
const password = z.string().min(1).max(1024);
const code = z.string().trim().min(6).max(20).meta({ description: 'A 6-digit TOTP code or a recovery code' });
const splitToken = z.string().min(40).max(200);

export const userSchema = z
  .object({
    id: z.uuid(),
    email: z.string(),
    name: z.string(),
    emailVerified: z.boolean(),
    twoFactorEnabled: z.boolean(),
    isPlatformAdmin: z.boolean(),
    locale: z.enum(['en', 'ru']),
  })
  .meta({ id: 'User' });
const sessionInfo = z.object({ id: z.uuid(), expiresAt: z.iso.datetime() });
/** The answer of every route that completes a sign-in (password, second step, passkey). */
export const signedInAnswer = z.object({ mfaRequired: z.literal(false), user: userSchema, session: sessionInfo });
const loginAnswer = z.union([
  signedInAnswer,
  z.object({ mfaRequired: z.literal(true), mfaToken: z.string(), methods: z.array(z.enum(['totp', 'recovery_code', 'passkey'])) }),
]);

/** The user as the API shows it. */
export function userAnswer(u: UserRow): z.infer<typeof userSchema> {
  return {
    id: u.id,
    email: u.email,
    name: u.name,
    emailVerified: u.emailVerifiedAt !== null,
    twoFactorEnabled: u.totpEnabledAt !== null,
    isPlatformAdmin: u.isPlatformAdmin,
    locale: u.locale,
  };
}
const okSchema = z.object({ status: z.literal('ok') });
const acceptedSchema = z.object({ status: z.literal('accepted'), message: z.string() });

export interface AuthRouteDeps extends AuthHttpDeps {
  auth: AuthService;
  totp: TotpService;
  sessions: SessionService;
  signingKeys: SigningKeys;
  workspaces: Pick<WorkspacesService, 'listWorkspacesOfUser'>;
  audit: Pick<AuditService, 'record'>;
}

export function registerAuthRoutes(app: FastifyInstance, deps: AuthRouteDeps): void {
  const routes = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['auth'];
  const strict = (max: number) => ({ rateLimit: { max, timeWindow: '1 minute' } });
  const toUser = userAnswer;

  routes.get(
    '/.well-known/jwks.json',
    { schema: { tags, summary: 'Public keys that verify Throughline access tokens' } },
    async (_request, reply) => {
      void reply.header('cache-control', 'public, max-age=300');
      return deps.signingKeys.jwks();
    },
  );

  routes.get(
    '/api/auth/csrf',
    { schema: { tags, summary: 'Issue a CSRF token (also set in the __Host-csrf cookie)', response: { 200: z.object({ csrfToken: z.string() }) } } },
    async (_request, reply) => {
      void reply.header('cache-control', 'no-store');
      return { csrfToken: issueCsrfToken(reply) };
    },
  );

  routes.post(
    '/api/auth/signup',
    {
      config: strict(10),
      schema: {
        tags,
        summary: 'Create an account (answers alike whether or not the email is taken)',
        body: z.strictObject({ email, password, name: z.string().trim().min(1).max(120) }),
        response: { 202: acceptedSchema },
      },
    },
    async (request, reply) => {
      await deps.auth.signup(request.body, clientContext(request));
      return reply.code(202).send({ status: 'accepted', message: 'Check your email to confirm your address, then sign in.' });
    },
  );

  routes.post(
    '/api/auth/login',
    {
      config: strict(30),
      schema: { tags, summary: 'Sign in with email and password', body: z.strictObject({ email, password }), response: { 200: loginAnswer } },
    },
    async (request, reply) => {
      const result = await deps.auth.login(request.body, clientContext(request));
      if (result.kind === 'mfa') return { mfaRequired: true as const, mfaToken: result.mfaToken, methods: result.methods };
      setSessionCookies(reply, result.session);
      const user = await deps.auth.getUser(result.session.userId);
      return { mfaRequired: false as const, user: toUser(user), session: { id: result.session.sessionId, expiresAt: result.session.sessionExpiresAt.toISOString() } };
    },
  );

  routes.post(
    '/api/auth/login/mfa',
    {
      config: strict(30),
      schema: { tags, summary: 'Finish signing in with a TOTP or recovery code', body: z.strictObject({ mfaToken: splitToken, code }), response: { 200: loginAnswer } },
    },
    async (request, reply) => {
      const session = await deps.auth.loginMfa(request.body, clientContext(request));
      setSessionCookies(reply, session);
      const user = await deps.auth.getUser(session.userId);
      return { mfaRequired: false as const, user: toUser(user), session: { id: session.sessionId, expiresAt: session.sessionExpiresAt.toISOString() } };
    },
  );

  routes.post(
    '/api/auth/refresh',
    { config: strict(60), schema: { tags, summary: 'Exchange the refresh cookie for new session cookies', response: { 200: sessionInfo } } },
    async (request, reply) => {
      const token = request.cookies[REFRESH_COOKIE];
      const issued = token === undefined ? undefined : await deps.sessions.refresh(token, clientContext(request));
      if (issued === undefined) {
        clearSessionCookies(reply);
        throw new AppError('auth.unauthenticated');
      }
      setSessionCookies(reply, issued);
      return { id: issued.sessionId, expiresAt: issued.sessionExpiresAt.toISOString() };
    },
  );

  routes.get(
    '/api/auth/session',
    {
      schema: {
        tags,
        summary: 'Whether the access cookie is currently valid (always 200; never refreshes)',
        response: { 200: z.object({ signedIn: z.boolean() }) },
      },
    },
    async (request, reply) => {
      void reply.header('cache-control', 'no-store');
      const principal = await principalOf(request, deps);
      return { signedIn: principal?.kind === 'user' };
    },
  );

  routes.post('/api/auth/logout', { schema: { tags, summary: 'Sign out of this session', response: { 204: z.null() } } }, async (request, reply) => {
    const principal = await requireUser(request, deps).catch(() => undefined);
    if (principal !== undefined) await deps.auth.logout(principal, clientContext(request));
    clearSessionCookies(reply);
    return reply.code(204).send(null);
  });

  routes.get(
    '/api/me',
    {
      schema: {
        tags,
        summary: 'The signed-in user, their workspaces and this session',
        response: {
          200: z.object({
            user: userSchema,
            workspaces: z.array(z.object({ id: z.uuid(), name: z.string(), role: z.enum(['owner', 'admin', 'analyst', 'viewer']) })),
            session: z.object({ id: z.uuid(), methods: z.array(z.string()) }),
          }),
        },
      },
    },
    async (request) => {
      const principal = await requireUser(request, deps);
      const [user, workspaces] = await Promise.all([deps.auth.getUser(principal.userId), deps.workspaces.listWorkspacesOfUser(principal.userId)]);
      return { user: toUser(user), workspaces, session: { id: principal.sessionId, methods: principal.amr } };
    },
  );

  // --- password and email ---------------------------------------------------------------------------
  routes.post(
    '/api/auth/password',
    {
      config: strict(10),
      schema: { tags, summary: 'Change the password (ends every other session)', body: z.strictObject({ currentPassword: password, newPassword: password }), response: { 200: okSchema } },
    },
    async (request) => {
      const principal = await requireUser(request, deps);
      await deps.auth.changePassword(principal, request.body, clientContext(request));
      return { status: 'ok' as const };
    },
  );

  routes.post(
    '/api/auth/password/forgot',
    { config: strict(5), schema: { tags, summary: 'Email a password-reset link (answers alike for any email)', body: z.strictObject({ email }), response: { 202: acceptedSchema } } },
    async (request, reply) => {
      await deps.auth.requestPasswordReset(request.body.email, clientContext(request));
      return reply.code(202).send({ status: 'accepted', message: 'If an account uses this address, a reset link is on its way.' });
    },
  );

  routes.post(
    '/api/auth/password/reset',
    {
      config: strict(10),
      schema: { tags, summary: 'Choose a new password with a reset link (ends every session)', body: z.strictObject({ token: splitToken, password }), response: { 200: okSchema } },
    },
    async (request, reply) => {
      await deps.auth.resetPassword(request.body, clientContext(request));
      clearSessionCookies(reply);
      return { status: 'ok' as const };
    },
  );

  routes.post(
    '/api/auth/email/verify',
    { config: strict(20), schema: { tags, summary: 'Confirm an email address with the emailed link', body: z.strictObject({ token: splitToken }), response: { 200: okSchema } } },
    async (request) => {
      await deps.auth.verifyEmail(request.body.token, clientContext(request));
      return { status: 'ok' as const };
    },
  );

  routes.post(
    '/api/auth/email/resend',
    { config: strict(3), schema: { tags, summary: 'Send the confirmation email again', response: { 202: acceptedSchema } } },
    async (request, reply) => {
      const principal = await requireUser(request, deps);
      await deps.auth.resendVerification(principal.userId);
      return reply.code(202).send({ status: 'accepted', message: 'If your address is not confirmed yet, a new link is on its way.' });
    },
  );

  // --- TOTP and recovery codes ----------------------------------------------------------------------
  routes.post(
    '/api/auth/totp/setup',
    {
      config: strict(10),
      schema: {
        tags,
        summary: 'Start TOTP setup: a new secret, its otpauth URI and a QR code',
        response: { 200: z.object({ secret: z.string(), otpauthUri: z.string(), qrCodeDataUrl: z.string() }) },
      },
    },
    async (request) => {
      const principal = await requireUser(request, deps);
      const user = await deps.auth.getUser(principal.userId);
      try {
        return await deps.totp.setup(principal.userId, user.email);
      } catch (error) {
        if (error instanceof TotpAlreadyEnabledError) throw new AppError('request.conflict', { message: 'Two-factor authentication is already on; turn it off first.' });
        throw error;
      }
    },
  );

  routes.post(
    '/api/auth/totp/enable',
    {
      config: strict(10),
      schema: {
        tags,
        summary: 'Turn TOTP on with a code from the app; returns ten single-use recovery codes',
        body: z.strictObject({ code: z.string().trim().regex(/^[0-9]{6}$/, 'a 6-digit code') }),
        response: { 200: z.object({ recoveryCodes: z.array(z.string()) }) },
      },
    },
    async (request) => {
      const principal = await requireUser(request, deps);
      const recoveryCodes = await deps.totp.enable(principal.userId, request.body.code);
      if (recoveryCodes === undefined) throw new AppError('auth.mfa_invalid');
      await deps.sessions.addMethod(principal.userId, principal.sessionId, 'otp');
      await deps.audit.record({ action: 'auth.2fa.enabled', target: { type: 'user', id: principal.userId }, details: { method: 'totp' } }, auditContextOf(request, principal));
      return { recoveryCodes };
    },
  );

  routes.post(
    '/api/auth/totp/disable',
    {
      config: strict(10),
      schema: { tags, summary: 'Turn TOTP off (needs the password and a code)', body: z.strictObject({ password, code }), response: { 200: okSchema } },
    },
    async (request) => {
      const principal = await requireUser(request, deps);
      await deps.auth.confirmIdentity(principal.userId, request.body);
      await deps.totp.disable(principal.userId);
      await deps.audit.record({ action: 'auth.2fa.disabled', target: { type: 'user', id: principal.userId }, details: { method: 'totp' } }, auditContextOf(request, principal));
      return { status: 'ok' as const };
    },
  );

  routes.post(
    '/api/auth/recovery-codes',
    {
      config: strict(5),
      schema: {
        tags,
        summary: 'Replace the recovery codes (needs the password and a code)',
        body: z.strictObject({ password, code }),
        response: { 200: z.object({ recoveryCodes: z.array(z.string()) }) },
      },
    },
    async (request) => {
      const principal = await requireUser(request, deps);
      await deps.auth.confirmIdentity(principal.userId, request.body);
      const recoveryCodes = await deps.totp.regenerateRecoveryCodes(principal.userId);
      await deps.audit.record({ action: 'auth.recovery_codes.regenerated', target: { type: 'user', id: principal.userId } }, auditContextOf(request, principal));
      return { recoveryCodes };
    },
  );

  // --- sessions -------------------------------------------------------------------------------------
  const sessionSchema = z
    .object({
      id: z.uuid(),
      current: z.boolean(),
      createdAt: z.iso.datetime(),
      lastUsedAt: z.iso.datetime(),
      expiresAt: z.iso.datetime(),
      ip: z.string().nullable(),
      device: z.object({ browser: z.string().nullable(), os: z.string().nullable(), type: z.string().nullable() }).nullable(),
      methods: z.array(z.string()),
    })
    .meta({ id: 'Session' });

  routes.get(
    '/api/auth/sessions',
    { schema: { tags, summary: 'My active sessions', response: { 200: z.object({ sessions: z.array(sessionSchema) }) } } },
    async (request) => {
      const principal = await requireUser(request, deps);
      const rows = await deps.sessions.list(principal.userId);
      return {
        sessions: rows.map((s) => {
          const device = (s.device ?? null) as { browser?: string | null; os?: string | null; type?: string | null } | null;
          return {
            id: s.id,
            current: s.id === principal.sessionId,
            createdAt: s.createdAt.toISOString(),
            lastUsedAt: s.lastUsedAt.toISOString(),
            expiresAt: s.expiresAt.toISOString(),
            ip: s.ip === null ? null : s.ip.replace(/\/(32|128)$/, ''),
            device: device === null ? null : { browser: device.browser ?? null, os: device.os ?? null, type: device.type ?? null },
            methods: s.amr,
          };
        }),
      };
    },
  );

  routes.delete(
    '/api/auth/sessions/:sessionId',
    { schema: { tags, summary: 'Revoke one of my sessions', params: z.object({ sessionId: z.uuid() }), response: { 204: z.null() } } },
    async (request, reply) => {
      const principal = await requireUser(request, deps);
      const revoked = await deps.sessions.revoke(principal.userId, request.params.sessionId, 'user');
      if (!revoked) throw new AppError('request.not_found', { message: 'No such active session.' });
      await deps.audit.record({ action: 'auth.session.revoked', target: { type: 'session', id: request.params.sessionId } }, auditContextOf(request, principal));
      if (request.params.sessionId === principal.sessionId) clearSessionCookies(reply);
      return reply.code(204).send(null);
    },
  );

  routes.post(
    '/api/auth/sessions/revoke-others',
    { schema: { tags, summary: 'Sign out every other session', response: { 200: z.object({ revoked: z.number().int() }) } } },
    async (request) => {
      const principal = await requireUser(request, deps);
      const ids = await deps.sessions.revokeOthers(principal.userId, principal.sessionId, 'user');
      await deps.audit.record({ action: 'auth.session.revoked', target: { type: 'user', id: principal.userId }, details: { sessions: ids.length, scope: 'others' } }, auditContextOf(request, principal));
      return { revoked: ids.length };
    },
  );
}

