// The analytics part of a workspace's settings page: reporting currency and time zone, attribution,
// channel rules and currency rates. Everyone sees the values; owners and admins change them (the
// server checks the role again). Each save rebuilds the reports on the server before it answers.
import { useCallback } from 'react';
import { analyticsSettingsApi } from '../api/analytics-settings.js';
import type { WorkspaceRole } from '../api/identity.js';
import { t } from '../i18n/index.js';
import { AttributionSettingsForm } from './analytics-settings-attribution.js';
import { CurrencyRatesSection } from './analytics-settings-rates.js';
import { ReportingSettingsForm } from './analytics-settings-reporting.js';
import { ChannelRulesSection } from './analytics-settings-rules.js';
import { LoadProblem } from './load-problem.js';
import { useLoad } from './use-load.js';

const mayEdit = (role: WorkspaceRole) => role === 'owner' || role === 'admin';

export function AnalyticsSettingsSections({ workspaceId, role }: { workspaceId: string; role: WorkspaceRole }) {
  const load = useCallback((signal: AbortSignal) => analyticsSettingsApi.get(workspaceId, signal), [workspaceId]);
  const settings = useLoad(load);
  if (settings.state.kind === 'loading') return <p className="muted">{t('common.loading')}</p>;
  if (settings.state.kind === 'failed') return <LoadProblem problem={settings.state.problem} onRetry={settings.reload} />;
  const data = settings.state.data;
  const canEdit = mayEdit(role);
  return (
    <>
      <h2 className="settings-group-heading">{t('analyticsSettings.heading')}</h2>
      <ReportingSettingsForm workspaceId={workspaceId} settings={data} canEdit={canEdit} onSaved={settings.reload} />
      <AttributionSettingsForm workspaceId={workspaceId} settings={data} canEdit={canEdit} onSaved={settings.reload} />
      <ChannelRulesSection workspaceId={workspaceId} rules={data.channelRules} canEdit={canEdit} onSaved={settings.reload} />
      {/* Rates are into the reporting currency: a new currency means another set of rates. */}
      <CurrencyRatesSection key={data.reportingCurrency} workspaceId={workspaceId} quote={data.reportingCurrency} canEdit={canEdit} />
    </>
  );
}
