// The reporting currency and time zone (owners and admins): every amount is converted into the one
// and every day is counted in the other, so a change recomputes every report; the form says so first.
import { useMemo, useState, type FormEvent } from 'react';
import { analyticsSettingsApi, type AnalyticsSettings } from '../api/analytics-settings.js';
import { currentLocale, t } from '../i18n/index.js';
import { FormAlert, Notice, SelectField, SubmitButton, useForm } from './form.js';

/** Every ISO 4217 code the browser knows, named in the page's language ("EUR — Euro"). */
function currencyOptions(current: string): { value: string; label: string }[] {
  const codes = new Set(Intl.supportedValuesOf('currency'));
  codes.add(current);
  let names: Intl.DisplayNames | undefined;
  try {
    names = new Intl.DisplayNames([currentLocale()], { type: 'currency' });
  } catch {
    names = undefined; // no display names: the codes alone
  }
  return [...codes].sort().map((code) => {
    const name = names?.of(code);
    return { value: code, label: name === undefined || name === code ? code : `${code} — ${name}` };
  });
}

/** UTC first, then every IANA zone the browser knows (the server checks against its own list). */
function timeZoneOptions(current: string): { value: string; label: string }[] {
  const zones = ['UTC', ...Intl.supportedValuesOf('timeZone').filter((zone) => zone !== 'UTC')];
  if (!zones.includes(current)) zones.unshift(current);
  return zones.map((zone) => ({ value: zone, label: zone.replaceAll('_', ' ') }));
}

export function ReportingSettingsForm({
  workspaceId,
  settings,
  canEdit,
  onSaved,
}: {
  workspaceId: string;
  settings: AnalyticsSettings;
  canEdit: boolean;
  onSaved: () => void;
}) {
  const [currency, setCurrency] = useState(settings.reportingCurrency);
  const [timezone, setTimezone] = useState(settings.timezone);
  const [saved, setSaved] = useState<string | undefined>(undefined);
  const form = useForm(['currency', 'timezone'] as const);
  const currencies = useMemo(() => currencyOptions(settings.reportingCurrency), [settings.reportingCurrency]);
  const zones = useMemo(() => timeZoneOptions(settings.timezone), [settings.timezone]);

  function submit(event: FormEvent<HTMLFormElement>) {
    setSaved(undefined);
    const changes = {
      ...(currency === settings.reportingCurrency ? {} : { currency }),
      ...(timezone === settings.timezone ? {} : { timezone }),
    };
    void form.submit(
      event,
      () => ({}),
      async () => {
        if (Object.keys(changes).length === 0) {
          setSaved(t('analyticsSettings.reporting.unchanged'));
          return;
        }
        await analyticsSettingsApi.updateReporting(workspaceId, changes);
        setSaved(t('analyticsSettings.reporting.saved', { currency, timezone }));
        onSaved();
      },
    );
  }

  return (
    <section className="card" aria-labelledby="reporting-heading">
      <h2 id="reporting-heading">{t('analyticsSettings.reporting.title')}</h2>
      <p>{t('analyticsSettings.reporting.intro')}</p>
      {saved !== undefined && (
        <Notice>
          <p>{saved}</p>
        </Notice>
      )}
      <FormAlert problem={form.errors.form} />
      <form onSubmit={submit} noValidate>
        <div className="form-row">
          <SelectField
            label={t('analyticsSettings.reporting.currency')}
            value={currency}
            options={currencies}
            onChange={setCurrency}
            error={form.fieldError('currency')}
            disabled={!canEdit}
          />
          <SelectField
            label={t('analyticsSettings.reporting.timezone')}
            value={timezone}
            options={zones}
            onChange={setTimezone}
            error={form.fieldError('timezone')}
            disabled={!canEdit}
          />
        </div>
        {canEdit ? (
          <>
            <div className="alert alert-warning">
              <p>{t('analyticsSettings.reporting.warning')}</p>
            </div>
            <div className="form-actions">
              <SubmitButton submitting={form.submitting} busyLabel={t('analyticsSettings.recomputing')}>
                {t('analyticsSettings.reporting.save')}
              </SubmitButton>
            </div>
          </>
        ) : (
          <p className="muted">{t('analyticsSettings.adminsOnly')}</p>
        )}
      </form>
    </section>
  );
}
