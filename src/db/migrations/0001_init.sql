-- 0001: accounts, workspaces, memberships, and the first tenant table (campaigns).
-- Tenant isolation lives here, in the database: every tenant table has ENABLE + FORCE ROW LEVEL
-- SECURITY and a fail-closed policy on app.workspace_id, and the app role has no BYPASSRLS.

DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'throughline_app') THEN
    -- SECURITY: the role every request runs as. No login, no superuser, no BYPASSRLS, owns nothing.
    CREATE ROLE throughline_app NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE NOINHERIT;
  END IF;
END
$$;

GRANT USAGE ON SCHEMA public TO throughline_app;

CREATE TABLE users (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  email         text NOT NULL CHECK (length(email) BETWEEN 3 AND 254),
  name          text NOT NULL CHECK (length(name) BETWEEN 1 AND 120),
  password_hash text,
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX users_email_key ON users (lower(email));

CREATE TABLE workspaces (
  id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name       text NOT NULL CHECK (length(name) BETWEEN 1 AND 120),
  currency   char(3) NOT NULL DEFAULT 'USD' CHECK (currency ~ '^[A-Z]{3}$'),
  timezone   text NOT NULL DEFAULT 'UTC',
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE memberships (
  workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  user_id      uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  role         text NOT NULL CHECK (role IN ('owner', 'admin', 'analyst', 'viewer')),
  created_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (workspace_id, user_id)
);
CREATE INDEX memberships_user_idx ON memberships (user_id);

CREATE TABLE campaigns (
  id                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  workspace_id       uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  channel            text NOT NULL CHECK (channel IN ('meta-ads', 'google-ads', 'yandex-direct', 'vk-ads', 'tiktok-ads')),
  external_id        text NOT NULL CHECK (length(external_id) BETWEEN 1 AND 128),
  name               text NOT NULL CHECK (length(name) BETWEEN 1 AND 255),
  status             text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'paused', 'archived')),
  utm_source         text,
  utm_medium         text,
  utm_campaign       text,
  daily_budget_minor bigint CHECK (daily_budget_minor >= 0),
  created_at         timestamptz NOT NULL DEFAULT now(),
  UNIQUE (workspace_id, channel, external_id)
);
CREATE INDEX campaigns_workspace_idx ON campaigns (workspace_id, created_at);

-- Row-level security. The setting is read with missing_ok and '' mapped to NULL, so a
-- transaction that set no workspace matches no row instead of erroring or matching all.
ALTER TABLE workspaces ENABLE ROW LEVEL SECURITY;
ALTER TABLE workspaces FORCE ROW LEVEL SECURITY;
CREATE POLICY workspaces_tenant ON workspaces
  USING (id = nullif(current_setting('app.workspace_id', true), '')::uuid)
  WITH CHECK (id = nullif(current_setting('app.workspace_id', true), '')::uuid);
-- A signed-in user may list the workspaces they belong to (the workspace switcher).
CREATE POLICY workspaces_member_read ON workspaces FOR SELECT
  USING (id IN (SELECT m.workspace_id FROM memberships m
                WHERE m.user_id = nullif(current_setting('app.user_id', true), '')::uuid));

ALTER TABLE memberships ENABLE ROW LEVEL SECURITY;
ALTER TABLE memberships FORCE ROW LEVEL SECURITY;
CREATE POLICY memberships_tenant ON memberships
  USING (workspace_id = nullif(current_setting('app.workspace_id', true), '')::uuid)
  WITH CHECK (workspace_id = nullif(current_setting('app.workspace_id', true), '')::uuid);
CREATE POLICY memberships_self_read ON memberships FOR SELECT
  USING (user_id = nullif(current_setting('app.user_id', true), '')::uuid);

ALTER TABLE campaigns ENABLE ROW LEVEL SECURITY;
ALTER TABLE campaigns FORCE ROW LEVEL SECURITY;
CREATE POLICY campaigns_tenant ON campaigns
  USING (workspace_id = nullif(current_setting('app.workspace_id', true), '')::uuid)
  WITH CHECK (workspace_id = nullif(current_setting('app.workspace_id', true), '')::uuid);

GRANT SELECT, INSERT, UPDATE ON users TO throughline_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON workspaces, memberships, campaigns TO throughline_app;
