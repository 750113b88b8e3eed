// UTM normalisation: decoding as browsers decode query strings, Unicode and whitespace clean-up,
// placeholders read as "no tag", idempotence, and the canonical names of sources and media.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalMedium, canonicalSource, normaliseUtm } from './utm.js';

/** Strings rich in the characters that stress decoding: escapes, pluses, case and combining marks. */
const trickyArb = fc
  .array(
    fc.constantFrom('%', '2', '5', '4', '1', 'B', 'b', 'F', '+', ' ', '\u00a0', '\u200b', '\t', 'İ', 'Σ', 'ς', '\u0345', '\u0307', 'e\u0301', '%C3', '%A9', '%E2%80%8B', '%25', '%2B', '%0A', 'A', 'z', '(', ')', 'null'),
    { maxLength: 30 },
  )
  .map((parts) => parts.join(''));
const anyStringArb = fc.oneof(fc.string({ unit: 'grapheme' }), fc.string({ unit: 'binary' }), fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)) }), trickyArb);

describe('normaliseUtm', () => {
  it('decodes, lowercases, trims and collapses whitespace', () => {
    expect(normaliseUtm('  Spring%20Sale+2026 ')).toBe('spring sale 2026');
    expect(normaliseUtm('FaceBook')).toBe('facebook');
    expect(normaliseUtm('a\tb\n\nc')).toBe('a b c');
    expect(normaliseUtm('a\u00a0\u00a0b')).toBe('a b'); // no-break spaces
    expect(normaliseUtm('spring\u200bsale')).toBe('spring sale'); // zero-width space
    expect(normaliseUtm('x\u0000y')).toBe('x y');
    expect(normaliseUtm('a\uD800b')).toBe('a\ufffdb'); // a lone surrogate, as a UTF-8 column would store it
    expect(normaliseUtm('Яндекс%20Директ')).toBe('яндекс директ');
  });

  it('decodes UTF-8 escapes and tags encoded twice by redirects', () => {
    expect(normaliseUtm('%E2%82%AC')).toBe('€');
    expect(normaliseUtm('caf%C3%A9')).toBe('café');
    expect(normaliseUtm('spring%2520sale')).toBe('spring sale');
    expect(normaliseUtm('%D0%AF%D0%BD%D0%B4%D0%B5%D0%BA%D1%81')).toBe('яндекс');
  });

  it('tolerates bad escapes: malformed ones stay as written, invalid UTF-8 becomes U+FFFD', () => {
    expect(normaliseUtm('100%')).toBe('100%');
    expect(normaliseUtm('%zz')).toBe('%zz');
    expect(normaliseUtm('50%off')).toBe('50%off');
    expect(normaliseUtm('caf%E9')).toBe('caf\ufffd'); // Latin-1, not UTF-8: as a browser reads it
    expect(normaliseUtm('%')).toBe('%');
  });

  it('reads "+" as a space, as a query string does, including a "+" that was itself encoded', () => {
    expect(normaliseUtm('google+ads')).toBe('google ads');
    // %2B decodes to "+", which must read as a space too, or normalising twice would differ.
    expect(normaliseUtm('c%2B%2B course')).toBe('c course');
  });

  it('applies Unicode NFC so composed and decomposed spellings match', () => {
    expect(normaliseUtm('cafe\u0301')).toBe('caf\u00e9');
    expect(normaliseUtm('CAFE\u0301')).toBe(normaliseUtm('café'));
  });

  it('reads placeholders and blanks as no tag', () => {
    for (const empty of [null, undefined, '', '   ', '%20', '+', '(none)', '(NONE)', '(not set)', '(not%20set)', '(not provided)', '(direct)', 'null', ' NULL ', 'undefined']) {
      expect(normaliseUtm(empty), JSON.stringify(empty)).toBeNull();
    }
    expect(normaliseUtm('none')).toBe('none');
  });

  it('agrees with a browser-grade URL parser on how a value decodes', () => {
    // WHATWG URL (ada in Node) as the reference. Node's URLSearchParams(string) is not one: it
    // reads U+0307 as the byte 0x07. The URL parser drops tabs and newlines and ends the query at
    // '#', and '&' splits parameters, so those are left out of the comparison.
    const browser = (raw: string) => new URL(`http://example.test/?v=${raw}`).searchParams.get('v');
    for (const raw of ['a+b', '%41%42', 'caf%C3%A9', 'caf%E9', '%zz%41', '100%', '%E2%82', '%F0%9F%98%80x', 'a%2Bb', '%C3\u0307']) {
      // normaliseUtm decodes until nothing changes, so one browser decoding first changes nothing.
      expect(normaliseUtm(raw), raw).toBe(normaliseUtm(browser(raw)));
    }
    expect(normaliseUtm('caf%E9')).toBe(browser('caf%E9'));
    expect(normaliseUtm('%C3\u0307')).toBe('\ufffd\u0307'); // C3 lacks its continuation byte
    fc.assert(
      fc.property(
        anyStringArb.filter((s) => !/[&#\t\n\r]/.test(s)),
        (raw) => {
          expect(normaliseUtm(raw)).toBe(normaliseUtm(browser(raw)));
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('is idempotent and never throws, for any string', () => {
    fc.assert(
      fc.property(anyStringArb, (raw) => {
        const once = normaliseUtm(raw);
        if (once !== null) expect(normaliseUtm(once)).toBe(once);
      }),
      { numRuns: 5000 },
    );
  });

  it('peels any depth of nested encoding, one level per pass', () => {
    // "A" encoded 500 times over: %41, %2541, %252541, ...
    expect(normaliseUtm('%' + '25'.repeat(500) + '41')).toBe('a');
  });
});

describe('canonical sources and media', () => {
  it('folds the known spellings of each ad platform', () => {
    const expected: Record<string, string[]> = {
      facebook: ['facebook', 'fb', 'meta', 'instagram', 'ig', 'facebook.com', 'm.facebook.com', 'l.facebook.com'],
      google: ['google', 'adwords', 'google ads', 'googleads'],
      yandex: ['yandex', 'ya', 'direct', 'yandex.direct', 'yandex_direct'],
      vk: ['vk', 'vkontakte', 'vk.com'],
      tiktok: ['tiktok', 'tt'],
    };
    for (const [canonical, aliases] of Object.entries(expected)) {
      for (const alias of aliases) expect(canonicalSource(alias), alias).toBe(canonical);
    }
    expect(canonicalSource(normaliseUtm('Google+Ads'))).toBe('google');
    expect(canonicalSource('habr.com')).toBe('habr.com');
    expect(canonicalSource(null)).toBeNull();
  });

  it('folds paid, email, organic and referral media', () => {
    for (const paid of ['cpc', 'ppc', 'paid', 'paidsearch', 'paid_search', 'paid social', 'paid_social', 'cpm', 'cpv', 'cpa', 'display', 'banner', 'sem']) {
      expect(canonicalMedium(paid), paid).toBe('cpc');
    }
    for (const email of ['email', 'e-mail', 'e_mail', 'mail', 'newsletter']) expect(canonicalMedium(email), email).toBe('email');
    for (const organic of ['organic', 'seo', 'organic_search']) expect(canonicalMedium(organic), organic).toBe('organic');
    for (const referral of ['referral', 'referrer', 'referer', 'ref']) expect(canonicalMedium(referral), referral).toBe('referral');
    expect(canonicalMedium('social')).toBe('social'); // unpaid social is not paid
    expect(canonicalMedium(null)).toBeNull();
  });
});
