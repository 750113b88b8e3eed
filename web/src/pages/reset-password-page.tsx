// Choose a new password from an emailed link (`/reset-password#token=...`). The token is taken out
// of the address bar before anything renders (see captureLandingToken); a reset ends every session.
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { identityApi } from '../api/identity.js';
import { AppLink } from '../components/app-link.js';
import { FormAlert, Notice, SubmitButton, TextField, useForm } from '../components/form.js';
import { AuthCard } from '../components/layout.js';
import { ShowPasswords } from '../components/show-passwords.js';
import { t } from '../i18n/index.js';
import { landingTokenFor } from '../navigation.js';
import { PASSWORD_MIN_LENGTH, newPasswordProblem } from '../password-rules.js';
import { useSession } from '../session.js';

export function ResetPasswordPage() {
  const [token] = useState(() => landingTokenFor('/reset-password'));
  const session = useSession();
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const [showPasswords, setShowPasswords] = useState(false);
  const [done, setDone] = useState(false);
  const form = useForm(['password', 'confirm'] as const);
  const doneRef = useRef<HTMLDivElement>(null);

  useEffect(() => {
    if (done) doneRef.current?.focus();
  }, [done]);

  if (token === undefined) {
    return (
      <AuthCard title={t('reset.title')}>
        <div className="alert alert-error" role="alert">
          <p>{t('reset.noToken')}</p>
        </div>
        <p>
          <AppLink to="/forgot-password">{t('reset.requestNew')}</AppLink>
        </p>
      </AuthCard>
    );
  }

  function submit(event: FormEvent<HTMLFormElement>) {
    void form.submit(event, 
      () => ({
        password: newPasswordProblem(password),
        confirm: confirm !== password ? t('password.mismatch') : undefined,
      }),
      async () => {
        await identityApi.resetPassword({ token: token ?? '', password });
        // The server ended every session, this browser's included.
        session.forget();
        setPassword('');
        setConfirm('');
        setDone(true);
      },
    );
  }

  if (done) {
    return (
      <AuthCard title={t('reset.title')}>
        <div ref={doneRef} tabIndex={-1}>
          <Notice>
            <p>{t('reset.done')}</p>
          </Notice>
        </div>
        <p>
          <AppLink to="/login">{t('reset.signIn')}</AppLink>
        </p>
      </AuthCard>
    );
  }

  return (
    <AuthCard title={t('reset.title')}>
      <p>{t('reset.intro')}</p>
      <FormAlert problem={form.errors.form} />
      {form.errors.form !== undefined && (
        <p>
          <AppLink to="/forgot-password">{t('reset.requestNew')}</AppLink>
        </p>
      )}
      <form onSubmit={submit} noValidate>
        <TextField
          label={t('field.newPassword')}
          description={t('password.guidance', { min: PASSWORD_MIN_LENGTH })}
          type={showPasswords ? 'text' : 'password'}
          name="new-password"
          autoComplete="new-password"
          spellCheck={false}
          value={password}
          onChange={setPassword}
          error={form.fieldError('password')}
        />
        <TextField
          label={t('field.confirmPassword')}
          type={showPasswords ? 'text' : 'password'}
          name="confirm-password"
          autoComplete="new-password"
          spellCheck={false}
          value={confirm}
          onChange={setConfirm}
          error={form.fieldError('confirm')}
        />
        <ShowPasswords checked={showPasswords} onChange={setShowPasswords} plural />
        <div className="form-actions">
          <SubmitButton submitting={form.submitting} busyLabel={t('form.saving')}>
            {t('reset.submit')}
          </SubmitButton>
        </div>
      </form>
    </AuthCard>
  );
}
