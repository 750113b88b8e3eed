// The report as a table: rows by channel (each a link to its campaigns), campaign or period,
// sortable by any figure (the server sorts, so paging stays right), with the totals at the foot,
// pages for long lists, and the same selection as CSV or XLSX.
import { useState, type MouseEvent } from 'react';
import { analyticsApi, REPORT_GROUPINGS, type DateRange, type Metrics, type Report, type ReportGrouping, type ReportQuery, type ReportRow } from '../api/analytics.js';
import type { WorkspaceRole } from '../api/identity.js';
import { saveFile } from '../files.js';
import { t, type MessageKey } from '../i18n/index.js';
import { formatCount, formatDay, formatDayRange, formatMoney, formatMonth, formatMultiple, formatPercent, isDay } from './dashboard-format.js';
import { QueryLink, SORT_KEYS, showDashboardQuery, type DashboardQuery, type SortKey } from './dashboard-query.js';
import { FormAlert, problemOf, type FormProblem } from './form.js';

export const TABLE_PAGE_SIZE = 25;

type Figure = Exclude<SortKey, 'label'>;

/** The figures the table shows, in order (the exports have every metric). */
const COLUMNS: readonly Figure[] = SORT_KEYS.filter((key): key is Figure => key !== 'label');

const COLUMN_LABEL: Record<Figure, MessageKey> = {
  spend: 'dashboard.column.spend',
  leads: 'dashboard.column.leads',
  cpl: 'dashboard.column.cpl',
  deals: 'dashboard.column.deals',
  revenue: 'dashboard.column.revenue',
  cac: 'dashboard.column.cac',
  romi: 'dashboard.column.romi',
  roas: 'dashboard.column.roas',
};

const GROUP_TITLE: Record<ReportGrouping, MessageKey> = {
  channel: 'dashboard.tableTitle.channel',
  campaign: 'dashboard.tableTitle.campaign',
  day: 'dashboard.tableTitle.day',
  week: 'dashboard.tableTitle.week',
  month: 'dashboard.tableTitle.month',
};

const GROUP_OPTION: Record<ReportGrouping, MessageKey> = {
  channel: 'dashboard.groupBy.channel',
  campaign: 'dashboard.groupBy.campaign',
  day: 'dashboard.groupBy.day',
  week: 'dashboard.groupBy.week',
  month: 'dashboard.groupBy.month',
};

const NAME_COLUMN: Record<ReportGrouping, MessageKey> = {
  channel: 'dashboard.column.channel',
  campaign: 'dashboard.column.campaign',
  day: 'dashboard.column.day',
  week: 'dashboard.column.week',
  month: 'dashboard.column.month',
};

const KNOWN_CHANNELS: Readonly<Record<string, MessageKey>> = {
  'meta-ads': 'channel.meta-ads',
  'google-ads': 'channel.google-ads',
  'yandex-direct': 'channel.yandex-direct',
  'vk-ads': 'channel.vk-ads',
  'tiktok-ads': 'channel.tiktok-ads',
  organic: 'channel.organic',
  email: 'channel.email',
  referral: 'channel.referral',
  direct: 'channel.direct',
  other: 'channel.other',
};

/** A channel's name in the reader's language; a user-defined channel keeps the name its rule gives. */
export function channelName(key: string, label?: string): string {
  const known = Object.hasOwn(KNOWN_CHANNELS, key) ? KNOWN_CHANNELS[key] : undefined;
  if (known !== undefined) return t(known);
  return label !== undefined && label !== '' ? label : key === '' ? t('dashboard.unknownChannel') : key;
}

function formatMetric(metric: Figure, metrics: Metrics, currency: string): string {
  switch (metric) {
    case 'spend':
    case 'revenue':
      return formatMoney(metrics[metric], currency);
    case 'cpl':
    case 'cac': {
      const value = metrics[metric];
      return value === null ? '—' : formatMoney(value, currency);
    }
    case 'leads':
      return formatCount(metrics.leads);
    case 'deals':
      // Fractional under multi-touch models.
      return formatCount(metrics.deals, 2);
    case 'romi':
      return metrics.romi === null ? '—' : formatPercent(metrics.romi);
    case 'roas':
      return metrics.roas === null ? '—' : formatMultiple(metrics.roas);
  }
}

function rowName(row: ReportRow, groupBy: ReportGrouping): string {
  if (groupBy === 'channel') return channelName(row.key, row.label);
  if (groupBy === 'day' && isDay(row.key)) return formatDay(row.key);
  if (groupBy === 'week' && isDay(row.key)) return t('dashboard.weekOf', { day: formatDay(row.key) });
  if (groupBy === 'month' && isDay(`${row.key.slice(0, 7)}-01`)) return formatMonth(row.key.slice(0, 7));
  // Deals whose tags name no campaign the ad platforms know: still counted, under their channel.
  if (groupBy === 'campaign' && row.campaignId === null) return t('dashboard.unmatchedCampaign', { channel: channelName(row.channel ?? '') });
  return row.label === '' ? row.key : row.label;
}

export interface ReportTableProps {
  workspaceId: string;
  role: WorkspaceRole;
  query: DashboardQuery;
  /** What the server is asked for (the query with its dates and model resolved). */
  request: ReportQuery;
  range: DateRange;
  modelName: string;
  report: Report;
  updating: boolean;
}

export function ReportTable({ workspaceId, role, query, request, range, modelName, report, updating }: ReportTableProps) {
  const drilled = query.groupBy === 'campaign' && query.channel !== undefined;
  const title = drilled ? t('dashboard.tableTitleChannel', { channel: channelName(query.channel ?? '') }) : t(GROUP_TITLE[query.groupBy]);
  const pages = Math.max(1, Math.ceil(report.total / report.pageSize));
  const canExport = role !== 'viewer';
  const columnLabel = (key: SortKey) => t(key === 'label' ? NAME_COLUMN[query.groupBy] : COLUMN_LABEL[key]);

  function sortBy(key: SortKey) {
    // A second press reverses; a new column starts with the highest figure first, or A to Z for names.
    const order = query.sort === key ? (query.order === 'desc' ? 'asc' : 'desc') : key === 'label' ? 'asc' : 'desc';
    showDashboardQuery({ ...query, sort: key, order, page: 1 }, 'replace');
  }

  function group(groupBy: ReportGrouping) {
    showDashboardQuery({ ...query, groupBy, channel: undefined, page: 1 }, 'push');
  }

  return (
    <section className="card report-card" aria-labelledby="report-heading" aria-busy={updating}>
      <div className="card-header report-header">
        <div>
          {drilled && (
            <p className="breadcrumb">
              <QueryLink query={{ ...query, groupBy: 'channel', channel: undefined, page: 1 }}>
                <span aria-hidden="true">← </span>
                {t('dashboard.backToChannels')}
              </QueryLink>
            </p>
          )}
          <h2 id="report-heading">{title}</h2>
        </div>
        <div className="field field-compact">
          <label htmlFor="report-group-by">{t('dashboard.groupBy')}</label>
          <select id="report-group-by" value={query.groupBy} onChange={(event) => group(REPORT_GROUPINGS.find((g) => g === event.target.value) ?? 'channel')}>
            {REPORT_GROUPINGS.map((grouping) => (
              <option key={grouping} value={grouping}>
                {t(GROUP_OPTION[grouping])}
              </option>
            ))}
          </select>
        </div>
      </div>
      <p className="muted small" id="report-sort-hint">
        {t('dashboard.sortHint')}
      </p>
      <div className="table-scroll">
        <table className="data-table report-table" aria-describedby="report-sort-hint">
          <caption className="visually-hidden">
            {t('dashboard.tableCaption', {
              title,
              range: formatDayRange(range.from, range.to),
              model: modelName,
              column: columnLabel(query.sort),
              order: t(query.sort === 'label' ? (query.order === 'asc' ? 'dashboard.orderAtoZ' : 'dashboard.orderZtoA') : query.order === 'asc' ? 'dashboard.orderAscending' : 'dashboard.orderDescending'),
            })}
          </caption>
          <thead>
            <tr>
              {SORT_KEYS.map((key) => {
                const sorted = query.sort === key;
                return (
                  <th key={key} scope="col" className={key === 'label' ? undefined : 'numeric'} aria-sort={sorted ? (query.order === 'asc' ? 'ascending' : 'descending') : undefined}>
                    <button type="button" className="sort-button" onClick={() => sortBy(key)}>
                      {columnLabel(key)}
                      <span className={`sort-mark${sorted ? ' sort-mark-active' : ''}`} aria-hidden="true">
                        {sorted ? (query.order === 'asc' ? '▲' : '▼') : '↕'}
                      </span>
                    </button>
                  </th>
                );
              })}
            </tr>
          </thead>
          <tbody>
            {report.rows.length === 0 ? (
              <tr>
                <td colSpan={COLUMNS.length + 1} className="muted">
                  {t('dashboard.noRows')}
                </td>
              </tr>
            ) : (
              report.rows.map((row) => (
                <tr key={row.key}>
                  <th scope="row">
                    {query.groupBy === 'channel' ? (
                      <QueryLink query={{ ...query, groupBy: 'campaign', channel: row.key, page: 1 }} aria-label={t('dashboard.showCampaigns', { channel: rowName(row, 'channel') })}>
                        {rowName(row, 'channel')}
                      </QueryLink>
                    ) : (
                      rowName(row, query.groupBy)
                    )}
                    {query.groupBy === 'campaign' && !drilled && row.channel !== null && (
                      <span className="row-note">{channelName(row.channel)}</span>
                    )}
                  </th>
                  {COLUMNS.map((metric) => (
                    <td key={metric} className="numeric">
                      {formatMetric(metric, row.metrics, report.currency)}
                    </td>
                  ))}
                </tr>
              ))
            )}
          </tbody>
          {report.rows.length > 0 && (
            <tfoot>
              <tr>
                <th scope="row">{pages > 1 ? t('dashboard.totalRowPaged', { count: formatCount(report.total) }) : t('dashboard.totalRow')}</th>
                {COLUMNS.map((metric) => (
                  <td key={metric} className="numeric">
                    {formatMetric(metric, report.totals, report.currency)}
                  </td>
                ))}
              </tr>
            </tfoot>
          )}
        </table>
      </div>
      {pages > 1 && <Pager query={query} page={report.page} pages={pages} />}
      {canExport && <ExportLinks workspaceId={workspaceId} request={request} />}
    </section>
  );
}

function Pager({ query, page, pages }: { query: DashboardQuery; page: number; pages: number }) {
  return (
    <nav className="pager report-pager" aria-label={t('dashboard.pages')}>
      {page > 1 ? (
        <QueryLink query={{ ...query, page: page - 1 }} mode="replace" className="button-secondary">
          {t('dashboard.pagePrevious')}
        </QueryLink>
      ) : (
        <span />
      )}
      <span aria-current="page">{t('dashboard.pageOf', { page, pages })}</span>
      {page < pages ? (
        <QueryLink query={{ ...query, page: page + 1 }} mode="replace" className="button-secondary">
          {t('dashboard.pageNext')}
        </QueryLink>
      ) : (
        <span />
      )}
    </nav>
  );
}

function ExportLinks({ workspaceId, request }: { workspaceId: string; request: ReportQuery }) {
  const [busy, setBusy] = useState<'csv' | 'xlsx' | undefined>(undefined);
  const [problem, setProblem] = useState<FormProblem | undefined>(undefined);

  // The links work as they are (the session cookie goes along); a plain click goes through the API
  // client instead, which renews an expired session rather than saving an error as the file.
  async function download(event: MouseEvent<HTMLAnchorElement>, format: 'csv' | 'xlsx') {
    if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    if (busy !== undefined) return;
    setBusy(format);
    setProblem(undefined);
    try {
      const file = await analyticsApi.download(workspaceId, format, request);
      saveFile(file.blob, file.filename ?? `report-${request.groupBy}-${request.from}-${request.to}.${format}`);
    } catch (error) {
      setProblem(problemOf(error));
    } finally {
      setBusy(undefined);
    }
  }

  return (
    <div className="export-links">
      <span className="muted">{t('dashboard.exportLabel')}</span>
      {/* The names begin with what the links show, so speech input ("click CSV") finds them. */}
      <a href={analyticsApi.exportUrl(workspaceId, 'csv', request)} download aria-label={t('dashboard.exportAs', { format: t('dashboard.exportCsv') })} onClick={(event) => void download(event, 'csv')}>
        {t('dashboard.exportCsv')}
      </a>
      <a href={analyticsApi.exportUrl(workspaceId, 'xlsx', request)} download aria-label={t('dashboard.exportAs', { format: t('dashboard.exportXlsx') })} onClick={(event) => void download(event, 'xlsx')}>
        {t('dashboard.exportXlsx')}
      </a>
      {busy !== undefined && (
        <span className="muted" role="status">
          {t('dashboard.exporting')}
        </span>
      )}
      <FormAlert problem={problem} />
    </div>
  );
}
