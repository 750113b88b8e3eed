// Exact money: currency exponents, conversion at decimal rates, half-even rounding known answers,
// and largest-remainder splits that always sum to the amount.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  apportion,
  convertMicros,
  CREDIT_SCALE,
  currencyExponent,
  divideHalfEven,
  formatMicros,
  formatMicrosQuotient,
  minorToMicros,
  parseDecimalToMicros,
  splitByCredit,
} from './money.js';

/** Credits that sum to CREDIT_SCALE, drawn as cuts of [0, CREDIT_SCALE] (independent of apportion). */
const creditsArb = fc
  .array(fc.bigInt({ min: 0n, max: CREDIT_SCALE }), { minLength: 0, maxLength: 20 })
  .map((cuts) => {
    const points = [0n, ...cuts.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)), CREDIT_SCALE];
    return points.slice(1).map((point, i) => point - (points[i] as bigint));
  });

describe('currencies', () => {
  it('knows the minor-unit digits of ISO 4217 currencies', () => {
    expect(currencyExponent('USD')).toBe(2);
    expect(currencyExponent('RUB')).toBe(2);
    expect(currencyExponent('EUR')).toBe(2);
    expect(currencyExponent('JPY')).toBe(0);
    expect(currencyExponent('KWD')).toBe(3);
    expect(currencyExponent('CLF')).toBe(4);
  });

  it('refuses a malformed currency code', () => {
    for (const bad of ['', 'US', 'USDT', 'U$D', '123', ' USD']) expect(() => currencyExponent(bad), bad).toThrow(RangeError);
  });

  it('turns minor units into micros exactly, whatever the exponent', () => {
    expect(minorToMicros(12_345n, 'USD')).toBe(123_450_000n); // $123.45
    expect(minorToMicros(500n, 'JPY')).toBe(500_000_000n); // ¥500
    expect(minorToMicros(1_234n, 'KWD')).toBe(1_234_000n); // 1.234 KWD
    expect(minorToMicros(-99n, 'EUR')).toBe(-990_000n); // a €0.99 refund
    expect(minorToMicros(9_007_199_254_740_993n, 'USD')).toBe(90_071_992_547_409_930_000n); // beyond 2^53, still exact
  });
});

describe('half-even rounding (known answers)', () => {
  it('rounds integer quotients half to even, symmetric in sign', () => {
    const cases: [bigint, bigint, bigint][] = [
      [5n, 2n, 2n], // 2.5 -> 2
      [7n, 2n, 4n], // 3.5 -> 4
      [-5n, 2n, -2n], // -2.5 -> -2
      [-7n, 2n, -4n], // -3.5 -> -4
      [5n, -2n, -2n], // 5 / -2 = -2.5 -> -2
      [25n, 10n, 2n], // 2.5 -> 2
      [35n, 10n, 4n], // 3.5 -> 4
      [26n, 10n, 3n], // 2.6 -> 3
      [24n, 10n, 2n], // 2.4 -> 2
      [1n, 3n, 0n], // 0.333 -> 0
      [2n, 3n, 1n], // 0.667 -> 1
      [-2n, 3n, -1n], // -0.667 -> -1
      [0n, 7n, 0n],
    ];
    for (const [n, d, q] of cases) expect(divideHalfEven(n, d), `${n}/${d}`).toBe(q);
    expect(() => divideHalfEven(1n, 0n)).toThrow(RangeError);
  });

  it('formats micros to cents half-even and never prints -0.00', () => {
    expect(formatMicros(1_234_500_000n)).toBe('1234.50');
    expect(formatMicros(-100_000n)).toBe('-0.10');
    expect(formatMicros(0n)).toBe('0.00');
    expect(formatMicros(5_000n)).toBe('0.00'); // 0.005 = half a cent -> the even 0
    expect(formatMicros(15_000n)).toBe('0.02'); // 1.5 cents -> 2
    expect(formatMicros(25_000n)).toBe('0.02'); // 2.5 cents -> 2
    expect(formatMicros(35_000n)).toBe('0.04'); // 3.5 cents -> 4
    expect(formatMicros(5_001n)).toBe('0.01'); // just over half
    expect(formatMicros(-25_000n)).toBe('-0.02');
    expect(formatMicros(-5_000n)).toBe('0.00');
    expect(formatMicros(-4_999_999n)).toBe('-5.00');
    expect(formatMicros(123_456_789n, 4)).toBe('123.4568'); // 123.4567|89 -> up
    expect(formatMicros(2_500_000n, 0)).toBe('2');
    expect(formatMicros(3_500_000n, 0)).toBe('4');
    expect(formatMicros(1n, 6)).toBe('0.000001');
    expect(formatMicros(-1n, 6)).toBe('-0.000001');
    expect(formatMicros(123_000_000_000_000_000_000_000n)).toBe('123000000000000000.00');
    for (const bad of [-1, 7, 1.5, Number.NaN]) expect(() => formatMicros(1n, bad)).toThrow(RangeError);
  });

  it('rounds a money quotient once, from the exact value', () => {
    // 10.0001 / 2000 = 0.00500005: one rounding gives 0.01. Rounding first to micros (0.005000)
    // and then to cents half-even would give 0.00.
    expect(formatMicrosQuotient(10_000_100n, 2_000n)).toBe('0.01');
    expect(formatMicrosQuotient(50_000n, 2n)).toBe('0.02'); // 0.05 / 2 = 0.025 -> 0.02
    expect(formatMicrosQuotient(70_000n, 2n)).toBe('0.04'); // 0.07 / 2 = 0.035 -> 0.04
    expect(formatMicrosQuotient(100_000_000n, 3n)).toBe('33.33');
    expect(formatMicrosQuotient(-100_000_000n, 3n)).toBe('-33.33');
  });
});

describe('conversion at a decimal rate', () => {
  it('multiplies exactly and rounds half-even to a whole micro', () => {
    expect(convertMicros(100_000_000n, '92.5')).toBe(9_250_000_000n); // $100 x 92.5 = 9250 RUB
    expect(convertMicros(1_000_000_000n, '0.0107')).toBe(10_700_000n); // 1000 RUB x 0.0107 = $10.70
    expect(convertMicros(123_450_000n, '1')).toBe(123_450_000n);
    expect(convertMicros(1n, '0.5')).toBe(0n); // 0.5 micro -> 0 (even)
    expect(convertMicros(3n, '0.5')).toBe(2n); // 1.5 -> 2
    expect(convertMicros(5n, '0.5')).toBe(2n); // 2.5 -> 2
    expect(convertMicros(-3n, '0.5')).toBe(-2n); // -1.5 -> -2
    expect(convertMicros(1n, '2.5')).toBe(2n); // 2.5 -> 2
    expect(convertMicros(7n, '0.142857')).toBe(1n); // 0.999999 -> 1
    expect(convertMicros(1_000_000n, '0.00000000000000000001')).toBe(0n);
    expect(convertMicros(1_000_000n, '007.50')).toBe(7_500_000n);
  });

  it('refuses a rate that is not a positive plain decimal', () => {
    for (const bad of ['', '0', '0.000', '-1', '+1', '1e3', ' 1', '1 ', '1.', '.5', '1,5', 'abc', 'NaN', 'Infinity', '0x10', '1'.repeat(41)]) {
      expect(() => convertMicros(1n, bad), JSON.stringify(bad)).toThrow(RangeError);
    }
  });
});

describe('decimal input', () => {
  it('parses up to six decimals exactly', () => {
    expect(parseDecimalToMicros('12.345678')).toBe(12_345_678n);
    expect(parseDecimalToMicros('12')).toBe(12_000_000n);
    expect(parseDecimalToMicros('-0.1')).toBe(-100_000n);
    expect(parseDecimalToMicros('0.000001')).toBe(1n);
    expect(parseDecimalToMicros('007.5')).toBe(7_500_000n);
    expect(parseDecimalToMicros('-0')).toBe(0n);
  });

  it('refuses more than six decimals and anything but a plain decimal', () => {
    for (const bad of ['1.2345678', '', '-', '1.', '.1', '1e3', ' 1', '1 ', '+1', '1,000', '١٢', 'Infinity', '--1', '1'.repeat(41)]) {
      expect(() => parseDecimalToMicros(bad), JSON.stringify(bad)).toThrow(RangeError);
    }
  });

  it('round-trips with formatMicros at six digits', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(10n ** 20n), max: 10n ** 20n }), (micros) => {
        expect(parseDecimalToMicros(formatMicros(micros, 6))).toBe(micros);
      }),
    );
  });
});

describe('splitting by credit', () => {
  it('gives left-over micros to the largest remainders, ties to the earlier share', () => {
    // 100 x 333334 / 1e6 = 33.3334, 100 x 333333 / 1e6 = 33.3333 (twice): floors 33+33+33 = 99,
    // the one left over goes to the largest remainder, the first.
    expect(splitByCredit(100n, [333_334n, 333_333n, 333_333n])).toEqual([34n, 33n, 33n]);
    // 1 over 50/50: remainders tie, the earlier wins.
    expect(splitByCredit(1n, [500_000n, 500_000n])).toEqual([1n, 0n]);
    expect(splitByCredit(-1n, [500_000n, 500_000n])).toEqual([-1n, 0n]);
    // 600.00 over 40/20/40.
    expect(splitByCredit(600_000_000n, [400_000n, 200_000n, 400_000n])).toEqual([240_000_000n, 120_000_000n, 240_000_000n]);
    // 10 over 0.1/0.45/0.45: 1, 4.5, 4.5 -> floors 1+4+4 = 9; the tie at .5 goes to the earlier.
    expect(splitByCredit(10n, [100_000n, 450_000n, 450_000n])).toEqual([1n, 5n, 4n]);
    expect(splitByCredit(0n, [1_000_000n])).toEqual([0n]);
    expect(splitByCredit(7n, [0n, 1_000_000n, 0n])).toEqual([0n, 7n, 0n]);
  });

  it('refuses weights it cannot split by', () => {
    expect(() => splitByCredit(1n, [])).toThrow(RangeError);
    expect(() => splitByCredit(1n, [0n, 0n])).toThrow(RangeError);
    expect(() => apportion(1n, [2n, -1n])).toThrow(RangeError);
  });

  it('sums exactly to the amount, stays within one micro of the exact share, and mirrors refunds', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(10n ** 18n), max: 10n ** 18n }), creditsArb, (amount, credits) => {
        const parts = splitByCredit(amount, credits);
        expect(parts).toHaveLength(credits.length);
        expect(parts.reduce((a, b) => a + b, 0n)).toBe(amount);
        parts.forEach((part, i) => {
          const exact = amount * (credits[i] as bigint); // the exact share, times CREDIT_SCALE
          const error = part * CREDIT_SCALE - exact;
          expect(error < 0n ? -error : error).toBeLessThan(CREDIT_SCALE);
        });
        expect(splitByCredit(-amount, credits)).toEqual(parts.map((p) => -p));
      }),
      { numRuns: 500 },
    );
  });
});
