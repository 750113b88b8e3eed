// Account security: email status, password, two-factor authentication and passkeys. A workspace that
// requires 2FA sends members here (`?required=2fa&workspace=<id>`) with an explanation.
import { AppLink } from '../../components/app-link.js';
import { PageHeader } from '../../components/layout.js';
import { t } from '../../i18n/index.js';
import { useCurrentSearch } from '../../navigation.js';
import { useMe } from '../../session.js';
import { AccountTabs } from './account-tabs.js';
import { EmailSection } from './email-section.js';
import { PasskeysSection } from './passkeys-section.js';
import { PasswordSection } from './password-section.js';
import { TwoFactorSection } from './two-factor-section.js';

export function AccountSecurityPage() {
  const me = useMe();
  const params = new URLSearchParams(useCurrentSearch());
  const required = params.get('required') === '2fa';
  const workspaceId = params.get('workspace');
  const workspace = me.workspaces.find((w) => w.id === workspaceId);
  const hasSecondFactor = me.session.methods.some((m) => m === 'otp' || m === 'hwk' || m === 'recovery');

  return (
    <>
      <PageHeader title={t('account.title')} lead={t('account.lead', { email: me.user.email })} />
      <AccountTabs />
      {required && (
        <div className="alert alert-warning" role="alert">
          <p>
            <strong>{t('account.mfaRequiredTitle')}</strong>
          </p>
          <p>{workspace === undefined ? t('account.mfaRequired') : t('account.mfaRequiredNamed', { workspace: workspace.name })}</p>
          {me.user.twoFactorEnabled && !hasSecondFactor && <p>{t('account.mfaSignInAgain')}</p>}
          {hasSecondFactor && workspace !== undefined && (
            <p>
              <AppLink to={`/workspaces/${encodeURIComponent(workspace.id)}`}>{t('account.mfaContinue', { workspace: workspace.name })}</AppLink>
            </p>
          )}
        </div>
      )}
      <div className="stack">
        <EmailSection />
        <TwoFactorSection />
        <PasskeysSection />
        <PasswordSection />
      </div>
    </>
  );
}
