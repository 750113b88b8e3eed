// Builds the identity services from their dependencies: one place that knows how they fit.
import type { Logger } from 'pino';
import type { AuditService } from '../audit/index.js';
import type { Config } from '../config.js';
import type { Vault } from '../crypto/index.js';
import type { Database } from '../db/index.js';
import type { Mailer } from '../mail/index.js';
import type { WorkspacesService } from '../workspaces/index.js';
import type { ApiKeyAuthenticator } from './http.js';
import { createAuthService, type AttemptGuard, type AuthService } from './service.js';
import { createSessionService, type SessionService } from './sessions.js';
import { openSigningKeys, type SigningKeys } from './signing-keys.js';
import { createPasskeyService, type PasskeyService } from './passkeys.js';
import { createTotpService, type TotpService } from './totp.js';

export type IdentityConfig = Pick<Config, 'PUBLIC_URL' | 'JWT_ROTATION_DAYS' | 'JWT_OVERLAP_DAYS' | 'ACCESS_TOKEN_MINUTES' | 'SESSION_DAYS'>;

export interface Identity {
  signingKeys: SigningKeys;
  sessions: SessionService;
  totp: TotpService;
  auth: AuthService;
  passkeys: PasskeyService;
  apiKeys?: ApiKeyAuthenticator;
}

export async function createIdentity(deps: {
  config: IdentityConfig;
  db: Database;
  vault: Vault;
  audit: AuditService;
  mailer: Mailer;
  guard: AttemptGuard;
  workspaces: WorkspacesService;
  logger: Pick<Logger, 'error'>;
  /** Where the app is reached (for links in emails) when PUBLIC_URL is unset. */
  fallbackUrl: string;
  now?: () => Date;
}): Promise<Identity> {
  const publicUrl = (deps.config.PUBLIC_URL ?? deps.fallbackUrl).replace(/\/$/, '');
  const clock = deps.now === undefined ? {} : { now: deps.now };
  const signingKeys = await openSigningKeys({
    db: deps.db,
    vault: deps.vault,
    issuer: publicUrl,
    rotationDays: deps.config.JWT_ROTATION_DAYS,
    overlapDays: deps.config.JWT_OVERLAP_DAYS,
    onRotated: async (result) => {
      await deps.audit.record(
        { action: 'keys.jwt.rotated', target: { type: 'signing_key', id: result.activeKid }, details: { rotated: result.rotated, retiredKids: result.retiredKids } },
        { actor: { kind: 'system', id: 'auth:jwt-rotation' } },
      );
    },
    ...clock,
  });
  const sessions = createSessionService({
    db: deps.db,
    keys: signingKeys,
    audit: deps.audit,
    accessMinutes: deps.config.ACCESS_TOKEN_MINUTES,
    sessionDays: deps.config.SESSION_DAYS,
    ...clock,
  });
  const totp = createTotpService({ db: deps.db, vault: deps.vault, ...clock });
  const auth = createAuthService({
    db: deps.db,
    sessions,
    totp,
    audit: deps.audit,
    mailer: deps.mailer,
    guard: deps.guard,
    workspaces: deps.workspaces,
    publicUrl,
    onBackgroundError: (error) => deps.logger.error({ err: error }, 'could not send an email'),
    ...clock,
  });
  const passkeys = createPasskeyService({
    db: deps.db,
    sessions,
    auth,
    audit: deps.audit,
    guard: deps.guard,
    mailer: deps.mailer,
    // The RP is PUBLIC_URL itself, never the fallback: without it only localhost gets passkeys.
    publicUrl: deps.config.PUBLIC_URL,
    onBackgroundError: (error) => deps.logger.error({ err: error }, 'could not send an email'),
    ...clock,
  });
  return { signingKeys, sessions, totp, auth, passkeys };
}
