// The frame of every platform-admin page: its heading, the admin tabs, and the server's
// second-factor rule checked first, so an admin whose session lacks one is told what to do instead
// of being sent off by a 403. Who is a platform admin is decided in App.tsx (route access).
import { useState, type ReactNode } from 'react';
import { AppLink } from '../../components/app-link.js';
import { PageHeader, TabBar } from '../../components/layout.js';
import { t } from '../../i18n/index.js';
import { useMe, useSession } from '../../session.js';

export type AdminSection = 'keys' | 'ip-blocks' | 'audit';

export const ADMIN_PATHS: Readonly<Record<AdminSection, string>> = { keys: '/admin', 'ip-blocks': '/admin/ip-blocks', audit: '/admin/audit' };

/** The sign-in methods that count as a second factor for /api/admin (src/admin/guard.ts). */
const SECOND_FACTORS: readonly string[] = ['otp', 'hwk', 'recovery'];

export function AdminFrame({ title, lead, children }: { title: string; lead: ReactNode; children: ReactNode }) {
  const me = useMe();
  const withSecondFactor = me.session.methods.some((method) => SECOND_FACTORS.includes(method));
  return (
    <>
      <PageHeader title={title} lead={lead} />
      <TabBar
        label={t('admin.tabsLabel')}
        tabs={[
          { to: ADMIN_PATHS.keys, label: t('admin.tabKeys') },
          { to: ADMIN_PATHS['ip-blocks'], label: t('admin.tabIpBlocks') },
          { to: ADMIN_PATHS.audit, label: t('admin.tabAudit') },
        ]}
      />
      {withSecondFactor ? children : <SecondFactorNeeded hasTotp={me.user.twoFactorEnabled} />}
    </>
  );
}

function SecondFactorNeeded({ hasTotp }: { hasTotp: boolean }) {
  const session = useSession();
  const [signingOut, setSigningOut] = useState(false);
  async function signOut() {
    setSigningOut(true);
    try {
      await session.signOut();
    } finally {
      setSigningOut(false);
    }
  }
  return (
    <section className="card" aria-labelledby="admin-mfa-heading">
      <h2 id="admin-mfa-heading">{t('admin.mfaTitle')}</h2>
      <div className="alert alert-warning" role="alert">
        <p>{t('admin.mfaNeeded')}</p>
        <p>{hasTotp ? t('admin.mfaSignInAgain') : t('admin.mfaSetUp')}</p>
      </div>
      <div className="button-row">
        {hasTotp ? (
          <button type="button" className="button-primary" onClick={() => void signOut()} disabled={signingOut}>
            {signingOut ? t('nav.signingOut') : t('nav.signOut')}
          </button>
        ) : (
          <AppLink to="/account/security" className="button-primary button-link-like">
            {t('admin.mfaGoToAccount')}
          </AppLink>
        )}
      </div>
    </section>
  );
}
