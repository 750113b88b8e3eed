// How the integrations pages write providers, counts and money: in the current language, and money
// from the exact integers the server keeps (micros of spend, minor units of deals).
import type { Provider } from '../api/integrations.js';
import { currentLocale, t } from '../i18n/index.js';

/** A provider's name; CSV imports and the demo provider are not in the provider list. */
export function providerName(id: string, providers: readonly Provider[]): string {
  const known = providers.find((p) => p.id === id);
  if (known !== undefined) return known.displayName;
  if (id === 'csv') return t('integrations.providerCsv');
  if (id.startsWith('demo-')) return t('integrations.providerDemo');
  return id;
}

export function formatCount(value: number): string {
  return new Intl.NumberFormat(currentLocale()).format(value);
}

/** Spend in millionths of the account currency (the currency is not in the row). */
export function formatMicros(micros: number): string {
  return new Intl.NumberFormat(currentLocale(), { minimumFractionDigits: 2, maximumFractionDigits: 6 }).format(micros / 1_000_000);
}

/** An amount in minor units of `currency` (cents; none for JPY); the code as-is if unknown. */
export function formatMinor(amountMinor: number, currency: string): string {
  try {
    const format = new Intl.NumberFormat(currentLocale(), { style: 'currency', currency });
    const digits = format.resolvedOptions().maximumFractionDigits ?? 2;
    return format.format(amountMinor / 10 ** digits);
  } catch {
    return t('csv.minorUnits', { amount: formatCount(amountMinor), currency });
  }
}
