// SQL for accounts and sessions. Every query runs in the user's own transaction (UserTx), which RLS
// limits to that user's rows; the only cross-user read is auth_login_candidate() (one row by email).
import { sql } from 'kysely';
import type { AppTx, AuthMethod, Locale, SessionRevokedReason, UserTokenPurpose, UserTx } from '../db/index.js';

export interface UserRow {
  id: string;
  email: string;
  name: string;
  emailVerifiedAt: Date | null;
  isPlatformAdmin: boolean;
  totpEnabledAt: Date | null;
  locale: Locale;
  createdAt: Date;
}

export interface LoginCandidate {
  id: string;
  passwordHash: string | null;
  totpEnabled: boolean;
  /** At least one passkey is registered: the second step may use it. */
  hasPasskey: boolean;
}

const userColumns = ['id', 'email', 'name', 'email_verified_at', 'is_platform_admin', 'totp_enabled_at', 'locale', 'created_at'] as const;

function toUser(row: {
  id: string;
  email: string;
  name: string;
  email_verified_at: Date | null;
  is_platform_admin: boolean;
  totp_enabled_at: Date | null;
  locale: Locale;
  created_at: Date;
}): UserRow {
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    emailVerifiedAt: row.email_verified_at,
    isPlatformAdmin: row.is_platform_admin,
    totpEnabledAt: row.totp_enabled_at,
    locale: row.locale,
    createdAt: row.created_at,
  };
}

export async function insertUser(
  tx: UserTx,
  user: { id: string; email: string; name: string; passwordHash: string | null; emailVerifiedAt?: Date },
): Promise<UserRow> {
  const row = await tx
    .insertInto('users')
    .values({ id: user.id, email: user.email, name: user.name, password_hash: user.passwordHash, email_verified_at: user.emailVerifiedAt ?? null })
    .returning(userColumns)
    .executeTakeFirstOrThrow();
  return toUser(row);
}

export async function findUser(tx: UserTx, userId: string): Promise<UserRow | undefined> {
  const row = await tx.selectFrom('users').select(userColumns).where('id', '=', userId).executeTakeFirst();
  return row && toUser(row);
}

/** The one user with this email, with the hash to check (any app transaction may ask). */
export async function findLoginCandidate(tx: AppTx, email: string): Promise<LoginCandidate | undefined> {
  const { rows } = await sql<{ id: string; password_hash: string | null; totp_enabled: boolean; has_passkey: boolean }>`
    SELECT id, password_hash, totp_enabled, has_passkey FROM auth_login_candidate(${email})`.execute(tx);
  const row = rows[0];
  return row && { id: row.id, passwordHash: row.password_hash, totpEnabled: row.totp_enabled, hasPasskey: row.has_passkey };
}

export async function isEmailTaken(tx: AppTx, email: string): Promise<boolean> {
  const { rows } = await sql<{ taken: boolean }>`SELECT auth_email_taken(${email}) AS taken`.execute(tx);
  return rows[0]?.taken === true;
}

export async function ownPasswordHash(tx: UserTx): Promise<string | null> {
  const { rows } = await sql<{ hash: string | null }>`SELECT auth_own_password_hash() AS hash`.execute(tx);
  return rows[0]?.hash ?? null;
}

export async function updatePasswordHash(tx: UserTx, userId: string, passwordHash: string, now: Date): Promise<void> {
  await tx.updateTable('users').set({ password_hash: passwordHash, password_changed_at: now, updated_at: now }).where('id', '=', userId).execute();
}

export async function markEmailVerified(tx: UserTx, userId: string, now: Date): Promise<void> {
  await tx.updateTable('users').set({ email_verified_at: now, updated_at: now }).where('id', '=', userId).where('email_verified_at', 'is', null).execute();
}

// --- sessions -----------------------------------------------------------------------------------------

export interface SessionRow {
  id: string;
  userId: string;
  createdAt: Date;
  lastUsedAt: Date;
  expiresAt: Date;
  ip: string | null;
  device: unknown;
  userAgent: string | null;
  amr: AuthMethod[];
  revokedAt: Date | null;
}

const sessionColumns = ['id', 'user_id', 'created_at', 'last_used_at', 'expires_at', 'ip', 'device', 'user_agent', 'amr', 'revoked_at'] as const;

function toSession(row: {
  id: string;
  user_id: string;
  created_at: Date;
  last_used_at: Date;
  expires_at: Date;
  ip: string | null;
  device: unknown;
  user_agent: string | null;
  amr: AuthMethod[];
  revoked_at: Date | null;
}): SessionRow {
  return {
    id: row.id,
    userId: row.user_id,
    createdAt: row.created_at,
    lastUsedAt: row.last_used_at,
    expiresAt: row.expires_at,
    ip: row.ip,
    device: row.device,
    userAgent: row.user_agent,
    amr: row.amr,
    revokedAt: row.revoked_at,
  };
}

export async function insertSession(
  tx: UserTx,
  s: { id: string; userId: string; expiresAt: Date; ip: string | null; userAgent: string | null; device: unknown; amr: AuthMethod[]; now: Date },
): Promise<void> {
  await tx
    .insertInto('sessions')
    .values({
      id: s.id,
      user_id: s.userId,
      created_at: s.now,
      last_used_at: s.now,
      expires_at: s.expiresAt,
      ip: s.ip,
      user_agent: s.userAgent,
      device: s.device === null ? null : JSON.stringify(s.device),
      amr: s.amr,
    })
    .execute();
}

export async function findSession(tx: UserTx, sessionId: string): Promise<SessionRow | undefined> {
  const row = await tx.selectFrom('sessions').select(sessionColumns).where('id', '=', sessionId).executeTakeFirst();
  return row && toSession(row);
}

export async function listLiveSessions(tx: UserTx, now: Date): Promise<SessionRow[]> {
  const rows = await tx
    .selectFrom('sessions')
    .select(sessionColumns)
    .where('revoked_at', 'is', null)
    .where('expires_at', '>', now)
    .orderBy('last_used_at', 'desc')
    .execute();
  return rows.map(toSession);
}

export async function touchSession(tx: UserTx, sessionId: string, now: Date, ip: string | null): Promise<void> {
  await tx.updateTable('sessions').set({ last_used_at: now, ip }).where('id', '=', sessionId).execute();
}

export async function addSessionMethods(tx: UserTx, sessionId: string, amr: AuthMethod[]): Promise<void> {
  await tx.updateTable('sessions').set({ amr }).where('id', '=', sessionId).execute();
}

/** Revokes sessions of the transaction's user: one, or all but `except`. Returns the revoked ids. */
export async function revokeSessions(
  tx: UserTx,
  filter: { only?: string; except?: string },
  reason: SessionRevokedReason,
  now: Date,
): Promise<string[]> {
  let query = tx.updateTable('sessions').set({ revoked_at: now, revoked_reason: reason }).where('revoked_at', 'is', null);
  if (filter.only !== undefined) query = query.where('id', '=', filter.only);
  if (filter.except !== undefined) query = query.where('id', '<>', filter.except);
  const rows = await query.returning('id').execute();
  return rows.map((r) => r.id);
}

// --- refresh tokens -----------------------------------------------------------------------------------

export async function insertRefreshToken(tx: UserTx, t: { id: string; sessionId: string; userId: string; hash: Buffer; now: Date }): Promise<void> {
  await tx.insertInto('refresh_tokens').values({ id: t.id, session_id: t.sessionId, user_id: t.userId, token_hash: t.hash, created_at: t.now }).execute();
}

export async function findRefreshToken(tx: UserTx, id: string) {
  return tx.selectFrom('refresh_tokens').select(['id', 'session_id', 'token_hash', 'used_at']).where('id', '=', id).executeTakeFirst();
}

/** Marks the token used; false if it already was (a concurrent or repeated use). */
export async function consumeRefreshToken(tx: UserTx, id: string, now: Date): Promise<boolean> {
  const rows = await tx.updateTable('refresh_tokens').set({ used_at: now }).where('id', '=', id).where('used_at', 'is', null).returning('id').execute();
  return rows.length === 1;
}

export async function deleteExchangedRefreshTokens(tx: UserTx, sessionId: string, usedBefore: Date): Promise<void> {
  await tx.deleteFrom('refresh_tokens').where('session_id', '=', sessionId).where('used_at', '<', usedBefore).execute();
}

/** Every refresh token of a session (it ended: nothing of it may be exchanged again). */
export async function deleteSessionRefreshTokens(tx: UserTx, sessionId: string): Promise<void> {
  await tx.deleteFrom('refresh_tokens').where('session_id', '=', sessionId).execute();
}

// --- one-time tokens (email verification, password reset, sign-in challenges) ----------------------------

export async function insertUserToken(tx: UserTx, t: { id: string; userId: string; purpose: UserTokenPurpose; hash: Buffer; expiresAt: Date; now: Date }): Promise<void> {
  await tx
    .insertInto('user_tokens')
    .values({ id: t.id, user_id: t.userId, purpose: t.purpose, token_hash: t.hash, created_at: t.now, expires_at: t.expiresAt })
    .execute();
}

export async function findUserToken(tx: UserTx, id: string, purpose: UserTokenPurpose) {
  return tx
    .selectFrom('user_tokens')
    .select(['id', 'user_id', 'token_hash', 'expires_at', 'used_at', 'attempts'])
    .where('id', '=', id)
    .where('purpose', '=', purpose)
    .forUpdate()
    .executeTakeFirst();
}

export async function useUserToken(tx: UserTx, id: string, now: Date): Promise<void> {
  await tx.updateTable('user_tokens').set({ used_at: now }).where('id', '=', id).execute();
}

export async function countTokenAttempt(tx: UserTx, id: string): Promise<number> {
  const row = await tx
    .updateTable('user_tokens')
    .set((eb) => ({ attempts: eb('attempts', '+', 1) }))
    .where('id', '=', id)
    .returning('attempts')
    .executeTakeFirstOrThrow();
  return row.attempts;
}

/** A new reset or verification link makes the earlier ones of the same purpose useless. */
export async function expireUserTokens(tx: UserTx, purpose: UserTokenPurpose, now: Date): Promise<void> {
  await tx.updateTable('user_tokens').set({ used_at: now }).where('purpose', '=', purpose).where('used_at', 'is', null).execute();
}
