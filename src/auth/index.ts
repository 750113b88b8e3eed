// Identity: accounts, passwords, sessions and JWT signing keys, second factors, CSRF, API keys.
export { BCRYPT_COST, PASSWORD_MAX_BYTES, assertPasswordFitsBcrypt, hashPassword, verifyPassword } from './password.js';
export { PASSWORD_MIN_LENGTH, assertAcceptablePassword } from './password-policy.js';
export { findLoginCandidate, findUser, insertUser, markEmailVerified, updatePasswordHash } from './queries.js';
export type { LoginCandidate, SessionRow, UserRow } from './queries.js';
export { createIdentity } from './module.js';
export type { Identity, IdentityConfig } from './module.js';
export { createAuthService, MFA_MAX_ATTEMPTS, TOKEN_LIFETIMES } from './service.js';
export type { AttemptGuard, AuthService, LoginResult, MfaChallenge, MfaMethod } from './service.js';
export { ACCESS_AUDIENCE, createSessionService } from './sessions.js';
export type { ClientContext, IssuedSession, SessionService, UserPrincipal } from './sessions.js';
export { InvalidTokenError, JWT_ALGORITHM, openSigningKeys } from './signing-keys.js';
export type { SigningKeys, SigningKeyStatus } from './signing-keys.js';
export { createTotpService, normaliseRecoveryCode, RECOVERY_CODE_COUNT } from './totp.js';
export type { TotpService, TotpSetup } from './totp.js';
export {
  ACCESS_COOKIE,
  CSRF_COOKIE,
  CSRF_HEADER,
  REFRESH_COOKIE,
  auditContextOf,
  clientContext,
  principalOf,
  registerAuthHooks,
  requirePrincipal,
  requireUser,
} from './http.js';
export type { ApiKeyAuthenticator, ApiKeyPrincipal, AuthHttpDeps, Principal } from './http.js';
export { registerAuthRoutes } from './routes.js';
export { mintSplitToken, parseSplitToken, sameHash, sha256 } from './split-token.js';
export { API_KEY_PREFIX, MAX_API_KEY_DAYS, MAX_LIVE_API_KEYS, createApiKeyAuthenticator, createApiKeyService } from './api-keys.js';
export type { ApiKeyService, ApiKeyView, CreatedApiKey } from './api-keys.js';
export { registerApiKeyRoutes } from './api-keys-routes.js';
export type { ApiKeyRouteDeps } from './api-keys-routes.js';
export { CREDENTIAL_ID, MAX_PASSKEYS_PER_USER, PASSKEY_CHALLENGE_MS, PASSKEY_REAUTH_WINDOW_MS, createPasskeyService, relyingPartyFor } from './passkeys.js';
export type { PasskeyInfo, PasskeyService, RelyingParty } from './passkeys.js';
export { WEBAUTHN_COOKIE, registerPasskeyRoutes } from './passkey-routes.js';
export type { PasskeyRouteDeps } from './passkey-routes.js';
