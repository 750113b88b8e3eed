import { TabBar } from '../../components/layout.js';
import { t } from '../../i18n/index.js';

export function AccountTabs() {
  return (
    <TabBar
      label={t('account.tabsLabel')}
      tabs={[
        { to: '/account/security', label: t('account.tabSecurity') },
        { to: '/account/sessions', label: t('account.tabSessions') },
      ]}
    />
  );
}
