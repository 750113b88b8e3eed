// Attribution settings (owners and admins): the model reports use unless one is chosen, the
// half-life of time-decay attribution, and the window over which LTV counts a customer's revenue.
import { useState, type FormEvent } from 'react';
import { ATTRIBUTION_MODELS, HALF_LIFE_RANGE, LTV_WINDOW_RANGE, analyticsSettingsApi, type AnalyticsSettings, type AttributionModel } from '../api/analytics-settings.js';
import { t, type MessageKey } from '../i18n/index.js';
import { checkHalfLife, checkLtvWindow } from './analytics-settings-model.js';
import { FormAlert, Notice, SelectField, SubmitButton, TextField, useForm } from './form.js';

export const MODEL_LABELS: Record<AttributionModel, MessageKey> = {
  first_touch: 'analyticsSettings.model.first_touch',
  last_non_direct: 'analyticsSettings.model.last_non_direct',
  linear: 'analyticsSettings.model.linear',
  position_based: 'analyticsSettings.model.position_based',
  time_decay: 'analyticsSettings.model.time_decay',
};

export function AttributionSettingsForm({
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
  const [model, setModel] = useState<AttributionModel>(settings.defaultModel);
  const [halfLife, setHalfLife] = useState(String(settings.halfLifeDays));
  const [ltvWindow, setLtvWindow] = useState(String(settings.ltvWindowDays));
  const [saved, setSaved] = useState(false);
  const form = useForm(['defaultModel', 'halfLifeDays', 'ltvWindowDays'] as const);

  function submit(event: FormEvent<HTMLFormElement>) {
    setSaved(false);
    const halfLifeDays = checkHalfLife(halfLife);
    const ltvWindowDays = checkLtvWindow(ltvWindow);
    void form.submit(
      event,
      () => ({
        halfLifeDays: 'problem' in halfLifeDays ? halfLifeDays.problem : undefined,
        ltvWindowDays: 'problem' in ltvWindowDays ? ltvWindowDays.problem : undefined,
      }),
      async () => {
        if ('problem' in halfLifeDays || 'problem' in ltvWindowDays) return; // validated above
        await analyticsSettingsApi.update(workspaceId, { defaultModel: model, halfLifeDays: halfLifeDays.days, ltvWindowDays: ltvWindowDays.days });
        setSaved(true);
        onSaved();
      },
    );
  }

  return (
    <section className="card" aria-labelledby="attribution-heading">
      <h2 id="attribution-heading">{t('analyticsSettings.attribution.title')}</h2>
      <p>{t('analyticsSettings.attribution.intro')}</p>
      {saved && (
        <Notice>
          <p>{t('analyticsSettings.savedRecomputed')}</p>
        </Notice>
      )}
      <FormAlert problem={form.errors.form} />
      <form onSubmit={submit} noValidate className="form-narrow">
        <SelectField
          label={t('analyticsSettings.attribution.model')}
          value={model}
          options={ATTRIBUTION_MODELS.map((value) => ({ value, label: t(MODEL_LABELS[value]) }))}
          onChange={setModel}
          error={form.fieldError('defaultModel')}
          description={t('analyticsSettings.attribution.modelHelp')}
          disabled={!canEdit}
        />
        <TextField
          label={t('analyticsSettings.attribution.halfLife')}
          name="half-life-days"
          inputMode="numeric"
          autoComplete="off"
          maxLength={5}
          value={halfLife}
          onChange={setHalfLife}
          error={form.fieldError('halfLifeDays')}
          description={t('analyticsSettings.attribution.halfLifeHelp', { min: HALF_LIFE_RANGE.min, max: HALF_LIFE_RANGE.max })}
          disabled={!canEdit}
        />
        <TextField
          label={t('analyticsSettings.attribution.ltvWindow')}
          name="ltv-window-days"
          inputMode="numeric"
          autoComplete="off"
          maxLength={5}
          value={ltvWindow}
          onChange={setLtvWindow}
          error={form.fieldError('ltvWindowDays')}
          description={t('analyticsSettings.attribution.ltvWindowHelp', { min: LTV_WINDOW_RANGE.min, max: LTV_WINDOW_RANGE.max })}
          disabled={!canEdit}
        />
        {canEdit ? (
          <div className="form-actions">
            <SubmitButton submitting={form.submitting} busyLabel={t('analyticsSettings.recomputing')}>
              {t('analyticsSettings.attribution.save')}
            </SubmitButton>
          </div>
        ) : (
          <p className="muted">{t('analyticsSettings.adminsOnly')}</p>
        )}
      </form>
    </section>
  );
}
