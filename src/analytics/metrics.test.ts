// Metrics: every metric hand-computed on one fixture (arithmetic in the comments), explicit nulls
// for zero denominators, single half-even rounding, and totals that do not depend on grouping.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ATTRIBUTION_MODELS, attributeCredit, type Touch } from './attribution.js';
import { addSums, computeMetrics, emptySums, type MetricSums } from './metrics.js';
import { CREDIT_SCALE, splitByCredit } from './money.js';

function sums(partial: Partial<MetricSums>): MetricSums {
  return { ...emptySums(), ...partial };
}

describe('computeMetrics', () => {
  it('computes every metric of a hand-checked fixture', () => {
    const s = sums({
      spendMicros: 1_234_560_000n, // 1,234.56
      impressions: 50_000n,
      clicks: 1_234n,
      leads: 37n,
      dealCredits: 5_500_000n, // 5.5 deals
      wonCredits: 2_250_000n, // 2.25 deals
      revenueMicros: 4_321_000_000n, // 4,321.00
      ltvRevenueMicros: 6_000_000_000n, // 6,000.00
      customers: 3n,
    });
    expect(computeMetrics(s)).toEqual({
      spend: '1234.56',
      impressions: 50_000,
      clicks: 1_234,
      ctr: 0.0247, // 1234 / 50000 = 0.02468 -> 0.0247
      cpc: '1.00', // 1234.56 / 1234 = 1.000453 -> 1.00
      leads: 37,
      cpl: '33.37', // 1234.56 / 37 = 33.3665 -> 33.37
      deals: 5.5,
      wonDeals: 2.25,
      leadToDealRate: 0.1486, // 5.5 / 37 = 0.148649 -> 0.1486
      dealWinRate: 0.4091, // 2.25 / 5.5 = 0.409091 -> 0.4091
      revenue: '4321.00',
      cac: '548.69', // 1234.56 / 2.25 = 548.6933 -> 548.69
      romi: 2.5, // (4321 - 1234.56) / 1234.56 = 3086.44 / 1234.56 = 2.500032 -> 2.5000
      roas: 3.5, // 4321 / 1234.56 = 3.500032 -> 3.5000
      ltv: '2000.00', // 6000 / 3
    });
  });

  it('answers null for every zero denominator and never NaN or Infinity', () => {
    expect(computeMetrics(emptySums())).toEqual({
      spend: '0.00',
      impressions: 0,
      clicks: 0,
      ctr: null,
      cpc: null,
      leads: 0,
      cpl: null,
      deals: 0,
      wonDeals: 0,
      leadToDealRate: null,
      dealWinRate: null,
      revenue: '0.00',
      cac: null,
      romi: null,
      roas: null,
      ltv: null,
    });
    // Revenue without spend (organic, direct): ROMI and ROAS are undefined, not infinite.
    const organic = computeMetrics(sums({ revenueMicros: 500_000_000n, wonCredits: CREDIT_SCALE, leads: 2n }));
    expect([organic.romi, organic.roas, organic.cpl, organic.cac]).toEqual([null, null, '0.00', '0.00']);
    // Spend without revenue: ROMI -1 (all lost), ROAS 0.
    const loss = computeMetrics(sums({ spendMicros: 100_000_000n }));
    expect([loss.romi, loss.roas]).toEqual([-1, 0]);
  });

  it('rounds ratios half-even to 4 decimals, deals to 2, money once to cents', () => {
    expect(computeMetrics(sums({ clicks: 1n, impressions: 20_000n })).ctr).toBe(0); // 0.00005 -> 0.0000 (even)
    expect(computeMetrics(sums({ clicks: 3n, impressions: 20_000n })).ctr).toBe(0.0002); // 0.00015 -> 0.0002 (even)
    expect(computeMetrics(sums({ clicks: 1n, impressions: 3n })).ctr).toBe(0.3333);
    expect(computeMetrics(sums({ dealCredits: 125_000n })).deals).toBe(0.12); // 0.125 -> 0.12 (even)
    expect(computeMetrics(sums({ dealCredits: 135_000n })).deals).toBe(0.14); // 0.135 -> 0.14 (even)
    expect(computeMetrics(sums({ spendMicros: 50_000n, clicks: 2n })).cpc).toBe('0.02'); // 0.025 -> 0.02
    expect(computeMetrics(sums({ spendMicros: 70_000n, clicks: 2n })).cpc).toBe('0.04'); // 0.035 -> 0.04
    // 10.0001 / 2000 = 0.00500005 -> 0.01 (rounding to micros first would give 0.005000 -> 0.00).
    expect(computeMetrics(sums({ spendMicros: 10_000_100n, clicks: 2_000n })).cpc).toBe('0.01');
    // CAC with a third of a deal: 100 / (333333 / 1e6) = 300.0003 -> 300.00.
    expect(computeMetrics(sums({ spendMicros: 100_000_000n, wonCredits: 333_333n })).cac).toBe('300.00');
  });

  it('stays finite and well-typed for any sums, negative adjustments included', () => {
    const amount = fc.bigInt({ min: -(10n ** 15n), max: 10n ** 15n });
    const count = fc.bigInt({ min: 0n, max: 10n ** 12n });
    fc.assert(
      fc.property(
        fc.record({ spendMicros: amount, impressions: count, clicks: count, leads: count, dealCredits: count, wonCredits: count, revenueMicros: amount, ltvRevenueMicros: amount, customers: count }),
        (s) => {
          const m = computeMetrics(s);
          for (const value of Object.values(m)) {
            if (typeof value === 'number') expect(Number.isFinite(value)).toBe(true);
            if (typeof value === 'string') expect(value).toMatch(/^-?\d+\.\d{2}$/);
          }
          expect(m.ctr === null).toBe(s.impressions === 0n);
          expect(m.romi === null).toBe(s.spendMicros === 0n);
          expect(m.cac === null).toBe(s.wonCredits === 0n);
          expect(m.ltv === null).toBe(s.customers === 0n);
        },
      ),
      { numRuns: 1000 },
    );
  });
});

describe('totals', () => {
  it('adds sums field by field, with emptySums as identity', () => {
    const a = sums({ spendMicros: 1n, impressions: 2n, clicks: 3n, leads: 4n, dealCredits: 5n, wonCredits: 6n, revenueMicros: 7n, ltvRevenueMicros: 8n, customers: 9n });
    const b = sums({ spendMicros: 10n, impressions: 20n, clicks: 30n, leads: 40n, dealCredits: 50n, wonCredits: 60n, revenueMicros: 70n, ltvRevenueMicros: 80n, customers: 90n });
    expect(addSums(a, b)).toEqual(sums({ spendMicros: 11n, impressions: 22n, clicks: 33n, leads: 44n, dealCredits: 55n, wonCredits: 66n, revenueMicros: 77n, ltvRevenueMicros: 88n, customers: 99n }));
    expect(addSums(a, emptySums())).toEqual(a);
  });

  // A workspace: deals whose touches each belong to a channel, and spend rows per channel.
  const channelArb = fc.constantFrom('google-ads', 'meta-ads', 'email', 'direct', 'other');
  const dealArb = fc.record({
    touches: fc.array(fc.record({ channel: channelArb, daysBefore: fc.integer({ min: 0, max: 60 }) }), { minLength: 1, maxLength: 8 }),
    won: fc.boolean(),
    revenueMicros: fc.bigInt({ min: 0n, max: 10n ** 12n }),
  });
  const spendArb = fc.array(fc.record({ channel: channelArb, spendMicros: fc.bigInt({ min: 0n, max: 10n ** 12n }), clicks: fc.bigInt({ min: 0n, max: 10n ** 6n }) }), { maxLength: 10 });

  it('per-channel totals add up exactly to the workspace total, under every model', () => {
    const conversion = new Date('2026-03-01T00:00:00Z');
    fc.assert(
      fc.property(fc.constantFrom(...ATTRIBUTION_MODELS), fc.array(dealArb, { maxLength: 20 }), spendArb, (model, deals, spend) => {
        const byChannel = new Map<string, MetricSums>();
        const add = (channel: string, part: Partial<MetricSums>) => byChannel.set(channel, addSums(byChannel.get(channel) ?? emptySums(), sums(part)));
        for (const row of spend) add(row.channel, { spendMicros: row.spendMicros, clicks: row.clicks });
        for (const deal of deals) {
          const touches: Touch[] = [...deal.touches]
            .sort((a, b) => b.daysBefore - a.daysBefore)
            .map((t) => ({ at: new Date(conversion.getTime() - t.daysBefore * 86_400_000), direct: t.channel === 'direct' }));
          const channels = [...deal.touches].sort((a, b) => b.daysBefore - a.daysBefore).map((t) => t.channel);
          const credits = attributeCredit(model, touches, conversion);
          const revenue = splitByCredit(deal.won ? deal.revenueMicros : 0n, credits);
          credits.forEach((credit, i) => add(channels[i] as string, { dealCredits: credit, wonCredits: deal.won ? credit : 0n, revenueMicros: revenue[i] as bigint }));
        }
        const total = [...byChannel.values()].reduce(addSums, emptySums());
        // The workspace total computed without attribution: whole deals, whole revenue, all spend.
        expect(total.dealCredits).toBe(BigInt(deals.length) * CREDIT_SCALE);
        expect(total.wonCredits).toBe(BigInt(deals.filter((d) => d.won).length) * CREDIT_SCALE);
        expect(total.revenueMicros).toBe(deals.reduce((acc, d) => acc + (d.won ? d.revenueMicros : 0n), 0n));
        expect(total.spendMicros).toBe(spend.reduce((acc, r) => acc + r.spendMicros, 0n));
        expect(total.clicks).toBe(spend.reduce((acc, r) => acc + r.clicks, 0n));
        // And the order of adding channels does not matter.
        expect([...byChannel.values()].reverse().reduce(addSums, emptySums())).toEqual(total);
      }),
      { numRuns: 500 },
    );
  });
});
