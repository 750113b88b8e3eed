// The language of the interface, chosen by the reader and remembered on this device. Changing it
// reloads the page: every string, date, number and chart is then drawn in the new language at
// once, and the view itself survives because it lives in the address.
import { useId } from 'react';
import { chooseLocale, currentLocale, isLocale, LOCALE_NAMES, t, type Locale } from '../i18n/index.js';

const LOCALES = Object.keys(LOCALE_NAMES) as Locale[];

export function LanguageSwitcher() {
  const id = useId();
  function choose(value: string) {
    if (!isLocale(value) || value === currentLocale()) return;
    chooseLocale(value);
    window.location.reload();
  }
  return (
    <div className="language-switcher">
      <label htmlFor={id}>{t('language.label')}</label>
      <select id={id} value={currentLocale()} onChange={(event) => choose(event.target.value)}>
        {LOCALES.map((locale) => (
          <option key={locale} value={locale} lang={locale}>
            {LOCALE_NAMES[locale]}
          </option>
        ))}
      </select>
    </div>
  );
}
