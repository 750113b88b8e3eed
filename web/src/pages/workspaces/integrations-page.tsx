// A workspace's integrations: what is connected and how its syncs are going (last success, last
// error in plain words, rows, next run, progress while a sync runs), the providers this installation
// can connect, and CSV imports. Owners and admins connect, disconnect and import; analysts and up
// ask for a sync now; everyone sees status. The server checks every action again.
import { useCallback, useEffect, useRef, useState } from 'react';
import type { WorkspaceSummary } from '../../api/identity.js';
import { integrationsApi, type Integration, type Provider, type ProviderKind, type SyncRun, type SyncStatus, type SyncStream } from '../../api/integrations.js';
import { FormAlert, Notice, problemOf, type FormProblem } from '../../components/form.js';
import { CsvImport } from '../../components/integrations-csv-import.js';
import { formatCount, providerName } from '../../components/integrations-format.js';
import { clearIntegrationsNotice, peekIntegrationsNotice } from '../../components/integrations-notice.js';
import { LoadProblem } from '../../components/load-problem.js';
import { useLoad } from '../../components/use-load.js';
import { formatDateTime, t, type MessageKey } from '../../i18n/index.js';
import { WorkspaceFrame, roleAtLeast } from './workspace-frame.js';

/** How often the page asks for progress while a sync is queued or running (and only then). */
const POLL_MS = 2_500;

const KINDS: readonly { kind: ProviderKind; title: MessageKey; intro: MessageKey }[] = [
  { kind: 'ads', title: 'integrations.kindAds', intro: 'integrations.kindAdsIntro' },
  { kind: 'crm', title: 'integrations.kindCrm', intro: 'integrations.kindCrmIntro' },
  { kind: 'analytics', title: 'integrations.kindAnalytics', intro: 'integrations.kindAnalyticsIntro' },
];

const STREAM_LABELS: Record<SyncStream, MessageKey> = {
  ad_accounts: 'integrations.streamAdAccounts',
  campaigns: 'integrations.streamCampaigns',
  ad_stats: 'integrations.streamAdStats',
  contacts: 'integrations.streamContacts',
  leads: 'integrations.streamLeads',
  deals: 'integrations.streamDeals',
};

/** Integrations the sync engine cannot run: a CSV import is refreshed by importing the file again. */
const isCsv = (integration: { provider: string }) => integration.provider === 'csv';

interface PageData {
  providers: Provider[];
  integrations: Integration[];
  statuses: SyncStatus[];
}

/** One connected integration: what /integrations says of it, and its sync status. */
interface Connection {
  integration: Integration;
  status: SyncStatus | undefined;
}

type Announcement = { tone: 'success' | 'warning'; message: string };

export function IntegrationsPage({ workspaceId }: { workspaceId: string }) {
  return <WorkspaceFrame workspaceId={workspaceId} section="integrations">{(workspace) => <Integrations workspace={workspace} />}</WorkspaceFrame>;
}

function Integrations({ workspace }: { workspace: WorkspaceSummary }) {
  const load = useCallback(async (signal: AbortSignal): Promise<PageData> => {
    const [providers, list, status] = await Promise.all([
      integrationsApi.providers(signal),
      integrationsApi.list(workspace.id, signal),
      integrationsApi.syncStatus(workspace.id, signal),
    ]);
    return { providers: providers.providers, integrations: list.integrations, statuses: status.integrations };
  }, [workspace.id]);
  const page = useLoad(load);
  // A message another page left (the OAuth complete page: "… is connected"), shown once.
  const [announcement, setAnnouncement] = useState<Announcement | undefined>(() => {
    const left = peekIntegrationsNotice(workspace.id);
    return left === undefined ? undefined : { tone: 'success', message: left };
  });
  useEffect(() => clearIntegrationsNotice(), []);

  return (
    <div className="stack">
      {announcement !== undefined && (
        <Notice tone={announcement.tone}>
          <p>{announcement.message}</p>
        </Notice>
      )}
      {page.state.kind === 'loading' && (
        <section className="card">
          <p className="muted">{t('common.loading')}</p>
        </section>
      )}
      {page.state.kind === 'failed' && (
        <section className="card">
          <LoadProblem problem={page.state.problem} onRetry={page.reload} />
        </section>
      )}
      {page.state.kind === 'loaded' && <Loaded workspace={workspace} data={page.state.data} reload={page.reload} announce={setAnnouncement} />}
    </div>
  );
}

function Loaded({ workspace, data, reload, announce }: { workspace: WorkspaceSummary; data: PageData; reload: () => void; announce: (a: Announcement) => void }) {
  // Sync status as last polled; a new load of the page replaces it.
  const [polled, setPolled] = useState<{ from: PageData; statuses: SyncStatus[] } | undefined>(undefined);
  const [pollFailures, setPollFailures] = useState(0);
  const statuses = polled !== undefined && polled.from === data ? polled.statuses : data.statuses;
  const running = statuses.some((s) => s.currentRun !== null);
  const canManage = roleAtLeast(workspace.role, 'admin');

  /** Compares with the statuses shown so far and says which syncs have just finished. */
  const applyStatuses = useCallback(
    (next: SyncStatus[], before: SyncStatus[]) => {
      for (const now of next) {
        const was = before.find((s) => s.id === now.id);
        if (was?.currentRun == null || now.currentRun !== null) continue;
        // lastError is set only when no success came after the failure.
        if (now.lastError !== null) {
          announce({ tone: 'warning', message: t('integrations.syncFailed', { name: now.displayName, error: now.lastError.message }) });
        } else {
          announce({ tone: 'success', message: t('integrations.syncFinished', { name: now.displayName, rows: formatCount(now.rowsSynced ?? 0) }) });
        }
      }
      setPolled({ from: data, statuses: next });
    },
    [announce, data],
  );

  // Poll only while something is queued or running; each answer schedules the next.
  useEffect(() => {
    if (!running) return;
    const controller = new AbortController();
    const timer = window.setTimeout(() => {
      integrationsApi.syncStatus(workspace.id, controller.signal).then(
        (answer) => {
          if (!controller.signal.aborted) applyStatuses(answer.integrations, statuses);
        },
        () => {
          if (!controller.signal.aborted) setPollFailures((n) => n + 1); // try again on the next tick
        },
      );
    }, POLL_MS);
    return () => {
      window.clearTimeout(timer);
      controller.abort();
    };
  }, [running, statuses, pollFailures, workspace.id, applyStatuses]);

  /** After "sync now": the queued run shows at once, and polling starts. */
  const refreshStatus = useCallback(async () => {
    const answer = await integrationsApi.syncStatus(workspace.id);
    applyStatuses(answer.integrations, statuses);
  }, [workspace.id, applyStatuses, statuses]);

  const connections: Connection[] = data.integrations
    .map((integration) => {
      const status = statuses.find((s) => s.id === integration.id);
      // The polled status is newer than the list: a sync may have found the grant revoked.
      return { integration: status === undefined ? integration : { ...integration, status: status.status, statusMessage: status.statusMessage }, status };
    })
    .filter((c) => c.integration.status !== 'disconnected');
  const needReconnect = connections.filter((c) => c.integration.status === 'needs_reconnect');

  return (
    <>
      {needReconnect.length > 0 && (
        <div className="alert alert-warning integrations-reconnect" role="status">
          <h2 className="integrations-reconnect-title">{t('integrations.reconnectTitle')}</h2>
          <ul>
            {needReconnect.map(({ integration }) => (
              <li key={integration.id}>
                <strong>{integration.displayName}</strong>: {integration.statusMessage ?? t('integrations.reconnectDefault')}{' '}
                {canManage ? t('integrations.reconnectHowAdmin') : t('integrations.reconnectHowOthers')}
              </li>
            ))}
          </ul>
        </div>
      )}

      <section className="card" aria-labelledby="connected-heading">
        <h2 id="connected-heading">{t('integrations.connectedTitle')}</h2>
        {connections.length === 0 ? (
          <div className="empty-state">
            <p>{canManage ? t('integrations.noneAdmin') : t('integrations.noneOthers')}</p>
          </div>
        ) : (
          <ul className="item-list" aria-labelledby="connected-heading">
            {connections.map((connection) => (
              <ConnectionItem
                key={connection.integration.id}
                workspace={workspace}
                connection={connection}
                providers={data.providers}
                onSyncRequested={refreshStatus}
                onDisconnected={(message) => {
                  announce({ tone: 'success', message });
                  reload();
                }}
              />
            ))}
          </ul>
        )}
      </section>

      <Providers workspace={workspace} providers={data.providers} />

      {canManage && (
        <CsvImport
          workspaceId={workspace.id}
          onImported={(message) => {
            announce({ tone: 'success', message });
            reload();
          }}
        />
      )}
    </>
  );
}

function statusBadge(integration: Integration, run: SyncRun | null): { className: string; label: string } {
  if (run !== null) return { className: 'badge-progress', label: run.state === 'queued' ? t('integrations.badgeQueued') : t('integrations.badgeSyncing') };
  switch (integration.status) {
    case 'active':
      return { className: 'badge-good', label: t('integrations.badgeActive') };
    case 'needs_reconnect':
      return { className: 'badge-warning', label: t('integrations.badgeNeedsReconnect') };
    case 'error':
      return { className: 'badge-bad', label: t('integrations.badgeError') };
    case 'disconnected':
      return { className: 'badge-pending', label: t('integrations.badgeDisconnected') };
  }
}

function ConnectionItem({
  workspace,
  connection,
  providers,
  onSyncRequested,
  onDisconnected,
}: {
  workspace: WorkspaceSummary;
  connection: Connection;
  providers: readonly Provider[];
  onSyncRequested: () => Promise<void>;
  onDisconnected: (message: string) => void;
}) {
  const { integration, status } = connection;
  const run = status?.currentRun ?? null;
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState<'sync' | 'disconnect' | 'reconnect' | undefined>(undefined);
  const [problem, setProblem] = useState<FormProblem | undefined>(undefined);
  const confirmRef = useRef<HTMLButtonElement>(null);
  const problemRef = useRef<HTMLDivElement>(null);
  const csv = isCsv(integration);
  const canManage = roleAtLeast(workspace.role, 'admin');
  const canSync = roleAtLeast(workspace.role, 'analyst') && !csv && (integration.status === 'active' || integration.status === 'error');
  // A provider connected over OAuth (not the demo, not a CSV file) can be connected again.
  const provider = providers.find((p) => p.id === integration.provider);
  const canReconnect = canManage && integration.status === 'needs_reconnect' && provider !== undefined;
  const badge = statusBadge(integration, run);

  useEffect(() => {
    if (confirming) confirmRef.current?.focus();
  }, [confirming]);

  useEffect(() => {
    if (problem !== undefined) problemRef.current?.querySelector<HTMLElement>('[data-form-alert]')?.focus();
  }, [problem]);

  /** `leaving`: on success the browser goes to another site, so the button stays busy. */
  async function act(kind: 'sync' | 'disconnect' | 'reconnect', action: () => Promise<void>, leaving = false) {
    setBusy(kind);
    setProblem(undefined);
    try {
      await action();
      if (!leaving) setBusy(undefined);
    } catch (error) {
      setProblem(problemOf(error));
      setBusy(undefined);
    }
  }

  const syncNow = () =>
    act('sync', async () => {
      await integrationsApi.syncNow(workspace.id, integration.id);
      await onSyncRequested();
    });

  const disconnect = () =>
    act('disconnect', async () => {
      const after = await integrationsApi.disconnect(workspace.id, integration.id);
      setConfirming(false);
      // The server's words say whether the provider confirmed the revocation; a CSV file or the
      // demo held no grant, so there was nothing to revoke.
      onDisconnected(provider === undefined ? t('integrations.disconnectedPlain', { name: integration.displayName }) : (after.statusMessage ?? t('integrations.disconnectedPlain', { name: integration.displayName })));
    });

  const reconnect = () => act('reconnect', () => startConnect(workspace.id, integration.provider), true);

  return (
    <li className="item integration-item">
      <div className="item-main">
        <p className="item-title">
          {integration.displayName} <span className={`badge badge-inline ${badge.className}`}>{badge.label}</span>
        </p>
        <p className="item-meta">
          {providerName(integration.provider, providers)}
          {integration.externalAccount !== null && !csv && <> · {t('integrations.account', { account: integration.externalAccount })}</>}
        </p>
        {integration.status !== 'active' && integration.statusMessage !== null && <p className="integration-message">{integration.statusMessage}</p>}
        <dl className="integration-facts">
          {csv ? (
            <div>
              <dt>{t('integrations.imported')}</dt>
              <dd>{formatDateTime(integration.createdAt)}</dd>
            </div>
          ) : (
            <>
              <div>
                <dt>{t('integrations.lastSuccess')}</dt>
                <dd>{formatDateTime(status?.lastSuccessAt)}</dd>
              </div>
              <div>
                <dt>{t('integrations.rowsSynced')}</dt>
                <dd>{status?.rowsSynced == null ? t('integrations.noRowsYet') : formatCount(status.rowsSynced)}</dd>
              </div>
              <div>
                <dt>{t('integrations.nextRun')}</dt>
                <dd>{nextRunText(integration, status)}</dd>
              </div>
            </>
          )}
          {status?.lastError != null && (
            <div className="integration-error">
              <dt>{t('integrations.lastError')}</dt>
              <dd>{t('integrations.lastErrorAt', { message: status.lastError.message, at: formatDateTime(status.lastError.at) })}</dd>
            </div>
          )}
        </dl>
        {run !== null && <SyncProgress name={integration.displayName} run={run} />}
        <div ref={problemRef}>
          <FormAlert problem={problem} />
        </div>
      </div>
      {(canSync || canManage) && (
        <div className="item-actions">
          {canSync && (
            <button
              type="button"
              className="button-secondary"
              onClick={() => void syncNow()}
              disabled={busy !== undefined || run !== null}
              // The name starts with the visible words (WCAG 2.5.3), and says which integration.
              aria-label={busy === 'sync' || run !== null ? undefined : t('integrations.syncNowNamed', { name: integration.displayName })}
            >
              {busy === 'sync' ? t('integrations.syncRequesting') : run !== null ? t('integrations.syncRunning') : t('integrations.syncNow')}
            </button>
          )}
          {canReconnect && (
            <button type="button" className="button-primary" onClick={() => void reconnect()} disabled={busy !== undefined} aria-label={busy === 'reconnect' ? undefined : t('integrations.reconnectNamed', { name: integration.displayName })}>
              {busy === 'reconnect' ? t('integrations.opening') : t('integrations.reconnect')}
            </button>
          )}
          {canManage &&
            (confirming ? (
              <div className="confirm-stacked" role="group" aria-label={t('integrations.confirmLabel', { name: integration.displayName })}>
                <p>{csv ? t('integrations.confirmCsv') : t('integrations.confirm')}</p>
                <div className="confirm-buttons">
                  <button ref={confirmRef} type="button" className="button-danger" onClick={() => void disconnect()} disabled={busy !== undefined}>
                    {busy === 'disconnect' ? t('form.working') : t('integrations.disconnect')}
                  </button>
                  <button type="button" className="button-secondary" onClick={() => setConfirming(false)} disabled={busy !== undefined}>
                    {t('form.cancel')}
                  </button>
                </div>
              </div>
            ) : (
              <button type="button" className="button-danger-quiet" onClick={() => setConfirming(true)} disabled={busy !== undefined} aria-label={t('integrations.disconnectNamed', { name: integration.displayName })}>
                {t('integrations.disconnect')}
              </button>
            ))}
        </div>
      )}
    </li>
  );
}

function nextRunText(integration: Integration, status: SyncStatus | undefined): string {
  if (status?.currentRun != null) return t('integrations.nextRunNow');
  if (integration.status === 'needs_reconnect') return t('integrations.nextRunReconnect');
  if (status?.nextRunAt == null) return t('integrations.nextRunNone');
  return formatDateTime(status.nextRunAt);
}

function SyncProgress({ name, run }: { name: string; run: SyncRun }) {
  const percent = Math.round(run.progress * 100);
  const textId = `sync-progress-${run.id}`;
  return (
    <div className="integration-progress">
      <div className="progress-row">
        <progress className="meter" max={1} value={run.progress} aria-label={t('integrations.progressLabel', { name })} aria-describedby={textId}>
          {percent}%
        </progress>
        <span className="progress-figure" aria-hidden="true">
          {percent}%
        </span>
      </div>
      <p id={textId} className="muted small">
        {run.state === 'queued' ? t('integrations.progressQueued') : run.stream === null ? t('integrations.progressStarting') : t('integrations.progressReading', { stream: t(STREAM_LABELS[run.stream]) })}
      </p>
    </div>
  );
}

/** Asks for the provider's consent page and sends the browser there. */
async function startConnect(workspaceId: string, providerId: string): Promise<void> {
  const { authorizeUrl } = await integrationsApi.connect(workspaceId, providerId);
  // SECURITY: only ever leave for an http(s) page; a javascript: or data: URL would run in our origin.
  const target = new URL(authorizeUrl);
  if (target.protocol !== 'https:' && target.protocol !== 'http:') throw new Error('unexpected authorize URL');
  window.location.assign(target.toString());
}

function Providers({ workspace, providers }: { workspace: WorkspaceSummary; providers: readonly Provider[] }) {
  const canManage = roleAtLeast(workspace.role, 'admin');
  return (
    <section className="card" aria-labelledby="providers-heading">
      <h2 id="providers-heading">{t('integrations.providersTitle')}</h2>
      <p className="muted">{canManage ? t('integrations.providersIntroAdmin') : t('integrations.providersIntroOthers')}</p>
      {KINDS.map(({ kind, title, intro }) => {
        const ofKind = providers.filter((p) => p.kind === kind);
        if (ofKind.length === 0) return null;
        const headingId = `providers-${kind}`;
        return (
          <section key={kind} className="integrations-kind" aria-labelledby={headingId}>
            <h3 id={headingId} className="subheading">
              {t(title)}
            </h3>
            <p className="muted small">{t(intro)}</p>
            <ul className="item-list">
              {ofKind.map((provider) => (
                <ProviderItem key={provider.id} workspace={workspace} provider={provider} canManage={canManage} />
              ))}
            </ul>
          </section>
        );
      })}
    </section>
  );
}

const AVAILABILITY: Record<Provider['availability'], { className: string; label: MessageKey }> = {
  available: { className: 'badge-good', label: 'integrations.available' },
  not_configured: { className: 'badge-warning', label: 'integrations.notConfigured' },
  planned: { className: 'badge-pending', label: 'integrations.planned' },
};

function ProviderItem({ workspace, provider, canManage }: { workspace: WorkspaceSummary; provider: Provider; canManage: boolean }) {
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<FormProblem | undefined>(undefined);
  const availability = AVAILABILITY[provider.availability];

  async function connect() {
    setBusy(true);
    setProblem(undefined);
    try {
      await startConnect(workspace.id, provider.id);
      // The browser is on its way to the provider; stay busy until the page goes.
    } catch (error) {
      setProblem(problemOf(error));
      setBusy(false);
    }
  }

  return (
    <li className="item">
      <div className="item-main">
        <p className="item-title">
          {provider.displayName} <span className={`badge badge-inline ${availability.className}`}>{t(availability.label)}</span>
        </p>
        {provider.availability === 'not_configured' && (
          <p className="item-meta">
            {t('integrations.notConfiguredHelp')}{' '}
            {provider.configKeys.map((key, i) => (
              <span key={key}>
                {i > 0 && ', '}
                <code>{key}</code>
              </span>
            ))}
          </p>
        )}
        {provider.availability === 'planned' && <p className="item-meta">{t('integrations.plannedHelp')}</p>}
        {provider.availability !== 'planned' && provider.scopes.length > 0 && (
          <details className="integration-scopes">
            <summary>{t('integrations.scopesSummary', { count: provider.scopes.length })}</summary>
            <ul>
              {provider.scopes.map((s) => (
                <li key={s.scope}>
                  <code>{s.scope}</code>: {s.reason}
                </li>
              ))}
            </ul>
          </details>
        )}
        <FormAlert problem={problem} />
      </div>
      {canManage && provider.availability === 'available' && (
        <div className="item-actions">
          <button type="button" className="button-primary" onClick={() => void connect()} disabled={busy} aria-label={busy ? undefined : t('integrations.connectNamed', { name: provider.displayName })}>
            {busy ? t('integrations.opening') : t('integrations.connect')}
          </button>
        </div>
      )}
    </li>
  );
}
