-- 0005: identity (src/auth, src/workspaces). Sessions and refresh tokens, one-time email tokens,
-- second factors (TOTP, recovery codes, passkeys), sign-in challenges, API keys, invitations,
-- JWT signing keys and IP blocks.
--
-- Token lookups use the split-token pattern: what the client holds is `<owner id>.<row id>.<secret>`;
-- the owner id (a user or a workspace) selects the RLS scope, the row id selects the row, and only
-- SHA-256(secret) is stored, compared in constant time in the app. A database dump therefore holds
-- no usable token, and no lookup ever needs to search across users or tenants.
--
-- Users become RLS-protected: a transaction sees its own user row and, inside a workspace, that
-- workspace's members. The password hash is not readable by the app role at all: sign-in reads it
-- through auth_login_candidate() (one row, by email), a password change through auth_own_password_hash().

-- --- users -----------------------------------------------------------------------------------------
ALTER TABLE users
  ADD COLUMN email_verified_at   timestamptz,
  ADD COLUMN is_platform_admin   boolean NOT NULL DEFAULT false,
  -- TOTP secret sealed under the platform data key (src/crypto), never in plaintext.
  ADD COLUMN totp_secret_sealed  text CHECK (totp_secret_sealed LIKE 'tlv1.%'),
  ADD COLUMN totp_enabled_at     timestamptz,
  -- The last accepted TOTP time step: a code is accepted only for a later step (no replay).
  ADD COLUMN totp_last_step      bigint,
  ADD COLUMN password_changed_at timestamptz,
  ADD COLUMN locale              text NOT NULL DEFAULT 'en' CHECK (locale IN ('en', 'ru'));

ALTER TABLE users ENABLE ROW LEVEL SECURITY;
-- Not FORCE: the table owner (migrations, and the SECURITY DEFINER lookups below) reads it whole;
-- every role the app runs as is bound by the policies.
CREATE POLICY users_self ON users
  USING (id = nullif(current_setting('app.user_id', true), '')::uuid)
  WITH CHECK (id = nullif(current_setting('app.user_id', true), '')::uuid);
CREATE POLICY users_workspace_member_read ON users FOR SELECT
  USING (id IN (SELECT m.user_id FROM memberships m
                WHERE m.workspace_id = nullif(current_setting('app.workspace_id', true), '')::uuid));

REVOKE ALL ON users FROM throughline_app;
GRANT SELECT (id, email, name, created_at, updated_at, email_verified_at, is_platform_admin,
              totp_secret_sealed, totp_enabled_at, totp_last_step, password_changed_at, locale) ON users TO throughline_app;
GRANT INSERT (id, email, name, password_hash, email_verified_at, locale) ON users TO throughline_app;
GRANT UPDATE (name, password_hash, updated_at, email_verified_at, totp_secret_sealed, totp_enabled_at,
              totp_last_step, password_changed_at, locale) ON users TO throughline_app;
GRANT SELECT (id, email, name, is_platform_admin, created_at) ON users TO throughline_system;
CREATE POLICY users_system_read ON users FOR SELECT TO throughline_system USING (true);

-- Sign-in: the one row with this email (case-insensitive), with its hash. Nothing else is reachable.
CREATE FUNCTION auth_login_candidate(p_email text)
RETURNS TABLE (id uuid, password_hash text, totp_enabled boolean)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
  SELECT u.id, u.password_hash, u.totp_enabled_at IS NOT NULL
  FROM public.users u WHERE lower(u.email) = lower(p_email)
$$;
-- Password change / 2FA disable: the hash of the transaction's own user only.
CREATE FUNCTION auth_own_password_hash()
RETURNS text
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
  SELECT u.password_hash FROM public.users u
  WHERE u.id = nullif(current_setting('app.user_id', true), '')::uuid
$$;
-- Sign-up must not reveal whether an email is taken: the service asks, and answers the same way.
CREATE FUNCTION auth_email_taken(p_email text)
RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
  SELECT EXISTS (SELECT 1 FROM public.users u WHERE lower(u.email) = lower(p_email))
$$;
REVOKE ALL ON FUNCTION auth_login_candidate(text), auth_own_password_hash(), auth_email_taken(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION auth_login_candidate(text), auth_own_password_hash(), auth_email_taken(text) TO throughline_app;

-- Workspaces: an owner may require a second factor of every member.
ALTER TABLE workspaces ADD COLUMN require_mfa boolean NOT NULL DEFAULT false;

-- --- sessions and refresh tokens --------------------------------------------------------------------
CREATE TABLE sessions (
  id             uuid PRIMARY KEY,
  user_id        uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  created_at     timestamptz NOT NULL DEFAULT now(),
  last_used_at   timestamptz NOT NULL DEFAULT now(),
  -- Absolute end: a session cannot be refreshed past it, however active.
  expires_at     timestamptz NOT NULL,
  ip             inet,
  user_agent     text CHECK (length(user_agent) <= 512),
  device         jsonb,
  -- How the user proved who they are: 'pwd', 'otp', 'recovery', 'hwk' (passkey).
  amr            text[] NOT NULL DEFAULT '{}',
  revoked_at     timestamptz,
  revoked_reason text CHECK (revoked_reason IN ('logout', 'user', 'password_changed', 'refresh_reuse', 'admin', 'expired'))
);
CREATE INDEX sessions_user_idx ON sessions (user_id, created_at);

CREATE TABLE refresh_tokens (
  id          uuid PRIMARY KEY,
  session_id  uuid NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
  user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  token_hash  bytea NOT NULL CHECK (octet_length(token_hash) = 32),
  created_at  timestamptz NOT NULL DEFAULT now(),
  -- Set when exchanged: a second use of the same token is reuse (theft) and revokes the session.
  used_at     timestamptz
);
CREATE INDEX refresh_tokens_session_idx ON refresh_tokens (session_id);

-- --- one-time tokens: email verification, password reset, sign-in challenges ---------------------------
CREATE TABLE user_tokens (
  id         uuid PRIMARY KEY,
  user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  purpose    text NOT NULL CHECK (purpose IN ('verify_email', 'reset_password', 'mfa_login')),
  token_hash bytea NOT NULL CHECK (octet_length(token_hash) = 32),
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  used_at    timestamptz,
  -- Wrong second-factor codes against an mfa_login challenge; the challenge dies at the limit.
  attempts   integer NOT NULL DEFAULT 0 CHECK (attempts >= 0)
);
CREATE INDEX user_tokens_user_idx ON user_tokens (user_id, purpose);

-- --- second factors ---------------------------------------------------------------------------------
CREATE TABLE recovery_codes (
  id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  code_hash  bytea NOT NULL CHECK (octet_length(code_hash) = 32),
  created_at timestamptz NOT NULL DEFAULT now(),
  used_at    timestamptz
);
CREATE INDEX recovery_codes_user_idx ON recovery_codes (user_id);

CREATE TABLE passkeys (
  -- The WebAuthn credential id, base64url.
  id           text PRIMARY KEY CHECK (id ~ '^[A-Za-z0-9_-]{16,1400}$'),
  user_id      uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  name         text NOT NULL CHECK (length(name) BETWEEN 1 AND 80),
  public_key   bytea NOT NULL,
  counter      bigint NOT NULL DEFAULT 0 CHECK (counter >= 0),
  transports   text[] NOT NULL DEFAULT '{}',
  device_type  text NOT NULL CHECK (device_type IN ('singleDevice', 'multiDevice')),
  backed_up    boolean NOT NULL DEFAULT false,
  created_at   timestamptz NOT NULL DEFAULT now(),
  last_used_at timestamptz
);
CREATE INDEX passkeys_user_idx ON passkeys (user_id);

-- WebAuthn challenges. Registration challenges belong to a user; password-less sign-in challenges
-- belong to nobody yet (user_id NULL) and are found by id from an HttpOnly cookie.
CREATE TABLE webauthn_challenges (
  id         uuid PRIMARY KEY,
  user_id    uuid REFERENCES users (id) ON DELETE CASCADE,
  purpose    text NOT NULL CHECK (purpose IN ('register', 'login', 'second_factor')),
  challenge  text NOT NULL CHECK (length(challenge) BETWEEN 16 AND 200),
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  used_at    timestamptz
);

-- A password-less sign-in resolves its user from the credential id: this one row, nothing more.
CREATE FUNCTION auth_passkey_owner(p_credential_id text)
RETURNS uuid
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
  SELECT p.user_id FROM public.passkeys p WHERE p.id = p_credential_id
$$;
REVOKE ALL ON FUNCTION auth_passkey_owner(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION auth_passkey_owner(text) TO throughline_app;

DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['sessions', 'refresh_tokens', 'user_tokens', 'recovery_codes', 'passkeys'] LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
    EXECUTE format($p$CREATE POLICY %I ON %I
      USING (user_id = nullif(current_setting('app.user_id', true), '')::uuid)
      WITH CHECK (user_id = nullif(current_setting('app.user_id', true), '')::uuid)$p$, t || '_own', t);
    EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %I TO throughline_app', t);
  END LOOP;
END
$$;

ALTER TABLE webauthn_challenges ENABLE ROW LEVEL SECURITY;
ALTER TABLE webauthn_challenges FORCE ROW LEVEL SECURITY;
CREATE POLICY webauthn_challenges_own ON webauthn_challenges
  USING (user_id = nullif(current_setting('app.user_id', true), '')::uuid)
  WITH CHECK (user_id = nullif(current_setting('app.user_id', true), '')::uuid);
-- An anonymous sign-in challenge is reachable only by its id (a random uuid the browser holds in
-- an HttpOnly cookie) inside a transaction that names it.
CREATE POLICY webauthn_challenges_anonymous ON webauthn_challenges
  USING (user_id IS NULL AND id = nullif(current_setting('app.challenge_id', true), '')::uuid)
  WITH CHECK (user_id IS NULL AND purpose = 'login');
GRANT SELECT, INSERT, UPDATE, DELETE ON webauthn_challenges TO throughline_app;

-- --- workspace-scoped: API keys and invitations --------------------------------------------------------
CREATE TABLE api_keys (
  id           uuid PRIMARY KEY,
  workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  name         text NOT NULL CHECK (length(name) BETWEEN 1 AND 80),
  scope        text NOT NULL CHECK (scope IN ('read', 'read_write')),
  key_hash     bytea NOT NULL CHECK (octet_length(key_hash) = 32),
  created_by   uuid REFERENCES users (id) ON DELETE SET NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  expires_at   timestamptz,
  last_used_at timestamptz,
  revoked_at   timestamptz
);
CREATE INDEX api_keys_workspace_idx ON api_keys (workspace_id);

CREATE TABLE invitations (
  id           uuid PRIMARY KEY,
  workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  email        text NOT NULL CHECK (length(email) BETWEEN 3 AND 254),
  role         text NOT NULL CHECK (role IN ('admin', 'analyst', 'viewer')),
  token_hash   bytea NOT NULL CHECK (octet_length(token_hash) = 32),
  invited_by   uuid REFERENCES users (id) ON DELETE SET NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  expires_at   timestamptz NOT NULL,
  accepted_at  timestamptz,
  accepted_by  uuid REFERENCES users (id) ON DELETE SET NULL,
  revoked_at   timestamptz
);
CREATE INDEX invitations_workspace_idx ON invitations (workspace_id, created_at);

DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['api_keys', 'invitations'] LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
    EXECUTE format($p$CREATE POLICY %I ON %I
      USING (workspace_id = nullif(current_setting('app.workspace_id', true), '')::uuid)
      WITH CHECK (workspace_id = nullif(current_setting('app.workspace_id', true), '')::uuid)$p$, t || '_tenant', t);
    EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %I TO throughline_app', t);
  END LOOP;
END
$$;

-- --- platform: JWT signing keys and IP blocks ------------------------------------------------------------
-- Public halves are readable by the app role (to verify tokens and publish the JWKS); private halves
-- are sealed under the platform data key and readable only by the system role.
CREATE TABLE signing_keys (
  kid                text PRIMARY KEY CHECK (kid ~ '^[A-Za-z0-9_-]{8,64}$'),
  alg                text NOT NULL CHECK (alg IN ('ES256', 'EdDSA')),
  public_jwk         jsonb NOT NULL,
  private_key_sealed text NOT NULL CHECK (private_key_sealed LIKE 'tlv1.%'),
  created_at         timestamptz NOT NULL,
  -- Signing stops here; verification continues until retire_at (the overlap).
  rotated_at         timestamptz,
  retire_at          timestamptz
);
CREATE UNIQUE INDEX signing_keys_one_active ON signing_keys ((true)) WHERE rotated_at IS NULL;
GRANT SELECT (kid, alg, public_jwk, created_at, rotated_at, retire_at) ON signing_keys TO throughline_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON signing_keys TO throughline_system;

CREATE TABLE ip_blocks (
  ip            inet PRIMARY KEY,
  blocked_until timestamptz NOT NULL,
  -- How many times this address has been blocked: each block lasts longer than the last.
  strikes       integer NOT NULL DEFAULT 1 CHECK (strikes > 0),
  reason        text NOT NULL CHECK (length(reason) BETWEEN 1 AND 200),
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now(),
  unblocked_at  timestamptz,
  unblocked_by  uuid REFERENCES users (id) ON DELETE SET NULL
);
GRANT SELECT, INSERT, UPDATE, DELETE ON ip_blocks TO throughline_system;

-- The platform data key's wrapped form may be read by the app role, so user-level platform secrets
-- (TOTP secrets) open in a user's own transaction. A wrapped key is useless without a KEK, which
-- never enters the database; creating or rotating the platform key stays with the system role.
CREATE POLICY data_keys_platform_read ON data_keys FOR SELECT TO throughline_app USING (workspace_id IS NULL);

-- --- passkeys: sign-in lookups (src/auth/passkeys.ts) ------------------------------------------------
-- The SECURITY DEFINER lookups run as the table owner, which FORCE ROW LEVEL SECURITY binds to the
-- policies too: on a PostgreSQL server (owner not a superuser) auth_passkey_owner() would see no
-- row at all. Like users above: ENABLE without FORCE, so the owner (migrations and the definer
-- lookups) reads the table whole, while every role the app runs as stays bound by passkeys_own.
ALTER TABLE passkeys NO FORCE ROW LEVEL SECURITY;

-- PostgreSQL's regular expressions allow repetition counts up to 255 only: the `{16,1400}` in the
-- CHECK above fails every insert ("invalid repetition count(s)"). Same rule, length apart.
ALTER TABLE passkeys
  DROP CONSTRAINT passkeys_id_check,
  ADD CONSTRAINT passkeys_id_check CHECK (id ~ '^[A-Za-z0-9_-]+$' AND length(id) BETWEEN 16 AND 1400);

-- Sign-in also says whether the account has a passkey, so the second step can offer it. The
-- result type changes, hence DROP and CREATE (CREATE OR REPLACE cannot change OUT columns).
DROP FUNCTION auth_login_candidate(text);
CREATE FUNCTION auth_login_candidate(p_email text)
RETURNS TABLE (id uuid, password_hash text, totp_enabled boolean, has_passkey boolean)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
  SELECT u.id, u.password_hash, u.totp_enabled_at IS NOT NULL,
         EXISTS (SELECT 1 FROM public.passkeys p WHERE p.user_id = u.id)
  FROM public.users u WHERE lower(u.email) = lower(p_email)
$$;
REVOKE ALL ON FUNCTION auth_login_candidate(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION auth_login_candidate(text) TO throughline_app;
