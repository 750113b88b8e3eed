-- 0007: synced data (src/sync). What connectors read from ad platforms and CRMs, normalised, and
-- the sync bookkeeping: a cursor per integration and stream, and one row per sync run.
-- Every table is a tenant table (ENABLE + FORCE RLS, fail-closed policy) and every reference to a
-- parent row carries workspace_id, so the database itself refuses a row of one workspace that
-- points at another's integration, account or campaign.
-- Natural keys: ad platforms' ids are global to the platform, so accounts and campaigns are keyed
-- by (workspace, channel, id) and two connections to one account share its rows; CRM ids are per
-- CRM instance, so contacts, leads and deals are keyed by (workspace, integration, id).
-- Money is never a float: spend in micros (bigint), deal amounts in minor units (bigint).

-- Same-tenant references need the parent's (workspace_id, id) as a key.
ALTER TABLE integrations ADD CONSTRAINT integrations_workspace_id_id_key UNIQUE (workspace_id, id);
ALTER TABLE campaigns ADD CONSTRAINT campaigns_workspace_id_id_key UNIQUE (workspace_id, id);

CREATE TABLE ad_accounts (
  id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  workspace_id   uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  -- The connection that last wrote this account.
  integration_id uuid,
  channel        text NOT NULL CHECK (channel IN ('meta-ads', 'google-ads', 'yandex-direct', 'vk-ads', 'tiktok-ads')),
  external_id    text NOT NULL CHECK (length(external_id) BETWEEN 1 AND 128),
  name           text NOT NULL CHECK (length(name) BETWEEN 1 AND 255),
  currency       char(3) NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
  timezone       text CHECK (length(timezone) <= 64),
  created_at     timestamptz NOT NULL DEFAULT now(),
  updated_at     timestamptz NOT NULL DEFAULT now(),
  UNIQUE (workspace_id, channel, external_id),
  UNIQUE (workspace_id, id),
  FOREIGN KEY (workspace_id, integration_id) REFERENCES integrations (workspace_id, id) ON DELETE SET NULL (integration_id)
);
CREATE INDEX ad_accounts_integration_idx ON ad_accounts (workspace_id, integration_id);

-- campaigns (0001) is reused for synced campaigns: same natural key (workspace, channel, id).
-- utm_* and daily_budget_minor stay the user's; a sync writes name, status and where it came from.
ALTER TABLE campaigns
  ADD COLUMN integration_id uuid,
  ADD COLUMN ad_account_id  uuid,
  ADD COLUMN updated_at     timestamptz NOT NULL DEFAULT now(),
  ADD FOREIGN KEY (workspace_id, integration_id) REFERENCES integrations (workspace_id, id) ON DELETE SET NULL (integration_id),
  ADD FOREIGN KEY (workspace_id, ad_account_id) REFERENCES ad_accounts (workspace_id, id) ON DELETE SET NULL (ad_account_id);
CREATE INDEX campaigns_ad_account_idx ON campaigns (workspace_id, ad_account_id);
CREATE INDEX campaigns_utm_campaign_idx ON campaigns (workspace_id, utm_campaign) WHERE utm_campaign IS NOT NULL;

-- The high-volume table: one foreign key only (to its campaign, in the same workspace), which
-- also carries the cascade from a deleted campaign or workspace; the connection that wrote a row
-- is its campaign's integration_id.
CREATE TABLE daily_ad_stats (
  workspace_id         uuid NOT NULL,
  campaign_id          uuid NOT NULL,
  -- The ad account's own day, as the platform reports it.
  date                 date NOT NULL,
  -- The ad account's currency (ISO 4217); spend is in millionths of it.
  currency             char(3) NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
  spend_micros         bigint NOT NULL CHECK (spend_micros >= 0),
  impressions          bigint NOT NULL CHECK (impressions >= 0),
  clicks               bigint NOT NULL CHECK (clicks >= 0),
  -- As the platform counts them: fractional under data-driven attribution. Exact decimal.
  platform_conversions numeric(20, 6) NOT NULL DEFAULT 0 CHECK (platform_conversions >= 0),
  updated_at           timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (workspace_id, campaign_id, date),
  FOREIGN KEY (workspace_id, campaign_id) REFERENCES campaigns (workspace_id, id) ON DELETE CASCADE
);
CREATE INDEX daily_ad_stats_date_idx ON daily_ad_stats (workspace_id, date);

-- CRM rows: created_at / closed_at are the CRM's own instants; synced_at is when we last wrote one.
-- Contacts keep no name, email or phone (data minimisation: attribution needs none of them); a
-- SHA-256 of the normalised email and phone lets a data-subject request find a person's rows.
CREATE TABLE contacts (
  id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  workspace_id   uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  integration_id uuid NOT NULL,
  external_id    text NOT NULL CHECK (length(external_id) BETWEEN 1 AND 128),
  email_sha256   bytea CHECK (octet_length(email_sha256) = 32),
  phone_sha256   bytea CHECK (octet_length(phone_sha256) = 32),
  created_at     timestamptz NOT NULL,
  synced_at      timestamptz NOT NULL DEFAULT now(),
  UNIQUE (workspace_id, integration_id, external_id),
  FOREIGN KEY (workspace_id, integration_id) REFERENCES integrations (workspace_id, id) ON DELETE CASCADE
);
CREATE INDEX contacts_email_idx ON contacts (workspace_id, email_sha256) WHERE email_sha256 IS NOT NULL;

CREATE TABLE leads (
  id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  workspace_id        uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  integration_id      uuid NOT NULL,
  external_id         text NOT NULL CHECK (length(external_id) BETWEEN 1 AND 128),
  contact_external_id text CHECK (length(contact_external_id) BETWEEN 1 AND 128),
  status              text NOT NULL CHECK (length(status) BETWEEN 1 AND 100),
  pipeline            text CHECK (length(pipeline) <= 200),
  created_at          timestamptz NOT NULL,
  -- As tagged, never normalised here (src/analytics normalises case, encoding and aliases).
  utm_source          text CHECK (length(utm_source) <= 1000),
  utm_medium          text CHECK (length(utm_medium) <= 1000),
  utm_campaign        text CHECK (length(utm_campaign) <= 1000),
  utm_content         text CHECK (length(utm_content) <= 1000),
  utm_term            text CHECK (length(utm_term) <= 1000),
  gclid               text CHECK (length(gclid) <= 500),
  fbclid              text CHECK (length(fbclid) <= 500),
  yclid               text CHECK (length(yclid) <= 500),
  synced_at           timestamptz NOT NULL DEFAULT now(),
  UNIQUE (workspace_id, integration_id, external_id),
  FOREIGN KEY (workspace_id, integration_id) REFERENCES integrations (workspace_id, id) ON DELETE CASCADE
);
CREATE INDEX leads_created_idx ON leads (workspace_id, created_at);
CREATE INDEX leads_utm_campaign_idx ON leads (workspace_id, utm_campaign);
CREATE INDEX leads_contact_idx ON leads (workspace_id, integration_id, contact_external_id) WHERE contact_external_id IS NOT NULL;
CREATE INDEX leads_gclid_idx ON leads (workspace_id, gclid) WHERE gclid IS NOT NULL;
CREATE INDEX leads_fbclid_idx ON leads (workspace_id, fbclid) WHERE fbclid IS NOT NULL;
CREATE INDEX leads_yclid_idx ON leads (workspace_id, yclid) WHERE yclid IS NOT NULL;

CREATE TABLE deals (
  id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  workspace_id        uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  integration_id      uuid NOT NULL,
  external_id         text NOT NULL CHECK (length(external_id) BETWEEN 1 AND 128),
  lead_external_id    text CHECK (length(lead_external_id) BETWEEN 1 AND 128),
  contact_external_id text CHECK (length(contact_external_id) BETWEEN 1 AND 128),
  status              text NOT NULL CHECK (status IN ('open', 'won', 'lost')),
  -- Integer minor units (cents, kopecks) of currency.
  amount_minor        bigint NOT NULL CHECK (amount_minor >= 0),
  currency            char(3) NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
  created_at          timestamptz NOT NULL,
  closed_at           timestamptz,
  utm_source          text CHECK (length(utm_source) <= 1000),
  utm_medium          text CHECK (length(utm_medium) <= 1000),
  utm_campaign        text CHECK (length(utm_campaign) <= 1000),
  utm_content         text CHECK (length(utm_content) <= 1000),
  utm_term            text CHECK (length(utm_term) <= 1000),
  gclid               text CHECK (length(gclid) <= 500),
  fbclid              text CHECK (length(fbclid) <= 500),
  yclid               text CHECK (length(yclid) <= 500),
  synced_at           timestamptz NOT NULL DEFAULT now(),
  UNIQUE (workspace_id, integration_id, external_id),
  FOREIGN KEY (workspace_id, integration_id) REFERENCES integrations (workspace_id, id) ON DELETE CASCADE
);
CREATE INDEX deals_created_idx ON deals (workspace_id, created_at);
CREATE INDEX deals_closed_idx ON deals (workspace_id, closed_at) WHERE closed_at IS NOT NULL;
CREATE INDEX deals_utm_campaign_idx ON deals (workspace_id, utm_campaign);
CREATE INDEX deals_lead_idx ON deals (workspace_id, integration_id, lead_external_id) WHERE lead_external_id IS NOT NULL;
CREATE INDEX deals_contact_idx ON deals (workspace_id, integration_id, contact_external_id) WHERE contact_external_id IS NOT NULL;
CREATE INDEX deals_gclid_idx ON deals (workspace_id, gclid) WHERE gclid IS NOT NULL;
CREATE INDEX deals_fbclid_idx ON deals (workspace_id, fbclid) WHERE fbclid IS NOT NULL;
CREATE INDEX deals_yclid_idx ON deals (workspace_id, yclid) WHERE yclid IS NOT NULL;

-- Where each stream of an integration stands. A pass reads one window [window_since,
-- window_until]; `cursor` is the connector's resume point inside it, written in the same
-- transaction as the batch it follows, so a crash resumes after the last committed batch.
-- synced_through is the end of the last completed pass: the next window starts there, minus the
-- look-back for late conversions.
CREATE TABLE sync_cursors (
  workspace_id   uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  integration_id uuid NOT NULL,
  stream         text NOT NULL CHECK (stream IN ('ad_accounts', 'campaigns', 'ad_stats', 'contacts', 'leads', 'deals')),
  cursor         text CHECK (length(cursor) <= 4000),
  window_since   date,
  window_until   date,
  synced_through date,
  updated_at     timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (workspace_id, integration_id, stream),
  CHECK ((window_since IS NULL) = (window_until IS NULL)),
  FOREIGN KEY (workspace_id, integration_id) REFERENCES integrations (workspace_id, id) ON DELETE CASCADE
);

CREATE TABLE sync_runs (
  id             uuid PRIMARY KEY,
  workspace_id   uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  integration_id uuid NOT NULL,
  trigger        text NOT NULL CHECK (trigger IN ('schedule', 'manual')),
  state          text NOT NULL CHECK (state IN ('queued', 'running', 'succeeded', 'failed')),
  requested_by   uuid REFERENCES users (id) ON DELETE SET NULL,
  created_at     timestamptz NOT NULL DEFAULT now(),
  started_at     timestamptz,
  finished_at    timestamptz,
  -- 0..1, for the UI while the run is in progress.
  progress       real NOT NULL DEFAULT 0 CHECK (progress BETWEEN 0 AND 1),
  current_stream text CHECK (current_stream IN ('ad_accounts', 'campaigns', 'ad_stats', 'contacts', 'leads', 'deals')),
  -- Records read and written per stream, e.g. {"ad_stats": 10950}; changed_rows counts the rows
  -- that were inserted or actually differed (a re-sync of unchanged data changes none).
  rows           jsonb NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(rows) = 'object'),
  changed_rows   bigint NOT NULL DEFAULT 0 CHECK (changed_rows >= 0),
  -- Plain words for the user: never a token, never a raw provider body.
  error_message  text CHECK (length(error_message) <= 500),
  -- Times the run was started or taken over after an interruption.
  attempts       integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  -- Who is running it and until when: a worker that stops extending its lease loses the run to
  -- the next one, which resumes from the cursors.
  lease_token    text CHECK (length(lease_token) <= 100),
  lease_expires_at timestamptz,
  -- When the schedule runs this integration next (finished_at + its interval).
  next_run_at    timestamptz,
  CHECK ((state IN ('succeeded', 'failed')) = (finished_at IS NOT NULL)),
  FOREIGN KEY (workspace_id, integration_id) REFERENCES integrations (workspace_id, id) ON DELETE CASCADE
);
-- At most one queued or running run per integration, whatever process asks.
CREATE UNIQUE INDEX sync_runs_one_open_key ON sync_runs (integration_id) WHERE state IN ('queued', 'running');
CREATE INDEX sync_runs_integration_idx ON sync_runs (workspace_id, integration_id, created_at DESC);
CREATE INDEX sync_runs_finished_idx ON sync_runs (integration_id, finished_at DESC) WHERE finished_at IS NOT NULL;

DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['ad_accounts', 'daily_ad_stats', 'contacts', 'leads', 'deals', 'sync_cursors', 'sync_runs'] LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
    EXECUTE format($p$CREATE POLICY %I ON %I
      USING (workspace_id = nullif(current_setting('app.workspace_id', true), '')::uuid)
      WITH CHECK (workspace_id = nullif(current_setting('app.workspace_id', true), '')::uuid)$p$, t || '_tenant', t);
    EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %I TO throughline_app', t);
  END LOOP;
END
$$;

-- The scheduler (job sync.schedule) finds due integrations across workspaces: it reads when each
-- one last finished and whether a run is open. Ids, states and times only; no synced data.
CREATE POLICY sync_runs_system_read ON sync_runs FOR SELECT TO throughline_system USING (true);
GRANT SELECT (id, workspace_id, integration_id, state, created_at, finished_at, lease_expires_at) ON sync_runs TO throughline_system;
