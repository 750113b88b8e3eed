// Passkeys (WebAuthn through @simplewebauthn/server): registration by a signed-in user, password-less
// sign-in, and the second step after a password. Guarantees: every ceremony answers a challenge the
// server stored, which works once and for five minutes; the response must name this origin and RP
// ID; password-less sign-in requires user verification; an assertion whose signature counter does
// not advance (when it is not zero) is refused and audited as a possible cloned authenticator.
import { randomUUID } from 'node:crypto';
import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type AuthenticationResponseJSON,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  type RegistrationResponseJSON,
} from '@simplewebauthn/server';
import { decodeClientDataJSON, isoBase64URL } from '@simplewebauthn/server/helpers';
import { sql } from 'kysely';
import type { AuditContext, AuditService } from '../audit/index.js';
import type { ChallengeTx, Database, UserTx } from '../db/index.js';
import { AppError } from '../http/errors.js';
import type { Mailer } from '../mail/index.js';
import { findUser } from './queries.js';
import type { AttemptGuard, AuthService, MfaChallenge } from './service.js';
import type { ClientContext, IssuedSession, SessionService, UserPrincipal } from './sessions.js';

export const RP_NAME = 'Throughline';
/** How long a WebAuthn challenge (and the browser prompt) lives. */
export const PASSKEY_CHALLENGE_MS = 5 * 60_000;
/** Adding a passkey without re-entering the password is allowed this long after signing in. */
export const PASSKEY_REAUTH_WINDOW_MS = 10 * 60_000;
/** Passkeys one account may hold (each is offered to the browser in every second step). */
export const MAX_PASSKEYS_PER_USER = 20;
/** What the passkeys.id CHECK accepts: a base64url credential id (16 to 1,050 bytes). */
export const CREDENTIAL_ID = /^[A-Za-z0-9_-]{16,1400}$/;

/** The relying party a ceremony is bound to: the browser signs over both. */
export interface RelyingParty {
  /** The RP ID: a registrable domain, the host of the origin or a parent of it. */
  id: string;
  /** The exact origin the browser reports in clientDataJSON. */
  origin: string;
}

/**
 * The relying party for a request. With PUBLIC_URL (required in production by src/config.ts): its
 * host and origin, whatever the request says. Without it (development): the request's own origin,
 * for `localhost` and `*.localhost` only. Browsers refuse an IP address as an RP ID, so
 * http://127.0.0.1 gets a clear refusal instead of a browser SecurityError.
 */
export function relyingPartyFor(publicUrl: string | undefined, request: { protocol: string; host: string }): RelyingParty {
  if (publicUrl !== undefined) {
    const url = new URL(publicUrl);
    return { id: url.hostname, origin: url.origin };
  }
  let url: URL | undefined;
  try {
    url = new URL(`${request.protocol}://${request.host}`);
  } catch {
    url = undefined;
  }
  // SECURITY: the Host header is the client's to choose. Trusting it only for localhost names means
  // the worst a forged Host can do is name an origin whose pages only the user's own machine serves.
  if (url === undefined || (url.hostname !== 'localhost' && !url.hostname.endsWith('.localhost')) || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    throw new AppError('request.failed', { message: 'Passkeys need PUBLIC_URL to be set, or the app opened at http://localhost.' });
  }
  return { id: url.hostname, origin: url.origin };
}

export interface PasskeyInfo {
  id: string;
  name: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  deviceType: 'singleDevice' | 'multiDevice';
  backedUp: boolean;
}

export interface PasskeyService {
  /** The RP of a request (see relyingPartyFor). */
  relyingParty(request: { protocol: string; host: string }): RelyingParty;
  /**
   * Starts adding a passkey. Needs a session signed in within PASSKEY_REAUTH_WINDOW_MS, or the
   * password (and a TOTP or recovery code when TOTP is on): a stolen session cookie alone must not
   * be enough to plant a lasting way into the account.
   */
  registrationOptions(
    principal: UserPrincipal,
    reauth: { password?: string | undefined; code?: string | undefined },
    rp: RelyingParty,
    client: ClientContext,
  ): Promise<PublicKeyCredentialCreationOptionsJSON>;
  register(principal: UserPrincipal, input: { response: RegistrationResponseJSON; name: string }, rp: RelyingParty, client: ClientContext): Promise<PasskeyInfo>;
  list(userId: string): Promise<PasskeyInfo[]>;
  rename(principal: UserPrincipal, id: string, name: string, client: ClientContext): Promise<PasskeyInfo>;
  remove(principal: UserPrincipal, id: string, client: ClientContext): Promise<void>;
  /** Password-less sign-in, step 1: an anonymous challenge; its id goes in an HttpOnly cookie. */
  loginOptions(rp: RelyingParty): Promise<{ challengeId: string; options: PublicKeyCredentialRequestOptionsJSON }>;
  /** Password-less sign-in, step 2: one attempt per challenge; a session with amr ['hwk']. */
  login(challengeId: string, response: AuthenticationResponseJSON, rp: RelyingParty, client: ClientContext): Promise<IssuedSession>;
  /** Second step after a password: a challenge bound to that sign-in (one per mfaToken). */
  secondFactorOptions(challenge: MfaChallenge, rp: RelyingParty): Promise<PublicKeyCredentialRequestOptionsJSON>;
  /** Checks an assertion for that sign-in; the caller (AuthService.loginMfaPasskey) counts the attempt. */
  verifySecondFactor(challenge: MfaChallenge, response: AuthenticationResponseJSON, rp: RelyingParty, client: ClientContext): Promise<boolean>;
}

export interface PasskeyServiceDeps {
  db: Database;
  sessions: Pick<SessionService, 'start' | 'list'>;
  auth: Pick<AuthService, 'confirmIdentity'>;
  audit: Pick<AuditService, 'record'>;
  guard: AttemptGuard;
  mailer: Mailer;
  /** PUBLIC_URL as configured (undefined: development, see relyingPartyFor). */
  publicUrl: string | undefined;
  onBackgroundError: (error: unknown) => void;
  now?: () => Date;
}

type AssertionOutcome = { kind: 'ok' } | { kind: 'invalid'; reason: string } | { kind: 'counter_regression'; credentialId: string; stored: number; presented: number };

const expired = () => new AppError('auth.token_invalid', { message: 'This passkey request has expired; start again.' });
const notVerified = () => new AppError('auth.invalid_credentials', { message: 'The passkey could not be verified.' });

/** The WebAuthn user handle: the account id, which is random and says nothing about the person. */
const userHandle = (userId: string): Uint8Array<ArrayBuffer> => new TextEncoder().encode(userId);

export function createPasskeyService(deps: PasskeyServiceDeps): PasskeyService {
  const { db, audit, guard } = deps;
  const now = deps.now ?? (() => new Date());
  const ip = (client: ClientContext) => client.ip ?? 'unknown';
  const ctx = (client: ClientContext, userId: string | null): AuditContext => ({
    actor: { kind: 'user', id: userId },
    ip: client.ip,
    userAgent: client.userAgent,
    requestId: client.requestId,
  });

  async function assertRecentSignIn(principal: UserPrincipal, reauth: { password?: string | undefined; code?: string | undefined }, client: ClientContext): Promise<void> {
    const session = (await deps.sessions.list(principal.userId)).find((s) => s.id === principal.sessionId);
    if (session !== undefined && now().getTime() - session.createdAt.getTime() <= PASSKEY_REAUTH_WINDOW_MS) return;
    if (reauth.password === undefined) throw new AppError('auth.reauthentication_required', { message: 'Confirm your password (and code, if two-factor authentication is on) to add a passkey.' });
    const accountKey = `reauth:${principal.userId}`;
    await guard.assertCanAttempt(ip(client), accountKey);
    try {
      await deps.auth.confirmIdentity(principal.userId, { password: reauth.password, code: reauth.code });
    } catch (error) {
      if (error instanceof AppError) await guard.recordFailure(ip(client), accountKey, { requestId: client.requestId, userAgent: client.userAgent });
      throw error;
    }
    await guard.recordSuccess(ip(client), accountKey);
  }

  /**
   * Verifies an assertion against one of `userId`'s passkeys (RLS hides everyone else's), then
   * checks and stores the new counter in one UPDATE, so concurrent sign-ins with one credential
   * cannot both pass the counter check on the same stored value.
   */
  async function verifyAssertion(
    userId: string,
    expectedChallenge: string,
    response: AuthenticationResponseJSON,
    rp: RelyingParty,
    options: { requireUserVerification: boolean; requireUserHandle: boolean },
  ): Promise<AssertionOutcome> {
    const stored = await db.withUser(userId, (tx) => findPasskey(tx, response.id));
    if (stored === undefined) return { kind: 'invalid', reason: 'unknown_credential' };
    const handle = response.response.userHandle;
    if (handle === undefined ? options.requireUserHandle : handle !== isoBase64URL.fromBuffer(userHandle(userId))) return { kind: 'invalid', reason: 'user_handle_mismatch' };
    let verified;
    try {
      verified = await verifyAuthenticationResponse({
        response,
        expectedChallenge,
        expectedOrigin: rp.origin,
        expectedRPID: rp.id,
        requireUserVerification: options.requireUserVerification,
        // SECURITY: the library's own counter check runs before the signature check. It is given
        // 0 (which disables it) and the counter is compared below, after the signature is known to
        // be good: a lower counter on a forged response is noise, on a genuine one it means a clone.
        credential: { id: stored.id, publicKey: new Uint8Array(stored.publicKey), counter: 0, transports: stored.transports },
      });
    } catch (error) {
      return { kind: 'invalid', reason: rejectionReason(error) };
    }
    if (!verified.verified) return { kind: 'invalid', reason: 'bad_signature' };
    const { newCounter, credentialBackedUp } = verified.authenticationInfo;
    const advanced = await db.withUser(userId, (tx) => advanceCounter(tx, stored.id, newCounter, credentialBackedUp, now()));
    if (!advanced) return { kind: 'counter_regression', credentialId: stored.id, stored: stored.counter, presented: newCounter };
    return { kind: 'ok' };
  }

  async function auditCloneSuspected(userId: string, outcome: Extract<AssertionOutcome, { kind: 'counter_regression' }>, client: ClientContext): Promise<void> {
    await audit.record(
      {
        action: 'auth.passkey.clone_suspected',
        result: 'denied',
        target: { type: 'passkey', id: outcome.credentialId },
        details: { storedCounter: outcome.stored, presentedCounter: outcome.presented },
      },
      ctx(client, userId),
    );
  }

  return {
    relyingParty: (request) => relyingPartyFor(deps.publicUrl, request),

    async registrationOptions(principal, reauth, rp, client) {
      await assertRecentSignIn(principal, reauth, client);
      const { user, existing } = await db.withUser(principal.userId, async (tx) => ({ user: await findUser(tx, principal.userId), existing: await listPasskeyRows(tx) }));
      if (user === undefined) throw new AppError('auth.unauthenticated');
      if (existing.length >= MAX_PASSKEYS_PER_USER) throw new AppError('request.conflict', { message: `An account can hold at most ${MAX_PASSKEYS_PER_USER} passkeys; remove one first.` });
      const options = await generateRegistrationOptions({
        rpName: RP_NAME,
        rpID: rp.id,
        userName: user.email,
        userDisplayName: user.name,
        userID: userHandle(user.id),
        timeout: PASSKEY_CHALLENGE_MS,
        attestationType: 'none',
        // The browser refuses to create a second passkey on an authenticator that holds one already.
        excludeCredentials: existing.map((p) => ({ id: p.id, transports: p.transports })),
        authenticatorSelection: { residentKey: 'preferred', userVerification: 'preferred' },
      });
      const at = now();
      await db.withUser(principal.userId, async (tx) => {
        await deleteStaleChallenges(tx, 'register', at);
        await insertChallenge(tx, { id: randomUUID(), userId: principal.userId, purpose: 'register', challenge: options.challenge, now: at });
      });
      return options;
    },

    async register(principal, input, rp, client) {
      const challengeText = challengeOf(input.response.response.clientDataJSON);
      // SECURITY: looked up among this user's own challenges and spent before verifying, so a
      // challenge gets one verification, successful or not, and never another user's.
      const challenge =
        challengeText === undefined ? undefined : await db.withUser(principal.userId, (tx) => consumeChallenge(tx, { purpose: 'register', challenge: challengeText, now: now() }));
      if (challenge === undefined) throw expired();
      let verified;
      let reason = 'bad_attestation';
      try {
        verified = await verifyRegistrationResponse({
          response: input.response,
          expectedChallenge: challenge,
          expectedOrigin: rp.origin,
          expectedRPID: rp.id,
          // A security key without a PIN may serve as a second factor; password-less sign-in
          // demands user verification at each use instead.
          requireUserVerification: false,
        });
      } catch (error) {
        verified = undefined;
        reason = rejectionReason(error);
      }
      const info = verified?.verified === true ? verified.registrationInfo : undefined;
      if (info === undefined || !CREDENTIAL_ID.test(info.credential.id)) {
        await audit.record({ action: 'auth.passkey.added', result: 'failure', target: { type: 'user', id: principal.userId }, details: { reason } }, ctx(client, principal.userId));
        throw new AppError('request.failed', { message: 'The passkey could not be registered; try again.' });
      }
      const { credential } = info;
      const at = now();
      let row: PasskeyRow;
      try {
        row = await db.withUser(principal.userId, (tx) =>
          insertPasskey(tx, {
            id: credential.id,
            userId: principal.userId,
            name: input.name,
            publicKey: credential.publicKey,
            counter: credential.counter,
            transports: credential.transports ?? [],
            deviceType: info.credentialDeviceType,
            backedUp: info.credentialBackedUp,
            now: at,
          }),
        );
      } catch (error) {
        if (isUniqueViolation(error)) throw new AppError('request.conflict', { message: 'This passkey is already registered.' });
        throw error;
      }
      await audit.record(
        {
          action: 'auth.passkey.added',
          target: { type: 'passkey', id: row.id },
          details: { name: row.name, deviceType: row.deviceType, backedUp: row.backedUp, userVerified: info.userVerified },
        },
        ctx(client, principal.userId),
      );
      const user = await db.withUser(principal.userId, (tx) => findUser(tx, principal.userId));
      // SECURITY: the owner hears of every new way into the account, after the response.
      if (user !== undefined) {
        setImmediate(
          () =>
            void deps.mailer
              .send({
                to: user.email,
                subject: 'A passkey was added to your Throughline account',
                text: `A passkey named "${row.name}" was added to your Throughline account and can now be used to sign in.\n\nIf this was not you, remove it in your account's security settings, change your password and sign out of your other sessions.\n`,
              })
              .catch(deps.onBackgroundError),
        );
      }
      return toInfo(row);
    },

    async list(userId) {
      const rows = await db.withUser(userId, (tx) => listPasskeyRows(tx));
      return rows.map(toInfo);
    },

    async rename(principal, id, name, client) {
      const row = await db.withUser(principal.userId, (tx) => renamePasskey(tx, id, name));
      if (row === undefined) throw new AppError('request.not_found', { message: 'No such passkey.' });
      await audit.record({ action: 'auth.passkey.renamed', target: { type: 'passkey', id }, details: { name } }, ctx(client, principal.userId));
      return toInfo(row);
    },

    async remove(principal, id, client) {
      const removed = await db.withUser(principal.userId, (tx) => deletePasskey(tx, id));
      if (!removed) throw new AppError('request.not_found', { message: 'No such passkey.' });
      await audit.record({ action: 'auth.passkey.removed', target: { type: 'passkey', id } }, ctx(client, principal.userId));
    },

    async loginOptions(rp) {
      const challengeId = randomUUID();
      // No allowCredentials: the authenticator offers its discoverable passkeys for this RP, and
      // the server learns who signs in only from the signed answer.
      const options = await generateAuthenticationOptions({ rpID: rp.id, userVerification: 'required', timeout: PASSKEY_CHALLENGE_MS });
      const at = now();
      await db.withChallenge(challengeId, (tx) => insertChallenge(tx, { id: challengeId, userId: null, purpose: 'login', challenge: options.challenge, now: at }));
      return { challengeId, options };
    },

    async login(challengeId, response, rp, client) {
      const accountKey = `passkey:${response.id}`;
      // SECURITY: refused before any database or signature work while the address or credential is locked out.
      await guard.assertCanAttempt(ip(client), accountKey);
      const challenge = await db.withChallenge(challengeId, (tx) => consumeChallenge(tx, { purpose: 'login', id: challengeId, challenge: undefined, now: now() }));
      if (challenge === undefined) throw expired();
      const fail = async (userId: string | null, reason: string): Promise<never> => {
        await guard.recordFailure(ip(client), accountKey, { requestId: client.requestId, userAgent: client.userAgent });
        await audit.record(
          { action: 'auth.login.failed', result: 'failure', details: { method: 'passkey', reason }, ...(userId === null ? {} : { target: { type: 'user', id: userId } }) },
          ctx(client, userId),
        );
        throw notVerified();
      };
      const owner = await db.withAppRole(async (tx) => {
        const { rows } = await sql<{ owner: string | null }>`SELECT auth_passkey_owner(${response.id}) AS owner`.execute(tx);
        return rows[0]?.owner ?? null;
      });
      if (owner === null) return fail(null, 'unknown_credential');
      // SECURITY: without a password, the passkey is both factors: it must verify the user (PIN,
      // biometrics), and its user handle must name the credential's owner.
      const outcome = await verifyAssertion(owner, challenge, response, rp, { requireUserVerification: true, requireUserHandle: true });
      if (outcome.kind === 'counter_regression') {
        await auditCloneSuspected(owner, outcome, client);
        return fail(owner, 'counter_regression');
      }
      if (outcome.kind === 'invalid') return fail(owner, outcome.reason);
      await guard.recordSuccess(ip(client), accountKey);
      const session = await deps.sessions.start(owner, ['hwk'], client);
      await audit.record({ action: 'auth.login.succeeded', target: { type: 'session', id: session.sessionId }, details: { amr: ['hwk'] } }, ctx(client, owner));
      return session;
    },

    async secondFactorOptions(challenge, rp) {
      const passkeys = await db.withUser(challenge.userId, (tx) => listPasskeyRows(tx));
      if (passkeys.length === 0) throw new AppError('request.conflict', { message: 'No passkey is registered for this account.' });
      const options = await generateAuthenticationOptions({
        rpID: rp.id,
        allowCredentials: passkeys.map((p) => ({ id: p.id, transports: p.transports })),
        // The password was the first factor; any of the user's authenticators is the second.
        userVerification: 'preferred',
        timeout: PASSKEY_CHALLENGE_MS,
      });
      const at = now();
      // One challenge per sign-in: its id is the mfaToken's row id, and asking again replaces it.
      await db.withUser(challenge.userId, (tx) => upsertSecondFactorChallenge(tx, { id: challenge.id, userId: challenge.userId, challenge: options.challenge, now: at }));
      return options;
    },

    async verifySecondFactor(challenge, response, rp, client) {
      const expected = await db.withUser(challenge.userId, (tx) => consumeChallenge(tx, { purpose: 'second_factor', id: challenge.id, challenge: undefined, now: now() }));
      if (expected === undefined) return false;
      const outcome = await verifyAssertion(challenge.userId, expected, response, rp, { requireUserVerification: false, requireUserHandle: false });
      if (outcome.kind === 'counter_regression') await auditCloneSuspected(challenge.userId, outcome, client);
      return outcome.kind === 'ok';
    },
  };
}

/** The challenge a response claims to answer (only to find the stored one; verified later). */
function challengeOf(clientDataJSON: string): string | undefined {
  try {
    const challenge = decodeClientDataJSON(clientDataJSON).challenge;
    return typeof challenge === 'string' && challenge.length >= 16 && challenge.length <= 200 ? challenge : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Why @simplewebauthn/server refused a response, as a fixed word for the audit log (the library's
 * message quotes client-supplied values, so it is not stored). Unknown messages fall back to a
 * generic reason: the refusal stands either way.
 */
function rejectionReason(error: unknown): string {
  const message = error instanceof Error ? error.message : '';
  if (/^Unexpected (registration|authentication) response origin/.test(message)) return 'wrong_origin';
  if (/^Unexpected (registration|authentication) response challenge/.test(message)) return 'wrong_challenge';
  if ((error instanceof Error && error.name === 'UnexpectedRPIDHash') || /^Unexpected RP ID hash/.test(message)) return 'wrong_rp_id';
  if (/^User verification/.test(message)) return 'user_not_verified';
  if (/^User (presence|not present)/.test(message)) return 'user_not_present';
  return 'rejected';
}

function isUniqueViolation(error: unknown): boolean {
  return typeof error === 'object' && error !== null && 'code' in error && (error as { code: unknown }).code === '23505';
}

// --- queries ------------------------------------------------------------------------------------------
// Passkey rows are reached in their user's transaction (RLS: passkeys_own); anonymous sign-in
// challenges only in a transaction that names them (webauthn_challenges_anonymous).

interface PasskeyRow extends PasskeyInfo {
  publicKey: Uint8Array;
  counter: number;
  transports: string[];
}

const passkeyColumns = ['id', 'name', 'public_key', 'counter', 'transports', 'device_type', 'backed_up', 'created_at', 'last_used_at'] as const;

function toRow(r: {
  id: string;
  name: string;
  public_key: Uint8Array;
  counter: number;
  transports: string[];
  device_type: 'singleDevice' | 'multiDevice';
  backed_up: boolean;
  created_at: Date;
  last_used_at: Date | null;
}): PasskeyRow {
  return {
    id: r.id,
    name: r.name,
    publicKey: r.public_key,
    counter: Number(r.counter),
    transports: r.transports,
    deviceType: r.device_type,
    backedUp: r.backed_up,
    createdAt: r.created_at,
    lastUsedAt: r.last_used_at,
  };
}

function toInfo(row: PasskeyRow): PasskeyInfo {
  return { id: row.id, name: row.name, createdAt: row.createdAt, lastUsedAt: row.lastUsedAt, deviceType: row.deviceType, backedUp: row.backedUp };
}

async function listPasskeyRows(tx: UserTx): Promise<PasskeyRow[]> {
  const rows = await tx.selectFrom('passkeys').select(passkeyColumns).orderBy('created_at').orderBy('id').execute();
  return rows.map(toRow);
}

async function findPasskey(tx: UserTx, id: string): Promise<PasskeyRow | undefined> {
  const row = await tx.selectFrom('passkeys').select(passkeyColumns).where('id', '=', id).executeTakeFirst();
  return row && toRow(row);
}

async function insertPasskey(
  tx: UserTx,
  p: { id: string; userId: string; name: string; publicKey: Uint8Array; counter: number; transports: string[]; deviceType: 'singleDevice' | 'multiDevice'; backedUp: boolean; now: Date },
): Promise<PasskeyRow> {
  const row = await tx
    .insertInto('passkeys')
    .values({
      id: p.id,
      user_id: p.userId,
      name: p.name,
      public_key: p.publicKey,
      counter: p.counter,
      transports: p.transports,
      device_type: p.deviceType,
      backed_up: p.backedUp,
      created_at: p.now,
    })
    .returning(passkeyColumns)
    .executeTakeFirstOrThrow();
  return toRow(row);
}

async function renamePasskey(tx: UserTx, id: string, name: string): Promise<PasskeyRow | undefined> {
  const row = await tx.updateTable('passkeys').set({ name }).where('id', '=', id).returning(passkeyColumns).executeTakeFirst();
  return row && toRow(row);
}

async function deletePasskey(tx: UserTx, id: string): Promise<boolean> {
  const rows = await tx.deleteFrom('passkeys').where('id', '=', id).returning('id').execute();
  return rows.length === 1;
}

/**
 * Stores the new counter only if it advanced (or both are 0: authenticators without a counter,
 * synced passkeys among them, always send 0). false: the counter went back or stood still.
 */
async function advanceCounter(tx: UserTx, id: string, counter: number, backedUp: boolean, now: Date): Promise<boolean> {
  let query = tx.updateTable('passkeys').set({ counter, backed_up: backedUp, last_used_at: now }).where('id', '=', id);
  query = counter === 0 ? query.where('counter', '=', 0) : query.where('counter', '<', counter);
  const rows = await query.returning('id').execute();
  return rows.length === 1;
}

type ChallengePurpose = 'register' | 'login' | 'second_factor';

async function insertChallenge(tx: UserTx | ChallengeTx, c: { id: string; userId: string | null; purpose: ChallengePurpose; challenge: string; now: Date }): Promise<void> {
  await tx
    .insertInto('webauthn_challenges')
    .values({ id: c.id, user_id: c.userId, purpose: c.purpose, challenge: c.challenge, created_at: c.now, expires_at: new Date(c.now.getTime() + PASSKEY_CHALLENGE_MS) })
    .execute();
}

async function upsertSecondFactorChallenge(tx: UserTx, c: { id: string; userId: string; challenge: string; now: Date }): Promise<void> {
  const expiresAt = new Date(c.now.getTime() + PASSKEY_CHALLENGE_MS);
  await tx
    .insertInto('webauthn_challenges')
    .values({ id: c.id, user_id: c.userId, purpose: 'second_factor', challenge: c.challenge, created_at: c.now, expires_at: expiresAt })
    .onConflict((oc) => oc.column('id').doUpdateSet({ challenge: c.challenge, expires_at: expiresAt, used_at: null }).where('webauthn_challenges.purpose', '=', 'second_factor'))
    .execute();
}

/**
 * Spends one live challenge and returns its text: by id (anonymous and second-step challenges)
 * or by its text among the transaction's own (registration). undefined: none, spent or expired.
 */
async function consumeChallenge(
  tx: UserTx | ChallengeTx,
  c: { purpose: ChallengePurpose; id?: string; challenge: string | undefined; now: Date },
): Promise<string | undefined> {
  let query = tx
    .updateTable('webauthn_challenges')
    .set({ used_at: c.now })
    .where('purpose', '=', c.purpose)
    .where('used_at', 'is', null)
    .where('expires_at', '>', c.now);
  if (c.id !== undefined) query = query.where('id', '=', c.id);
  if (c.challenge !== undefined) query = query.where('challenge', '=', c.challenge);
  const rows = await query.returning('challenge').execute();
  return rows.length === 1 ? rows[0]?.challenge : undefined;
}

async function deleteStaleChallenges(tx: UserTx, purpose: ChallengePurpose, now: Date): Promise<void> {
  await tx
    .deleteFrom('webauthn_challenges')
    .where('purpose', '=', purpose)
    .where((eb) => eb.or([eb('used_at', 'is not', null), eb('expires_at', '<=', now)]))
    .execute();
}
