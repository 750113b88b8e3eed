// Where this account is signed in: device, address, when each session started and was last used,
// how it signed in. Any one can be signed out, or every one but this.
import { useCallback, useEffect, useRef, useState } from 'react';
import { identityApi, type SessionEntry } from '../../api/identity.js';
import { FormAlert, Notice, problemOf, type FormProblem } from '../../components/form.js';
import { PageHeader } from '../../components/layout.js';
import { formatDateTime, t, type MessageKey } from '../../i18n/index.js';
import { navigate } from '../../navigation.js';
import { useSession } from '../../session.js';
import { AccountTabs } from './account-tabs.js';

type ListState = { kind: 'loading' } | { kind: 'loaded'; sessions: SessionEntry[] } | { kind: 'failed'; problem: FormProblem };

const METHOD_LABELS: Record<string, MessageKey> = {
  pwd: 'sessions.methodPassword',
  otp: 'sessions.methodTotp',
  recovery: 'sessions.methodRecovery',
  hwk: 'sessions.methodPasskey',
};

function describeDevice(session: SessionEntry): string {
  const { browser, os } = session.device ?? { browser: null, os: null };
  if (browser !== null && os !== null) return t('sessions.browserOnOs', { browser, os });
  return browser ?? os ?? t('sessions.unknownDevice');
}

function describeMethods(methods: readonly string[]): string {
  return methods.map((m) => (Object.hasOwn(METHOD_LABELS, m) ? t(METHOD_LABELS[m] as MessageKey) : m)).join(', ');
}

export function SessionsPage() {
  const session = useSession();
  const { forget } = session;
  const [list, setList] = useState<ListState>({ kind: 'loading' });
  const [attempt, setAttempt] = useState(0);
  const [notice, setNotice] = useState<string | undefined>(undefined);
  const [problem, setProblem] = useState<FormProblem | undefined>(undefined);
  const [busy, setBusy] = useState<string | undefined>(undefined);
  const alertRef = useRef<HTMLDivElement>(null);

  useEffect(() => {
    const controller = new AbortController();
    identityApi.sessions(controller.signal).then(
      ({ sessions }) => {
        if (!controller.signal.aborted) setList({ kind: 'loaded', sessions });
      },
      (error: unknown) => {
        if (!controller.signal.aborted) setList({ kind: 'failed', problem: problemOf(error) });
      },
    );
    return () => controller.abort();
  }, [attempt]);

  useEffect(() => {
    if (problem !== undefined) alertRef.current?.querySelector<HTMLElement>('[data-form-alert]')?.focus();
  }, [problem]);

  const reloadList = useCallback((message: string | undefined) => {
    setNotice(message);
    setAttempt((n) => n + 1);
  }, []);

  async function revoke(entry: SessionEntry) {
    setBusy(entry.id);
    setProblem(undefined);
    setNotice(undefined);
    try {
      await identityApi.revokeSession(entry.id);
      if (entry.current) {
        forget();
        navigate('/login', { replace: true });
        return;
      }
      reloadList(t('sessions.revokedOne', { device: describeDevice(entry) }));
    } catch (error) {
      setProblem(problemOf(error));
    } finally {
      setBusy(undefined);
    }
  }

  async function revokeOthers() {
    setBusy('others');
    setProblem(undefined);
    setNotice(undefined);
    try {
      const { revoked } = await identityApi.revokeOtherSessions();
      reloadList(t('sessions.revokedOthers', { count: revoked }));
    } catch (error) {
      setProblem(problemOf(error));
    } finally {
      setBusy(undefined);
    }
  }

  const others = list.kind === 'loaded' ? list.sessions.filter((s) => !s.current).length : 0;
  return (
    <>
      <PageHeader title={t('sessions.title')} lead={t('sessions.lead')} />
      <AccountTabs />
      <section className="card" aria-labelledby="sessions-heading">
        <div className="card-header">
          <h2 id="sessions-heading">{t('sessions.listTitle')}</h2>
          {others > 0 && (
            <button type="button" className="button-secondary" onClick={() => void revokeOthers()} disabled={busy !== undefined}>
              {busy === 'others' ? t('form.working') : t('sessions.revokeOthers')}
            </button>
          )}
        </div>
        {notice !== undefined && (
          <Notice>
            <p>{notice}</p>
          </Notice>
        )}
        <div ref={alertRef}>
          <FormAlert problem={problem} />
        </div>
        {list.kind === 'loading' && <p className="muted">{t('common.loading')}</p>}
        {list.kind === 'failed' && (
          <div className="alert alert-error" role="alert">
            <p>{list.problem.message}</p>
            <button type="button" className="button-secondary" onClick={() => setAttempt((n) => n + 1)}>
              {t('common.tryAgain')}
            </button>
          </div>
        )}
        {list.kind === 'loaded' && (
          <div className="table-scroll">
            <table className="data-table">
              <caption className="visually-hidden">{t('sessions.caption')}</caption>
              <thead>
                <tr>
                  <th scope="col">{t('sessions.device')}</th>
                  <th scope="col">{t('sessions.ip')}</th>
                  <th scope="col">{t('sessions.signedIn')}</th>
                  <th scope="col">{t('sessions.lastUsed')}</th>
                  <th scope="col">{t('sessions.methods')}</th>
                  <th scope="col">
                    <span className="visually-hidden">{t('common.actions')}</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {list.sessions.map((entry) => (
                  <tr key={entry.id} aria-current={entry.current ? 'true' : undefined}>
                    <th scope="row">
                      <span className="device-name">{describeDevice(entry)}</span>
                      {entry.current && <span className="badge badge-good badge-inline">{t('sessions.thisDevice')}</span>}
                      {entry.device?.type != null && (
                        <>
                          <br />
                          <span className="muted small">{entry.device.type}</span>
                        </>
                      )}
                    </th>
                    <td>
                      <code>{entry.ip ?? t('sessions.unknownIp')}</code>
                    </td>
                    <td>{formatDateTime(entry.createdAt)}</td>
                    <td>{formatDateTime(entry.lastUsedAt)}</td>
                    <td>{describeMethods(entry.methods)}</td>
                    <td className="cell-actions">
                      <button
                        type="button"
                        className={entry.current ? 'button-secondary' : 'button-danger-quiet'}
                        onClick={() => void revoke(entry)}
                        disabled={busy !== undefined}
                        aria-label={entry.current ? t('sessions.signOutHere') : t('sessions.revokeNamed', { device: describeDevice(entry), ip: entry.ip ?? t('sessions.unknownIp') })}
                      >
                        {busy === entry.id ? t('form.working') : entry.current ? t('sessions.signOutHereShort') : t('sessions.revoke')}
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </>
  );
}
