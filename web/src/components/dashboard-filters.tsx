// What the report covers: the period (a preset, or days picked by hand) and the attribution model,
// each model named and explained. Changes go to the address bar, so Back returns to the last view.
import { useId, useState, type FormEvent } from 'react';
import { ATTRIBUTION_MODELS, type AttributionModel, type DateRange } from '../api/analytics.js';
import { t, type MessageKey } from '../i18n/index.js';
import { daysInRange, formatDayRange, isDay } from './dashboard-format.js';
import { MAX_RANGE_DAYS, RANGE_PRESETS, showDashboardQuery, type DashboardQuery, type RangePreset } from './dashboard-query.js';
import { FieldErrorText } from './form.js';

const PRESET_LABEL: Record<RangePreset, MessageKey> = {
  last_7_days: 'dashboard.preset.last_7_days',
  last_30_days: 'dashboard.preset.last_30_days',
  last_90_days: 'dashboard.preset.last_90_days',
  this_month: 'dashboard.preset.this_month',
  last_month: 'dashboard.preset.last_month',
  custom: 'dashboard.preset.custom',
};

export const MODEL_NAME: Record<AttributionModel, MessageKey> = {
  first_touch: 'dashboard.modelName.first_touch',
  last_non_direct: 'dashboard.modelName.last_non_direct',
  linear: 'dashboard.modelName.linear',
  position_based: 'dashboard.modelName.position_based',
  time_decay: 'dashboard.modelName.time_decay',
};

const MODEL_HELP: Record<AttributionModel, MessageKey> = {
  first_touch: 'dashboard.modelHelp.first_touch',
  last_non_direct: 'dashboard.modelHelp.last_non_direct',
  linear: 'dashboard.modelHelp.linear',
  position_based: 'dashboard.modelHelp.position_based',
  time_decay: 'dashboard.modelHelp.time_decay',
};

function modelHelp(model: AttributionModel, halfLifeDays: number): string {
  return t(MODEL_HELP[model], { days: halfLifeDays });
}

export interface DashboardFiltersProps {
  query: DashboardQuery;
  range: DateRange;
  previousRange: DateRange | undefined;
  model: AttributionModel;
  timezone: string;
  halfLifeDays: number;
  today: string;
}

export function DashboardFilters({ query, range, previousRange, model, timezone, halfLifeDays, today }: DashboardFiltersProps) {
  const id = useId();
  // "Custom range" picked but not applied yet: the date fields show, the report stays as it is.
  const [picking, setPicking] = useState(false);
  const preset: RangePreset = picking ? 'custom' : query.preset;

  function choosePreset(value: string) {
    const next = RANGE_PRESETS.find((p) => p === value);
    if (next === undefined) return;
    if (next === 'custom') {
      setPicking(true);
      return;
    }
    setPicking(false);
    showDashboardQuery({ ...query, preset: next, from: undefined, to: undefined, page: 1 }, 'push');
  }

  function chooseModel(value: string) {
    const next = ATTRIBUTION_MODELS.find((m) => m === value);
    if (next !== undefined) showDashboardQuery({ ...query, model: next, page: 1 }, 'push');
  }

  return (
    <section className="card dashboard-filters" aria-labelledby={`${id}-heading`}>
      <h2 id={`${id}-heading`} className="visually-hidden">
        {t('dashboard.filtersTitle')}
      </h2>
      <div className="filters-row">
        <div className="field">
          <label htmlFor={`${id}-period`}>{t('dashboard.period')}</label>
          <select id={`${id}-period`} value={preset} onChange={(event) => choosePreset(event.target.value)} aria-describedby={`${id}-range`}>
            {RANGE_PRESETS.map((value) => (
              <option key={value} value={value}>
                {t(PRESET_LABEL[value])}
              </option>
            ))}
          </select>
        </div>
        <div className="field filters-model">
          <label htmlFor={`${id}-model`}>{t('dashboard.model')}</label>
          <select id={`${id}-model`} value={model} onChange={(event) => chooseModel(event.target.value)} aria-describedby={`${id}-model-help`}>
            {ATTRIBUTION_MODELS.map((value) => (
              <option key={value} value={value}>
                {t(MODEL_NAME[value])}
              </option>
            ))}
          </select>
          <p id={`${id}-model-help`} className="field-description">
            {modelHelp(model, halfLifeDays)}
          </p>
        </div>
      </div>
      {preset === 'custom' && (
        <CustomRange
          key={`${range.from}:${range.to}`}
          initial={range}
          today={today}
          onApply={(from, to) => {
            setPicking(false);
            showDashboardQuery({ ...query, preset: 'custom', from, to, page: 1 }, 'push');
          }}
        />
      )}
      <p id={`${id}-range`} className="range-summary">
        {previousRange === undefined
          ? formatDayRange(range.from, range.to)
          : t('dashboard.rangeSummary', { range: formatDayRange(range.from, range.to), previous: formatDayRange(previousRange.from, previousRange.to) })}{' '}
        <span className="muted">{t('dashboard.timezone', { timezone })}</span>
      </p>
      <details className="models-explained">
        <summary>{t('dashboard.modelsExplained')}</summary>
        <dl>
          {ATTRIBUTION_MODELS.map((value) => (
            <div key={value}>
              <dt>{t(MODEL_NAME[value])}</dt>
              <dd>{modelHelp(value, halfLifeDays)}</dd>
            </div>
          ))}
        </dl>
      </details>
    </section>
  );
}

function CustomRange({ initial, today, onApply }: { initial: DateRange; today: string; onApply: (from: string, to: string) => void }) {
  const id = useId();
  const [from, setFrom] = useState(initial.from);
  const [to, setTo] = useState(initial.to);
  const [errors, setErrors] = useState<{ from?: string; to?: string }>({});

  function apply(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const next: { from?: string; to?: string } = {};
    if (!isDay(from)) next.from = t('dashboard.rangeInvalidDay');
    if (!isDay(to)) next.to = t('dashboard.rangeInvalidDay');
    else if (isDay(from) && to < from) next.to = t('dashboard.rangeOrder');
    else if (isDay(from) && daysInRange(from, to) > MAX_RANGE_DAYS) next.to = t('dashboard.rangeTooLong');
    setErrors(next);
    if (next.from !== undefined || next.to !== undefined) {
      event.currentTarget.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
      return;
    }
    onApply(from, to);
  }

  return (
    <form className="form-row custom-range" onSubmit={apply} noValidate>
      <div className="field">
        <label htmlFor={`${id}-from`}>{t('dashboard.from')}</label>
        <input
          id={`${id}-from`}
          type="date"
          value={from}
          max={today}
          onChange={(event) => setFrom(event.target.value)}
          aria-invalid={errors.from === undefined ? undefined : true}
          aria-describedby={errors.from === undefined ? undefined : `${id}-from-error`}
        />
        {errors.from !== undefined && <FieldErrorText id={`${id}-from-error`} error={{ message: errors.from, hints: [] }} />}
      </div>
      <div className="field">
        <label htmlFor={`${id}-to`}>{t('dashboard.to')}</label>
        <input
          id={`${id}-to`}
          type="date"
          value={to}
          max={today}
          onChange={(event) => setTo(event.target.value)}
          aria-invalid={errors.to === undefined ? undefined : true}
          aria-describedby={errors.to === undefined ? undefined : `${id}-to-error`}
        />
        {errors.to !== undefined && <FieldErrorText id={`${id}-to-error`} error={{ message: errors.to, hints: [] }} />}
      </div>
      <div className="form-actions">
        <button type="submit" className="button-primary">
          {t('dashboard.applyRange')}
        </button>
      </div>
    </form>
  );
}
