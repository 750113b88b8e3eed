// Sign-in: email and password (or a passkey alone), then a second step when the account has 2FA:
// a code from the authenticator app, a recovery code, or a passkey. Afterwards the user goes back
// to the page that sent them here (`?next=`, same-origin paths only).
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { ApiError } from '../api/client.js';
import { identityApi, type LoginAnswer, type SecondFactor } from '../api/identity.js';
import { passkeysApi, passkeysSupported } from '../api/passkeys.js';
import { AppLink } from '../components/app-link.js';
import { FormAlert, SubmitButton, TextField, looksLikeEmail, problemOf, useForm, type FormProblem } from '../components/form.js';
import { AuthCard } from '../components/layout.js';
import { t } from '../i18n/index.js';
import { navigate, safeReturnPath, useCurrentSearch } from '../navigation.js';
import { useSession } from '../session.js';

type Step = { kind: 'password'; notice?: FormProblem } | { kind: 'second-factor'; mfaToken: string; methods: SecondFactor[] };

export function LoginPage() {
  const session = useSession();
  const search = useCurrentSearch();
  const next = safeReturnPath(new URLSearchParams(search).get('next')) ?? '/workspaces';
  const [step, setStep] = useState<Step>({ kind: 'password' });

  useEffect(() => {
    if (session.state.status === 'signed-in') navigate(next, { replace: true });
  }, [session.state.status, next]);

  async function finish(answer: LoginAnswer): Promise<void> {
    if (answer.mfaRequired) {
      setStep({ kind: 'second-factor', mfaToken: answer.mfaToken, methods: answer.methods });
      return;
    }
    // The effect above takes the user on once the session is loaded.
    await session.signedIn();
  }

  if (step.kind === 'second-factor') {
    return (
      <SecondFactorStep
        mfaToken={step.mfaToken}
        methods={step.methods}
        onDone={finish}
        onRestart={(notice) => setStep({ kind: 'password', ...(notice === undefined ? {} : { notice }) })}
      />
    );
  }
  return <PasswordStep notice={step.notice} onDone={finish} />;
}

function PasswordStep({ notice, onDone }: { notice: FormProblem | undefined; onDone: (answer: LoginAnswer) => Promise<void> }) {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const form = useForm(['email', 'password'] as const);
  const [passkeyProblem, setPasskeyProblem] = useState<FormProblem | undefined>(undefined);
  const [passkeyBusy, setPasskeyBusy] = useState(false);
  const alertRef = useRef<HTMLDivElement>(null);

  useEffect(() => {
    // Sent back from the second step (its sign-in expired): say why, and start from the top.
    if (notice !== undefined) alertRef.current?.querySelector<HTMLElement>('[data-form-alert]')?.focus();
  }, [notice]);

  function submit(event: FormEvent<HTMLFormElement>) {
    setPasskeyProblem(undefined);
    void form.submit(event, 
      () => ({
        email: email.trim() === '' ? t('login.emailRequired') : looksLikeEmail(email) ? undefined : t('form.emailInvalid'),
        password: password === '' ? t('login.passwordRequired') : undefined,
      }),
      async () => onDone(await identityApi.login({ email: email.trim(), password })),
    );
  }

  async function signInWithPasskey() {
    setPasskeyBusy(true);
    setPasskeyProblem(undefined);
    form.reset();
    try {
      await onDone(await passkeysApi.signIn());
    } catch (error) {
      setPasskeyProblem(problemOf(error));
    } finally {
      setPasskeyBusy(false);
    }
  }

  return (
    <AuthCard
      title={t('login.title')}
      footer={
        <p>
          {t('login.noAccount')} <AppLink to="/signup">{t('login.createAccount')}</AppLink>
        </p>
      }
    >
      <div ref={alertRef}>
        <FormAlert problem={form.errors.form ?? passkeyProblem ?? notice} />
      </div>
      <form onSubmit={submit} noValidate>
        <TextField label={t('field.email')} type="email" name="email" autoComplete="username" value={email} onChange={setEmail} error={form.fieldError('email')} spellCheck={false} />
        <TextField
          label={t('field.password')}
          type="password"
          name="password"
          autoComplete="current-password"
          value={password}
          onChange={setPassword}
          error={form.fieldError('password')}
        />
        <div className="form-actions">
          <SubmitButton submitting={form.submitting} busyLabel={t('login.signingIn')}>
            {t('login.submit')}
          </SubmitButton>
          <AppLink to="/forgot-password">{t('login.forgotPassword')}</AppLink>
        </div>
      </form>
      {passkeysSupported() && (
        <div className="alternative">
          <p className="divider">
            <span>{t('login.or')}</span>
          </p>
          <button type="button" className="button-secondary button-wide" onClick={() => void signInWithPasskey()} disabled={passkeyBusy || form.submitting}>
            {passkeyBusy ? t('login.passkeyWaiting') : t('login.withPasskey')}
          </button>
        </div>
      )}
    </AuthCard>
  );
}

type Mode = 'totp' | 'recovery' | 'passkey';

/** The first way offered: the authenticator app, else a passkey, else a recovery code. */
function firstMode(methods: readonly SecondFactor[]): Mode {
  if (methods.includes('totp')) return 'totp';
  if (methods.includes('passkey')) return 'passkey';
  return 'recovery';
}

function SecondFactorStep({
  mfaToken,
  methods,
  onDone,
  onRestart,
}: {
  mfaToken: string;
  methods: SecondFactor[];
  onDone: (answer: LoginAnswer) => Promise<void>;
  onRestart: (notice?: FormProblem) => void;
}) {
  const [mode, setMode] = useState<Mode>(() => firstMode(methods));
  const [code, setCode] = useState('');
  const form = useForm(['code'] as const);
  const codeInput = useRef<HTMLInputElement>(null);
  const passkeyButton = useRef<HTMLButtonElement>(null);
  const [passkeyProblem, setPasskeyProblem] = useState<FormProblem | undefined>(undefined);
  const [passkeyBusy, setPasskeyBusy] = useState(false);

  // A new step (or a switch between ways): focus goes to the one thing there is to do.
  useEffect(() => {
    (mode === 'passkey' ? passkeyButton.current : codeInput.current)?.focus();
  }, [mode]);

  function restartIfExpired(error: unknown): boolean {
    if (error instanceof ApiError && error.code === 'auth.token_invalid') {
      onRestart(problemOf(error));
      return true;
    }
    return false;
  }

  function submit(event: FormEvent<HTMLFormElement>) {
    setPasskeyProblem(undefined);
    const value = code.trim();
    void form.submit(event, 
      () => ({
        code:
          value === ''
            ? t(mode === 'totp' ? 'mfa.codeRequired' : 'mfa.recoveryRequired')
            : mode === 'totp' && !/^[0-9]{6}$/.test(value.replace(/\s/g, ''))
              ? t('mfa.codeFormat')
              : undefined,
      }),
      async () => {
        try {
          await onDone(await identityApi.loginMfa({ mfaToken, code: mode === 'totp' ? value.replace(/\s/g, '') : value }));
        } catch (error) {
          if (!restartIfExpired(error)) {
            setCode('');
            throw error;
          }
        }
      },
    );
  }

  async function confirmWithPasskey() {
    setPasskeyBusy(true);
    setPasskeyProblem(undefined);
    form.reset();
    try {
      await onDone(await passkeysApi.secondFactor(mfaToken));
    } catch (error) {
      if (!restartIfExpired(error)) setPasskeyProblem(problemOf(error));
    } finally {
      setPasskeyBusy(false);
    }
  }

  function switchMode(to: Mode) {
    setCode('');
    form.reset();
    setMode(to);
  }

  const canUsePasskey = methods.includes('passkey') && passkeysSupported();
  return (
    <AuthCard title={t('mfa.title')}>
      <FormAlert problem={form.errors.form ?? passkeyProblem} />
      {mode === 'passkey' ? (
        <div className="passkey-step">
          <p>{t(canUsePasskey ? 'mfa.passkeyHelp' : 'mfa.passkeyUnsupported')}</p>
          {canUsePasskey && (
            <button ref={passkeyButton} type="button" className="button-primary" onClick={() => void confirmWithPasskey()} disabled={passkeyBusy}>
              {passkeyBusy ? t('login.passkeyWaiting') : t('mfa.passkeySubmit')}
            </button>
          )}
        </div>
      ) : (
        <form onSubmit={submit} noValidate>
          {mode === 'totp' ? (
            <TextField
              key="totp"
              label={t('mfa.codeLabel')}
              description={t('mfa.codeHelp')}
              name="code"
              inputMode="numeric"
              autoComplete="one-time-code"
              maxLength={7}
              spellCheck={false}
              value={code}
              onChange={setCode}
              error={form.fieldError('code')}
              inputRef={codeInput}
              className="field-code"
            />
          ) : (
            <TextField
              key="recovery"
              label={t('mfa.recoveryLabel')}
              description={t('mfa.recoveryHelp')}
              name="recovery-code"
              autoComplete="off"
              maxLength={20}
              spellCheck={false}
              value={code}
              onChange={setCode}
              error={form.fieldError('code')}
              inputRef={codeInput}
              className="field-code"
            />
          )}
          <div className="form-actions">
            <SubmitButton submitting={form.submitting} busyLabel={t('mfa.verifying')}>
              {t('mfa.submit')}
            </SubmitButton>
          </div>
        </form>
      )}
      <ul className="link-list">
        {mode !== 'recovery' && methods.includes('recovery_code') && (
          <li>
            <button type="button" className="button-link" onClick={() => switchMode('recovery')}>
              {t('mfa.useRecovery')}
            </button>
          </li>
        )}
        {mode !== 'totp' && methods.includes('totp') && (
          <li>
            <button type="button" className="button-link" onClick={() => switchMode('totp')}>
              {t('mfa.useTotp')}
            </button>
          </li>
        )}
        {mode !== 'passkey' && canUsePasskey && (
          <li>
            <button type="button" className="button-link" onClick={() => switchMode('passkey')} disabled={form.submitting}>
              {t('mfa.usePasskey')}
            </button>
          </li>
        )}
        <li>
          <button type="button" className="button-link" onClick={() => onRestart()}>
            {t('mfa.startOver')}
          </button>
        </li>
      </ul>
    </AuthCard>
  );
}
