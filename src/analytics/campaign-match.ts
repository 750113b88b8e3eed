// Campaign matching: which ad campaign a lead's or deal's utm_campaign points at, within the
// channel the touch was classified to. Lookups are precomputed maps, so matching a million deals
// costs a million map reads; an ambiguous tag matches nothing rather than the wrong campaign.
import { normaliseUtm } from './utm.js';

export interface CampaignRef {
  id: string;
  channel: string;
  externalId: string;
  name: string;
  /** The utm_campaign the campaign's links carry, when the workspace recorded it. */
  utmCampaign?: string | null;
}

const AMBIGUOUS = Symbol('ambiguous');
type Entry = string | typeof AMBIGUOUS;

// Characters that separate words in campaign names and tags: "Spring Sale | Search",
// "spring_sale-2026", "brand/ru (exact)". Folded to one space for the loose comparisons.
const SEPARATORS = /[\s_\-.|/\\:;,()[\]{}+–—]+/gu;

/** A normalised name with every run of separators as one space: 'spring_sale-2026' -> 'spring sale 2026'. */
export function looseCampaignKey(normalised: string): string {
  return normalised.replace(SEPARATORS, ' ').trim();
}

class Index {
  private readonly entries = new Map<string, Entry>();

  add(key: string | null, id: string): void {
    if (key === null || key === '') return;
    const existing = this.entries.get(key);
    this.entries.set(key, existing === undefined || existing === id ? id : AMBIGUOUS);
  }

  get(key: string): Entry | undefined {
    return this.entries.get(key);
  }
}

interface ChannelIndexes {
  utmCampaign: Index;
  externalId: Index;
  name: Index;
  looseName: Index;
  namePrefix: Index;
}

const MEMO_LIMIT = 50_000;

/**
 * A matcher over a workspace's campaigns. For the campaigns of the given channel, the normalised
 * utm_campaign is looked up, in order, as:
 *   1. the campaign's recorded utm_campaign,
 *   2. its external (platform) id,
 *   3. its normalised name,
 *   4. its name with separators folded ('spring_sale' finds "Spring Sale"),
 *   5. the start of its name, followed by a separator ('spring sale' finds "Spring Sale | Search").
 * The first step that finds something decides: one campaign -> its id; several -> null
 * (ambiguous; a less exact step is not tried). No tag or no match -> null.
 */
export function createCampaignMatcher(campaigns: readonly CampaignRef[]): (channel: string, utmCampaign: string | null) => string | null {
  const byChannel = new Map<string, ChannelIndexes>();
  for (const campaign of campaigns) {
    let indexes = byChannel.get(campaign.channel);
    if (indexes === undefined) {
      indexes = { utmCampaign: new Index(), externalId: new Index(), name: new Index(), looseName: new Index(), namePrefix: new Index() };
      byChannel.set(campaign.channel, indexes);
    }
    indexes.utmCampaign.add(normaliseUtm(campaign.utmCampaign), campaign.id);
    indexes.externalId.add(normaliseUtm(campaign.externalId), campaign.id);
    const name = normaliseUtm(campaign.name);
    if (name === null) continue;
    indexes.name.add(name, campaign.id);
    const loose = looseCampaignKey(name);
    indexes.looseName.add(loose, campaign.id);
    // Every word boundary of the loose name is a prefix a tag may stop at.
    for (let at = loose.indexOf(' '); at > 0; at = loose.indexOf(' ', at + 1)) indexes.namePrefix.add(loose.slice(0, at), campaign.id);
  }

  const memo = new Map<string, string | null>();
  return (channel, utmCampaign) => {
    if (utmCampaign === null) return null;
    const indexes = byChannel.get(channel);
    if (indexes === undefined) return null;
    const memoKey = JSON.stringify([channel, utmCampaign]);
    const known = memo.get(memoKey);
    if (known !== undefined) return known;
    let result: string | null = null;
    const tag = normaliseUtm(utmCampaign);
    if (tag !== null) {
      const loose = looseCampaignKey(tag);
      const found =
        indexes.utmCampaign.get(tag) ??
        indexes.externalId.get(tag) ??
        indexes.name.get(tag) ??
        (loose === '' ? undefined : (indexes.looseName.get(loose) ?? indexes.namePrefix.get(loose)));
      result = found === undefined || found === AMBIGUOUS ? null : found;
    }
    if (memo.size >= MEMO_LIMIT) memo.clear();
    memo.set(memoKey, result);
    return result;
  };
}
