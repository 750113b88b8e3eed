// The workspace's landing page: what the marketing spend brought in. Key figures against the
// previous period, spend and revenue by day, a table by channel that drills into campaigns, and the
// state of the data sources. The view (period, model, rows, sort, page) is in the address bar;
// every figure comes from the reports API (src/analytics), formatted here and never recomputed.
import { useCallback, useEffect, useRef, useState, type ReactNode } from 'react';
import { analyticsApi, type AnalyticsSettings, type ReportQuery, type ReportSummary } from '../../api/analytics.js';
import { integrationsApi, type SyncStatus as IntegrationSyncStatus } from '../../api/integrations.js';
import type { WorkspaceSummary } from '../../api/identity.js';
import { AppLink } from '../../components/app-link.js';
import { SpendRevenueChart } from '../../components/dashboard-chart.js';
import { DashboardFilters, MODEL_NAME } from '../../components/dashboard-filters.js';
import { addDays, formatDayRange, todayIn } from '../../components/dashboard-format.js';
import { KpiCards } from '../../components/dashboard-kpis.js';
import { QueryLink, rangeOf, useDashboardQuery, type DashboardQuery } from '../../components/dashboard-query.js';
import { DataSources, isSyncing } from '../../components/dashboard-sources.js';
import { ReportTable, TABLE_PAGE_SIZE } from '../../components/dashboard-table.js';
import type { FormProblem } from '../../components/form.js';
import { LoadProblem } from '../../components/load-problem.js';
import { useLoad, type LoadState } from '../../components/use-load.js';
import { t } from '../../i18n/index.js';
import { WorkspaceFrame, workspacePath } from './workspace-frame.js';

/** How often the sources are asked again while a sync is queued or running. */
const SYNC_POLL_MS = 2_000;

export function DashboardPage({ workspaceId }: { workspaceId: string }) {
  return (
    <WorkspaceFrame workspaceId={workspaceId} section="">
      {(workspace) => <Dashboard workspace={workspace} />}
    </WorkspaceFrame>
  );
}

/**
 * The last data a load produced, kept on screen while the next load runs (a new period or sort
 * should not blank the page), with `updating` set meanwhile.
 */
function useKept<T>(state: LoadState<T>): { data: T | undefined; updating: boolean; problem: FormProblem | undefined } {
  const [kept, setKept] = useState<T | undefined>(undefined);
  if (state.kind === 'loaded' && state.data !== kept) setKept(state.data);
  const data = state.kind === 'loaded' ? state.data : kept;
  return { data, updating: state.kind === 'loading' && data !== undefined, problem: state.kind === 'failed' ? state.problem : undefined };
}

function Dashboard({ workspace }: { workspace: WorkspaceSummary }) {
  const loadSettings = useCallback((signal: AbortSignal) => analyticsApi.settings(workspace.id, signal), [workspace.id]);
  const settings = useLoad(loadSettings);
  if (settings.state.kind === 'loading') return <p className="muted">{t('common.loading')}</p>;
  if (settings.state.kind === 'failed') return <LoadProblem problem={settings.state.problem} onRetry={settings.reload} />;
  return <DashboardView workspace={workspace} settings={settings.state.data} />;
}

/** The data sources, asked again every couple of seconds while any of them is syncing. */
function useDataSources(workspaceId: string, onSyncFinished: (names: string[]) => void) {
  const load = useCallback((signal: AbortSignal) => integrationsApi.syncStatus(workspaceId, signal), [workspaceId]);
  const { state, reload } = useLoad(load);
  const { data, problem } = useKept(state);
  const syncing = data?.integrations.some(isSyncing) ?? false;
  const wasSyncing = useRef<ReadonlySet<string>>(new Set());

  useEffect(() => {
    if (data === undefined) return;
    const now = new Set(data.integrations.filter(isSyncing).map((i) => i.id));
    const done = data.integrations.filter((i) => wasSyncing.current.has(i.id) && !now.has(i.id));
    wasSyncing.current = now;
    if (done.length > 0) onSyncFinished(done.map((i) => i.displayName));
  }, [data, onSyncFinished]);

  useEffect(() => {
    if (!syncing) return;
    const timer = window.setTimeout(reload, SYNC_POLL_MS);
    return () => window.clearTimeout(timer);
  }, [syncing, data, reload]);

  return { integrations: data?.integrations, problem, reload };
}

function DashboardView({ workspace, settings }: { workspace: WorkspaceSummary; settings: AnalyticsSettings }) {
  const query = useDashboardQuery();
  const today = todayIn(settings.timezone);
  const range = rangeOf(query, today);
  const model = query.model ?? settings.defaultModel;
  const channel = query.groupBy === 'campaign' ? query.channel : undefined;
  const request: ReportQuery = {
    from: range.from,
    to: range.to,
    model,
    groupBy: query.groupBy,
    channel,
    sort: query.sort,
    order: query.order,
    page: query.page,
    pageSize: TABLE_PAGE_SIZE,
  };

  const loadSummary = useCallback(
    (signal: AbortSignal) => analyticsApi.summary(workspace.id, { from: range.from, to: range.to, model }, signal),
    [workspace.id, range.from, range.to, model],
  );
  const summaryLoad = useLoad(loadSummary);
  const summary = useKept(summaryLoad.state);

  const { groupBy, sort, order, page } = query;
  // The same request as `request`, by its parts: a new object each render must not mean a new load.
  const loadReport = useCallback(
    (signal: AbortSignal) => analyticsApi.report(workspace.id, { from: range.from, to: range.to, model, groupBy, channel, sort, order, page, pageSize: TABLE_PAGE_SIZE }, signal),
    [workspace.id, range.from, range.to, model, groupBy, channel, sort, order, page],
  );
  const reportLoad = useLoad(loadReport);
  const report = useKept(reportLoad.state);

  const [finished, setFinished] = useState<string | undefined>(undefined);
  const reloadSummary = summaryLoad.reload;
  const reloadReport = reportLoad.reload;
  const onSyncFinished = useCallback(
    (names: string[]) => {
      setFinished(names.map((name) => t('dashboard.syncFinished', { name })).join(' '));
      reloadSummary();
      reloadReport();
    },
    [reloadSummary, reloadReport],
  );
  const sources = useDataSources(workspace.id, onSyncFinished);
  const integrationsPath = workspacePath(workspace.id, 'integrations');
  const modelName = t(MODEL_NAME[model]);

  return (
    <div className="stack dashboard">
      {sources.problem !== undefined && <LoadProblem problem={sources.problem} onRetry={sources.reload} />}
      {sources.integrations !== undefined && (sources.integrations.length > 0 || summary.data?.dataFrom !== null) && (
        <DataSources
          workspaceId={workspace.id}
          role={workspace.role}
          integrationsPath={integrationsPath}
          integrations={sources.integrations}
          finished={finished}
          onSyncRequested={() => {
            setFinished(undefined);
            sources.reload();
          }}
        />
      )}
      <DashboardFilters
        query={query}
        range={range}
        previousRange={summary.data?.previousRange}
        model={model}
        timezone={settings.timezone}
        halfLifeDays={settings.halfLifeDays}
        today={today}
      />
      <p className="visually-hidden" role="status">
        {summary.data !== undefined && !summary.updating ? t('dashboard.updated', { range: formatDayRange(range.from, range.to), model: modelName }) : ''}
      </p>
      {(summary.updating || report.updating) && (
        <p className="muted updating" aria-hidden="true">
          {t('dashboard.updating')}
        </p>
      )}
      {summary.problem !== undefined && <LoadProblem problem={summary.problem} onRetry={summaryLoad.reload} />}
      {summary.data === undefined ? (
        summary.problem === undefined && <p className="muted">{t('common.loading')}</p>
      ) : (
        <DashboardBody
          summary={summary.data}
          query={query}
          integrations={sources.integrations}
          integrationsPath={integrationsPath}
          table={
            <>
              {report.problem !== undefined && <LoadProblem problem={report.problem} onRetry={reportLoad.reload} />}
              {report.data !== undefined && (
                <ReportTable
                  workspaceId={workspace.id}
                  role={workspace.role}
                  query={query}
                  request={request}
                  range={range}
                  modelName={modelName}
                  report={report.data}
                  updating={report.updating}
                />
              )}
            </>
          }
        />
      )}
    </div>
  );
}

function DashboardBody({
  summary,
  query,
  integrations,
  integrationsPath,
  table,
}: {
  summary: ReportSummary;
  query: DashboardQuery;
  integrations: readonly IntegrationSyncStatus[] | undefined;
  integrationsPath: string;
  table: ReactNode;
}) {
  const { dataFrom, dataTo, range } = summary;
  if (dataFrom === null || dataTo === null) {
    return (
      <section className="card empty-state" aria-labelledby="empty-heading">
        <h2 id="empty-heading">{t('dashboard.emptyTitle')}</h2>
        {integrations !== undefined && integrations.length > 0 ? (
          <p>{t('dashboard.emptyWaiting')}</p>
        ) : (
          <>
            <p>{t('dashboard.emptyNoSources')}</p>
            <p>
              <AppLink to={integrationsPath} className="button-primary">
                {t('dashboard.emptyConnect')}
              </AppLink>
            </p>
          </>
        )}
      </section>
    );
  }
  if (range.to < dataFrom || range.from > dataTo) {
    const from = addDays(dataTo, -29) < dataFrom ? dataFrom : addDays(dataTo, -29);
    return (
      <section className="card empty-state" aria-labelledby="empty-heading">
        <h2 id="empty-heading">{t('dashboard.emptyRangeTitle')}</h2>
        <p>{t('dashboard.emptyRange', { range: formatDayRange(range.from, range.to), available: formatDayRange(dataFrom, dataTo) })}</p>
        <p>
          <QueryLink query={{ ...query, preset: 'custom', from, to: dataTo, page: 1 }} className="button-primary">
            {t('dashboard.emptyRangeShow')}
          </QueryLink>
        </p>
      </section>
    );
  }
  return (
    <>
      <KpiCards summary={summary} />
      <SpendRevenueChart summary={summary} />
      {table}
    </>
  );
}
