// Create an account. The server judges the password (length, zxcvbn) and its hints are shown under
// the field; the answer is the same whether or not the address is taken, so the page only ever says
// "check your email".
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { identityApi } from '../api/identity.js';
import { AppLink } from '../components/app-link.js';
import { FormAlert, Notice, SubmitButton, TextField, looksLikeEmail, useForm } from '../components/form.js';
import { AuthCard } from '../components/layout.js';
import { ShowPasswords } from '../components/show-passwords.js';
import { t } from '../i18n/index.js';
import { PASSWORD_MIN_LENGTH, newPasswordProblem } from '../password-rules.js';

export function SignUpPage() {
  const [name, setName] = useState('');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [showPassword, setShowPassword] = useState(false);
  const [sentTo, setSentTo] = useState<{ email: string } | undefined>(undefined);
  const form = useForm(['name', 'email', 'password'] as const);
  const doneHeading = useRef<HTMLHeadingElement>(null);

  useEffect(() => {
    if (sentTo !== undefined) doneHeading.current?.focus();
  }, [sentTo]);

  function submit(event: FormEvent<HTMLFormElement>) {
    void form.submit(event, 
      () => ({
        name: name.trim() === '' ? t('signup.nameRequired') : undefined,
        email: email.trim() === '' ? t('signup.emailRequired') : looksLikeEmail(email) ? undefined : t('form.emailInvalid'),
        password: newPasswordProblem(password),
      }),
      async () => {
        await identityApi.signup({ name: name.trim(), email: email.trim(), password });
        setPassword('');
        setSentTo({ email: email.trim() });
      },
    );
  }

  if (sentTo !== undefined) {
    return (
      <section className="card auth-card" aria-labelledby="signup-done">
        <h1 id="signup-done" ref={doneHeading} tabIndex={-1}>
          {t('signup.checkEmailTitle')}
        </h1>
        <Notice>
          <p>{t('signup.checkEmailBody', { email: sentTo.email })}</p>
        </Notice>
        <p className="muted">{t('signup.checkEmailHelp')}</p>
        <p>
          <AppLink to="/login">{t('signup.goToSignIn')}</AppLink>
        </p>
      </section>
    );
  }

  return (
    <AuthCard
      title={t('signup.title')}
      footer={
        <p>
          {t('signup.haveAccount')} <AppLink to="/login">{t('signup.signIn')}</AppLink>
        </p>
      }
    >
      <FormAlert problem={form.errors.form} />
      <form onSubmit={submit} noValidate>
        <TextField label={t('field.name')} name="name" autoComplete="name" maxLength={120} value={name} onChange={setName} error={form.fieldError('name')} />
        <TextField label={t('field.email')} type="email" name="email" autoComplete="email" spellCheck={false} value={email} onChange={setEmail} error={form.fieldError('email')} />
        <TextField
          label={t('field.password')}
          description={t('password.guidance', { min: PASSWORD_MIN_LENGTH })}
          type={showPassword ? 'text' : 'password'}
          name="new-password"
          autoComplete="new-password"
          spellCheck={false}
          value={password}
          onChange={setPassword}
          error={form.fieldError('password')}
        />
        <ShowPasswords checked={showPassword} onChange={setShowPassword} />
        <div className="form-actions">
          <SubmitButton submitting={form.submitting} busyLabel={t('signup.creating')}>
            {t('signup.submit')}
          </SubmitButton>
        </div>
      </form>
    </AuthCard>
  );
}
