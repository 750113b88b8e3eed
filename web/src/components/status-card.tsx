// Shows whether the server answers and its database is reachable, from GET /readyz.
import { useEffect, useState } from 'react';
import { t } from '../i18n/index.js';
import { fetchServerStatus, type ServerStatus } from '../server-status.js';

type Tone = 'pending' | 'good' | 'bad';

function describe(status: ServerStatus): { tone: Tone; summary: string; server: string; database: string } {
  switch (status.kind) {
    case 'checking':
      return { tone: 'pending', summary: t('status.checking'), server: t('status.checking'), database: t('status.checking') };
    case 'ready':
      return { tone: 'good', summary: t('status.ready'), server: t('status.running'), database: t('status.connected') };
    case 'not-ready':
      return { tone: 'bad', summary: t('status.notReady'), server: t('status.running'), database: t('status.notReady') };
    case 'unreachable':
      return { tone: 'bad', summary: t('status.unreachable'), server: t('status.unreachable'), database: t('status.unknown') };
  }
}

export function StatusCard() {
  const [status, setStatus] = useState<ServerStatus>({ kind: 'checking' });
  // Bumped by "Check again"; each value is one request, and a newer one aborts the older.
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    const controller = new AbortController();
    fetchServerStatus(controller.signal).then(
      (next) => {
        if (!controller.signal.aborted) setStatus(next);
      },
      () => undefined, // aborted: a newer check, or unmounting, owns the state now
    );
    return () => controller.abort();
  }, [attempt]);

  function checkAgain() {
    setStatus({ kind: 'checking' });
    setAttempt((n) => n + 1);
  }

  const view = describe(status);
  return (
    <section className="card status-card" aria-labelledby="status-heading" data-status={status.kind}>
      <div className="card-header">
        <h2 id="status-heading">{t('status.title')}</h2>
        <p className={`badge badge-${view.tone}`} role="status">
          <span className="badge-dot" aria-hidden="true" />
          {view.summary}
        </p>
      </div>
      <dl className="status-list">
        <div>
          <dt>{t('status.server')}</dt>
          <dd>{view.server}</dd>
        </div>
        <div>
          <dt>{t('status.database')}</dt>
          <dd>{view.database}</dd>
        </div>
      </dl>
      {status.kind === 'not-ready' && (
        <p className="status-detail">
          {status.message}
          {status.requestId !== undefined && (
            <>
              {' '}
              {t('status.requestId')} <code>{status.requestId}</code>
            </>
          )}
        </p>
      )}
      {status.kind === 'unreachable' && <p className="status-detail">{t('status.unreachableHelp')}</p>}
      <button type="button" className="button-secondary" onClick={checkAgain} disabled={status.kind === 'checking'}>
        {t('status.checkAgain')}
      </button>
    </section>
  );
}
