// Account flows: sign-up, email verification, sign-in (with a second step when 2FA is on), password
// change and reset. Sessions are issued by sessions.ts; attempts are metered by the login guard.
// Guarantees: sign-up, sign-in and reset answer alike and do the same bcrypt work for known and
// unknown emails (a dummy hash stands in); the guard refuses before any bcrypt work; one-time
// links are single-use, expire, are stored hashed and travel in the URL fragment (never sent to a
// server log or a Referer); a password change or reset ends every other session.
import { randomBytes, randomUUID } from 'node:crypto';
import type { AuditContext, AuditService } from '../audit/index.js';
import type { AuthMethod, Database, UserTokenPurpose } from '../db/index.js';
import { AppError } from '../http/errors.js';
import type { Mailer } from '../mail/index.js';
import type { WorkspacesService } from '../workspaces/index.js';
import { hashPassword, verifyPassword } from './password.js';
import { assertAcceptablePassword } from './password-policy.js';
import {
  countTokenAttempt,
  expireUserTokens,
  findLoginCandidate,
  findUser,
  findUserToken,
  insertUser,
  insertUserToken,
  isEmailTaken,
  markEmailVerified,
  ownPasswordHash,
  updatePasswordHash,
  useUserToken,
  type UserRow,
} from './queries.js';
import type { ClientContext, IssuedSession, SessionService, UserPrincipal } from './sessions.js';
import { mintSplitToken, parseSplitToken, sameHash } from './split-token.js';
import { looksLikeRecoveryCode, type TotpService } from './totp.js';

const MINUTE_MS = 60_000;
export const TOKEN_LIFETIMES: Record<UserTokenPurpose, number> = {
  verify_email: 24 * 60 * MINUTE_MS,
  reset_password: 60 * MINUTE_MS,
  mfa_login: 5 * MINUTE_MS,
};
/** Wrong codes one sign-in challenge tolerates before it is spent. */
export const MFA_MAX_ATTEMPTS = 5;

/** What the brute-force guard must offer (src/auth/brute-force.ts). */
export interface AttemptGuard {
  assertCanAttempt(ip: string, accountKey: string): Promise<void>;
  recordFailure(ip: string, accountKey: string, context: { requestId?: string; userAgent?: string | null }): Promise<void>;
  recordSuccess(ip: string, accountKey: string): Promise<void>;
}

export type MfaMethod = 'totp' | 'recovery_code' | 'passkey';
export type LoginResult = { kind: 'session'; session: IssuedSession } | { kind: 'mfa'; mfaToken: string; methods: MfaMethod[] };

/** A live sign-in challenge (the row behind an mfaToken); its id is unique per sign-in. */
export interface MfaChallenge {
  userId: string;
  id: string;
}

export interface AuthService {
  signup(input: { email: string; name: string; password: string }, client: ClientContext): Promise<void>;
  login(input: { email: string; password: string }, client: ClientContext): Promise<LoginResult>;
  loginMfa(input: { mfaToken: string; code: string }, client: ClientContext): Promise<IssuedSession>;
  /** The live challenge behind an mfaToken (nothing is consumed); auth.token_invalid otherwise. */
  liveMfaChallenge(mfaToken: string): Promise<MfaChallenge>;
  /**
   * Finishes a password sign-in with a passkey: `verifyPasskey` checks the assertion for the
   * challenge's user. Same guard, attempt limit, single use and audit as loginMfa; amr pwd+hwk.
   */
  loginMfaPasskey(input: { mfaToken: string; verifyPasskey: (challenge: MfaChallenge) => Promise<boolean> }, client: ClientContext): Promise<IssuedSession>;
  logout(principal: UserPrincipal, client: ClientContext): Promise<void>;
  changePassword(principal: UserPrincipal, input: { currentPassword: string; newPassword: string }, client: ClientContext): Promise<void>;
  requestPasswordReset(email: string, client: ClientContext): Promise<void>;
  resetPassword(input: { token: string; password: string }, client: ClientContext): Promise<void>;
  verifyEmail(token: string, client: ClientContext): Promise<void>;
  resendVerification(userId: string): Promise<void>;
  /** Re-checks the password (and a code when 2FA is on) before a sensitive change. */
  confirmIdentity(userId: string, input: { password: string; code?: string | undefined }): Promise<void>;
  getUser(userId: string): Promise<UserRow>;
}

export interface AuthServiceDeps {
  db: Database;
  sessions: SessionService;
  totp: TotpService;
  audit: Pick<AuditService, 'record'>;
  mailer: Mailer;
  guard: AttemptGuard;
  workspaces: Pick<WorkspacesService, 'createWorkspace'>;
  /** Base URL for links in emails. */
  publicUrl: string;
  onBackgroundError: (error: unknown) => void;
  now?: () => Date;
}

export function createAuthService(deps: AuthServiceDeps): AuthService {
  const { db, sessions, totp, audit, mailer, guard } = deps;
  const now = deps.now ?? (() => new Date());
  // Compared against when the email is unknown, so both paths cost one bcrypt verify.
  let dummyHash: Promise<string> | undefined;
  const dummy = () => (dummyHash ??= hashPassword(randomBytes(24).toString('base64url')));

  const ctx = (client: ClientContext, userId: string | null): AuditContext => ({
    actor: { kind: 'user', id: userId },
    ip: client.ip,
    userAgent: client.userAgent,
    requestId: client.requestId,
  });
  const ip = (client: ClientContext) => client.ip ?? 'unknown';

  // SECURITY: mail goes out after the response, so its latency cannot tell known from unknown emails.
  function sendLater(to: string, subject: string, text: string): void {
    setImmediate(() => void mailer.send({ to, subject, text }).catch(deps.onBackgroundError));
  }

  async function mintUserToken(userId: string, purpose: UserTokenPurpose): Promise<string> {
    const at = now();
    const minted = mintSplitToken(userId);
    await db.withUser(userId, async (tx) => {
      if (purpose !== 'mfa_login') await expireUserTokens(tx, purpose, at);
      await insertUserToken(tx, { id: minted.id, userId, purpose, hash: minted.hash, expiresAt: new Date(at.getTime() + TOKEN_LIFETIMES[purpose]), now: at });
    });
    return minted.token;
  }

  /** The token's row if it is genuine, unused and unexpired (nothing is consumed here). */
  async function liveToken(token: string, purpose: UserTokenPurpose) {
    const parsed = parseSplitToken(token);
    if (parsed === undefined) return undefined;
    return db.withUser(parsed.ownerId, async (tx) => {
      const row = await findUserToken(tx, parsed.id, purpose);
      if (row === undefined || !sameHash(row.token_hash, parsed.hash) || row.used_at !== null || row.expires_at <= now()) return undefined;
      return { userId: parsed.ownerId, id: row.id, attempts: row.attempts };
    });
  }

  /** Marks a token used; false if someone else used it first. */
  async function consume(userId: string, id: string, purpose: UserTokenPurpose): Promise<boolean> {
    return db.withUser(userId, async (tx) => {
      const row = await findUserToken(tx, id, purpose);
      if (row === undefined || row.used_at !== null) return false;
      await useUserToken(tx, id, now());
      return true;
    });
  }

  const mfaExpired = () => new AppError('auth.token_invalid', { message: 'This sign-in has expired; sign in again.' });

  async function liveMfaChallenge(mfaToken: string): Promise<MfaChallenge> {
    const challenge = await liveToken(mfaToken, 'mfa_login');
    if (challenge === undefined || challenge.attempts >= MFA_MAX_ATTEMPTS) throw mfaExpired();
    return { userId: challenge.userId, id: challenge.id };
  }

  /**
   * One second-step attempt, whatever the factor: `prove` answers the method it proved, or
   * undefined. Every factor shares the guard, the attempt count, single use and the audit trail.
   */
  async function finishMfa(
    mfaToken: string,
    client: ClientContext,
    failure: { method: MfaMethod; message?: string },
    prove: (challenge: MfaChallenge) => Promise<AuthMethod | undefined>,
  ): Promise<IssuedSession> {
    const challenge = await liveMfaChallenge(mfaToken);
    const accountKey = `mfa:${challenge.userId}`;
    await guard.assertCanAttempt(ip(client), accountKey);
    // Counted before checking, so parallel guesses cannot exceed the limit.
    const attempts = await db.withUser(challenge.userId, (tx) => countTokenAttempt(tx, challenge.id));
    if (attempts > MFA_MAX_ATTEMPTS) throw mfaExpired();
    const method = await prove(challenge);
    if (method === undefined) {
      await guard.recordFailure(ip(client), accountKey, { requestId: client.requestId, userAgent: client.userAgent });
      await audit.record({ action: 'auth.mfa.failed', result: 'failure', target: { type: 'user', id: challenge.userId }, details: { method: failure.method } }, ctx(client, challenge.userId));
      throw new AppError('auth.mfa_invalid', failure.message === undefined ? {} : { message: failure.message });
    }
    if (!(await consume(challenge.userId, challenge.id, 'mfa_login'))) throw mfaExpired();
    await guard.recordSuccess(ip(client), accountKey);
    const amr: AuthMethod[] = ['pwd', method];
    const session = await sessions.start(challenge.userId, amr, client);
    if (method === 'recovery') await audit.record({ action: 'auth.recovery_code.used', target: { type: 'user', id: challenge.userId } }, ctx(client, challenge.userId));
    await audit.record({ action: 'auth.login.succeeded', target: { type: 'session', id: session.sessionId }, details: { amr } }, ctx(client, challenge.userId));
    return session;
  }

  async function sendVerification(user: { id: string; email: string }): Promise<void> {
    const token = await mintUserToken(user.id, 'verify_email');
    sendLater(
      user.email,
      'Confirm your email for Throughline',
      `Confirm this address to finish setting up your Throughline account:\n\n${deps.publicUrl}/verify-email#token=${token}\n\nThe link works once, for 24 hours. If you did not sign up, ignore this message.\n`,
    );
  }

  async function passwordMatches(userId: string, password: string): Promise<boolean> {
    const hash = await db.withUser(userId, (tx) => ownPasswordHash(tx));
    return hash !== null && (await verifyPassword(password, hash));
  }

  return {
    async signup(input, client) {
      const email = input.email.trim();
      assertAcceptablePassword(input.password, [email, input.name]);
      await guard.assertCanAttempt(ip(client), `signup:${email.toLowerCase()}`);
      // Hash first, either way: an existing email must not answer faster.
      const passwordHash = await hashPassword(input.password);
      const taken = await db.withAppRole((tx) => isEmailTaken(tx, email));
      if (taken) {
        // SECURITY: same answer as a new account; the owner of the address learns of the attempt.
        sendLater(
          email,
          'Someone tried to sign up with your email',
          `Someone (perhaps you) tried to create a Throughline account with this address, which already has one.\n\nSign in at ${deps.publicUrl}/login, or reset your password at ${deps.publicUrl}/forgot-password.\n`,
        );
        return;
      }
      const userId = randomUUID();
      try {
        await db.withUser(userId, (tx) => insertUser(tx, { id: userId, email, name: input.name.trim(), passwordHash }));
      } catch (error) {
        // Two sign-ups racing for one email: the loser is answered like any taken email.
        if (isUniqueViolation(error)) return;
        throw error;
      }
      const workspace = await deps.workspaces.createWorkspace({ name: `${input.name.trim().slice(0, 100)}'s workspace`, ownerUserId: userId });
      await audit.record({ action: 'auth.signup', target: { type: 'user', id: userId } }, ctx(client, userId));
      await audit.record({ action: 'workspace.created', workspaceId: workspace.id, target: { type: 'workspace', id: workspace.id } }, ctx(client, userId));
      await sendVerification({ id: userId, email });
    },

    async login(input, client) {
      const email = input.email.trim();
      const accountKey = email.toLowerCase();
      // SECURITY: refused before any bcrypt work, so a locked account costs the server nothing.
      await guard.assertCanAttempt(ip(client), accountKey);
      const candidate = await db.withAppRole((tx) => findLoginCandidate(tx, email));
      const ok = await verifyPassword(input.password, candidate?.passwordHash ?? (await dummy()));
      if (candidate === undefined || candidate.passwordHash === null || !ok) {
        await guard.recordFailure(ip(client), accountKey, { requestId: client.requestId, userAgent: client.userAgent });
        await audit.record(
          { action: 'auth.login.failed', result: 'failure', details: { reason: 'invalid_credentials' }, ...(candidate ? { target: { type: 'user', id: candidate.id } } : {}) },
          ctx(client, candidate?.id ?? null),
        );
        throw new AppError('auth.invalid_credentials');
      }
      await guard.recordSuccess(ip(client), accountKey);
      if (candidate.totpEnabled || candidate.hasPasskey) {
        const mfaToken = await mintUserToken(candidate.id, 'mfa_login');
        const methods: MfaMethod[] = [...(candidate.totpEnabled ? (['totp', 'recovery_code'] as const) : []), ...(candidate.hasPasskey ? (['passkey'] as const) : [])];
        return { kind: 'mfa', mfaToken, methods };
      }
      const session = await sessions.start(candidate.id, ['pwd'], client);
      await audit.record({ action: 'auth.login.succeeded', target: { type: 'session', id: session.sessionId }, details: { amr: ['pwd'] } }, ctx(client, candidate.id));
      return { kind: 'session', session };
    },

    async loginMfa(input, client) {
      const code = input.code.trim();
      const recovery = looksLikeRecoveryCode(code);
      return finishMfa(input.mfaToken, client, { method: recovery ? 'recovery_code' : 'totp' }, async ({ userId }) => {
        const valid = recovery ? await totp.useRecoveryCode(userId, code) : await totp.verify(userId, code.replace(/\s/g, ''));
        if (!valid) return undefined;
        return recovery ? 'recovery' : 'otp';
      });
    },

    liveMfaChallenge,

    async loginMfaPasskey(input, client) {
      return finishMfa(input.mfaToken, client, { method: 'passkey', message: 'The passkey could not be verified.' }, async (challenge) =>
        (await input.verifyPasskey(challenge)) ? 'hwk' : undefined,
      );
    },

    async logout(principal, client) {
      await sessions.revoke(principal.userId, principal.sessionId, 'logout');
      await audit.record({ action: 'auth.logout', target: { type: 'session', id: principal.sessionId } }, ctx(client, principal.userId));
    },

    async changePassword(principal, input, client) {
      const user = await this.getUser(principal.userId);
      await guard.assertCanAttempt(ip(client), `password:${principal.userId}`);
      if (!(await passwordMatches(principal.userId, input.currentPassword))) {
        await guard.recordFailure(ip(client), `password:${principal.userId}`, { requestId: client.requestId, userAgent: client.userAgent });
        await audit.record({ action: 'auth.password.changed', result: 'failure', target: { type: 'user', id: principal.userId } }, ctx(client, principal.userId));
        throw new AppError('auth.invalid_credentials', { message: 'The current password is not correct.' });
      }
      assertAcceptablePassword(input.newPassword, [user.email, user.name]);
      const hash = await hashPassword(input.newPassword);
      await db.withUser(principal.userId, (tx) => updatePasswordHash(tx, principal.userId, hash, now()));
      const revoked = await sessions.revokeOthers(principal.userId, principal.sessionId, 'password_changed');
      await audit.record(
        { action: 'auth.password.changed', target: { type: 'user', id: principal.userId }, details: { sessionsRevoked: revoked.length } },
        ctx(client, principal.userId),
      );
      sendLater(user.email, 'Your Throughline password was changed', `The password of your Throughline account was changed and your other sessions were signed out.\n\nIf this was not you, reset your password at ${deps.publicUrl}/forgot-password at once.\n`);
    },

    async requestPasswordReset(email, client) {
      await guard.assertCanAttempt(ip(client), `reset:${email.trim().toLowerCase()}`);
      const candidate = await db.withAppRole((tx) => findLoginCandidate(tx, email.trim()));
      if (candidate === undefined) return;
      const user = await db.withUser(candidate.id, (tx) => findUser(tx, candidate.id));
      if (user === undefined) return;
      const token = await mintUserToken(user.id, 'reset_password');
      await audit.record({ action: 'auth.password.reset_requested', target: { type: 'user', id: user.id } }, ctx(client, null));
      sendLater(
        user.email,
        'Reset your Throughline password',
        `Someone asked to reset the password of your Throughline account. To choose a new one, open:\n\n${deps.publicUrl}/reset-password#token=${token}\n\nThe link works once, for one hour. If you did not ask, ignore this message: your password stays as it is.\n`,
      );
    },

    async resetPassword(input, client) {
      const token = await liveToken(input.token, 'reset_password');
      if (token === undefined) throw new AppError('auth.token_invalid');
      const user = await this.getUser(token.userId);
      assertAcceptablePassword(input.password, [user.email, user.name]);
      const hash = await hashPassword(input.password);
      if (!(await consume(token.userId, token.id, 'reset_password'))) throw new AppError('auth.token_invalid');
      const at = now();
      await db.withUser(token.userId, async (tx) => {
        await updatePasswordHash(tx, token.userId, hash, at);
        // Receiving the link proves the mailbox, too.
        await markEmailVerified(tx, token.userId, at);
      });
      const revoked = await sessions.revokeOthers(token.userId, undefined, 'password_changed');
      await audit.record({ action: 'auth.password.reset', target: { type: 'user', id: token.userId }, details: { sessionsRevoked: revoked.length } }, ctx(client, token.userId));
    },

    async verifyEmail(tokenText, client) {
      const token = await liveToken(tokenText, 'verify_email');
      if (token === undefined || !(await consume(token.userId, token.id, 'verify_email'))) throw new AppError('auth.token_invalid');
      await db.withUser(token.userId, (tx) => markEmailVerified(tx, token.userId, now()));
      await audit.record({ action: 'auth.email.verified', target: { type: 'user', id: token.userId } }, ctx(client, token.userId));
    },

    async resendVerification(userId) {
      const user = await this.getUser(userId);
      if (user.emailVerifiedAt !== null) return;
      await sendVerification(user);
    },

    async confirmIdentity(userId, input) {
      const user = await this.getUser(userId);
      if (!(await passwordMatches(userId, input.password))) throw new AppError('auth.invalid_credentials', { message: 'The password is not correct.' });
      if (user.totpEnabledAt !== null) {
        const code = input.code?.trim() ?? '';
        const ok = looksLikeRecoveryCode(code) ? await totp.useRecoveryCode(userId, code) : await totp.verify(userId, code.replace(/\s/g, ''));
        if (!ok) throw new AppError('auth.mfa_invalid');
      }
    },

    async getUser(userId) {
      const user = await db.withUser(userId, (tx) => findUser(tx, userId));
      if (user === undefined) throw new AppError('auth.unauthenticated');
      return user;
    },
  };
}

function isUniqueViolation(error: unknown): boolean {
  return typeof error === 'object' && error !== null && 'code' in error && (error as { code: unknown }).code === '23505';
}
