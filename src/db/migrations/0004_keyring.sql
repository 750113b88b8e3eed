-- 0004: envelope encryption (src/crypto). data_keys holds every workspace's data-encryption keys
-- (and the platform's, workspace_id NULL), each wrapped by a key-encryption key (KEK) that lives
-- outside the database. key_encryption_keys records KEK ids and dates only, never key material.
-- integration_tokens is the first table with sealed columns: OAuth tokens, never in plaintext.

CREATE TABLE data_keys (
  id           uuid PRIMARY KEY,
  -- NULL: the platform key (JWT signing keys and other platform secrets).
  -- ON DELETE CASCADE: deleting a workspace destroys its keys (crypto-shredding).
  workspace_id uuid REFERENCES workspaces (id) ON DELETE CASCADE,
  version      integer NOT NULL CHECK (version > 0),
  kek_id       text NOT NULL CHECK (kek_id ~ '^[A-Za-z0-9_-]{1,32}$'),
  -- nonce (12) || AES-256-GCM(KEK, DEK) (32) || tag (16)
  wrapped_dek  bytea NOT NULL CHECK (octet_length(wrapped_dek) = 60),
  state        text NOT NULL DEFAULT 'active' CHECK (state IN ('active', 'retired')),
  created_at   timestamptz NOT NULL DEFAULT now(),
  rewrapped_at timestamptz,
  retired_at   timestamptz
);
CREATE UNIQUE INDEX data_keys_version_key ON data_keys (workspace_id, version) NULLS NOT DISTINCT;
-- One active key per workspace (and one for the platform): new values are sealed under it.
CREATE UNIQUE INDEX data_keys_one_active ON data_keys (workspace_id) NULLS NOT DISTINCT WHERE state = 'active';
-- Re-wrapping looks for keys not under the active KEK.
CREATE INDEX data_keys_kek_idx ON data_keys (kek_id);

ALTER TABLE data_keys ENABLE ROW LEVEL SECURITY;
ALTER TABLE data_keys FORCE ROW LEVEL SECURITY;
CREATE POLICY data_keys_tenant ON data_keys
  USING (workspace_id = nullif(current_setting('app.workspace_id', true), '')::uuid)
  WITH CHECK (workspace_id = nullif(current_setting('app.workspace_id', true), '')::uuid);
-- Cross-tenant key work (re-wrapping under a new KEK, status) and the platform key, through
-- unsafeAsSystem only. The system role sees wrapped keys (useless without a KEK), never values.
CREATE POLICY data_keys_system_read ON data_keys FOR SELECT TO throughline_system USING (true);
CREATE POLICY data_keys_system_rewrap ON data_keys FOR UPDATE TO throughline_system USING (true) WITH CHECK (true);
CREATE POLICY data_keys_system_platform_insert ON data_keys FOR INSERT TO throughline_system WITH CHECK (workspace_id IS NULL);

GRANT SELECT, INSERT, UPDATE, DELETE ON data_keys TO throughline_app;
GRANT SELECT, INSERT ON data_keys TO throughline_system;
GRANT UPDATE (kek_id, wrapped_dek, rewrapped_at, state, retired_at) ON data_keys TO throughline_system;

-- KEK ids and when each became active (for its age and the next rotation date) or stopped being
-- referenced. Platform metadata: no workspace_id, no app-role access.
CREATE TABLE key_encryption_keys (
  id           text PRIMARY KEY CHECK (id ~ '^[A-Za-z0-9_-]{1,32}$'),
  activated_at timestamptz NOT NULL,
  retired_at   timestamptz
);
GRANT SELECT, INSERT, UPDATE ON key_encryption_keys TO throughline_system;

-- OAuth tokens of a workspace's connected integrations. Written and read only through
-- src/crypto's token repository, which seals on write and opens on read.
CREATE TABLE integration_tokens (
  -- References integrations (id) once that table exists.
  integration_id       uuid PRIMARY KEY,
  workspace_id         uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  provider             text NOT NULL CHECK (provider ~ '^[a-z0-9-]{1,40}$'),
  -- SECURITY: the database itself refuses a token that is not a sealed value.
  access_token_sealed  text NOT NULL CHECK (access_token_sealed LIKE 'tlv1.%'),
  refresh_token_sealed text CHECK (refresh_token_sealed LIKE 'tlv1.%'),
  scopes               text[] NOT NULL DEFAULT '{}',
  expires_at           timestamptz,
  created_at           timestamptz NOT NULL DEFAULT now(),
  updated_at           timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX integration_tokens_workspace_idx ON integration_tokens (workspace_id);

ALTER TABLE integration_tokens ENABLE ROW LEVEL SECURITY;
ALTER TABLE integration_tokens FORCE ROW LEVEL SECURITY;
CREATE POLICY integration_tokens_tenant ON integration_tokens
  USING (workspace_id = nullif(current_setting('app.workspace_id', true), '')::uuid)
  WITH CHECK (workspace_id = nullif(current_setting('app.workspace_id', true), '')::uuid);

GRANT SELECT, INSERT, UPDATE, DELETE ON integration_tokens TO throughline_app;
