// The account's address and whether it is confirmed, with a way to send the link again.
import { useState } from 'react';
import { identityApi } from '../../api/identity.js';
import { FormAlert, Notice, problemOf, type FormProblem } from '../../components/form.js';
import { t } from '../../i18n/index.js';
import { useMe } from '../../session.js';

export function EmailSection() {
  const { user } = useMe();
  const [busy, setBusy] = useState(false);
  const [sent, setSent] = useState(false);
  const [problem, setProblem] = useState<FormProblem | undefined>(undefined);

  async function resend() {
    setBusy(true);
    setProblem(undefined);
    try {
      await identityApi.resendVerification();
      setSent(true);
    } catch (error) {
      setProblem(problemOf(error));
    } finally {
      setBusy(false);
    }
  }

  return (
    <section className="card" aria-labelledby="email-heading">
      <h2 id="email-heading">{t('email.title')}</h2>
      <dl className="status-list">
        <div>
          <dt>{t('field.email')}</dt>
          <dd>{user.email}</dd>
        </div>
        <div>
          <dt>{t('email.status')}</dt>
          <dd>
            <span className={`badge ${user.emailVerified ? 'badge-good' : 'badge-pending'}`}>{user.emailVerified ? t('email.verified') : t('email.unverified')}</span>
          </dd>
        </div>
      </dl>
      {!user.emailVerified && (
        <>
          <FormAlert problem={problem} />
          {sent ? (
            <Notice>
              <p>{t('email.resent', { email: user.email })}</p>
            </Notice>
          ) : (
            <>
              <p>{t('email.unverifiedHelp')}</p>
              <button type="button" className="button-secondary" onClick={() => void resend()} disabled={busy}>
                {busy ? t('form.sending') : t('email.resend')}
              </button>
            </>
          )}
        </>
      )}
    </section>
  );
}
