// Which days a pass over a stream reads. Days are `YYYY-MM-DD` strings (the ad account's own
// calendar, as providers report them); arithmetic is on UTC midnights, so no DST shift can skip
// or repeat a day.

const DAY_MS = 86_400_000;
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

export interface SyncWindow {
  since: string;
  until: string;
}

export interface WindowOptions {
  /** A first pass reads this many days back from today. */
  initialDays: number;
  /** Later passes start this many days before the end of the last one: platforms revise recent days. */
  lookbackDays: number;
}

/** True for a real calendar day written `YYYY-MM-DD`. */
export function isIsoDate(value: string): boolean {
  const match = ISO_DATE.exec(value);
  if (match === null) return false;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

export function addDays(day: string, days: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
}

/** Whole days from `from` to `to` (negative when `to` is earlier). */
export function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS);
}

/** The calendar day `now` falls on in `timeZone` (UTC when the zone is unknown). */
export function todayIn(timeZone: string, now: Date): string {
  let zone = timeZone;
  try {
    new Intl.DateTimeFormat('en-CA', { timeZone: zone });
  } catch {
    zone = 'UTC';
  }
  // en-CA formats as YYYY-MM-DD.
  return new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(now);
}

/**
 * The window of a new pass: a year back on the first one; afterwards from the end of the last
 * completed pass minus the look-back, so late conversions on recent days are read again.
 */
export function nextWindow(syncedThrough: string | null, today: string, options: WindowOptions): SyncWindow {
  if (syncedThrough === null) return { since: addDays(today, -options.initialDays), until: today };
  const since = addDays(syncedThrough, -options.lookbackDays);
  // A clock that went backwards (or a restored database) must not make an empty or inverted window.
  return { since: since > today ? addDays(today, -options.lookbackDays) : since, until: today };
}
