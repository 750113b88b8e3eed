// Sessions: a row per sign-in, a short-lived access JWT (at most 15 minutes) naming it, and an
// opaque refresh token that is exchanged for a new pair on every use.
// Guarantees: an access token is honoured only while its session is live (revocation is
// immediate, not at expiry); a refresh token works once; presenting one a second time (a stolen
// copy racing its owner) revokes the whole session and is audited; sessions end at an absolute
// expiry however active they are.
import { randomUUID } from 'node:crypto';
import type { AuditService } from '../audit/index.js';
import { normaliseUserAgent, parseDevice } from '../audit/index.js';
import type { AuthMethod, Database } from '../db/index.js';
import {
  addSessionMethods,
  consumeRefreshToken,
  deleteExchangedRefreshTokens,
  deleteSessionRefreshTokens,
  findRefreshToken,
  findSession,
  insertRefreshToken,
  insertSession,
  listLiveSessions,
  revokeSessions,
  touchSession,
  type SessionRow,
} from './queries.js';
import { InvalidTokenError, type SigningKeys } from './signing-keys.js';
import { mintSplitToken, parseSplitToken, sameHash } from './split-token.js';

export const ACCESS_AUDIENCE = 'throughline:access';
const DAY_MS = 24 * 60 * 60 * 1000;
/** How long an exchanged refresh token is remembered, so its replay revokes the session. */
export const REUSE_DETECTION_MS = DAY_MS;

export interface ClientContext {
  ip: string | null;
  userAgent: string | null;
  requestId: string;
}

export interface IssuedSession {
  sessionId: string;
  userId: string;
  accessToken: string;
  accessExpiresAt: Date;
  refreshToken: string;
  sessionExpiresAt: Date;
}

export interface UserPrincipal {
  kind: 'user';
  userId: string;
  sessionId: string;
  amr: AuthMethod[];
}

export interface SessionService {
  start(userId: string, amr: AuthMethod[], client: ClientContext): Promise<IssuedSession>;
  /** Exchanges a refresh token for a new pair. @returns undefined when the token is not valid. */
  refresh(refreshToken: string, client: ClientContext): Promise<IssuedSession | undefined>;
  /** @returns undefined for any token that does not name a live session. */
  authenticate(accessToken: string): Promise<UserPrincipal | undefined>;
  list(userId: string): Promise<SessionRow[]>;
  /** Records a factor proven during the session (enabling TOTP proves the code). */
  addMethod(userId: string, sessionId: string, method: AuthMethod): Promise<void>;
  revoke(userId: string, sessionId: string, reason: 'logout' | 'user' | 'admin'): Promise<boolean>;
  /** Every session of the user but `keep` (password change, "sign out everywhere else"). */
  revokeOthers(userId: string, keep: string | undefined, reason: 'user' | 'password_changed'): Promise<string[]>;
}

export function createSessionService(deps: {
  db: Database;
  keys: SigningKeys;
  audit: Pick<AuditService, 'record'>;
  accessMinutes: number;
  sessionDays: number;
  now?: () => Date;
}): SessionService {
  const { db, keys } = deps;
  const now = deps.now ?? (() => new Date());

  /** Signs the access token; the caller has stored the refresh token in its own transaction. */
  async function issueTokens(userId: string, sessionId: string, amr: AuthMethod[], sessionExpiresAt: Date, at: Date) {
    // The access token never outlives its session.
    const ttlSeconds = Math.max(1, Math.min(deps.accessMinutes * 60, Math.floor((sessionExpiresAt.getTime() - at.getTime()) / 1000)));
    const accessToken = await keys.sign({ sub: userId, sid: sessionId, amr }, { audience: ACCESS_AUDIENCE, ttlSeconds });
    return { accessToken, accessExpiresAt: new Date(at.getTime() + ttlSeconds * 1000) };
  }

  return {
    async start(userId, amr, client) {
      const at = now();
      const sessionId = randomUUID();
      const sessionExpiresAt = new Date(at.getTime() + deps.sessionDays * DAY_MS);
      const userAgent = normaliseUserAgent(client.userAgent);
      const refresh = mintSplitToken(userId);
      await db.withUser(userId, async (tx) => {
        await insertSession(tx, { id: sessionId, userId, expiresAt: sessionExpiresAt, ip: client.ip, userAgent, device: parseDevice(userAgent), amr, now: at });
        await insertRefreshToken(tx, { id: refresh.id, sessionId, userId, hash: refresh.hash, now: at });
      });
      const access = await issueTokens(userId, sessionId, amr, sessionExpiresAt, at);
      return { sessionId, userId, ...access, refreshToken: refresh.token, sessionExpiresAt };
    },

    async refresh(refreshToken, client) {
      const parsed = parseSplitToken(refreshToken);
      if (parsed === undefined) return undefined;
      const at = now();
      const next = mintSplitToken(parsed.ownerId);
      const outcome = await db.withUser(parsed.ownerId, async (tx) => {
        const token = await findRefreshToken(tx, parsed.id);
        if (token === undefined || !sameHash(token.token_hash, parsed.hash)) return { kind: 'invalid' as const };
        const session = await findSession(tx, token.session_id);
        if (session === undefined || session.revokedAt !== null || session.expiresAt <= at) return { kind: 'invalid' as const };
        if (token.used_at !== null || !(await consumeRefreshToken(tx, token.id, at))) {
          // SECURITY: a refresh token is good once. A second use means two parties hold it:
          // end the session for both.
          await revokeSessions(tx, { only: session.id }, 'refresh_reuse', at);
          await deleteSessionRefreshTokens(tx, session.id);
          return { kind: 'reused' as const, session };
        }
        await touchSession(tx, session.id, at, client.ip);
        await insertRefreshToken(tx, { id: next.id, sessionId: session.id, userId: parsed.ownerId, hash: next.hash, now: at });
        // Exchanged tokens are kept a day for reuse detection, then dropped: a session refreshed
        // every 15 minutes for 30 days would otherwise pile up thousands of rows.
        await deleteExchangedRefreshTokens(tx, session.id, new Date(at.getTime() - REUSE_DETECTION_MS));
        return { kind: 'ok' as const, session };
      });
      if (outcome.kind === 'invalid') return undefined;
      if (outcome.kind === 'reused') {
        await deps.audit.record(
          { action: 'auth.session.reuse_detected', result: 'denied', target: { type: 'session', id: outcome.session.id } },
          { actor: { kind: 'user', id: parsed.ownerId }, ip: client.ip, userAgent: client.userAgent, requestId: client.requestId },
        );
        return undefined;
      }
      const access = await issueTokens(parsed.ownerId, outcome.session.id, outcome.session.amr, outcome.session.expiresAt, at);
      return { sessionId: outcome.session.id, userId: parsed.ownerId, ...access, refreshToken: next.token, sessionExpiresAt: outcome.session.expiresAt };
    },

    async authenticate(accessToken) {
      let claims;
      try {
        claims = await keys.verify(accessToken, ACCESS_AUDIENCE);
      } catch (error) {
        if (error instanceof InvalidTokenError) return undefined;
        throw error;
      }
      const userId = claims.sub;
      const sessionId = claims['sid'];
      if (typeof userId !== 'string' || typeof sessionId !== 'string' || !isUuid(userId) || !isUuid(sessionId)) return undefined;
      const session = await db.withUser(userId, (tx) => findSession(tx, sessionId));
      if (session === undefined || session.revokedAt !== null || session.expiresAt <= now()) return undefined;
      return { kind: 'user', userId, sessionId, amr: session.amr };
    },

    list: (userId) => db.withUser(userId, (tx) => listLiveSessions(tx, now())),

    addMethod: (userId, sessionId, method) =>
      db.withUser(userId, async (tx) => {
        const session = await findSession(tx, sessionId);
        if (session === undefined || session.amr.includes(method)) return;
        await addSessionMethods(tx, sessionId, [...session.amr, method]);
      }),

    async revoke(userId, sessionId, reason) {
      const revoked = await db.withUser(userId, async (tx) => {
        const ids = await revokeSessions(tx, { only: sessionId }, reason, now());
        await deleteSessionRefreshTokens(tx, sessionId);
        return ids;
      });
      return revoked.length === 1;
    },

    revokeOthers: (userId, keep, reason) =>
      db.withUser(userId, async (tx) => {
        const ids = await revokeSessions(tx, keep === undefined ? {} : { except: keep }, reason, now());
        for (const id of ids) await deleteSessionRefreshTokens(tx, id);
        return ids;
      }),
  };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
function isUuid(value: string): boolean {
  return UUID.test(value);
}
