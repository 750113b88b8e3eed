// Two-factor authentication with an authenticator app: set up (QR code, or the key typed by hand),
// confirm with a first code, save the recovery codes; later turn it off or replace the codes, both
// of which need the password and a current code.
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { identityApi, type TotpSetup } from '../../api/identity.js';
import { FormAlert, Notice, SubmitButton, TextField, problemOf, useForm, type FormProblem } from '../../components/form.js';
import { RecoveryCodes } from '../../components/recovery-codes.js';
import { copyText } from '../../files.js';
import { t } from '../../i18n/index.js';
import { useMe, useSession } from '../../session.js';

type View =
  | { kind: 'overview' }
  | { kind: 'setup'; setup: TotpSetup }
  | { kind: 'codes'; codes: string[]; reason: 'enabled' | 'regenerated' }
  | { kind: 'confirm'; action: 'disable' | 'regenerate' };

/** The key in groups of four, as authenticator apps show it; spaces are ignored when typed in. */
function groupedSecret(secret: string): string {
  return secret.replace(/(.{4})(?=.)/g, '$1 ');
}

/** Only an image the server rendered (an SVG or PNG data: URL) is shown; anything else is dropped. */
function safeQrSource(url: string): string | undefined {
  return /^data:image\/(svg\+xml|png)[;,]/.test(url) ? url : undefined;
}

export function TwoFactorSection() {
  const me = useMe();
  const { reload } = useSession();
  const [view, setView] = useState<View>({ kind: 'overview' });
  const [startProblem, setStartProblem] = useState<FormProblem | undefined>(undefined);
  const [starting, setStarting] = useState(false);
  const [notice, setNotice] = useState<string | undefined>(undefined);
  const enabled = me.user.twoFactorEnabled;

  async function startSetup() {
    setStarting(true);
    setStartProblem(undefined);
    setNotice(undefined);
    try {
      setView({ kind: 'setup', setup: await identityApi.totpSetup() });
    } catch (error) {
      setStartProblem(problemOf(error));
    } finally {
      setStarting(false);
    }
  }

  function finishCodes(reason: 'enabled' | 'regenerated') {
    setView({ kind: 'overview' });
    setNotice(t(reason === 'enabled' ? 'totp.enabledNotice' : 'totp.regeneratedNotice'));
  }

  return (
    <section className="card" aria-labelledby="totp-heading">
      <div className="card-header">
        <h2 id="totp-heading">{t('totp.title')}</h2>
        <p className={`badge ${enabled ? 'badge-good' : 'badge-pending'}`}>{enabled ? t('totp.on') : t('totp.off')}</p>
      </div>
      {notice !== undefined && view.kind === 'overview' && (
        <Notice>
          <p>{notice}</p>
        </Notice>
      )}

      {view.kind === 'overview' && !enabled && (
        <>
          <p>{t('totp.offIntro')}</p>
          <FormAlert problem={startProblem} />
          <button type="button" className="button-primary" onClick={() => void startSetup()} disabled={starting}>
            {starting ? t('form.working') : t('totp.start')}
          </button>
        </>
      )}

      {view.kind === 'overview' && enabled && (
        <>
          <p>{t('totp.onIntro')}</p>
          <div className="button-row">
            <button type="button" className="button-secondary" onClick={() => setView({ kind: 'confirm', action: 'regenerate' })}>
              {t('totp.regenerate')}
            </button>
            <button type="button" className="button-danger" onClick={() => setView({ kind: 'confirm', action: 'disable' })}>
              {t('totp.disable')}
            </button>
          </div>
        </>
      )}

      {view.kind === 'setup' && (
        <SetupPanel
          setup={view.setup}
          onEnabled={async (codes) => {
            setView({ kind: 'codes', codes, reason: 'enabled' });
            await reload();
          }}
          onCancel={() => setView({ kind: 'overview' })}
        />
      )}

      {view.kind === 'codes' && <RecoveryCodes codes={view.codes} email={me.user.email} onDone={() => finishCodes(view.reason)} />}

      {view.kind === 'confirm' && (
        <ConfirmPanel
          action={view.action}
          onCancel={() => setView({ kind: 'overview' })}
          onDisabled={async () => {
            setView({ kind: 'overview' });
            setNotice(t('totp.disabledNotice'));
            await reload();
          }}
          onRegenerated={(codes) => setView({ kind: 'codes', codes, reason: 'regenerated' })}
        />
      )}
    </section>
  );
}

function SetupPanel({ setup, onEnabled, onCancel }: { setup: TotpSetup; onEnabled: (codes: string[]) => Promise<void>; onCancel: () => void }) {
  const [code, setCode] = useState('');
  const [copyStatus, setCopyStatus] = useState('');
  const form = useForm(['code'] as const, { codeFields: { 'auth.mfa_invalid': 'code' } });
  const heading = useRef<HTMLHeadingElement>(null);
  const qr = safeQrSource(setup.qrCodeDataUrl);

  useEffect(() => {
    heading.current?.focus();
  }, []);

  function submit(event: FormEvent<HTMLFormElement>) {
    const value = code.replace(/\s/g, '');
    void form.submit(event, 
      () => ({ code: value === '' ? t('mfa.codeRequired') : /^[0-9]{6}$/.test(value) ? undefined : t('mfa.codeFormat') }),
      async () => {
        try {
          const { recoveryCodes } = await identityApi.totpEnable({ code: value });
          await onEnabled(recoveryCodes);
        } catch (error) {
          setCode('');
          throw error;
        }
      },
    );
  }

  return (
    <div className="setup-panel">
      <h3 ref={heading} tabIndex={-1}>
        {t('totp.setupTitle')}
      </h3>
      <ol className="steps">
        <li>
          <p>{t('totp.step1')}</p>
          <div className="qr-block">
            {qr !== undefined && <img className="qr-code" src={qr} alt={t('totp.qrAlt')} width={200} height={200} />}
            <div>
              <p className="muted">{t('totp.manualIntro')}</p>
              <p>
                <code className="secret" data-testid="totp-secret">
                  {groupedSecret(setup.secret)}
                </code>
              </p>
              <div className="button-row">
                <button type="button" className="button-secondary" onClick={() => void copyText(setup.secret).then((ok) => setCopyStatus(t(ok ? 'totp.secretCopied' : 'totp.secretCopyFailed')))}>
                  {t('totp.copySecret')}
                </button>
                <span className="inline-status" role="status">
                  {copyStatus}
                </span>
              </div>
              <p className="muted small">{t('totp.manualDetails')}</p>
            </div>
          </div>
        </li>
        <li>
          <p>{t('totp.step2')}</p>
          <FormAlert problem={form.errors.form} />
          <form onSubmit={submit} noValidate className="form-narrow">
            <TextField
              label={t('mfa.codeLabel')}
              name="code"
              inputMode="numeric"
              autoComplete="one-time-code"
              maxLength={7}
              spellCheck={false}
              value={code}
              onChange={setCode}
              error={form.fieldError('code')}
              className="field-code"
            />
            <div className="form-actions">
              <SubmitButton submitting={form.submitting} busyLabel={t('mfa.verifying')}>
                {t('totp.enable')}
              </SubmitButton>
              <button type="button" className="button-secondary" onClick={onCancel} disabled={form.submitting}>
                {t('form.cancel')}
              </button>
            </div>
          </form>
        </li>
      </ol>
    </div>
  );
}

function ConfirmPanel({
  action,
  onCancel,
  onDisabled,
  onRegenerated,
}: {
  action: 'disable' | 'regenerate';
  onCancel: () => void;
  onDisabled: () => Promise<void>;
  onRegenerated: (codes: string[]) => void;
}) {
  const [password, setPassword] = useState('');
  const [code, setCode] = useState('');
  const form = useForm(['password', 'code'] as const, { codeFields: { 'auth.invalid_credentials': 'password', 'auth.mfa_invalid': 'code' } });
  const heading = useRef<HTMLHeadingElement>(null);

  useEffect(() => {
    heading.current?.focus();
  }, []);

  function submit(event: FormEvent<HTMLFormElement>) {
    void form.submit(event, 
      () => ({
        password: password === '' ? t('password.currentRequired') : undefined,
        code: code.trim() === '' ? t('totp.confirmCodeRequired') : undefined,
      }),
      async () => {
        const body = { password, code: code.trim() };
        if (action === 'disable') {
          await identityApi.totpDisable(body);
          await onDisabled();
        } else {
          onRegenerated((await identityApi.regenerateRecoveryCodes(body)).recoveryCodes);
        }
      },
    );
  }

  return (
    <div className="setup-panel">
      <h3 ref={heading} tabIndex={-1}>
        {t(action === 'disable' ? 'totp.disableTitle' : 'totp.regenerateTitle')}
      </h3>
      <p>{t(action === 'disable' ? 'totp.disableIntro' : 'totp.regenerateIntro')}</p>
      <FormAlert problem={form.errors.form} />
      <form onSubmit={submit} noValidate className="form-narrow">
        <TextField label={t('field.password')} type="password" name="password" autoComplete="current-password" value={password} onChange={setPassword} error={form.fieldError('password')} />
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
        <div className="form-actions">
          <SubmitButton submitting={form.submitting} className={action === 'disable' ? 'button-danger' : 'button-primary'}>
            {t(action === 'disable' ? 'totp.disableSubmit' : 'totp.regenerateSubmit')}
          </SubmitButton>
          <button type="button" className="button-secondary" onClick={onCancel} disabled={form.submitting}>
            {t('form.cancel')}
          </button>
        </div>
      </form>
    </div>
  );
}
