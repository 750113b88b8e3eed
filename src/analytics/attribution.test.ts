// Attribution models: hand-computed credits for every model (arithmetic in the comments), the
// largest-remainder tie rule, time-decay edge cases, and that each deal's credit sums to one.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ATTRIBUTION_MODELS, attributeCredit, type AttributionModel, type Touch } from './attribution.js';
import { CREDIT_SCALE } from './money.js';

const DAY = 86_400_000;
const conversion = new Date('2026-01-29T12:00:00Z');
/** A touch `daysBefore` days before the conversion. */
const at = (daysBefore: number, direct = false): Touch => ({ at: new Date(conversion.getTime() - daysBefore * DAY), direct });
const sum = (credits: bigint[]) => credits.reduce((a, b) => a + b, 0n);

describe('first touch and last non-direct touch', () => {
  it('gives everything to the first touch', () => {
    expect(attributeCredit('first_touch', [at(3), at(2), at(1)], conversion)).toEqual([1_000_000n, 0n, 0n]);
    expect(attributeCredit('first_touch', [at(1, true)], conversion)).toEqual([1_000_000n]);
  });

  it('gives everything to the last touch that is not direct', () => {
    expect(attributeCredit('last_non_direct', [at(3), at(2), at(1, true)], conversion)).toEqual([0n, 1_000_000n, 0n]);
    expect(attributeCredit('last_non_direct', [at(4), at(3, true), at(2), at(1, true)], conversion)).toEqual([0n, 0n, 1_000_000n, 0n]);
    expect(attributeCredit('last_non_direct', [at(3), at(2), at(1)], conversion)).toEqual([0n, 0n, 1_000_000n]);
  });

  it('falls back to the last touch when every touch is direct', () => {
    expect(attributeCredit('last_non_direct', [at(2, true), at(1, true)], conversion)).toEqual([0n, 1_000_000n]);
  });
});

describe('linear', () => {
  it('splits equally, the indivisible micro-credits going to the earliest touches', () => {
    // 1e6 / 3 = 333333.33: floors 3 x 333333 = 999999, 1 left, equal remainders -> the first.
    expect(attributeCredit('linear', [at(3), at(2), at(1)], conversion)).toEqual([333_334n, 333_333n, 333_333n]);
    // 1e6 / 4 = 250000 exactly.
    expect(attributeCredit('linear', [at(4), at(3), at(2), at(1)], conversion)).toEqual([250_000n, 250_000n, 250_000n, 250_000n]);
    // 1e6 / 7 = 142857.14: floors 7 x 142857 = 999999, 1 left -> the first.
    expect(attributeCredit('linear', Array.from({ length: 7 }, (_, i) => at(7 - i)), conversion)).toEqual([142_858n, ...new Array<bigint>(6).fill(142_857n)]);
  });
});

describe('position based (40/20/40)', () => {
  it('gives one touch everything and two touches half each', () => {
    expect(attributeCredit('position_based', [at(1)], conversion)).toEqual([1_000_000n]);
    expect(attributeCredit('position_based', [at(2), at(1)], conversion)).toEqual([500_000n, 500_000n]);
  });

  it('gives 40% to the first and last touches and shares 20% among the ones between', () => {
    // 3 touches: 40% / 20% / 40%.
    expect(attributeCredit('position_based', [at(3), at(2), at(1)], conversion)).toEqual([400_000n, 200_000n, 400_000n]);
    // 4 touches: the middle two get 20% / 2 = 10% each.
    expect(attributeCredit('position_based', [at(4), at(3), at(2), at(1)], conversion)).toEqual([400_000n, 100_000n, 100_000n, 400_000n]);
    // 5 touches: 200000 / 3 = 66666.67 each: floors 3 x 66666 = 199998, 2 left -> the two earliest middles.
    expect(attributeCredit('position_based', [at(5), at(4), at(3), at(2), at(1)], conversion)).toEqual([400_000n, 66_667n, 66_667n, 66_666n, 400_000n]);
    // 8 touches: 200000 / 6 = 33333.33 each: floors 6 x 33333 = 199998, 2 left -> the two earliest middles.
    expect(attributeCredit('position_based', Array.from({ length: 8 }, (_, i) => at(8 - i)), conversion)).toEqual([
      400_000n, 33_334n, 33_334n, 33_333n, 33_333n, 33_333n, 33_333n, 400_000n,
    ]);
  });
});

describe('time decay', () => {
  it('halves the weight per half-life of age (7 days by default)', () => {
    // Ages 14, 7, 0 days -> weights 1/4, 1/2, 1; sum 7/4 -> shares 1/7, 2/7, 4/7
    // = 142857.14, 285714.29, 571428.57: floors sum to 999999, 1 left -> the largest remainder (.57).
    expect(attributeCredit('time_decay', [at(14), at(7), at(0)], conversion)).toEqual([142_857n, 285_714n, 571_429n]);
    // Ages 21, 14, 7, 0 -> 1/8, 1/4, 1/2, 1; sum 15/8 -> 1/15, 2/15, 4/15, 8/15
    // = 66666.67, 133333.33, 266666.67, 533333.33: floors sum to 999998, 2 left -> the two .67s.
    expect(attributeCredit('time_decay', [at(21), at(14), at(7), at(0)], conversion)).toEqual([66_667n, 133_333n, 266_667n, 533_333n]);
  });

  it('takes a configurable half-life', () => {
    // Half-life 1 day, ages 2, 1, 0: the same 1/4, 1/2, 1 as above.
    expect(attributeCredit('time_decay', [at(2), at(1), at(0)], conversion, { halfLifeDays: 1 })).toEqual([142_857n, 285_714n, 571_429n]);
    // Half-life 14 days, ages 14, 0 -> 1/2, 1 -> 1/3, 2/3 = 333333.33, 666666.67 -> the .67 gets the 1 left.
    expect(attributeCredit('time_decay', [at(14), at(0)], conversion, { halfLifeDays: 14 })).toEqual([333_333n, 666_667n]);
    // Ages 3.5, 0 with half-life 7: 2^-0.5 = 0.7071; share 0.7071 / 1.7071 = sqrt(2) - 1 = 0.41421356
    // -> 414213.56 and 585786.44: floors 999999, the 1 left -> .56.
    expect(attributeCredit('time_decay', [at(3.5), at(0)], conversion)).toEqual([414_214n, 585_786n]);
  });

  it('counts touches after the conversion as age 0 and splits same-time touches equally', () => {
    // Ages 7 and "-1" (a day after): weights 1/2 and 1 -> 333333, 666667.
    expect(attributeCredit('time_decay', [at(7), at(-1)], conversion)).toEqual([333_333n, 666_667n]);
    // Equal ages tie: 500000 each; with 3 the earliest gets the left-over micro-credit.
    expect(attributeCredit('time_decay', [at(2), at(2)], conversion)).toEqual([500_000n, 500_000n]);
    expect(attributeCredit('time_decay', [at(2), at(2), at(2)], conversion)).toEqual([333_334n, 333_333n, 333_333n]);
  });

  it('gives a touch many half-lives old nothing, without overflow or NaN', () => {
    expect(attributeCredit('time_decay', [at(2000), at(0)], conversion)).toEqual([0n, 1_000_000n]);
    // Both touches old: only their difference matters. 28 days = 4 half-lives -> 1/16 : 1 -> 1/17, 16/17
    // = 58823.53, 941176.47: floors 999999, the 1 left -> .53.
    expect(attributeCredit('time_decay', [at(2028), at(2000)], conversion)).toEqual([58_824n, 941_176n]);
  });

  it('refuses a half-life that is not a positive number and dates that are not dates', () => {
    for (const halfLifeDays of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => attributeCredit('time_decay', [at(1)], conversion, { halfLifeDays })).toThrow(RangeError);
    }
    expect(() => attributeCredit('time_decay', [{ at: new Date('nope'), direct: false }], conversion)).toThrow(RangeError);
    expect(() => attributeCredit('time_decay', [at(1)], new Date('nope'))).toThrow(RangeError);
  });
});

describe('every model', () => {
  it('returns no credits for no touches and refuses an unknown model', () => {
    for (const model of ATTRIBUTION_MODELS) expect(attributeCredit(model, [], conversion)).toEqual([]);
    expect(() => attributeCredit('u_shaped' as AttributionModel, [at(1)], conversion)).toThrow(RangeError);
  });

  const touchesArb = fc.array(
    fc.record({ at: fc.date({ min: new Date('2020-01-01T00:00:00Z'), max: new Date('2030-01-01T00:00:00Z'), noInvalidDate: true }), direct: fc.boolean() }),
    { minLength: 1, maxLength: 40 },
  );
  const sorted = (touches: Touch[]) => [...touches].sort((a, b) => a.at.getTime() - b.at.getTime());

  it('gives each deal credits that sum to exactly one deal, none negative, for any touches', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...ATTRIBUTION_MODELS),
        touchesArb.map(sorted),
        fc.date({ min: new Date('2020-01-01T00:00:00Z'), max: new Date('2030-01-01T00:00:00Z'), noInvalidDate: true }),
        fc.double({ min: 0.001, max: 3650, noNaN: true }),
        (model, touches, conversionAt, halfLifeDays) => {
          const credits = attributeCredit(model, touches, conversionAt, { halfLifeDays });
          expect(credits).toHaveLength(touches.length);
          expect(sum(credits)).toBe(CREDIT_SCALE);
          for (const credit of credits) expect(credit >= 0n).toBe(true);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('keeps each model’s shape: linear within one micro-credit, time decay never favours an older touch', () => {
    fc.assert(
      fc.property(touchesArb.map(sorted), fc.double({ min: 0.01, max: 365, noNaN: true }), (touches, halfLifeDays) => {
        const linear = attributeCredit('linear', touches, conversion);
        expect(linear.reduce((a, b) => (b > a ? b : a)) - linear.reduce((a, b) => (b < a ? b : a))).toBeLessThanOrEqual(1n);
        const decay = attributeCredit('time_decay', touches, conversion, { halfLifeDays });
        const ageOf = (t: Touch) => Math.max(0, conversion.getTime() - t.at.getTime());
        touches.forEach((a, i) =>
          touches.forEach((b, j) => {
            if (ageOf(a) > ageOf(b)) expect(decay[i] as bigint).toBeLessThanOrEqual(decay[j] as bigint);
          }),
        );
        const lastNonDirect = touches.findLastIndex((t) => !t.direct);
        expect(attributeCredit('last_non_direct', touches, conversion)[lastNonDirect === -1 ? touches.length - 1 : lastNonDirect]).toBe(CREDIT_SCALE);
      }),
      { numRuns: 500 },
    );
  });
});
