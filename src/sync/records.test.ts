// What the engine accepts from a connector, and what it makes of it: days and windows, the checks
// that fail a page as malformed, tags cut to size rather than refused, contact details reduced to
// hashes, and exponential back-off bounds.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ProviderError } from '../integrations/index.js';
import { adAccountRow, adStatRow, contactRow, dealRow, leadRow } from './records.js';
import { backoffDelayMs } from './retry-policy.js';
import { addDays, isIsoDate, nextWindow, todayIn } from './window.js';

const stat = { accountExternalId: 'a', campaignExternalId: 'c', date: '2026-02-28', spendMicros: 1_230_000, impressions: 100, clicks: 7, platformConversions: 1.5 };
const tags = { utm: { source: 'google', medium: 'cpc', campaign: 'Brand ', content: null, term: null }, clickIds: { gclid: 'Cj0', fbclid: null, yclid: null } };

function malformed(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    if (error instanceof ProviderError && error.kind === 'malformed') return error.userMessage;
    throw error;
  }
  throw new Error('accepted');
}

describe('sync windows', () => {
  it('reads a year back the first time, then from the last end minus the look-back, never past today', () => {
    const options = { initialDays: 365, lookbackDays: 7 };
    expect(nextWindow(null, '2026-03-01', options)).toEqual({ since: '2025-03-01', until: '2026-03-01' });
    expect(nextWindow('2026-02-27', '2026-03-01', options)).toEqual({ since: '2026-02-20', until: '2026-03-01' });
    // A clock that went backwards: still a sane window ending today.
    expect(nextWindow('2026-04-30', '2026-03-01', options)).toEqual({ since: '2026-02-22', until: '2026-03-01' });
  });

  it('counts days on the calendar, across month ends, leap days and DST changes', () => {
    expect(addDays('2024-02-28', 1)).toBe('2024-02-29');
    expect(addDays('2026-03-29', -1)).toBe('2026-03-28');
    expect(isIsoDate('2026-02-29')).toBe(false);
    expect(isIsoDate('2024-02-29')).toBe(true);
    expect(isIsoDate('2026-2-1')).toBe(false);
    expect(todayIn('Pacific/Kiritimati', new Date('2026-03-01T12:00:00Z'))).toBe('2026-03-02');
    expect(todayIn('America/Los_Angeles', new Date('2026-03-01T05:00:00Z'))).toBe('2026-02-28');
    expect(todayIn('Not/AZone', new Date('2026-03-01T05:00:00Z'))).toBe('2026-03-01');
  });
});

describe('connector records', () => {
  it('refuses what cannot be right, naming the field and never the value', () => {
    expect(malformed(() => adStatRow({ ...stat, spendMicros: -1 }))).toBe('Could not read an ad_stats record from the provider (spendMicros).');
    expect(malformed(() => adStatRow({ ...stat, spendMicros: 1.5 }))).toMatch(/spendMicros/);
    expect(malformed(() => adStatRow({ ...stat, clicks: Number.NaN }))).toMatch(/clicks/);
    expect(malformed(() => adStatRow({ ...stat, date: '2026-02-30' }))).toMatch(/date/);
    expect(malformed(() => adStatRow({ ...stat, platformConversions: Infinity }))).toMatch(/platformConversions/);
    expect(malformed(() => adStatRow({ ...stat, campaignExternalId: '' }))).toMatch(/campaignExternalId/);
    expect(malformed(() => adStatRow(null))).toMatch(/record/);
    const deal = { externalId: 'd1', leadExternalId: null, contactExternalId: null, status: 'won', amountMinor: 1999, currency: 'USD', createdAt: '2026-01-01T10:00:00Z', closedAt: null, ...tags };
    expect(malformed(() => dealRow({ ...deal, status: 'maybe' }))).toMatch(/status/);
    expect(malformed(() => dealRow({ ...deal, currency: 'usd' }))).toMatch(/currency/);
    expect(malformed(() => dealRow({ ...deal, amountMinor: 2 ** 60 }))).toMatch(/amountMinor/);
    expect(malformed(() => dealRow({ ...deal, createdAt: 'soon' }))).toMatch(/createdAt/);
    expect(malformed(() => adAccountRow('google-ads', { externalId: '1', name: 'x', currency: 'USD', timezone: null, channel: 'meta-ads' }))).toMatch(/channel/);
    expect(malformed(() => adAccountRow('csv', { externalId: '1', name: 'x', currency: 'USD', timezone: null }))).toMatch(/channel/);
  });

  it('keeps tags as sent (normalising is analytics’ job) but cuts them to the column size and drops NUL', () => {
    const lead = leadRow({ externalId: 'l1', contactExternalId: null, createdAt: '2026-01-01T10:00:00Z', status: 'new', pipeline: null, ...tags, utm: { ...tags.utm, content: 'x'.repeat(5000), term: 'te\u0000nt' } });
    expect(lead.utm_campaign).toBe('Brand ');
    expect(lead.utm_content).toHaveLength(1000);
    expect(lead.utm_term).toBe('tent');
    expect(adStatRow({ ...stat, platformConversions: 0.1 + 0.2 }).platform_conversions).toBe('0.3');
    expect(adAccountRow('demo-ads', { externalId: '1', name: ' ', currency: 'USD', timezone: null, channel: 'yandex-direct' })).toMatchObject({ channel: 'yandex-direct', name: '1' });
  });

  it('keeps no name, email or phone of a contact: only hashes of the normalised email and phone', () => {
    const row = contactRow({ externalId: 'c1', name: 'Ada Lovelace', email: ' Ada@Example.COM ', phone: '+44 (20) 7946-0000', createdAt: '2026-01-01T10:00:00Z' });
    const sha = (s: string) => createHash('sha256').update(s).digest();
    expect(row.email_sha256).toEqual(sha('ada@example.com'));
    expect(row.phone_sha256).toEqual(sha('442079460000'));
    expect(JSON.stringify(row)).not.toMatch(/Ada|Lovelace|7946/);
    expect(contactRow({ externalId: 'c2', name: null, email: null, phone: '  ', createdAt: '2026-01-01T10:00:00Z' })).toMatchObject({ email_sha256: null, phone_sha256: null });
  });
});

describe('back-off', () => {
  it('doubles per failure within [cap/2, cap], up to the maximum', () => {
    const policy = { backoffBaseMs: 1_000, backoffMaxMs: 10_000 };
    expect([1, 2, 3, 4, 5, 6].map((n) => backoffDelayMs(n, policy, () => 0))).toEqual([500, 1_000, 2_000, 4_000, 5_000, 5_000]);
    expect([1, 2, 3, 4, 5, 6].map((n) => backoffDelayMs(n, policy, () => 0.999_999))).toEqual([1_000, 2_000, 4_000, 8_000, 10_000, 10_000]);
  });
});
