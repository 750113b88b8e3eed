// API keys of a workspace: create one (its secret is shown once, then only its hash exists), see
// when each was last used, revoke.
import { useCallback, useEffect, useRef, useState, type FormEvent } from 'react';
import type { WorkspaceSummary } from '../../api/identity.js';
import { workspacesApi, type ApiKey, type ApiKeyScope } from '../../api/workspaces.js';
import { FormAlert, Notice, SelectField, SubmitButton, TextField, problemOf, useForm, type FormProblem } from '../../components/form.js';
import { LoadProblem } from '../../components/load-problem.js';
import { useLoad } from '../../components/use-load.js';
import { copyText } from '../../files.js';
import { formatDateTime, t } from '../../i18n/index.js';
import { WorkspaceFrame } from './workspace-frame.js';

type Expiry = '30' | '90' | '365' | 'never';

export function ApiKeysPage({ workspaceId }: { workspaceId: string }) {
  return <WorkspaceFrame workspaceId={workspaceId} section="api-keys">{(workspace) => <ApiKeys workspace={workspace} />}</WorkspaceFrame>;
}

function ApiKeys({ workspace }: { workspace: WorkspaceSummary }) {
  const load = useCallback((signal: AbortSignal) => workspacesApi.apiKeys(workspace.id, signal), [workspace.id]);
  const keys = useLoad(load);
  const [created, setCreated] = useState<{ name: string; token: string } | undefined>(undefined);
  const [notice, setNotice] = useState<string | undefined>(undefined);

  return (
    <div className="stack">
      {notice !== undefined && (
        <Notice>
          <p>{notice}</p>
        </Notice>
      )}
      {created !== undefined ? (
        <NewKey
          name={created.name}
          token={created.token}
          onDone={() => {
            setCreated(undefined);
            keys.reload();
          }}
        />
      ) : (
        <CreateKey
          workspaceId={workspace.id}
          onCreated={(name, token) => {
            setNotice(undefined);
            setCreated({ name, token });
          }}
        />
      )}
      <section className="card" aria-labelledby="keys-heading">
        <h2 id="keys-heading">{t('apiKeys.listTitle')}</h2>
        {keys.state.kind === 'loading' && <p className="muted">{t('common.loading')}</p>}
        {keys.state.kind === 'failed' && <LoadProblem problem={keys.state.problem} onRetry={keys.reload} />}
        {keys.state.kind === 'loaded' &&
          (keys.state.data.apiKeys.length === 0 ? (
            <p className="muted">{t('apiKeys.none')}</p>
          ) : (
            <ul className="item-list">
              {keys.state.data.apiKeys.map((key) => (
                <KeyItem
                  key={key.id}
                  workspaceId={workspace.id}
                  apiKey={key}
                  onRevoked={() => {
                    setNotice(t('apiKeys.revoked', { name: key.name }));
                    keys.reload();
                  }}
                />
              ))}
            </ul>
          ))}
      </section>
    </div>
  );
}

function CreateKey({ workspaceId, onCreated }: { workspaceId: string; onCreated: (name: string, token: string) => void }) {
  const [name, setName] = useState('');
  const [scope, setScope] = useState<ApiKeyScope>('read');
  const [expiry, setExpiry] = useState<Expiry>('90');
  const form = useForm(['name', 'scope', 'expiresInDays'] as const);

  function submit(event: FormEvent<HTMLFormElement>) {
    const trimmed = name.trim();
    void form.submit(event, 
      () => ({ name: trimmed === '' ? t('apiKeys.nameRequired') : undefined }),
      async () => {
        const { key: token } = await workspacesApi.createApiKey(workspaceId, { name: trimmed, scope, ...(expiry === 'never' ? {} : { expiresInDays: Number(expiry) }) });
        setName('');
        onCreated(trimmed, token);
      },
    );
  }

  return (
    <section className="card" aria-labelledby="create-key-heading">
      <h2 id="create-key-heading">{t('apiKeys.createTitle')}</h2>
      <p>{t('apiKeys.intro')}</p>
      <FormAlert problem={form.errors.form} />
      <form onSubmit={submit} noValidate className="form-row">
        <TextField label={t('apiKeys.nameLabel')} name="api-key-name" autoComplete="off" maxLength={80} value={name} onChange={setName} error={form.fieldError('name')} />
        <SelectField
          label={t('apiKeys.scopeLabel')}
          value={scope}
          options={[
            { value: 'read', label: t('apiKeys.scopeRead') },
            { value: 'read_write', label: t('apiKeys.scopeReadWrite') },
          ]}
          onChange={setScope}
          error={form.fieldError('scope')}
        />
        <SelectField
          label={t('apiKeys.expiryLabel')}
          value={expiry}
          options={[
            { value: '30', label: t('apiKeys.expiryDays', { days: 30 }) },
            { value: '90', label: t('apiKeys.expiryDays', { days: 90 }) },
            { value: '365', label: t('apiKeys.expiryDays', { days: 365 }) },
            { value: 'never', label: t('apiKeys.expiryNever') },
          ]}
          onChange={setExpiry}
          error={form.fieldError('expiresInDays')}
        />
        <div className="form-actions">
          <SubmitButton submitting={form.submitting}>{t('apiKeys.create')}</SubmitButton>
        </div>
      </form>
    </section>
  );
}

function NewKey({ name, token, onDone }: { name: string; token: string; onDone: () => void }) {
  const heading = useRef<HTMLHeadingElement>(null);
  const [copyStatus, setCopyStatus] = useState('');

  useEffect(() => {
    heading.current?.focus();
  }, []);

  return (
    <section className="card card-highlight" aria-labelledby="new-key-heading">
      <h2 id="new-key-heading" ref={heading} tabIndex={-1}>
        {t('apiKeys.createdTitle', { name })}
      </h2>
      <p>{t('apiKeys.createdIntro')}</p>
      <p>
        <code className="secret secret-block" data-testid="api-key-token">
          {token}
        </code>
      </p>
      <div className="button-row">
        <button type="button" className="button-secondary" onClick={() => void copyText(token).then((ok) => setCopyStatus(t(ok ? 'apiKeys.copied' : 'apiKeys.copyFailed')))}>
          {t('apiKeys.copy')}
        </button>
        <span className="inline-status" role="status">
          {copyStatus}
        </span>
      </div>
      <p className="muted small">{t('apiKeys.usage')}</p>
      <button type="button" className="button-primary" onClick={onDone}>
        {t('apiKeys.stored')}
      </button>
    </section>
  );
}

function KeyItem({ workspaceId, apiKey, onRevoked }: { workspaceId: string; apiKey: ApiKey; onRevoked: () => void }) {
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<FormProblem | undefined>(undefined);
  const confirmRef = useRef<HTMLButtonElement>(null);

  useEffect(() => {
    if (confirming) confirmRef.current?.focus();
  }, [confirming]);

  async function revoke() {
    setBusy(true);
    setProblem(undefined);
    try {
      await workspacesApi.revokeApiKey(workspaceId, apiKey.id);
      onRevoked();
    } catch (error) {
      setProblem(problemOf(error));
    } finally {
      setBusy(false);
    }
  }

  return (
    <li className="item">
      <div className="item-main">
        <p className="item-title">
          {apiKey.name} <span className="badge badge-pending badge-inline">{apiKey.scope === 'read_write' ? t('apiKeys.scopeReadWrite') : t('apiKeys.scopeRead')}</span>
          {apiKey.status === 'expired' && <span className="badge badge-bad badge-inline">{t('apiKeys.expired')}</span>}
        </p>
        <p className="item-meta">
          <code>{apiKey.prefix}…</code>
        </p>
        <p className="item-meta">
          {t('apiKeys.meta', {
            created: formatDateTime(apiKey.createdAt),
            used: formatDateTime(apiKey.lastUsedAt),
            expires: apiKey.expiresAt === null ? t('apiKeys.expiryNever') : formatDateTime(apiKey.expiresAt),
          })}
        </p>
        <FormAlert problem={problem} />
      </div>
      <div className="item-actions">
        {confirming ? (
          <div className="confirm-inline" role="group" aria-label={t('apiKeys.confirmLabel', { name: apiKey.name })}>
            <span>{t('apiKeys.confirm')}</span>
            <button ref={confirmRef} type="button" className="button-danger" onClick={() => void revoke()} disabled={busy}>
              {busy ? t('form.working') : t('apiKeys.revoke')}
            </button>
            <button type="button" className="button-secondary" onClick={() => setConfirming(false)} disabled={busy}>
              {t('form.cancel')}
            </button>
          </div>
        ) : (
          <button type="button" className="button-danger-quiet" onClick={() => setConfirming(true)} aria-label={t('apiKeys.revokeNamed', { name: apiKey.name })}>
            {t('apiKeys.revoke')}
          </button>
        )}
      </div>
    </li>
  );
}
