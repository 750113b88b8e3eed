// Every string the app shows comes from a dictionary here, by key. Adding a language is a data
// change: write `ru.ts` exporting a `Dictionary` (the compiler then insists on every key) and add
// it to DICTIONARIES. Messages that come from the server (error messages) are shown as sent.
import { en } from './en.js';

export type MessageKey = keyof typeof en;
export type Dictionary = { readonly [K in MessageKey]: string };

const DICTIONARIES = { en } satisfies Record<string, Dictionary>;

export type Locale = keyof typeof DICTIONARIES;

let current: Locale = 'en';

export function isLocale(value: string): value is Locale {
  return Object.hasOwn(DICTIONARIES, value);
}

/** Switches the language (e.g. to the signed-in user's); unknown locales keep the current one. */
export function setLocale(locale: string): void {
  if (!isLocale(locale)) return;
  current = locale;
  document.documentElement.lang = locale;
}

export function currentLocale(): Locale {
  return current;
}

/**
 * The message for `key`, with `{name}` placeholders filled from `params`.
 * @example t('sessions.revokedOthers', { count: 2 })
 */
export function t(key: MessageKey, params?: Readonly<Record<string, string | number>>): string {
  const template: string = DICTIONARIES[current][key];
  if (params === undefined) return template;
  return template.replace(/\{(\w+)\}/g, (placeholder, name: string) => (Object.hasOwn(params, name) ? String(params[name]) : placeholder));
}

/** A date and time in the current language, e.g. "3 Mar 2026, 14:05". */
export function formatDateTime(iso: string | null | undefined): string {
  if (iso === null || iso === undefined) return t('common.never');
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return new Intl.DateTimeFormat(current, { dateStyle: 'medium', timeStyle: 'short' }).format(date);
}
