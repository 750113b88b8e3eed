// Exact money for the analytics engine: amounts are bigint micros (1 unit = 1_000_000), rates and
// inputs are decimal strings, and every rounding is half-even on integers. No binary float ever
// holds an amount, so sums across channels equal the workspace total to the micro.

/** Credit units in one whole deal: attribution hands out integers that sum to this per deal. */
export const CREDIT_SCALE = 1_000_000n;

/** Micros in one unit of a currency. */
export const MICROS_PER_UNIT = 1_000_000n;

const CURRENCY_CODE = /^[A-Za-z]{3}$/;
// A rate longer than this is not a rate a bank publishes; the cap bounds the bigint work per call.
const MAX_RATE_LENGTH = 40;
const RATE = /^(\d+)(?:\.(\d+))?$/;
const DECIMAL = /^(-?)(\d+)(?:\.(\d+))?$/;
const MAX_DECIMAL_LENGTH = 40;

/**
 * Minor-unit digits of an ISO 4217 currency (JPY 0, USD 2, KWD 3), from the runtime's ICU data —
 * the same source the sync uses when it stores `amount_minor`, so the two always agree. A
 * well-formed but unknown code gets ICU's default of 2. Throws RangeError on a malformed code.
 */
export function currencyExponent(currency: string): number {
  if (!CURRENCY_CODE.test(currency)) throw new RangeError('A currency is a three-letter ISO 4217 code.');
  return new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
}

/** Integer minor units of `currency` (cents, kopecks, yen) to micros, exactly. */
export function minorToMicros(amountMinor: bigint, currency: string): bigint {
  const exponent = currencyExponent(currency);
  // ISO 4217 has nothing finer than 4 digits (CLF, UYW), so the factor is always a whole number.
  return amountMinor * 10n ** BigInt(6 - exponent);
}

/**
 * Integer division rounded half to even ("banker's rounding"): the error of many roundings does
 * not drift one way. `denominator` must not be zero; either sign is fine.
 */
export function divideHalfEven(numerator: bigint, denominator: bigint): bigint {
  if (denominator === 0n) throw new RangeError('Division by zero.');
  if (denominator < 0n) {
    numerator = -numerator;
    denominator = -denominator;
  }
  const quotient = numerator / denominator; // truncates toward zero
  const remainder = numerator % denominator; // has the sign of the numerator
  const twice = 2n * (remainder < 0n ? -remainder : remainder);
  const away = numerator < 0n ? -1n : 1n;
  if (twice > denominator || (twice === denominator && quotient % 2n !== 0n)) return quotient + away;
  return quotient;
}

/** A positive decimal rate ("0.0107", "92.5") as an exact fraction numerator / 10^scale. */
function parseRate(rate: string): { numerator: bigint; denominator: bigint } {
  const match = rate.length <= MAX_RATE_LENGTH ? RATE.exec(rate) : null;
  if (match === null) throw new RangeError('A rate is a positive decimal number such as "0.0107" or "92.5".');
  const [, whole = '', fraction = ''] = match;
  const numerator = BigInt(whole + fraction);
  if (numerator === 0n) throw new RangeError('A rate must be greater than zero.');
  return { numerator, denominator: 10n ** BigInt(fraction.length) };
}

/**
 * Converts micros of one currency to micros of another: `amountMicros × rate`, exact, rounded
 * half-even to a whole micro. `rate` is the price of one source unit in the target currency.
 */
export function convertMicros(amountMicros: bigint, rate: string): bigint {
  const { numerator, denominator } = parseRate(rate);
  return divideHalfEven(amountMicros * numerator, denominator);
}

/**
 * Largest-remainder apportionment: splits `total` into integers proportional to `weights` that sum
 * exactly to `total`. Each share starts at its floor; the few units left over go to the largest
 * remainders, ties to the earlier index. A negative total is split as its absolute value, negated,
 * so a refund mirrors its sale. Weights are non-negative with a positive sum.
 */
export function apportion(total: bigint, weights: readonly bigint[]): bigint[] {
  if (total < 0n) return apportion(-total, weights).map((share) => -share);
  let weightSum = 0n;
  for (const weight of weights) {
    if (weight < 0n) throw new RangeError('Weights must not be negative.');
    weightSum += weight;
  }
  if (weightSum === 0n) throw new RangeError('Weights must have a positive sum.');
  const shares: bigint[] = [];
  const remainders: bigint[] = [];
  let given = 0n;
  for (const weight of weights) {
    const product = total * weight;
    const share = product / weightSum;
    shares.push(share);
    remainders.push(product % weightSum);
    given += share;
  }
  let leftover = total - given; // 0 <= leftover < weights.length
  if (leftover === 0n) return shares;
  const order = remainders.map((_, index) => index);
  order.sort((a, b) => {
    const ra = remainders[a] as bigint;
    const rb = remainders[b] as bigint;
    return ra === rb ? a - b : ra > rb ? -1 : 1;
  });
  for (const index of order) {
    if (leftover === 0n) break;
    shares[index] = (shares[index] as bigint) + 1n;
    leftover -= 1n;
  }
  return shares;
}

/**
 * Splits an amount (a deal's revenue) over touches by their attribution credits. The parts sum
 * exactly to `amountMicros`. Credits normally sum to CREDIT_SCALE; any non-negative credits with a
 * positive sum are split proportionally.
 */
export function splitByCredit(amountMicros: bigint, credits: readonly bigint[]): bigint[] {
  return apportion(amountMicros, credits);
}

function checkFractionDigits(fractionDigits: number): void {
  if (!Number.isInteger(fractionDigits) || fractionDigits < 0 || fractionDigits > 6) {
    throw new RangeError('fractionDigits is a whole number from 0 to 6.');
  }
}

/** A signed integer count of 10^-digits units as a decimal string ("-0.10"); never "-0.00". */
function formatScaled(scaled: bigint, fractionDigits: number): string {
  const negative = scaled < 0n;
  const digits = (negative ? -scaled : scaled).toString().padStart(fractionDigits + 1, '0');
  const whole = digits.slice(0, digits.length - fractionDigits);
  const fraction = digits.slice(digits.length - fractionDigits);
  return (negative ? '-' : '') + whole + (fractionDigits > 0 ? '.' + fraction : '');
}

/** Micros as a decimal string with `fractionDigits` digits, rounded half-even: 1234500000n -> "1234.50". */
export function formatMicros(micros: bigint, fractionDigits = 2): string {
  checkFractionDigits(fractionDigits);
  return formatScaled(divideHalfEven(micros, 10n ** BigInt(6 - fractionDigits)), fractionDigits);
}

/**
 * `numeratorMicros / denominator` as a money string, rounded once (half-even) from the exact
 * quotient. Rounding to micros first and then to cents would round twice and can be a cent off.
 */
export function formatMicrosQuotient(numeratorMicros: bigint, denominator: bigint, fractionDigits = 2): string {
  checkFractionDigits(fractionDigits);
  return formatScaled(divideHalfEven(numeratorMicros, denominator * 10n ** BigInt(6 - fractionDigits)), fractionDigits);
}

/**
 * A decimal string with at most 6 fraction digits to micros, exactly: "12.345678" -> 12345678n.
 * Accepts an optional leading "-"; no exponent, no "+", no spaces, no thousands separators.
 */
export function parseDecimalToMicros(text: string): bigint {
  const match = text.length <= MAX_DECIMAL_LENGTH ? DECIMAL.exec(text) : null;
  if (match === null) throw new RangeError('Not a decimal number such as "12.34".');
  const [, sign, whole = '', fraction = ''] = match;
  if (fraction.length > 6) throw new RangeError('At most 6 decimal places.');
  const micros = BigInt(whole) * MICROS_PER_UNIT + BigInt(fraction.padEnd(6, '0'));
  return sign === '-' ? -micros : micros;
}
