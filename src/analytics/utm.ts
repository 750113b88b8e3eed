// UTM tags as the engine compares them: decoded, Unicode-normalised, trimmed and lowercased, with
// placeholder values read as "no tag", and the known spellings of a source or medium folded into
// one canonical name. normaliseUtm is idempotent; nothing here throws on any string.

// What trackers, analytics exports and CRMs write when there is no tag.
const EMPTY_VALUES: ReadonlySet<string> = new Set(['', '(none)', '(not set)', '(not provided)', '(direct)', 'null', 'undefined']);

const PERCENT_RUN = /(?:%[0-9A-Fa-f]{2})+/g;
// Controls (tabs, newlines, NUL, C1) become spaces and then collapse with the other whitespace.
const CONTROL = /\p{Cc}/gu;
// Invisible characters that split a tag without showing (zero-width space, word joiner) read as
// spaces. Deleting them could join "%" and "41" into an escape and break idempotence.
const INVISIBLE = /[\u200B\u2060]/g;
const WHITESPACE = /\s+/g;
// A lone UTF-16 surrogate cannot be stored as UTF-8 (drivers write U+FFFD); replace it the same way.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

// "Without BOM": a leading U+FEFF stays a character (then trimmed as whitespace), as in WHATWG URL.
const utf8 = new TextDecoder('utf-8', { ignoreBOM: true });

/**
 * One pass of application/x-www-form-urlencoded value parsing, as browsers' URLSearchParams does
 * it: '+' is a space, each run of valid %XX escapes is decoded as UTF-8 (invalid bytes become
 * U+FFFD), and a malformed escape such as "%zz" or a lone "%" stays as written.
 */
function formDecodeOnce(value: string): string {
  const spaced = value.replaceAll('+', ' ');
  if (!spaced.includes('%')) return spaced;
  return spaced.replace(PERCENT_RUN, (run) => {
    const bytes = new Uint8Array(run.length / 3);
    for (let i = 0; i < bytes.length; i += 1) bytes[i] = Number.parseInt(run.slice(i * 3 + 1, i * 3 + 3), 16);
    return utf8.decode(bytes);
  });
}

/**
 * A UTM value as the engine compares it, or null for "no tag".
 *
 * Decodes form encoding until nothing changes (tags are often encoded twice by redirect chains:
 * "spring%2520sale"), so a literal '+' always reads as a space, as it does in a query string. Then
 * replaces lone surrogates with U+FFFD, lowercases, applies Unicode NFC, turns control characters and zero-width spaces into spaces,
 * trims and collapses inner whitespace to one space. '', '(none)', '(not set)', '(not provided)',
 * '(direct)', 'null' and 'undefined' become null.
 *
 * @example normaliseUtm('  Spring%20Sale+2026 ') === 'spring sale 2026'
 */
export function normaliseUtm(raw: string | null | undefined): string | null {
  if (raw === null || raw === undefined) return null;
  // Each pass that changes the text removes every '+' or shortens it by decoding an escape, so
  // the loop ends within length / 2 passes.
  let decoded = raw;
  for (let next = formDecodeOnce(decoded); next !== decoded; next = formDecodeOnce(decoded)) decoded = next;
  const value = decoded
    .replace(LONE_SURROGATE, '\uFFFD')
    .toLowerCase()
    .normalize('NFC')
    .replace(CONTROL, ' ')
    .replace(INVISIBLE, ' ')
    .replace(WHITESPACE, ' ')
    .trim();
  return EMPTY_VALUES.has(value) ? null : value;
}

function aliasMap(groups: Record<string, readonly string[]>): ReadonlyMap<string, string> {
  const map = new Map<string, string>();
  for (const [canonical, aliases] of Object.entries(groups)) {
    map.set(canonical, canonical);
    for (const alias of aliases) map.set(alias, canonical);
  }
  return map;
}

/** Spellings of a source seen in the wild (Meta's {{site_source_name}}, referrer hosts, hand-typed). */
export const SOURCE_ALIASES: ReadonlyMap<string, string> = aliasMap({
  facebook: [
    'fb', 'meta', 'instagram', 'ig', 'facebook.com', 'www.facebook.com', 'm.facebook.com', 'l.facebook.com', 'lm.facebook.com',
    'fb.com', 'instagram.com', 'www.instagram.com', 'l.instagram.com', 'meta ads', 'facebook ads', 'facebook_ads', 'meta_ads',
  ],
  google: ['adwords', 'google ads', 'googleads', 'google_ads', 'google-ads', 'google.com', 'www.google.com'],
  yandex: ['ya', 'direct', 'yandex.direct', 'yandex_direct', 'yandex-direct', 'yandexdirect', 'yandex.ru', 'ya.ru'],
  vk: ['vkontakte', 'vk.com', 'm.vk.com', 'vk ads', 'vk_ads', 'vk-ads', 'vkads'],
  tiktok: ['tt', 'tiktok.com', 'www.tiktok.com', 'tiktok ads', 'tiktok_ads', 'tiktok-ads'],
});

/**
 * Spellings of a medium. 'cpc' stands for every paid placement, whatever the bidding model:
 * search and social, per click (cpc, ppc), per impression (cpm), per view or action (cpv, cpa),
 * display and banner. Ad platforms and agencies tag the same paid traffic with any of these, and
 * the default channel rules ask only "paid on which platform".
 */
export const MEDIUM_ALIASES: ReadonlyMap<string, string> = aliasMap({
  cpc: [
    'ppc', 'paid', 'paidsearch', 'paid_search', 'paid-search', 'paid search', 'paid_social', 'paid-social', 'paidsocial',
    'paid social', 'social_paid', 'social-paid', 'cpm', 'cpv', 'cpa', 'display', 'banner', 'sem',
  ],
  email: ['e-mail', 'e_mail', 'mail', 'newsletter'],
  organic: ['seo', 'organic_search', 'organic-search', 'organic search'],
  referral: ['referrer', 'referer', 'ref'],
});

/** The canonical name of a normalised source ('fb' -> 'facebook'); anything else unchanged. */
export function canonicalSource(source: string | null): string | null {
  if (source === null) return null;
  return SOURCE_ALIASES.get(source) ?? source;
}

/** The canonical name of a normalised medium ('ppc' -> 'cpc', 'newsletter' -> 'email'); anything else unchanged. */
export function canonicalMedium(medium: string | null): string | null {
  if (medium === null) return null;
  return MEDIUM_ALIASES.get(medium) ?? medium;
}
