// Confirm an email address from the emailed link (`/verify-email#token=...`). Confirming is
// harmless to repeat and expected on arrival, so it runs at once; the token never stays in the URL.
import { useEffect, useRef, useState } from 'react';
import { identityApi } from '../api/identity.js';
import { AppLink } from '../components/app-link.js';
import { Notice, problemOf, type FormProblem } from '../components/form.js';
import { AuthCard } from '../components/layout.js';
import { t } from '../i18n/index.js';
import { landingTokenFor } from '../navigation.js';
import { useSession } from '../session.js';

type Outcome = { kind: 'working' } | { kind: 'verified' } | { kind: 'failed'; problem: FormProblem };

/** One request per token, even if React mounts the page twice (StrictMode in development). */
const verifications = new Map<string, Promise<void>>();

export function VerifyEmailPage() {
  const [token] = useState(() => landingTokenFor('/verify-email'));
  const session = useSession();
  const { reload } = session;
  const signedIn = session.state.status === 'signed-in';
  const [outcome, setOutcome] = useState<Outcome>(() =>
    token === undefined ? { kind: 'failed', problem: { message: t('verify.noToken'), requestId: undefined } } : { kind: 'working' },
  );
  const result = useRef<HTMLDivElement>(null);

  useEffect(() => {
    if (token === undefined) return;
    let current = true;
    let verification = verifications.get(token);
    if (verification === undefined) {
      verification = identityApi.verifyEmail({ token }).then(() => undefined);
      verifications.set(token, verification);
    }
    verification.then(
      () => {
        if (current) setOutcome({ kind: 'verified' });
      },
      (error: unknown) => {
        if (current) setOutcome({ kind: 'failed', problem: problemOf(error) });
      },
    );
    return () => {
      current = false;
    };
  }, [token]);

  useEffect(() => {
    if (outcome.kind === 'working') return;
    result.current?.focus();
    if (outcome.kind === 'verified' && signedIn) void reload();
  }, [outcome.kind, signedIn, reload]);

  return (
    <AuthCard title={t('verify.title')}>
      {outcome.kind === 'working' && (
        <p role="status" className="muted">
          {t('verify.working')}
        </p>
      )}
      {outcome.kind === 'verified' && (
        <div ref={result} tabIndex={-1}>
          <Notice>
            <p>{t('verify.done')}</p>
          </Notice>
          <p>{signedIn ? <AppLink to="/workspaces">{t('verify.continue')}</AppLink> : <AppLink to="/login">{t('verify.signIn')}</AppLink>}</p>
        </div>
      )}
      {outcome.kind === 'failed' && (
        <div ref={result} tabIndex={-1}>
          <div className="alert alert-error" role="alert">
            <p>{outcome.problem.message}</p>
          </div>
          <p>{signedIn ? <AppLink to="/account/security">{t('verify.resendFromAccount')}</AppLink> : t('verify.signInToResend')}</p>
          {!signedIn && (
            <p>
              <AppLink to="/login?next=%2Faccount%2Fsecurity">{t('verify.signIn')}</AppLink>
            </p>
          )}
        </div>
      )}
    </AuthCard>
  );
}
