// Amounts of time in the current language ("180 days", "in 3 days", "3 hr 59 min"), through Intl so
// plurals and units come out right in every language without dictionary entries per form.
import { currentLocale } from '../../i18n/index.js';

const DAY_MS = 24 * 60 * 60 * 1000;

function unit(value: number, name: 'day' | 'hour' | 'minute' | 'second', display: 'long' | 'short'): string {
  return new Intl.NumberFormat(currentLocale(), { style: 'unit', unit: name, unitDisplay: display }).format(value);
}

/** "1 day", "180 days". */
export function formatDays(days: number): string {
  return unit(days, 'day', 'long');
}

/** How far `iso` is from `now`, in whole days when a day or more: "in 179 days", "2 days ago", "in 5 hours". */
export function formatRelative(iso: string, now: Date): string {
  const diff = Date.parse(iso) - now.getTime();
  const format = new Intl.RelativeTimeFormat(currentLocale(), { numeric: 'auto' });
  if (Math.abs(diff) >= DAY_MS) return format.format(Math.trunc(diff / DAY_MS), 'day');
  if (Math.abs(diff) >= 60 * 60 * 1000) return format.format(Math.trunc(diff / (60 * 60 * 1000)), 'hour');
  return format.format(Math.trunc(diff / 60_000), 'minute');
}

/** A wait in seconds, rounded up to the minute once it is longer than one: "45 sec", "14 min", "3 hr 59 min". */
export function formatDuration(seconds: number): string {
  if (seconds < 60) return unit(Math.max(0, seconds), 'second', 'short');
  const minutes = Math.ceil(seconds / 60);
  if (minutes < 60) return unit(minutes, 'minute', 'short');
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  return rest === 0 ? unit(hours, 'hour', 'short') : `${unit(hours, 'hour', 'short')} ${unit(rest, 'minute', 'short')}`;
}

/** A moment to the second ("3 Mar 2026, 14:05:09"): audit entries a minute apart must stay apart. */
export function formatTimestamp(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return new Intl.DateTimeFormat(currentLocale(), { dateStyle: 'medium', timeStyle: 'medium' }).format(date);
}
