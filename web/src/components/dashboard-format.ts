// Numbers and days for the dashboard, in the reader's language. Money comes from the server as a
// decimal string and is formatted as that string (Intl reads it exactly); the one sum the page
// needs, a change against the previous period, is done in exact integer units, never in floats.
import { currentLocale } from '../i18n/index.js';

const DECIMAL = /^([+-]?)(\d+)(?:\.(\d+))?$/;
/** Fixed-point scale for comparing amounts: 6 decimals is more than any currency has. */
const SCALE_DIGITS = 6;

/** A decimal string as an integer number of millionths, or undefined when it is not a decimal. */
export function parseDecimal(value: string): bigint | undefined {
  const match = DECIMAL.exec(value.trim());
  if (match === null) return undefined;
  const [, sign, whole = '0', fraction = ''] = match;
  const units = BigInt(whole + fraction.slice(0, SCALE_DIGITS).padEnd(SCALE_DIGITS, '0'));
  return sign === '-' ? -units : units;
}

/**
 * The change from `previous` to `current` as a fraction (0.25 = 25 % up), computed exactly on the
 * decimal strings; null when there is nothing to compare with (no previous amount, or it was 0).
 */
export function changeOfAmounts(current: string | null, previous: string | null): number | null {
  if (current === null || previous === null) return null;
  const now = parseDecimal(current);
  const before = parseDecimal(previous);
  if (now === undefined || before === undefined || before === 0n) return null;
  const magnitude = before < 0n ? -before : before;
  // In millionths, rounded toward zero: exact far beyond the one decimal the page shows.
  return Number(((now - before) * 1_000_000n) / magnitude) / 1_000_000;
}

/** The change of a ratio (ROAS) as a fraction of its previous value; null when there is none. */
export function changeOfRatios(current: number | null, previous: number | null): number | null {
  if (current === null || previous === null || previous === 0) return null;
  return (current - previous) / Math.abs(previous);
}

/** The change of a rate (ROMI) in percentage points; null when either side is missing. */
export function changeInPoints(current: number | null, previous: number | null): number | null {
  if (current === null || previous === null) return null;
  return Math.round((current - previous) * 10_000) / 100;
}

function numberFormat(options: Intl.NumberFormatOptions): Intl.NumberFormat {
  return new Intl.NumberFormat(currentLocale(), options);
}

/** "$1,234.50" / "1 234,50 $": the decimal string as it is, in the report's currency. */
export function formatMoney(value: string, currency: string, options: { compact?: boolean } = {}): string {
  if (parseDecimal(value) === undefined) return value;
  let format: Intl.NumberFormat;
  try {
    format = numberFormat(
      options.compact === true
        ? { style: 'currency', currency, notation: 'compact', maximumFractionDigits: 1 }
        : { style: 'currency', currency, minimumFractionDigits: 2, maximumFractionDigits: 2 },
    );
  } catch {
    return `${value} ${currency}`; // a code this browser does not know: still show the amount
  }
  // Intl formats a numeric string exactly (no trip through a binary float).
  return format.format(value as Intl.StringNumericLiteral);
}

/** A plain amount for a chart axis or tooltip (charts need numbers; this is display only). */
export function amountForChart(value: string): number {
  const units = parseDecimal(value);
  return units === undefined ? 0 : Number(units) / 10 ** SCALE_DIGITS;
}

export function formatCount(value: number, maximumFractionDigits = 0): string {
  return numberFormat({ maximumFractionDigits }).format(value);
}

/** 0.1234 -> "12.3 %" in the reader's style. */
export function formatPercent(fraction: number, options: { signed?: boolean } = {}): string {
  return numberFormat({ style: 'percent', maximumFractionDigits: 1, minimumFractionDigits: 0, ...(options.signed === true ? { signDisplay: 'exceptZero' } : {}) }).format(fraction);
}

/** ROAS 3.2 -> "3.2×". */
export function formatMultiple(value: number): string {
  return `${numberFormat({ maximumFractionDigits: 2, minimumFractionDigits: 2 }).format(value)}×`;
}

// --- days ---------------------------------------------------------------------------------------------

const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Whether `value` is a real calendar day written YYYY-MM-DD. */
export function isDay(value: string): boolean {
  const match = DAY.exec(value);
  if (match === null) return false;
  const date = new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])));
  return date.toISOString().slice(0, 10) === value;
}

function toUtcDate(day: string): Date {
  const [year = 1970, month = 1, date = 1] = day.split('-').map(Number);
  return new Date(Date.UTC(year, month - 1, date));
}

function fromUtcDate(date: Date): string {
  return date.toISOString().slice(0, 10);
}

export function addDays(day: string, days: number): string {
  const date = toUtcDate(day);
  date.setUTCDate(date.getUTCDate() + days);
  return fromUtcDate(date);
}

/** Days from `from` to `to`, both counted. */
export function daysInRange(from: string, to: string): number {
  return Math.round((toUtcDate(to).getTime() - toUtcDate(from).getTime()) / 86_400_000) + 1;
}

export function firstOfMonth(day: string): string {
  return `${day.slice(0, 7)}-01`;
}

/** Today's date in `timeZone` (the workspace's days), as YYYY-MM-DD. */
export function todayIn(timeZone: string, now: Date = new Date()): string {
  try {
    const parts = new Intl.DateTimeFormat('en-US', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).formatToParts(now);
    const part = (type: Intl.DateTimeFormatPartTypes) => parts.find((p) => p.type === type)?.value ?? '';
    return `${part('year')}-${part('month')}-${part('day')}`;
  } catch {
    return fromUtcDate(now); // an unknown zone: UTC is the server's fallback too
  }
}

/** "3 Mar 2026" in the reader's language. */
export function formatDay(day: string, style: 'medium' | 'short' = 'medium'): string {
  if (!isDay(day)) return day;
  const options: Intl.DateTimeFormatOptions = style === 'short' ? { day: 'numeric', month: 'short', timeZone: 'UTC' } : { dateStyle: 'medium', timeZone: 'UTC' };
  return new Intl.DateTimeFormat(currentLocale(), options).format(toUtcDate(day));
}

/** "March 2026" for "2026-03". */
export function formatMonth(month: string): string {
  const first = `${month}-01`;
  if (!isDay(first)) return month;
  return new Intl.DateTimeFormat(currentLocale(), { month: 'long', year: 'numeric', timeZone: 'UTC' }).format(toUtcDate(first));
}

/** "3 – 9 Mar 2026" in the reader's language. */
export function formatDayRange(from: string, to: string): string {
  if (!isDay(from) || !isDay(to)) return `${from} – ${to}`;
  return new Intl.DateTimeFormat(currentLocale(), { dateStyle: 'medium', timeZone: 'UTC' }).formatRange(toUtcDate(from), toUtcDate(to));
}
