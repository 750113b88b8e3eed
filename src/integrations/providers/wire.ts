// Small, exact helpers every connector uses on provider answers: JSON that may be malformed,
// Retry-After, money as decimal strings converted to integer micros without binary floats, and
// following a provider's "next page" URL only within the API's own origin.
import { ProviderError } from '../contract.js';
import { networkFailure } from '../oauth.js';

/** The provider's answer as JSON, or a `malformed` ProviderError naming what was being read. */
export async function readJsonBody(response: Response, what: string): Promise<unknown> {
  const text = await response.text();
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new ProviderError('malformed', `${what}: the provider's answer is not valid JSON.`, { status: response.status });
  }
}

export async function callProvider(fetch: (url: string, init?: RequestInit) => Promise<Response>, url: string, init: RequestInit, what: string): Promise<Response> {
  try {
    return await fetch(url, init);
  } catch (error) {
    if (init.signal?.aborted) throw error;
    throw networkFailure(error, what);
  }
}

/** Retry-After as delta-seconds or an HTTP date; undefined when absent or unreadable. */
export function retryAfterMs(headers: Headers, now: Date): number | undefined {
  const value = headers.get('retry-after');
  if (value === null) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now.getTime());
}

const DECIMAL = /^(-)?(\d+)(?:\.(\d+))?$/;

/**
 * "12.34" (currency units) to 12_340_000 micros, exactly; digits past the sixth decimal are
 * rounded half away from zero. Throws `malformed` on anything that is not a plain decimal.
 */
export function decimalToMicros(value: unknown, what: string): number {
  const text = typeof value === 'number' ? String(value) : value;
  if (typeof text !== 'string') throw new ProviderError('malformed', `${what} is missing.`);
  const match = DECIMAL.exec(text.trim());
  if (match === null) throw new ProviderError('malformed', `${what} is not a number.`);
  const [, sign, whole = '0', fraction = ''] = match;
  const padded = (fraction + '0000000').slice(0, 7);
  let micros = BigInt(whole) * 1_000_000n + BigInt(padded.slice(0, 6));
  if (Number(padded[6]) >= 5) micros += 1n;
  if (micros > BigInt(Number.MAX_SAFE_INTEGER)) throw new ProviderError('malformed', `${what} is out of range.`);
  return Number(sign === '-' ? -micros : micros);
}

/** ISO 4217 minor-unit digits (2 for USD and RUB, 0 for JPY, 3 for KWD), from the runtime's ICU data. */
export function minorDigits(currency: string): number {
  try {
    return new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
  } catch {
    return 2;
  }
}

/** Integer minor units from a decimal amount, for a currency with `digits` minor digits. */
export function decimalToMinor(value: unknown, what: string, digits = 2): number {
  const micros = decimalToMicros(value, what);
  const divisor = 10 ** (6 - digits);
  return Math.round(micros / divisor);
}

export function nonNegativeInt(value: unknown, what: string): number {
  const n = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) throw new ProviderError('malformed', `${what} is not a whole number.`);
  return n;
}

export function nonNegativeNumber(value: unknown, what: string): number {
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isFinite(n) || n < 0) throw new ProviderError('malformed', `${what} is not a number.`);
  return n;
}

/**
 * SECURITY: a "next page" link comes from the provider's answer; it is followed only when it
 * stays on the API's own origin, so a tampered answer cannot send our token elsewhere.
 */
export function sameOriginNext(next: unknown, apiBaseUrl: string): string | null {
  if (typeof next !== 'string' || next === '') return null;
  let url: URL;
  try {
    url = new URL(next, apiBaseUrl);
  } catch {
    throw new ProviderError('malformed', 'The provider returned an unreadable next-page link.');
  }
  if (url.origin !== new URL(apiBaseUrl).origin) throw new ProviderError('malformed', 'The provider returned a next-page link to another host; refusing to follow it.');
  return url.toString();
}

export function isoDate(value: unknown, what: string): string {
  if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(value)) throw new ProviderError('malformed', `${what} is not a YYYY-MM-DD date.`);
  return value;
}

/** Unix seconds to an ISO instant. */
export function unixToIso(value: unknown, what: string): string {
  const seconds = nonNegativeInt(value, what);
  return new Date(seconds * 1000).toISOString();
}

export function asRecord(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ProviderError('malformed', `${what} is not an object.`);
  return value as Record<string, unknown>;
}

export function asArray(value: unknown, what: string): unknown[] {
  if (!Array.isArray(value)) throw new ProviderError('malformed', `${what} is not a list.`);
  return value;
}

export function optionalString(value: unknown): string | null {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : typeof value === 'number' ? String(value) : null;
}

/** Waits `ms` or until aborted. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason as Error);
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason as Error);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** UTM and click ids read from a landing-page URL's query string. */
export function trackingFromUrl(value: unknown): { utm: Record<'source' | 'medium' | 'campaign' | 'content' | 'term', string | null>; clickIds: Record<'gclid' | 'fbclid' | 'yclid', string | null> } {
  const empty = { utm: { source: null, medium: null, campaign: null, content: null, term: null }, clickIds: { gclid: null, fbclid: null, yclid: null } };
  if (typeof value !== 'string' || value === '') return empty;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return empty;
  }
  const get = (name: string) => optionalString(url.searchParams.get(name));
  return {
    utm: { source: get('utm_source'), medium: get('utm_medium'), campaign: get('utm_campaign'), content: get('utm_content'), term: get('utm_term') },
    clickIds: { gclid: get('gclid'), fbclid: get('fbclid'), yclid: get('yclid') },
  };
}
