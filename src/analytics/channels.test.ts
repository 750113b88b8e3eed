// Channel rules: the defaults, a workspace's own rules ahead of them, click ids, direct traffic,
// the schema that guards user-edited rules, and that classification never throws.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { channelRuleSchema, channelRulesSchema, classifyChannel, createChannelClassifier, DEFAULT_CHANNEL_RULES, isDirect, type ChannelRule, type TouchFields } from './channels.js';

function touch(fields: Partial<TouchFields>): TouchFields {
  return { utmSource: null, utmMedium: null, utmCampaign: null, gclid: null, fbclid: null, yclid: null, ...fields };
}

const noRules: readonly ChannelRule[] = [];

describe('default channel rules', () => {
  it('puts paid traffic on its ad platform, whatever the spelling of source and medium', () => {
    const cases: [string, string, string][] = [
      ['facebook', 'cpc', 'meta-ads'],
      ['FB', 'Paid_Social', 'meta-ads'],
      ['ig', 'cpm', 'meta-ads'],
      ['l.facebook.com', 'paid', 'meta-ads'],
      ['google', 'ppc', 'google-ads'],
      ['AdWords', 'cpc', 'google-ads'],
      ['Google+Ads', 'paidsearch', 'google-ads'],
      ['yandex', 'cpc', 'yandex-direct'],
      ['ya', 'display', 'yandex-direct'],
      ['vkontakte', 'cpc', 'vk-ads'],
      ['tt', 'cpc', 'tiktok-ads'],
    ];
    for (const [source, medium, channel] of cases) expect(classifyChannel(touch({ utmSource: source, utmMedium: medium }), noRules), `${source}/${medium}`).toBe(channel);
  });

  it('puts email, organic and referral traffic on their channels by medium alone', () => {
    expect(classifyChannel(touch({ utmSource: 'mailchimp', utmMedium: 'newsletter' }), noRules)).toBe('email');
    expect(classifyChannel(touch({ utmMedium: 'E-mail' }), noRules)).toBe('email');
    expect(classifyChannel(touch({ utmSource: 'google', utmMedium: 'organic' }), noRules)).toBe('organic');
    expect(classifyChannel(touch({ utmSource: 'habr.com', utmMedium: 'referral' }), noRules)).toBe('referral');
  });

  it('reads a click id as its ad platform when no rule matched (gclid, then fbclid, then yclid)', () => {
    expect(classifyChannel(touch({ gclid: 'Cj0KCQ' }), noRules)).toBe('google-ads');
    expect(classifyChannel(touch({ fbclid: 'IwAR2' }), noRules)).toBe('meta-ads');
    expect(classifyChannel(touch({ yclid: '123456' }), noRules)).toBe('yandex-direct');
    expect(classifyChannel(touch({ gclid: 'Cj0', fbclid: 'IwA' }), noRules)).toBe('google-ads');
    // A tagged touch keeps its tags' channel; the click id only fills in when the tags say nothing known.
    expect(classifyChannel(touch({ utmMedium: 'newsletter', gclid: 'Cj0' }), noRules)).toBe('email');
    expect(classifyChannel(touch({ utmSource: 'partner', utmMedium: 'weird', gclid: 'Cj0' }), noRules)).toBe('google-ads');
    // An empty click id is no click id.
    expect(classifyChannel(touch({ gclid: '  ' }), noRules)).toBe('direct');
  });

  it('calls a touch with no tag and no click id direct, and a tagged touch no rule knows other', () => {
    expect(classifyChannel(touch({}), noRules)).toBe('direct');
    expect(classifyChannel(touch({ utmSource: '(direct)', utmMedium: '(none)', utmCampaign: '(not set)' }), noRules)).toBe('direct');
    expect(classifyChannel(touch({ utmSource: 'partner', utmMedium: 'cpc' }), noRules)).toBe('other');
    expect(classifyChannel(touch({ utmSource: 'google' }), noRules)).toBe('other');
    expect(classifyChannel(touch({ utmCampaign: 'spring' }), noRules)).toBe('other');
  });
});

describe('workspace rules', () => {
  const rules: ChannelRule[] = [
    { channel: 'brand-search', source: { op: 'equals', value: 'Google' }, campaign: { op: 'starts_with', value: 'Brand' } },
    { channel: 'black-friday', campaign: { op: 'contains', value: 'black friday' } },
    { channel: 'meta-by-hand', source: { op: 'equals', value: 'fb' } },
    { channel: 'cpm-only', medium: { op: 'equals', value: 'CPM' } },
    { channel: 'partners', source: { op: 'starts_with', value: 'partner' }, medium: { op: 'equals', value: 'paid' } },
  ];

  it('run before the defaults, first match wins', () => {
    expect(classifyChannel(touch({ utmSource: 'google', utmMedium: 'cpc', utmCampaign: 'Brand_RU' }), rules)).toBe('brand-search');
    expect(classifyChannel(touch({ utmSource: 'google', utmMedium: 'cpc', utmCampaign: 'generic' }), rules)).toBe('google-ads');
    // Both "brand-search" and "black-friday" hold: the first listed wins.
    expect(classifyChannel(touch({ utmSource: 'adwords', utmCampaign: 'brand black friday' }), rules)).toBe('brand-search');
    expect(classifyChannel(touch({ utmSource: 'vk', utmMedium: 'cpc', utmCampaign: 'Black%20Friday_2026' }), rules)).toBe('black-friday');
  });

  it('compare normalised values, canonical or as written', () => {
    // "source equals fb" holds for 'fb' as written; 'facebook' is neither 'fb' nor canonically 'fb'.
    expect(classifyChannel(touch({ utmSource: 'FB', utmMedium: 'newsletter' }), rules)).toBe('meta-by-hand');
    expect(classifyChannel(touch({ utmSource: 'facebook', utmMedium: 'newsletter' }), rules)).toBe('email');
    // "medium equals cpm" singles out cpm although its canonical medium is cpc.
    expect(classifyChannel(touch({ utmSource: 'yandex', utmMedium: 'cpm' }), rules)).toBe('cpm-only');
    expect(classifyChannel(touch({ utmSource: 'yandex', utmMedium: 'cpc' }), rules)).toBe('yandex-direct');
    // "medium equals paid" holds for 'paid' as written, not for 'ppc' (canonical 'cpc', written 'ppc').
    expect(classifyChannel(touch({ utmSource: 'partner-x', utmMedium: 'ppc' }), rules)).toBe('other');
    expect(classifyChannel(touch({ utmSource: 'Partner%20X', utmMedium: 'Paid' }), rules)).toBe('partners');
  });

  it('treat rule values as literal text, never as patterns', () => {
    const literal: ChannelRule[] = [{ channel: 'dots', source: { op: 'equals', value: '.*' } }];
    expect(classifyChannel(touch({ utmSource: 'anything' }), literal)).toBe('other');
    expect(classifyChannel(touch({ utmSource: '.*' }), literal)).toBe('dots');
  });

  it('give the same answer through a held classifier and through classifyChannel', () => {
    const classify = createChannelClassifier(rules);
    const t = touch({ utmSource: 'google', utmMedium: 'cpc', utmCampaign: 'brand' });
    expect(classify(t)).toBe('brand-search');
    expect(classify(t)).toBe(classifyChannel(t, rules));
  });
});

describe('channel rule schema', () => {
  it('accepts the default rules and a typical workspace rule', () => {
    expect(channelRulesSchema.safeParse(DEFAULT_CHANNEL_RULES).success).toBe(true);
    expect(channelRuleSchema.safeParse({ channel: 'brand-search', source: { op: 'equals', value: 'google' }, campaign: { op: 'starts_with', value: 'brand' } }).success).toBe(true);
  });

  it('refuses bad channel keys, empty or oversized values, unknown ops and extra keys', () => {
    const condition = { op: 'equals', value: 'x' };
    const bad: unknown[] = [
      { channel: 'Meta', source: condition },
      { channel: '-meta', source: condition },
      { channel: '', source: condition },
      { channel: 'a'.repeat(41), source: condition },
      { channel: 'x', source: { op: 'equals', value: '' } },
      { channel: 'x', source: { op: 'equals', value: '   ' } },
      { channel: 'x', source: { op: 'equals', value: '(none)' } },
      { channel: 'x', source: { op: 'equals', value: 'a'.repeat(201) } },
      { channel: 'x', source: { op: 'regex', value: '.*' } },
      { channel: 'x', source: condition, extra: true },
      { channel: 'x', source: { ...condition, flags: 'g' } },
      { channel: 'x' },
      { channel: 'x', source: 'google' },
    ];
    for (const rule of bad) expect(channelRuleSchema.safeParse(rule).success, JSON.stringify(rule)).toBe(false);
    expect(channelRuleSchema.safeParse({ channel: 'a'.repeat(40), source: { op: 'contains', value: 'a'.repeat(200) } }).success).toBe(true);
  });

  it('allows at most 100 rules', () => {
    const rule = { channel: 'x', source: { op: 'equals', value: 'x' } };
    expect(channelRulesSchema.safeParse(new Array(100).fill(rule)).success).toBe(true);
    expect(channelRulesSchema.safeParse(new Array(101).fill(rule)).success).toBe(false);
  });
});

describe('classification on arbitrary input', () => {
  const textArb = fc.option(fc.oneof(fc.string({ unit: 'binary' }), fc.constantFrom('fb', 'google', 'cpc', 'email', '%2B', '(none)', 'Brand')), { nil: null });
  const conditionArb = fc.record({ op: fc.constantFrom('equals' as const, 'contains' as const, 'starts_with' as const), value: fc.string({ minLength: 1, maxLength: 20 }) });
  const ruleArb = fc.record(
    { channel: fc.stringMatching(/^[a-z0-9][a-z0-9-]{0,39}$/), source: conditionArb, medium: conditionArb, campaign: conditionArb },
    { requiredKeys: ['channel'] },
  );
  const touchArb = fc.record({ utmSource: textArb, utmMedium: textArb, utmCampaign: textArb, gclid: textArb, fbclid: textArb, yclid: textArb });

  it('never throws and always names a channel', () => {
    fc.assert(
      fc.property(touchArb, fc.array(ruleArb, { maxLength: 5 }), (t, rules) => {
        const channel = classifyChannel(t, rules);
        expect(channel.length).toBeGreaterThan(0);
        expect(createChannelClassifier(rules)(t)).toBe(channel);
      }),
      { numRuns: 2000 },
    );
  });

  it('calls direct exactly the touches with no tag and no click id', () => {
    fc.assert(
      fc.property(touchArb, (t) => {
        const untagged = [t.utmSource, t.utmMedium, t.utmCampaign].every((v) => v === null || ['', '(none)'].includes(v.trim()));
        const noClick = [t.gclid, t.fbclid, t.yclid].every((v) => v === null || v.trim() === '');
        if (untagged && noClick) expect(isDirect(classifyChannel(t, noRules))).toBe(true);
        if (!noClick) expect(isDirect(classifyChannel(t, noRules))).toBe(false);
      }),
      { numRuns: 2000 },
    );
  });
});
