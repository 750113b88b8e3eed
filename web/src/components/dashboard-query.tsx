// The dashboard's view lives in the address bar (?range=last_30_days&model=linear&groupBy=campaign
// &channel=meta-ads&sort=revenue&order=desc&page=2), so a view can be shared as a link and a reload
// shows the same thing. Anything unknown or malformed in the query falls back to the default.
import type { AnchorHTMLAttributes, MouseEvent, ReactNode } from 'react';
import { ATTRIBUTION_MODELS, REPORT_GROUPINGS, type AttributionModel, type DateRange, type MetricName, type ReportGrouping } from '../api/analytics.js';
import { useCurrentSearch } from '../navigation.js';
import { addDays, daysInRange, firstOfMonth, isDay } from './dashboard-format.js';

export const RANGE_PRESETS = ['last_7_days', 'last_30_days', 'last_90_days', 'this_month', 'last_month', 'custom'] as const;
export type RangePreset = (typeof RANGE_PRESETS)[number];

/** Columns the table sorts by (the server sorts, so paging stays right): the row's name and the figures shown. */
export const SORT_KEYS = ['label', 'spend', 'leads', 'cpl', 'deals', 'revenue', 'cac', 'romi', 'roas'] as const satisfies readonly ('label' | MetricName)[];
export type SortKey = (typeof SORT_KEYS)[number];

/** A channel key as the server takes it (built-in or user-defined). */
const CHANNEL_KEY = /^[a-z0-9][a-z0-9-]{0,39}$/;

/** The longest range the server answers (3 years). */
export const MAX_RANGE_DAYS = 3 * 366;

export interface DashboardQuery {
  preset: RangePreset;
  /** Only with preset `custom`. */
  from: string | undefined;
  to: string | undefined;
  /** Undefined: the workspace's default model. */
  model: AttributionModel | undefined;
  groupBy: ReportGrouping;
  /** The channel drilled into (with groupBy `campaign`). */
  channel: string | undefined;
  sort: SortKey;
  order: 'asc' | 'desc';
  page: number;
}

export const DEFAULT_QUERY: DashboardQuery = {
  preset: 'last_30_days',
  from: undefined,
  to: undefined,
  model: undefined,
  groupBy: 'channel',
  channel: undefined,
  sort: 'spend',
  order: 'desc',
  page: 1,
};

function oneOf<T extends string>(values: readonly T[], value: string | null): T | undefined {
  return value !== null && (values as readonly string[]).includes(value) ? (value as T) : undefined;
}

export function parseDashboardQuery(search: string): DashboardQuery {
  const params = new URLSearchParams(search);
  const from = params.get('from');
  const to = params.get('to');
  const customOk = from !== null && to !== null && isDay(from) && isDay(to) && from <= to && daysInRange(from, to) <= MAX_RANGE_DAYS;
  const preset = oneOf(RANGE_PRESETS, params.get('range')) ?? (customOk ? 'custom' : DEFAULT_QUERY.preset);
  const custom = preset === 'custom' && customOk;
  const channel = params.get('channel');
  const page = Number(params.get('page') ?? '1');
  return {
    preset: preset === 'custom' && !customOk ? DEFAULT_QUERY.preset : preset,
    from: custom ? from : undefined,
    to: custom ? to : undefined,
    model: oneOf(ATTRIBUTION_MODELS, params.get('model')),
    groupBy: oneOf(REPORT_GROUPINGS, params.get('groupBy')) ?? DEFAULT_QUERY.groupBy,
    channel: channel !== null && CHANNEL_KEY.test(channel) ? channel : undefined,
    sort: oneOf(SORT_KEYS, params.get('sort')) ?? DEFAULT_QUERY.sort,
    order: oneOf(['asc', 'desc'], params.get('order')) ?? DEFAULT_QUERY.order,
    page: Number.isInteger(page) && page >= 1 && page <= 100_000 ? page : 1,
  };
}

/** The query string for `query`, leaving out whatever is the default (short links). */
export function dashboardSearch(query: DashboardQuery): string {
  const params = new URLSearchParams();
  if (query.preset !== DEFAULT_QUERY.preset) params.set('range', query.preset);
  if (query.preset === 'custom' && query.from !== undefined && query.to !== undefined) {
    params.set('from', query.from);
    params.set('to', query.to);
  }
  if (query.model !== undefined) params.set('model', query.model);
  if (query.groupBy !== DEFAULT_QUERY.groupBy) params.set('groupBy', query.groupBy);
  if (query.channel !== undefined) params.set('channel', query.channel);
  if (query.sort !== DEFAULT_QUERY.sort || query.order !== DEFAULT_QUERY.order) {
    params.set('sort', query.sort);
    params.set('order', query.order);
  }
  if (query.page !== 1) params.set('page', String(query.page));
  const text = params.toString();
  return text === '' ? '' : `?${text}`;
}

/** The days a preset covers, given today in the workspace's time zone. Presets end yesterday (a whole day). */
export function rangeOf(query: Pick<DashboardQuery, 'preset' | 'from' | 'to'>, today: string): DateRange {
  const yesterday = addDays(today, -1);
  switch (query.preset) {
    case 'last_7_days':
      return { from: addDays(today, -7), to: yesterday };
    case 'last_30_days':
      return { from: addDays(today, -30), to: yesterday };
    case 'last_90_days':
      return { from: addDays(today, -90), to: yesterday };
    case 'this_month':
      return { from: firstOfMonth(today), to: today };
    case 'last_month': {
      const end = addDays(firstOfMonth(today), -1);
      return { from: firstOfMonth(end), to: end };
    }
    case 'custom':
      return query.from !== undefined && query.to !== undefined ? { from: query.from, to: query.to } : rangeOf({ ...query, preset: DEFAULT_QUERY.preset }, today);
  }
}

/** The current dashboard query, following the address bar (back and forward included). */
export function useDashboardQuery(): DashboardQuery {
  return parseDashboardQuery(useCurrentSearch());
}

/**
 * Shows `query` in the address bar: a new history entry (`push`, so Back undoes a drill-down or a new
 * range) or the current one replaced (a sort or page). No scroll to the top: the reader stays where
 * they were. The popstate event is how the app's router hears of it (see navigation.ts).
 */
export function showDashboardQuery(query: DashboardQuery, mode: 'push' | 'replace'): void {
  const url = `${window.location.pathname}${dashboardSearch(query)}`;
  if (url === `${window.location.pathname}${window.location.search}`) return;
  if (mode === 'push') window.history.pushState(null, '', url);
  else window.history.replaceState(null, '', url);
  window.dispatchEvent(new PopStateEvent('popstate', { state: null }));
}

interface QueryLinkProps extends Omit<AnchorHTMLAttributes<HTMLAnchorElement>, 'href'> {
  query: DashboardQuery;
  mode?: 'push' | 'replace';
  children: ReactNode;
}

/** A real link to a dashboard view (opens in a new tab, copies) that a plain click shows in place. */
export function QueryLink({ query, mode = 'push', children, onClick, ...rest }: QueryLinkProps) {
  function followInPage(event: MouseEvent<HTMLAnchorElement>) {
    onClick?.(event);
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    showDashboardQuery(query, mode);
  }
  return (
    <a href={`${window.location.pathname}${dashboardSearch(query)}`} onClick={followInPage} {...rest}>
      {children}
    </a>
  );
}
