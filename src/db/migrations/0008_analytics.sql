-- Analytics (src/analytics): per-workspace settings and channel rules, daily currency rates, and
-- the rollups a report reads. The workspace's reporting currency and time zone are its own columns
-- (workspaces.currency, workspaces.timezone). Rollups are derived data: rebuilt from the synced
-- tables after each sync, import or settings change, never edited by hand.

CREATE TABLE analytics_settings (
  workspace_id    uuid PRIMARY KEY REFERENCES workspaces (id) ON DELETE CASCADE,
  half_life_days  integer NOT NULL DEFAULT 7 CHECK (half_life_days BETWEEN 1 AND 365),
  ltv_window_days integer NOT NULL DEFAULT 365 CHECK (ltv_window_days BETWEEN 1 AND 3650),
  default_model   text NOT NULL DEFAULT 'last_non_direct'
                  CHECK (default_model IN ('first_touch', 'last_non_direct', 'linear', 'position_based', 'time_decay')),
  -- Ordered rules, validated by the service (channelRulesSchema); conditions are equals /
  -- contains / starts_with only, never a pattern a user could make catastrophic.
  channel_rules   jsonb NOT NULL DEFAULT '[]'::jsonb CHECK (jsonb_typeof(channel_rules) = 'array'),
  updated_at      timestamptz NOT NULL DEFAULT now()
);

-- 1 unit of `base` = `rate` units of `quote` on `date` (and on later days until the next rate).
CREATE TABLE currency_rates (
  workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  date         date NOT NULL,
  base         char(3) NOT NULL CHECK (base ~ '^[A-Z]{3}$'),
  quote        char(3) NOT NULL CHECK (quote ~ '^[A-Z]{3}$' AND quote <> base),
  rate         numeric(24, 10) NOT NULL CHECK (rate > 0),
  PRIMARY KEY (workspace_id, base, quote, date)
);

-- Spend, clicks and leads by day, channel and campaign (model-independent). Money in micros of
-- the reporting currency (1 unit = 1,000,000), converted at the day's rate.
CREATE TABLE report_daily (
  workspace_id  uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  day           date NOT NULL,
  channel       text NOT NULL CHECK (length(channel) BETWEEN 1 AND 40),
  campaign_id   uuid,
  spend_micros  bigint NOT NULL DEFAULT 0,
  impressions   bigint NOT NULL DEFAULT 0,
  clicks        bigint NOT NULL DEFAULT 0,
  leads         bigint NOT NULL DEFAULT 0
);
CREATE INDEX report_daily_day_idx ON report_daily (workspace_id, day);

-- Deal outcomes by attribution model: counts are credits (1 deal = 1,000,000), so fractional
-- multi-touch credit stays exact; revenue is split by the same credit to the micro.
CREATE TABLE report_outcomes_daily (
  workspace_id       uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  model              text NOT NULL CHECK (model IN ('first_touch', 'last_non_direct', 'linear', 'position_based', 'time_decay')),
  day                date NOT NULL,
  channel            text NOT NULL CHECK (length(channel) BETWEEN 1 AND 40),
  campaign_id        uuid,
  deal_credits       bigint NOT NULL DEFAULT 0,
  won_credits        bigint NOT NULL DEFAULT 0,
  revenue_micros     bigint NOT NULL DEFAULT 0,
  customer_credits   bigint NOT NULL DEFAULT 0,
  ltv_revenue_micros bigint NOT NULL DEFAULT 0
);
CREATE INDEX report_outcomes_daily_day_idx ON report_outcomes_daily (workspace_id, model, day);

-- When each workspace's rollups were last rebuilt, and from what (for the UI and for tests).
CREATE TABLE report_builds (
  workspace_id uuid PRIMARY KEY REFERENCES workspaces (id) ON DELETE CASCADE,
  built_at     timestamptz NOT NULL DEFAULT now(),
  duration_ms  integer NOT NULL CHECK (duration_ms >= 0),
  source_rows  bigint NOT NULL CHECK (source_rows >= 0),
  missing_rates jsonb NOT NULL DEFAULT '[]'::jsonb CHECK (jsonb_typeof(missing_rates) = 'array')
);

DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['analytics_settings', 'currency_rates', 'report_daily', 'report_outcomes_daily', 'report_builds'] LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
    EXECUTE format($p$CREATE POLICY %I ON %I
      USING (workspace_id = nullif(current_setting('app.workspace_id', true), '')::uuid)
      WITH CHECK (workspace_id = nullif(current_setting('app.workspace_id', true), '')::uuid)$p$, t || '_tenant', t);
    EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %I TO throughline_app', t);
  END LOOP;
END
$$;
