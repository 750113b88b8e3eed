// Accept an invitation from its emailed link (`/invitations/accept#token=...`). The token stays in
// memory only, so signing in first (an in-page visit to /login and back) keeps it; accepting is an
// explicit click, never automatic, because it joins the signed-in account to a workspace.
import { useEffect, useRef, useState } from 'react';
import { workspacesApi } from '../api/workspaces.js';
import { AppLink } from '../components/app-link.js';
import { FormAlert, problemOf, type FormProblem } from '../components/form.js';
import { AuthCard } from '../components/layout.js';
import { t } from '../i18n/index.js';
import { landingTokenFor, navigate } from '../navigation.js';
import { useSession } from '../session.js';
import { workspacePath } from './workspaces/workspace-frame.js';

const PATH = '/invitations/accept';

export function AcceptInvitationPage() {
  const [token] = useState(() => landingTokenFor(PATH));
  const session = useSession();
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<FormProblem | undefined>(undefined);
  const alertRef = useRef<HTMLDivElement>(null);

  useEffect(() => {
    if (problem !== undefined) alertRef.current?.querySelector<HTMLElement>('[data-form-alert]')?.focus();
  }, [problem]);

  if (token === undefined) {
    return (
      <AuthCard title={t('invite.title')}>
        <div className="alert alert-error" role="alert">
          <p>{t('invite.noToken')}</p>
        </div>
      </AuthCard>
    );
  }

  if (session.state.status === 'loading') {
    return (
      <AuthCard title={t('invite.title')}>
        <p className="muted">{t('common.loading')}</p>
      </AuthCard>
    );
  }

  if (session.state.status !== 'signed-in') {
    return (
      <AuthCard title={t('invite.title')}>
        <p>{t('invite.signInFirst')}</p>
        <div className="button-row">
          <AppLink to={`/login?next=${encodeURIComponent(PATH)}`} className="button-primary button-link-like">
            {t('invite.signIn')}
          </AppLink>
          <AppLink to="/signup" className="button-secondary button-link-like">
            {t('invite.createAccount')}
          </AppLink>
        </div>
        <p className="muted small">{t('invite.newAccountHelp')}</p>
      </AuthCard>
    );
  }

  const { reload } = session;
  async function accept() {
    setBusy(true);
    setProblem(undefined);
    try {
      const { workspace } = await workspacesApi.acceptInvitation(token ?? '');
      await reload();
      navigate(workspacePath(workspace.id), { replace: true });
    } catch (error) {
      setProblem(problemOf(error));
    } finally {
      setBusy(false);
    }
  }

  return (
    <AuthCard title={t('invite.title')}>
      <div ref={alertRef}>
        <FormAlert problem={problem} />
      </div>
      <p>{t('invite.intro', { email: session.state.me.user.email })}</p>
      <div className="button-row">
        <button type="button" className="button-primary" onClick={() => void accept()} disabled={busy}>
          {busy ? t('form.working') : t('invite.accept')}
        </button>
        <AppLink to="/workspaces">{t('invite.notNow')}</AppLink>
      </div>
    </AuthCard>
  );
}
