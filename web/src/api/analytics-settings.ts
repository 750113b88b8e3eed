// A workspace's analytics settings (src/analytics/routes.ts): attribution settings and channel rules,
// the channel-rules preview, daily currency rates, and the reporting currency and time zone (which
// are the workspace's own fields, changed through PATCH /api/workspaces/:id). Every change makes the
// server rebuild the reports before it answers.
import { api, segment, type RequestOptions } from './client.js';
import type { WorkspaceDetails } from './workspaces.js';

export const ATTRIBUTION_MODELS = ['first_touch', 'last_non_direct', 'linear', 'position_based', 'time_decay'] as const;
export type AttributionModel = (typeof ATTRIBUTION_MODELS)[number];

export const CONDITION_OPS = ['equals', 'contains', 'starts_with'] as const;
export type ConditionOp = (typeof CONDITION_OPS)[number];

/** The tags a rule can test, in the order the editor shows them. */
export const RULE_FIELDS = ['source', 'medium', 'campaign'] as const;
export type RuleField = (typeof RULE_FIELDS)[number];

export interface Condition {
  op: ConditionOp;
  value: string;
}

/** Matches when every condition it has holds; at least one condition. */
export interface ChannelRule {
  channel: string;
  source?: Condition;
  medium?: Condition;
  campaign?: Condition;
}

export interface AnalyticsSettings {
  reportingCurrency: string;
  timezone: string;
  halfLifeDays: number;
  ltvWindowDays: number;
  defaultModel: AttributionModel;
  channelRules: ChannelRule[];
}

export interface AttributionSettingsPatch {
  halfLifeDays?: number;
  ltvWindowDays?: number;
  defaultModel?: AttributionModel;
  channelRules?: ChannelRule[];
}

export interface ChannelRulePreviewRow {
  source: string | null;
  medium: string | null;
  campaign: string | null;
  /** Whether the touches carry a click id (gclid, fbclid or yclid). */
  clickId: boolean;
  /** Leads and deals with these tags. */
  touches: number;
  current: string;
  proposed: string;
}

export interface ChannelRulePreview {
  /** The most common tag combinations, most frequent first. */
  rows: ChannelRulePreviewRow[];
  /** Touches among `rows` whose channel the proposed rules change. */
  changed: number;
}

/** 1 `base` = `rate` units of the reporting currency on `date`. */
export interface CurrencyRate {
  date: string;
  base: string;
  /** A decimal string, exact as stored. */
  rate: string;
}

/** Limits the server enforces (src/analytics/channels.ts, routes.ts). */
export const MAX_CHANNEL_RULES = 100;
export const MAX_CONDITION_LENGTH = 200;
export const MAX_RATES_PER_SAVE = 20_000;
export const HALF_LIFE_RANGE = { min: 1, max: 365 } as const;
export const LTV_WINDOW_RANGE = { min: 1, max: 3650 } as const;

/**
 * What the engine applies after the workspace's own rules, mirrored from DEFAULT_CHANNEL_RULES in
 * src/analytics/channels.ts so the page can show what happens without rules (the browser test
 * checks the two agree).
 */
export const DEFAULT_CHANNEL_RULES: readonly ChannelRule[] = [
  { channel: 'meta-ads', source: { op: 'equals', value: 'facebook' }, medium: { op: 'equals', value: 'cpc' } },
  { channel: 'google-ads', source: { op: 'equals', value: 'google' }, medium: { op: 'equals', value: 'cpc' } },
  { channel: 'yandex-direct', source: { op: 'equals', value: 'yandex' }, medium: { op: 'equals', value: 'cpc' } },
  { channel: 'vk-ads', source: { op: 'equals', value: 'vk' }, medium: { op: 'equals', value: 'cpc' } },
  { channel: 'tiktok-ads', source: { op: 'equals', value: 'tiktok' }, medium: { op: 'equals', value: 'cpc' } },
  { channel: 'email', medium: { op: 'equals', value: 'email' } },
  { channel: 'organic', medium: { op: 'equals', value: 'organic' } },
  { channel: 'referral', medium: { op: 'equals', value: 'referral' } },
];

/** Channels the engine itself assigns (defaults, click ids, no tags, nothing matched). */
export const KNOWN_CHANNELS: readonly string[] = [...DEFAULT_CHANNEL_RULES.map((rule) => rule.channel), 'direct', 'other'];

const base = (workspaceId: string) => `/api/workspaces/${segment(workspaceId)}`;
const withSignal = (signal?: AbortSignal): RequestOptions | undefined => (signal === undefined ? undefined : { signal });

export const analyticsSettingsApi = {
  get: (workspaceId: string, signal?: AbortSignal) => api.get<AnalyticsSettings>(`${base(workspaceId)}/analytics/settings`, withSignal(signal)),
  /** Owners and admins; the reports are rebuilt before it answers. */
  update: (workspaceId: string, patch: AttributionSettingsPatch) => api.patch<AnalyticsSettings>(`${base(workspaceId)}/analytics/settings`, patch),
  /** Analysts and up; changes nothing. */
  preview: (workspaceId: string, channelRules: readonly ChannelRule[]) =>
    api.post<ChannelRulePreview>(`${base(workspaceId)}/analytics/channel-rules/preview`, { channelRules }),
  /** Owners and admins: the workspace's reporting currency and time zone; the reports are rebuilt. */
  updateReporting: (workspaceId: string, body: { currency?: string; timezone?: string }) => api.patch<WorkspaceDetails>(base(workspaceId), body),

  /** The latest 1,000 rates into the reporting currency (`quote`), newest first. */
  rates: (workspaceId: string, signal?: AbortSignal) => api.get<{ quote: string; rates: CurrencyRate[] }>(`${base(workspaceId)}/analytics/rates`, withSignal(signal)),
  /** Owners and admins: adds or replaces rates (same date and base); the reports are rebuilt. */
  saveRates: (workspaceId: string, rates: readonly CurrencyRate[]) => api.post<{ saved: number }>(`${base(workspaceId)}/analytics/rates`, { rates }),
};
