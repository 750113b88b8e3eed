// Ask for a password-reset link. The server answers alike for every address (no account
// enumeration), so the page does too.
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { identityApi } from '../api/identity.js';
import { AppLink } from '../components/app-link.js';
import { FormAlert, Notice, SubmitButton, TextField, looksLikeEmail, useForm } from '../components/form.js';
import { AuthCard } from '../components/layout.js';
import { t } from '../i18n/index.js';

export function ForgotPasswordPage() {
  const [email, setEmail] = useState('');
  const [sent, setSent] = useState(false);
  const form = useForm(['email'] as const);
  const notice = useRef<HTMLDivElement>(null);

  useEffect(() => {
    if (sent) notice.current?.focus();
  }, [sent]);

  function submit(event: FormEvent<HTMLFormElement>) {
    void form.submit(event, 
      () => ({ email: email.trim() === '' ? t('forgot.emailRequired') : looksLikeEmail(email) ? undefined : t('form.emailInvalid') }),
      async () => {
        await identityApi.forgotPassword({ email: email.trim() });
        setSent(true);
      },
    );
  }

  return (
    <AuthCard
      title={t('forgot.title')}
      footer={
        <p>
          <AppLink to="/login">{t('forgot.backToSignIn')}</AppLink>
        </p>
      }
    >
      {sent ? (
        <div ref={notice} tabIndex={-1}>
          <Notice>
            <p>{t('forgot.sent', { email: email.trim() })}</p>
          </Notice>
          <p className="muted">{t('forgot.sentHelp')}</p>
        </div>
      ) : (
        <>
          <p>{t('forgot.intro')}</p>
          <FormAlert problem={form.errors.form} />
          <form onSubmit={submit} noValidate>
            <TextField label={t('field.email')} type="email" name="email" autoComplete="email" spellCheck={false} value={email} onChange={setEmail} error={form.fieldError('email')} />
            <div className="form-actions">
              <SubmitButton submitting={form.submitting} busyLabel={t('form.sending')}>
                {t('forgot.submit')}
              </SubmitButton>
            </div>
          </form>
        </>
      )}
    </AuthCard>
  );
}
