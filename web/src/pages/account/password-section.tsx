// Change the password. The server checks the current one and ends every other session.
import { useState, type FormEvent } from 'react';
import { identityApi } from '../../api/identity.js';
import { FormAlert, Notice, SubmitButton, TextField, useForm } from '../../components/form.js';
import { ShowPasswords } from '../../components/show-passwords.js';
import { t } from '../../i18n/index.js';
import { PASSWORD_MIN_LENGTH, newPasswordProblem } from '../../password-rules.js';

export function PasswordSection() {
  const [currentPassword, setCurrentPassword] = useState('');
  const [newPassword, setNewPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const [show, setShow] = useState(false);
  const [changed, setChanged] = useState(false);
  const form = useForm(['currentPassword', 'newPassword', 'confirm'] as const, {
    aliases: { password: 'newPassword' },
    codeFields: { 'auth.invalid_credentials': 'currentPassword' },
  });

  function submit(event: FormEvent<HTMLFormElement>) {
    setChanged(false);
    void form.submit(event, 
      () => ({
        currentPassword: currentPassword === '' ? t('password.currentRequired') : undefined,
        newPassword: newPasswordProblem(newPassword),
        confirm: confirm !== newPassword ? t('password.mismatch') : undefined,
      }),
      async () => {
        await identityApi.changePassword({ currentPassword, newPassword });
        setCurrentPassword('');
        setNewPassword('');
        setConfirm('');
        setChanged(true);
      },
    );
  }

  const type = show ? 'text' : 'password';
  return (
    <section className="card" aria-labelledby="password-heading">
      <h2 id="password-heading">{t('password.title')}</h2>
      {changed && (
        <Notice>
          <p>{t('password.changed')}</p>
        </Notice>
      )}
      <FormAlert problem={form.errors.form} />
      <form onSubmit={submit} noValidate className="form-narrow">
        <TextField label={t('field.currentPassword')} type={type} name="current-password" autoComplete="current-password" value={currentPassword} onChange={setCurrentPassword} error={form.fieldError('currentPassword')} />
        <TextField
          label={t('field.newPassword')}
          description={t('password.guidance', { min: PASSWORD_MIN_LENGTH })}
          type={type}
          name="new-password"
          autoComplete="new-password"
          spellCheck={false}
          value={newPassword}
          onChange={setNewPassword}
          error={form.fieldError('newPassword')}
        />
        <TextField label={t('field.confirmPassword')} type={type} name="confirm-password" autoComplete="new-password" spellCheck={false} value={confirm} onChange={setConfirm} error={form.fieldError('confirm')} />
        <ShowPasswords checked={show} onChange={setShow} plural />
        <p className="muted">{t('password.othersSignedOut')}</p>
        <div className="form-actions">
          <SubmitButton submitting={form.submitting} busyLabel={t('form.saving')}>
            {t('password.submit')}
          </SubmitButton>
        </div>
      </form>
    </section>
  );
}
