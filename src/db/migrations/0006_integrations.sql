-- 0006: integrations (src/integrations). One row per connection of a workspace to a provider
-- account; its OAuth tokens live sealed in integration_tokens (0004), keyed by this row's id.
-- oauth_states holds the pending authorization requests: random, single-use, 10 minutes, bound to
-- the user's session and workspace, with the PKCE verifier sealed.

CREATE TABLE integrations (
  id                 uuid PRIMARY KEY,
  workspace_id       uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  provider           text NOT NULL CHECK (provider ~ '^[a-z0-9-]{1,40}$'),
  -- The provider-side account this connection reads (ad account id, CRM subdomain, ...).
  external_account   text CHECK (length(external_account) <= 200),
  display_name       text NOT NULL CHECK (length(display_name) BETWEEN 1 AND 200),
  status             text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'needs_reconnect', 'disconnected', 'error')),
  -- Plain words for the UI; never a token, never a raw provider body.
  status_message     text CHECK (length(status_message) <= 500),
  granted_scopes     text[] NOT NULL DEFAULT '{}',
  -- Provider-specific, non-secret settings (API base override, login-customer-id, ...).
  settings           jsonb NOT NULL DEFAULT '{}'::jsonb,
  sync_interval_minutes integer NOT NULL DEFAULT 60 CHECK (sync_interval_minutes BETWEEN 15 AND 1440),
  connected_by       uuid REFERENCES users (id) ON DELETE SET NULL,
  created_at         timestamptz NOT NULL DEFAULT now(),
  updated_at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX integrations_workspace_idx ON integrations (workspace_id);
CREATE UNIQUE INDEX integrations_account_key ON integrations (workspace_id, provider, external_account) WHERE status <> 'disconnected';

CREATE TABLE oauth_states (
  id             uuid PRIMARY KEY,
  workspace_id   uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  user_id        uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  session_id     uuid NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
  provider       text NOT NULL CHECK (provider ~ '^[a-z0-9-]{1,40}$'),
  -- SHA-256 of the random `state` sent to the provider.
  state_hash     bytea NOT NULL CHECK (octet_length(state_hash) = 32),
  -- The PKCE code_verifier, sealed (tlv1.) under the workspace key; NULL for providers without PKCE.
  verifier_sealed text CHECK (verifier_sealed LIKE 'tlv1.%'),
  redirect_uri   text NOT NULL CHECK (length(redirect_uri) <= 500),
  created_at     timestamptz NOT NULL DEFAULT now(),
  expires_at     timestamptz NOT NULL,
  used_at        timestamptz
);
CREATE INDEX oauth_states_workspace_idx ON oauth_states (workspace_id, created_at);

DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['integrations', 'oauth_states'] LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
    EXECUTE format($p$CREATE POLICY %I ON %I
      USING (workspace_id = nullif(current_setting('app.workspace_id', true), '')::uuid)
      WITH CHECK (workspace_id = nullif(current_setting('app.workspace_id', true), '')::uuid)$p$, t || '_tenant', t);
    EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %I TO throughline_app', t);
  END LOOP;
END
$$;

-- Scheduling scans every workspace's integrations for due syncs (ids and timing only).
CREATE POLICY integrations_system_read ON integrations FOR SELECT TO throughline_system USING (true);
GRANT SELECT (id, workspace_id, provider, status, sync_interval_minutes) ON integrations TO throughline_system;

-- integration_tokens.integration_id names a row here. The foreign key is added when the token store
-- moves into src/integrations (the vault's own tests still seal tokens for made-up ids); until then
-- disconnect deletes the tokens in the same transaction as it marks the integration.
