// Campaign matching: a tag finds its campaign by declared tag, platform id, name, loose name or
// name prefix, only within the touch's channel, and an ambiguous tag finds nothing.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createCampaignMatcher, type CampaignRef } from './campaign-match.js';

const campaigns: CampaignRef[] = [
  { id: 'g1', channel: 'google-ads', externalId: '1234567890', name: 'Brand | Search RU' },
  { id: 'g2', channel: 'google-ads', externalId: '222', name: 'Spring Sale 2026' },
  { id: 'g3', channel: 'google-ads', externalId: '333', name: 'Spring Sale 2026 - Retargeting' },
  { id: 'g4', channel: 'google-ads', externalId: '444', name: 'Evergreen', utmCampaign: 'promo42' },
  { id: 'g5', channel: 'google-ads', externalId: '555', name: 'promo42' },
  { id: 'm1', channel: 'meta-ads', externalId: '120210000000001', name: 'Spring Sale 2026' },
  { id: 'm2', channel: 'meta-ads', externalId: '120210000000002', name: 'Black Friday_EU' },
  { id: 'm3', channel: 'meta-ads', externalId: '120210000000003', name: 'Black Friday_US' },
];

describe('campaign matching', () => {
  const match = createCampaignMatcher(campaigns);

  it('finds a campaign by its platform id', () => {
    expect(match('google-ads', '1234567890')).toBe('g1');
    expect(match('meta-ads', ' 120210000000002 ')).toBe('m2');
  });

  it('finds a campaign by its normalised name, before any looser match', () => {
    // Exact name "spring sale 2026" is g2, although it is also the start of g3's name.
    expect(match('google-ads', 'Spring%20Sale%202026')).toBe('g2');
    expect(match('google-ads', 'SPRING+SALE+2026')).toBe('g2');
  });

  it('finds a campaign when separators differ between tag and name', () => {
    expect(match('google-ads', 'spring_sale_2026')).toBe('g2');
    expect(match('google-ads', 'spring-sale-2026-retargeting')).toBe('g3');
    expect(match('meta-ads', 'black-friday-us')).toBe('m3');
  });

  it('finds a campaign whose name starts with the tag followed by a separator', () => {
    expect(match('google-ads', 'brand')).toBe('g1');
    expect(match('google-ads', 'brand_search')).toBe('g1');
    expect(match('google-ads', 'bra')).toBeNull(); // not at a word boundary
  });

  it('prefers the tag a campaign declares over another campaign of that name', () => {
    expect(match('google-ads', 'promo42')).toBe('g4');
  });

  it('matches only within the touch’s channel', () => {
    expect(match('meta-ads', 'spring sale 2026')).toBe('m1');
    expect(match('meta-ads', '1234567890')).toBeNull();
    expect(match('vk-ads', 'spring sale 2026')).toBeNull();
  });

  it('answers null for an ambiguous tag rather than guess', () => {
    expect(match('google-ads', 'spring sale')).toBeNull(); // the start of g2 and of g3
    expect(match('meta-ads', 'black friday')).toBeNull(); // the start of m2 and of m3
  });

  it('answers null for no tag or a placeholder', () => {
    expect(match('google-ads', null)).toBeNull();
    expect(match('google-ads', '(not set)')).toBeNull();
    expect(match('google-ads', '___')).toBeNull();
    expect(match('google-ads', 'unknown campaign')).toBeNull();
  });

  it('treats two campaigns with one external id as ambiguous', () => {
    const twins = createCampaignMatcher([
      { id: 'a', channel: 'vk-ads', externalId: '1', name: 'A' },
      { id: 'b', channel: 'vk-ads', externalId: '1', name: 'B' },
    ]);
    expect(twins('vk-ads', '1')).toBeNull();
    expect(twins('vk-ads', 'b')).toBe('b');
  });

  it('finds every campaign by its own platform id and only ever answers a campaign of the asked channel', () => {
    const channelArb = fc.constantFrom('google-ads', 'meta-ads', 'vk-ads');
    fc.assert(
      fc.property(fc.array(fc.record({ channel: channelArb, name: fc.string({ maxLength: 12 }) }), { maxLength: 30 }), fc.string(), channelArb, (specs, tag, channel) => {
        const refs = specs.map((s, i) => ({ id: `c${i}`, channel: s.channel, externalId: `x${i}`, name: s.name }));
        const matcher = createCampaignMatcher(refs);
        for (const ref of refs) expect(matcher(ref.channel, ref.externalId)).toBe(ref.id);
        const found = matcher(channel, tag);
        if (found !== null) expect(refs.find((r) => r.id === found)?.channel).toBe(channel);
      }),
      { numRuns: 300 },
    );
  });

  it('matches a hundred thousand deals over a thousand campaigns, repeated tags included', () => {
    // Tags repeat across deals as they do in a CRM, so this also exercises the memo. (Speed is
    // measured by bench/report.ts, not asserted here.)
    const many: CampaignRef[] = Array.from({ length: 1000 }, (_, i) => ({ id: `id${i}`, channel: 'google-ads', externalId: String(10_000 + i), name: `Campaign ${i} | Search` }));
    const matcher = createCampaignMatcher(many);
    let found = 0;
    for (let i = 0; i < 100_000; i += 1) if (matcher('google-ads', `campaign_${i % 1500}`) !== null) found += 1;
    // Tags campaign_0..campaign_999 of every 1500 match: 66 full cycles x 1000, plus 1000 in the tail.
    expect(found).toBe(67_000);
  });
});
