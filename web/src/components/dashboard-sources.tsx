// The workspace's data sources at a glance: each integration's state and last sync, its progress
// while one runs, and "Sync now" for analysts and up (the server checks the role again). The page
// polls while a sync is queued or running, and says when one finishes so the report can reload.
import { useState } from 'react';
import { integrationsApi, type IntegrationState, type SyncStatus as IntegrationSyncStatus } from '../api/integrations.js';
import type { WorkspaceRole } from '../api/identity.js';
import { formatDateTime, t, type MessageKey } from '../i18n/index.js';
import { AppLink } from './app-link.js';
import { formatPercent } from './dashboard-format.js';
import { FormAlert, Notice, problemOf, type FormProblem } from './form.js';

const STATE_LABEL: Record<IntegrationState, MessageKey> = {
  active: 'dashboard.sourceState.active',
  needs_reconnect: 'dashboard.sourceState.needs_reconnect',
  disconnected: 'dashboard.sourceState.disconnected',
  error: 'dashboard.sourceState.error',
};

const STATE_BADGE: Record<IntegrationState, string> = {
  active: 'badge-good',
  needs_reconnect: 'badge-warning',
  disconnected: 'badge-pending',
  error: 'badge-bad',
};

export function isSyncing(integration: IntegrationSyncStatus): boolean {
  return integration.currentRun !== null && (integration.currentRun.state === 'queued' || integration.currentRun.state === 'running');
}

export interface DataSourcesProps {
  workspaceId: string;
  role: WorkspaceRole;
  integrationsPath: string;
  integrations: readonly IntegrationSyncStatus[];
  /** A message about the last sync that finished, shown politely. */
  finished: string | undefined;
  onSyncRequested: () => void;
}

export function DataSources({ workspaceId, role, integrationsPath, integrations, finished, onSyncRequested }: DataSourcesProps) {
  const [notice, setNotice] = useState<string | undefined>(undefined);
  const [problem, setProblem] = useState<FormProblem | undefined>(undefined);
  const [busy, setBusy] = useState<string | undefined>(undefined);
  const maySync = role !== 'viewer';

  async function syncNow(integration: IntegrationSyncStatus) {
    setBusy(integration.id);
    setProblem(undefined);
    setNotice(undefined);
    try {
      const answer = await integrationsApi.syncNow(workspaceId, integration.id);
      setNotice(t(answer.alreadyQueued ? 'dashboard.syncAlreadyQueued' : 'dashboard.syncStarted', { name: integration.displayName }));
      onSyncRequested();
    } catch (error) {
      setProblem(problemOf(error));
    } finally {
      setBusy(undefined);
    }
  }

  const message = finished ?? notice;
  return (
    <section className="card data-sources" aria-labelledby="sources-heading">
      <div className="card-header">
        <h2 id="sources-heading">{t('dashboard.sourcesTitle')}</h2>
        <AppLink to={integrationsPath}>{t('dashboard.sourcesManage')}</AppLink>
      </div>
      {message !== undefined && (
        <Notice tone="info">
          <p>{message}</p>
        </Notice>
      )}
      <FormAlert problem={problem} />
      {integrations.length === 0 ? (
        <p className="muted">{t('dashboard.emptyNoSources')}</p>
      ) : (
        <ul className="source-strip">
          {integrations.map((integration) => {
            const syncing = isSyncing(integration);
            const run = integration.currentRun;
            return (
              <li key={integration.id} className="source">
                <div className="source-main">
                  <p className="source-name">{integration.displayName}</p>
                  <span className={`badge ${STATE_BADGE[integration.status]}`}>{t(STATE_LABEL[integration.status])}</span>
                </div>
                {syncing && run !== null ? (
                  <div className="source-progress">
                    <span>{run.state === 'queued' ? t('dashboard.sourceQueued') : t('dashboard.sourceRunning', { percent: formatPercent(run.progress) })}</span>
                    {run.state === 'running' && <progress max={1} value={run.progress} aria-label={t('dashboard.sourceProgress', { name: integration.displayName })} />}
                  </div>
                ) : (
                  <p className="source-meta">
                    {integration.lastSuccessAt === null ? t('dashboard.sourceNeverSynced') : t('dashboard.sourceLastSync', { time: formatDateTime(integration.lastSuccessAt) })}
                  </p>
                )}
                {integration.lastError !== null && !syncing && (
                  <p className="source-error">{t('dashboard.sourceLastError', { message: integration.lastError.message })}</p>
                )}
                {integration.status === 'needs_reconnect' ? (
                  <AppLink to={integrationsPath} className="button-secondary source-action" aria-label={t('dashboard.reconnectNamed', { name: integration.displayName })}>
                    {t('dashboard.reconnect')}
                  </AppLink>
                ) : (
                  maySync &&
                  integration.status === 'active' && (
                    <button
                      type="button"
                      className="button-secondary source-action"
                      disabled={syncing || busy === integration.id}
                      onClick={() => void syncNow(integration)}
                      aria-label={t('dashboard.syncNowNamed', { name: integration.displayName })}
                    >
                      {t('dashboard.syncNow')}
                    </button>
                  )
                )}
              </li>
            );
          })}
        </ul>
      )}
      {integrations.length === 0 && (
        <p>
          <AppLink to={integrationsPath} className="button-primary">
            {t('dashboard.emptyConnect')}
          </AppLink>
        </p>
      )}
    </section>
  );
}
