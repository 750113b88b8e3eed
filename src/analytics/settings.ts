// A workspace's analytics settings: reporting currency and time zone (the workspace's own columns),
// attribution half-life, LTV window, default model and channel rules (analytics_settings, with
// defaults until someone saves). Rules are validated with channelRulesSchema on the way in and on
// the way out, so a row edited outside the app cannot feed the engine something it never checked.
import { sql } from 'kysely';
import type { WorkspaceTx } from '../db/index.js';
import type { AttributionModel } from './attribution.js';
import { channelRulesSchema, type ChannelRule } from './channels.js';

export interface AnalyticsSettings {
  reportingCurrency: string;
  timezone: string;
  halfLifeDays: number;
  ltvWindowDays: number;
  defaultModel: AttributionModel;
  channelRules: ChannelRule[];
}

export const DEFAULT_HALF_LIFE_DAYS = 7;
export const DEFAULT_LTV_WINDOW_DAYS = 365;

export async function loadAnalyticsSettings(tx: WorkspaceTx): Promise<AnalyticsSettings> {
  const workspace = await tx.selectFrom('workspaces').select(['currency', 'timezone']).executeTakeFirstOrThrow();
  const row = await tx.selectFrom('analytics_settings').select(['half_life_days', 'ltv_window_days', 'default_model', 'channel_rules']).executeTakeFirst();
  const rules = channelRulesSchema.safeParse(row?.channel_rules ?? []);
  return {
    reportingCurrency: workspace.currency.trim(),
    timezone: workspace.timezone,
    halfLifeDays: row?.half_life_days ?? DEFAULT_HALF_LIFE_DAYS,
    ltvWindowDays: row?.ltv_window_days ?? DEFAULT_LTV_WINDOW_DAYS,
    defaultModel: row?.default_model ?? 'last_non_direct',
    channelRules: rules.success ? rules.data : [],
  };
}

export interface AnalyticsSettingsPatch {
  halfLifeDays?: number | undefined;
  ltvWindowDays?: number | undefined;
  defaultModel?: AttributionModel | undefined;
  channelRules?: ChannelRule[] | undefined;
}

export async function saveAnalyticsSettings(tx: WorkspaceTx, workspaceId: string, patch: AnalyticsSettingsPatch): Promise<void> {
  const current = await loadAnalyticsSettings(tx);
  const next = {
    half_life_days: patch.halfLifeDays ?? current.halfLifeDays,
    ltv_window_days: patch.ltvWindowDays ?? current.ltvWindowDays,
    default_model: patch.defaultModel ?? current.defaultModel,
    channel_rules: JSON.stringify(patch.channelRules ?? current.channelRules),
  };
  await tx
    .insertInto('analytics_settings')
    .values({ workspace_id: workspaceId, ...next })
    .onConflict((oc) => oc.column('workspace_id').doUpdateSet({ ...next, updated_at: sql`now()` }))
    .execute();
}
