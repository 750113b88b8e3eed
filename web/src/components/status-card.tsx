// Shows whether the server answers and its database is reachable, from GET /readyz.
import { useEffect, useState } from 'react';
import { fetchServerStatus, type ServerStatus } from '../server-status.js';

type Tone = 'pending' | 'good' | 'bad';

function describe(status: ServerStatus): { tone: Tone; summary: string; server: string; database: string } {
  switch (status.kind) {
    case 'checking':
      return { tone: 'pending', summary: 'Checking…', server: 'Checking…', database: 'Checking…' };
    case 'ready':
      return { tone: 'good', summary: 'Ready', server: 'Running', database: 'Connected' };
    case 'not-ready':
      return { tone: 'bad', summary: 'Not ready', server: 'Running', database: 'Not ready' };
    case 'unreachable':
      return { tone: 'bad', summary: 'Unreachable', server: 'Unreachable', database: 'Unknown' };
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
        <h2 id="status-heading">System status</h2>
        <p className={`badge badge-${view.tone}`} role="status">
          <span className="badge-dot" aria-hidden="true" />
          {view.summary}
        </p>
      </div>
      <dl className="status-list">
        <div>
          <dt>Server</dt>
          <dd>{view.server}</dd>
        </div>
        <div>
          <dt>Database</dt>
          <dd>{view.database}</dd>
        </div>
      </dl>
      {status.kind === 'not-ready' && (
        <p className="status-detail">
          {status.message}
          {status.requestId !== undefined && (
            <>
              {' '}
              Request ID: <code>{status.requestId}</code>
            </>
          )}
        </p>
      )}
      {status.kind === 'unreachable' && <p className="status-detail">The server did not answer. Check that it is running and reachable from this browser.</p>}
      <button type="button" className="button-secondary" onClick={checkAgain} disabled={status.kind === 'checking'}>
        Check again
      </button>
    </section>
  );
}
