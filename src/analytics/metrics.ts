// Report metrics from additive sums. Sums are bigints (money in reporting-currency micros, deals in
// CREDIT_SCALE units), so adding rows in any grouping gives the same totals; every ratio is computed
// from integers and rounded once, half-even. A zero denominator yields null, never NaN or Infinity.
import { CREDIT_SCALE, divideHalfEven, formatMicros, formatMicrosQuotient } from './money.js';

export interface MetricSums {
  spendMicros: bigint;
  impressions: bigint;
  clicks: bigint;
  leads: bigint;
  /** Attributed deals, CREDIT_SCALE units per deal. */
  dealCredits: bigint;
  /** Attributed won deals, CREDIT_SCALE units per deal. */
  wonCredits: bigint;
  /** Won deals' attributed revenue, reporting-currency micros. */
  revenueMicros: bigint;
  /** Revenue over the LTV window from the customers counted in `customers`, micros. */
  ltvRevenueMicros: bigint;
  customers: bigint;
}

/** Money as decimal strings with 2 digits; ratios as numbers with 4 decimals; deals with 2. */
export interface Metrics {
  spend: string;
  impressions: number;
  clicks: number;
  ctr: number | null;
  cpc: string | null;
  leads: number;
  cpl: string | null;
  deals: number;
  wonDeals: number;
  leadToDealRate: number | null;
  dealWinRate: number | null;
  revenue: string;
  cac: string | null;
  romi: number | null;
  roas: number | null;
  ltv: string | null;
}

const SUM_KEYS = ['spendMicros', 'impressions', 'clicks', 'leads', 'dealCredits', 'wonCredits', 'revenueMicros', 'ltvRevenueMicros', 'customers'] as const satisfies readonly (keyof MetricSums)[];

export const RATIO_DIGITS = 4;
export const DEAL_DIGITS = 2;

export function emptySums(): MetricSums {
  return { spendMicros: 0n, impressions: 0n, clicks: 0n, leads: 0n, dealCredits: 0n, wonCredits: 0n, revenueMicros: 0n, ltvRevenueMicros: 0n, customers: 0n };
}

export function addSums(a: MetricSums, b: MetricSums): MetricSums {
  const sum = emptySums();
  for (const key of SUM_KEYS) sum[key] = a[key] + b[key];
  return sum;
}

/** numerator / denominator rounded half-even to `digits` decimals, as a number; null for a zero denominator. */
export function ratio(numerator: bigint, denominator: bigint, digits = RATIO_DIGITS): number | null {
  if (denominator === 0n) return null;
  const scale = 10n ** BigInt(digits);
  // The division of an integer by a power of ten is correctly rounded, so 1234 / 1e4 prints "0.1234".
  return Number(divideHalfEven(numerator * scale, denominator)) / Number(scale);
}

/** Money per unit (spend per click, per lead) as a 2-decimal string; null for a zero denominator. */
function moneyPer(numeratorMicros: bigint, denominator: bigint): string | null {
  return denominator === 0n ? null : formatMicrosQuotient(numeratorMicros, denominator);
}

export function computeMetrics(s: MetricSums): Metrics {
  return {
    spend: formatMicros(s.spendMicros),
    impressions: Number(s.impressions),
    clicks: Number(s.clicks),
    ctr: ratio(s.clicks, s.impressions),
    cpc: moneyPer(s.spendMicros, s.clicks),
    leads: Number(s.leads),
    cpl: moneyPer(s.spendMicros, s.leads),
    deals: ratio(s.dealCredits, CREDIT_SCALE, DEAL_DIGITS) as number,
    wonDeals: ratio(s.wonCredits, CREDIT_SCALE, DEAL_DIGITS) as number,
    leadToDealRate: ratio(s.dealCredits, s.leads * CREDIT_SCALE),
    dealWinRate: ratio(s.wonCredits, s.dealCredits),
    revenue: formatMicros(s.revenueMicros),
    // spend / (wonCredits / CREDIT_SCALE), kept in integers.
    cac: moneyPer(s.spendMicros * CREDIT_SCALE, s.wonCredits),
    romi: ratio(s.revenueMicros - s.spendMicros, s.spendMicros),
    roas: ratio(s.revenueMicros, s.spendMicros),
    ltv: moneyPer(s.ltvRevenueMicros, s.customers),
  };
}
