// Passkeys: list, add (the browser's own dialog creates the key), rename and remove.
import { useCallback, useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { ApiError } from '../../api/client.js';
import { passkeysApi, passkeysSupported, type Passkey } from '../../api/passkeys.js';
import { FormAlert, Notice, SubmitButton, TextField, problemOf, useForm, type FormProblem } from '../../components/form.js';
import { formatDateTime, t } from '../../i18n/index.js';
import { useMe } from '../../session.js';

type ListState = { kind: 'loading' } | { kind: 'loaded'; passkeys: Passkey[] } | { kind: 'failed'; problem: FormProblem };

export function PasskeysSection() {
  const [list, setList] = useState<ListState>({ kind: 'loading' });
  const [notice, setNotice] = useState<string | undefined>(undefined);
  const [attempt, setAttempt] = useState(0);
  const supported = passkeysSupported();

  useEffect(() => {
    const controller = new AbortController();
    passkeysApi.list(controller.signal).then(
      ({ passkeys }) => {
        if (!controller.signal.aborted) setList({ kind: 'loaded', passkeys });
      },
      (error: unknown) => {
        if (!controller.signal.aborted) setList({ kind: 'failed', problem: problemOf(error) });
      },
    );
    return () => controller.abort();
  }, [attempt]);

  const refresh = useCallback((message?: string) => {
    setNotice(message);
    setAttempt((n) => n + 1);
  }, []);

  return (
    <section className="card" aria-labelledby="passkeys-heading">
      <h2 id="passkeys-heading">{t('passkeys.title')}</h2>
      <p>{t('passkeys.intro')}</p>
      {notice !== undefined && (
        <Notice>
          <p>{notice}</p>
        </Notice>
      )}
      {list.kind === 'loading' && <p className="muted">{t('common.loading')}</p>}
      {list.kind === 'failed' && (
        <div className="alert alert-error" role="alert">
          <p>{list.problem.message}</p>
          <button type="button" className="button-secondary" onClick={() => setAttempt((n) => n + 1)}>
            {t('common.tryAgain')}
          </button>
        </div>
      )}
      {list.kind === 'loaded' &&
        (list.passkeys.length === 0 ? (
          <p className="muted">{t('passkeys.none')}</p>
        ) : (
          <ul className="item-list" aria-label={t('passkeys.listLabel')}>
            {list.passkeys.map((passkey) => (
              <PasskeyItem key={passkey.id} passkey={passkey} onChanged={refresh} />
            ))}
          </ul>
        ))}
      {supported ? <AddPasskey onAdded={(name) => refresh(t('passkeys.added', { name }))} /> : <p className="muted">{t('passkeys.unsupported')}</p>}
    </section>
  );
}

function defaultPasskeyName(): string {
  const platform = (navigator as Navigator & { userAgentData?: { platform?: string } }).userAgentData?.platform ?? '';
  return platform === '' ? t('passkeys.defaultName') : t('passkeys.defaultNameOn', { platform });
}

function AddPasskey({ onAdded }: { onAdded: (name: string) => void }) {
  const { user } = useMe();
  const [name, setName] = useState(defaultPasskeyName);
  const [password, setPassword] = useState('');
  const [code, setCode] = useState('');
  // Adding a passkey needs a session started in the last few minutes, or the password again.
  const [needsReauth, setNeedsReauth] = useState(false);
  const form = useForm(['name', 'password', 'code'] as const, {
    codeFields: { 'auth.reauthentication_required': 'password', 'auth.invalid_credentials': 'password', 'auth.mfa_invalid': 'code' },
  });

  function submit(event: FormEvent<HTMLFormElement>) {
    const trimmed = name.trim();
    void form.submit(
      event,
      () => ({
        name: trimmed === '' ? t('passkeys.nameRequired') : undefined,
        password: needsReauth && password === '' ? t('password.currentRequired') : undefined,
        code: needsReauth && user.twoFactorEnabled && code.trim() === '' ? t('totp.confirmCodeRequired') : undefined,
      }),
      async () => {
        try {
          await passkeysApi.add(trimmed, needsReauth ? { password, ...(user.twoFactorEnabled ? { code: code.trim() } : {}) } : undefined);
        } catch (error) {
          if (error instanceof ApiError && error.code === 'auth.reauthentication_required') setNeedsReauth(true);
          if (error instanceof ApiError && (error.code === 'auth.invalid_credentials' || error.code === 'auth.mfa_invalid')) setCode('');
          throw error;
        }
        setPassword('');
        setCode('');
        setNeedsReauth(false);
        onAdded(trimmed);
      },
    );
  }

  return (
    <form onSubmit={submit} noValidate className="inline-form" aria-label={t('passkeys.addLabel')}>
      <FormAlert problem={form.errors.form} />
      <TextField label={t('passkeys.nameLabel')} description={t('passkeys.nameHelp')} name="passkey-name" autoComplete="off" maxLength={80} value={name} onChange={setName} error={form.fieldError('name')} />
      {needsReauth && (
        <>
          <TextField label={t('field.password')} type="password" name="password" autoComplete="current-password" value={password} onChange={setPassword} error={form.fieldError('password')} />
          {user.twoFactorEnabled && (
            <TextField
              label={t('totp.confirmCodeLabel')}
              description={t('totp.confirmCodeHelp')}
              name="code"
              autoComplete="one-time-code"
              maxLength={20}
              spellCheck={false}
              value={code}
              onChange={setCode}
              error={form.fieldError('code')}
              className="field-code"
            />
          )}
        </>
      )}
      <div className="form-actions">
        <SubmitButton submitting={form.submitting} busyLabel={t('login.passkeyWaiting')}>
          {t('passkeys.add')}
        </SubmitButton>
      </div>
    </form>
  );
}

function PasskeyItem({ passkey, onChanged }: { passkey: Passkey; onChanged: (message?: string) => void }) {
  const [mode, setMode] = useState<'view' | 'rename' | 'remove'>('view');
  const [name, setName] = useState(passkey.name);
  const [problem, setProblem] = useState<FormProblem | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const form = useForm(['name'] as const);
  const titleId = useId();
  const confirmRef = useRef<HTMLButtonElement>(null);
  const renameRef = useRef<HTMLInputElement>(null);

  useEffect(() => {
    if (mode === 'remove') confirmRef.current?.focus();
    if (mode === 'rename') renameRef.current?.focus();
  }, [mode]);

  function rename(event: FormEvent<HTMLFormElement>) {
    const trimmed = name.trim();
    void form.submit(event, 
      () => ({ name: trimmed === '' ? t('passkeys.nameRequired') : undefined }),
      async () => {
        await passkeysApi.rename(passkey.id, trimmed);
        setMode('view');
        onChanged(t('passkeys.renamed', { name: trimmed }));
      },
    );
  }

  async function remove() {
    setBusy(true);
    setProblem(undefined);
    try {
      await passkeysApi.remove(passkey.id);
      onChanged(t('passkeys.removed', { name: passkey.name }));
    } catch (error) {
      setProblem(problemOf(error));
      if (error instanceof ApiError && error.status === 404) onChanged();
    } finally {
      setBusy(false);
    }
  }

  return (
    <li className="item">
      <div className="item-main">
        <p id={titleId} className="item-title">
          {passkey.name}
        </p>
        <p className="item-meta">
          {t('passkeys.meta', { created: formatDateTime(passkey.createdAt), used: formatDateTime(passkey.lastUsedAt) })}
          {passkey.backedUp === true && ` · ${t('passkeys.synced')}`}
        </p>
      </div>
      {mode === 'view' && (
        <div className="item-actions">
          <button type="button" className="button-secondary" onClick={() => setMode('rename')} aria-label={t('passkeys.renameNamed', { name: passkey.name })}>
            {t('passkeys.rename')}
          </button>
          <button type="button" className="button-danger-quiet" onClick={() => setMode('remove')} aria-label={t('passkeys.removeNamed', { name: passkey.name })}>
            {t('passkeys.remove')}
          </button>
        </div>
      )}
      {mode === 'rename' && (
        <form onSubmit={rename} noValidate className="item-form">
          <FormAlert problem={form.errors.form} />
          <TextField label={t('passkeys.newNameLabel')} name="passkey-name" autoComplete="off" maxLength={80} value={name} onChange={setName} error={form.fieldError('name')} inputRef={renameRef} />
          <div className="form-actions">
            <SubmitButton submitting={form.submitting}>{t('form.save')}</SubmitButton>
            <button type="button" className="button-secondary" onClick={() => setMode('view')}>
              {t('form.cancel')}
            </button>
          </div>
        </form>
      )}
      {mode === 'remove' && (
        <div className="item-form" role="group" aria-label={t('passkeys.confirmRemoveLabel')}>
          <FormAlert problem={problem} />
          <p>{t('passkeys.confirmRemove', { name: passkey.name })}</p>
          <div className="form-actions">
            <button ref={confirmRef} type="button" className="button-danger" onClick={() => void remove()} disabled={busy}>
              {busy ? t('form.working') : t('passkeys.remove')}
            </button>
            <button type="button" className="button-secondary" onClick={() => setMode('view')} disabled={busy}>
              {t('form.cancel')}
            </button>
          </div>
        </div>
      )}
    </li>
  );
}
