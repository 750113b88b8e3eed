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

-- The rollups, per attribution model. Counts of deals are credits (1 deal = 1,000,000), so
-- fractional multi-touch credit stays exact; money is in micros of the reporting currency
-- (1 unit = 1,000,000), converted at the day's rate and split by the same credit to the micro.
-- Spend, clicks and leads do not depend on the model and are repeated under each one.
--
-- By channel and day: totals, the daily series and every grouping but campaign read these rows
-- (a few per day whatever the volume).
CREATE TABLE report_channel_daily (
  workspace_id       uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  model              text NOT NULL CHECK (model IN ('first_touch', 'last_non_direct', 'linear', 'position_based', 'time_decay')),
  day                date NOT NULL,
  channel            text NOT NULL CHECK (length(channel) BETWEEN 1 AND 40),
  spend_micros       bigint NOT NULL DEFAULT 0,
  impressions        bigint NOT NULL DEFAULT 0,
  clicks             bigint NOT NULL DEFAULT 0,
  leads              bigint NOT NULL DEFAULT 0,
  deal_credits       bigint NOT NULL DEFAULT 0,
  won_credits        bigint NOT NULL DEFAULT 0,
  revenue_micros     bigint NOT NULL DEFAULT 0,
  customer_credits   bigint NOT NULL DEFAULT 0,
  ltv_revenue_micros bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (workspace_id, model, day, channel)
);

-- By campaign: running sums from each campaign's first day to the end of the data, one row a day
-- (days without activity repeat the sums), so any range of any campaign is the row on its last day
-- minus the row on the day before it: two rows per campaign, however long the range.
-- campaign_id is the zero uuid for touches of the channel that matched no campaign.
CREATE TABLE report_campaign_running (
  workspace_id       uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  model              text NOT NULL CHECK (model IN ('first_touch', 'last_non_direct', 'linear', 'position_based', 'time_decay')),
  day                date NOT NULL,
  channel            text NOT NULL CHECK (length(channel) BETWEEN 1 AND 40),
  campaign_id        uuid NOT NULL,
  spend_micros       bigint NOT NULL,
  impressions        bigint NOT NULL,
  clicks             bigint NOT NULL,
  leads              bigint NOT NULL,
  deal_credits       bigint NOT NULL,
  won_credits        bigint NOT NULL,
  revenue_micros     bigint NOT NULL,
  customer_credits   bigint NOT NULL,
  ltv_revenue_micros bigint NOT NULL,
  PRIMARY KEY (workspace_id, model, day, channel, campaign_id)
);

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
  FOREACH t IN ARRAY ARRAY['analytics_settings', 'currency_rates', 'report_channel_daily', 'report_campaign_running', 'report_builds'] LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
    EXECUTE format($p$CREATE POLICY %I ON %I
      USING (workspace_id = nullif(current_setting('app.workspace_id', true), '')::uuid)
      WITH CHECK (workspace_id = nullif(current_setting('app.workspace_id', true), '')::uuid)$p$, t || '_tenant', t);
    EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %I TO throughline_app', t);
  END LOOP;
END
$$;
