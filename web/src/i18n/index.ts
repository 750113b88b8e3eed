// Every string the app shows comes from a dictionary here, by key. Adding a language is a data
// change: write `<lang>.ts` exporting a `Dictionary` (the compiler then insists on every key) and add
// it to DICTIONARIES. Messages that come from the server (error messages) are shown as sent.
// The language is, in order: the one chosen on this device (language switcher, kept in
// localStorage), else the signed-in account's (setLocale), else the browser's preferred one.
import { en } from './en.js';
import { ru } from './ru.js';

export type MessageKey = keyof typeof en;
export type Dictionary = { readonly [K in MessageKey]: string };

const DICTIONARIES = { en, ru } satisfies Record<string, Dictionary>;

export type Locale = keyof typeof DICTIONARIES;

/** Each language's name in itself, for the switcher (a reader looks for their own language's name). */
export const LOCALE_NAMES: Readonly<Record<Locale, string>> = { en: 'English', ru: 'Русский' };

const CHOSEN_KEY = 'throughline.locale';

export function isLocale(value: string): value is Locale {
  return Object.hasOwn(DICTIONARIES, value);
}

function storage(): Storage | undefined {
  try {
    return window.localStorage;
  } catch {
    return undefined; // storage disabled: the choice lasts for this page only
  }
}

/** The language picked with the switcher on this device, if any. */
function chosenLocale(): Locale | undefined {
  const value = storage()?.getItem(CHOSEN_KEY) ?? null;
  return value !== null && isLocale(value) ? value : undefined;
}

/** The first of the browser's preferred languages we have (`ru-RU` counts as `ru`), else English. */
function browserLocale(): Locale {
  const preferred = typeof navigator === 'undefined' ? [] : (navigator.languages ?? [navigator.language]);
  for (const tag of preferred) {
    const primary = (tag ?? '').toLowerCase().split('-')[0] ?? '';
    if (isLocale(primary)) return primary;
  }
  return 'en';
}

let current: Locale = typeof window === 'undefined' ? 'en' : (chosenLocale() ?? browserLocale());
if (typeof document !== 'undefined') document.documentElement.lang = current;

function apply(locale: Locale): void {
  current = locale;
  document.documentElement.lang = locale;
}

/**
 * Switches the language (e.g. to the signed-in user's); unknown locales keep the current one.
 * A language the person chose on this device with the switcher wins: the account's language
 * cannot be changed yet, so it would otherwise undo their choice at every sign-in.
 */
export function setLocale(locale: string): void {
  if (!isLocale(locale) || chosenLocale() !== undefined) return;
  apply(locale);
}

/** The person's own choice (the language switcher): remembered on this device and applied now. */
export function chooseLocale(locale: string): void {
  if (!isLocale(locale)) return;
  storage()?.setItem(CHOSEN_KEY, locale);
  apply(locale);
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
