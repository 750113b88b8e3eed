// Channel classification: which marketing channel a touch (a lead's or deal's UTM tags and click
// ids) belongs to, by the workspace's own rules and then the defaults. Rules are plain string
// comparisons on normalised values (no regular expressions from users, so no ReDoS); a touch
// always gets a channel and classification never throws.
import { z } from 'zod';
import { canonicalMedium, canonicalSource, normaliseUtm } from './utm.js';

export type ConditionOp = 'equals' | 'contains' | 'starts_with';

export interface Condition {
  op: ConditionOp;
  value: string;
}

/** A channel rule matches when every condition it gives holds. */
export interface ChannelRule {
  channel: string;
  source?: Condition;
  medium?: Condition;
  campaign?: Condition;
}

export interface TouchFields {
  utmSource: string | null;
  utmMedium: string | null;
  utmCampaign: string | null;
  gclid: string | null;
  fbclid: string | null;
  yclid: string | null;
}

export const DIRECT_CHANNEL = 'direct';
export const OTHER_CHANNEL = 'other';
export const MAX_CHANNEL_RULES = 100;

export const CONDITION_OPS = ['equals', 'contains', 'starts_with'] as const satisfies readonly ConditionOp[];

export const conditionSchema = z
  .object({
    op: z.enum(CONDITION_OPS),
    value: z
      .string()
      .min(1)
      .max(200)
      .refine((value) => normaliseUtm(value) !== null, { message: 'The value is empty once normalised (spaces, "(none)", "null").' }),
  })
  .strict();

export const channelRuleSchema = z
  .object({
    channel: z.string().regex(/^[a-z0-9][a-z0-9-]{0,39}$/, 'A channel key is 1-40 lowercase letters, digits and dashes, starting with a letter or digit.'),
    source: conditionSchema.optional(),
    medium: conditionSchema.optional(),
    campaign: conditionSchema.optional(),
  })
  .strict()
  .refine((rule) => rule.source !== undefined || rule.medium !== undefined || rule.campaign !== undefined, {
    message: 'A rule needs at least one condition (source, medium or campaign).',
  });

export const channelRulesSchema = z.array(channelRuleSchema).max(MAX_CHANNEL_RULES);

const paidOn = (source: string, channel: string): ChannelRule => ({
  channel,
  source: { op: 'equals', value: source },
  medium: { op: 'equals', value: 'cpc' },
});

/** Applied after the workspace's rules. 'cpc' is the canonical paid medium (see MEDIUM_ALIASES). */
export const DEFAULT_CHANNEL_RULES: readonly ChannelRule[] = Object.freeze([
  paidOn('facebook', 'meta-ads'),
  paidOn('google', 'google-ads'),
  paidOn('yandex', 'yandex-direct'),
  paidOn('vk', 'vk-ads'),
  paidOn('tiktok', 'tiktok-ads'),
  { channel: 'email', medium: { op: 'equals', value: 'email' } },
  { channel: 'organic', medium: { op: 'equals', value: 'organic' } },
  { channel: 'referral', medium: { op: 'equals', value: 'referral' } },
]);

type CompiledCondition = (canonical: string | null, written: string | null) => boolean;

function compileCondition(condition: Condition | undefined): CompiledCondition | null {
  if (condition === undefined) return null;
  const value = normaliseUtm(condition.value);
  // A value that normalises to nothing (schema-checked rules never have one) matches nothing.
  if (value === null) return () => false;
  const test =
    condition.op === 'equals'
      ? (field: string) => field === value
      : condition.op === 'contains'
        ? (field: string) => field.includes(value)
        : (field: string) => field.startsWith(value);
  // Holds for the canonical value or the value as written: "source equals facebook" catches 'fb',
  // and "medium equals cpm" still singles out cpm although its canonical medium is 'cpc'.
  return (canonical, written) => (canonical !== null && test(canonical)) || (written !== null && written !== canonical && test(written));
}

interface NormalisedTouch {
  source: string | null;
  canonicalSource: string | null;
  medium: string | null;
  canonicalMedium: string | null;
  campaign: string | null;
}

type CompiledRule = { channel: string; matches: (touch: NormalisedTouch) => boolean };

function compileRule(rule: ChannelRule): CompiledRule {
  const source = compileCondition(rule.source);
  const medium = compileCondition(rule.medium);
  const campaign = compileCondition(rule.campaign);
  return {
    channel: rule.channel,
    matches: (t) =>
      (source === null || source(t.canonicalSource, t.source)) &&
      (medium === null || medium(t.canonicalMedium, t.medium)) &&
      (campaign === null || campaign(t.campaign, t.campaign)),
  };
}

const compiledDefaults = DEFAULT_CHANNEL_RULES.map(compileRule);

function present(clickId: string | null): boolean {
  return clickId !== null && clickId.trim() !== '';
}

// Classifications memoised per classifier; bounded so that a stream of unique tags cannot grow it.
const MEMO_LIMIT = 50_000;

/**
 * A classifier for one workspace's rules, compiled once (rule values normalised up front) and
 * memoised on the touch's tags. Use it when classifying many touches with the same rules.
 *
 * Order: the workspace's rules in their order, then DEFAULT_CHANNEL_RULES, first match wins.
 * Then a click id names the ad platform (gclid, then fbclid, then yclid). A touch with no UTM tag
 * and no click id is 'direct'; anything else unmatched is 'other'.
 */
export function createChannelClassifier(rules: readonly ChannelRule[]): (touch: TouchFields) => string {
  const compiled = [...rules.map(compileRule), ...compiledDefaults];
  const memo = new Map<string, string>();
  return (touch) => {
    const gclid = present(touch.gclid);
    const fbclid = present(touch.fbclid);
    const yclid = present(touch.yclid);
    const key = JSON.stringify([touch.utmSource, touch.utmMedium, touch.utmCampaign, gclid, fbclid, yclid]);
    const known = memo.get(key);
    if (known !== undefined) return known;
    const source = normaliseUtm(touch.utmSource);
    const medium = normaliseUtm(touch.utmMedium);
    const t: NormalisedTouch = {
      source,
      canonicalSource: canonicalSource(source),
      medium,
      canonicalMedium: canonicalMedium(medium),
      campaign: normaliseUtm(touch.utmCampaign),
    };
    let channel = compiled.find((rule) => rule.matches(t))?.channel;
    if (channel === undefined) {
      if (gclid) channel = 'google-ads';
      else if (fbclid) channel = 'meta-ads';
      else if (yclid) channel = 'yandex-direct';
      else if (t.source === null && t.medium === null && t.campaign === null) channel = DIRECT_CHANNEL;
      else channel = OTHER_CHANNEL;
    }
    if (memo.size >= MEMO_LIMIT) memo.clear();
    memo.set(key, channel);
    return channel;
  };
}

const classifiers = new WeakMap<readonly ChannelRule[], (touch: TouchFields) => string>();

/**
 * The channel of one touch under the workspace's `rules` (the defaults are appended here). The
 * compiled rules are cached per rules array, so pass the same array for a batch, or hold a
 * createChannelClassifier() yourself.
 */
export function classifyChannel(touch: TouchFields, rules: readonly ChannelRule[]): string {
  let classifier = classifiers.get(rules);
  if (classifier === undefined) {
    classifier = createChannelClassifier(rules);
    classifiers.set(rules, classifier);
  }
  return classifier(touch);
}

/** Direct traffic: skipped by last-non-direct attribution. */
export function isDirect(channel: string): boolean {
  return channel === DIRECT_CHANNEL;
}
