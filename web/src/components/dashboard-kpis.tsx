// The six key figures of the period, each with its change against the period before. The change
// is shown by an arrow, a word ("Up", "Down") and a colour, so colour is never the only signal;
// whether a rise is good depends on the figure (more revenue is, a higher cost per lead is not).
import type { Metrics, ReportSummary } from '../api/analytics.js';
import { currentLocale, t, type MessageKey } from '../i18n/index.js';
import { changeInPoints, changeOfAmounts, changeOfRatios, formatMoney, formatMultiple, formatPercent } from './dashboard-format.js';

type Kpi = 'spend' | 'revenue' | 'romi' | 'roas' | 'cac' | 'cpl';
const KPIS: readonly Kpi[] = ['spend', 'revenue', 'romi', 'roas', 'cac', 'cpl'];

/** Which way is better: up for returns, down for costs; spend is neither. */
const BETTER: Record<Kpi, 'up' | 'down' | 'neither'> = { spend: 'neither', revenue: 'up', romi: 'up', roas: 'up', cac: 'down', cpl: 'down' };

const LABEL: Record<Kpi, MessageKey> = {
  spend: 'dashboard.kpi.spend',
  revenue: 'dashboard.kpi.revenue',
  romi: 'dashboard.kpi.romi',
  roas: 'dashboard.kpi.roas',
  cac: 'dashboard.kpi.cac',
  cpl: 'dashboard.kpi.cpl',
};
const HELP: Record<Kpi, MessageKey> = {
  spend: 'dashboard.kpiHelp.spend',
  revenue: 'dashboard.kpiHelp.revenue',
  romi: 'dashboard.kpiHelp.romi',
  roas: 'dashboard.kpiHelp.roas',
  cac: 'dashboard.kpiHelp.cac',
  cpl: 'dashboard.kpiHelp.cpl',
};
const MISSING: Record<Kpi, MessageKey> = {
  spend: 'dashboard.kpiMissing.spend',
  revenue: 'dashboard.kpiMissing.revenue',
  romi: 'dashboard.kpiMissing.romi',
  roas: 'dashboard.kpiMissing.roas',
  cac: 'dashboard.kpiMissing.cac',
  cpl: 'dashboard.kpiMissing.cpl',
};

/** The figure as text, or undefined when it is not defined for the period (nothing to divide by). */
export function formatKpi(kpi: Kpi, metrics: Metrics, currency: string): string | undefined {
  switch (kpi) {
    case 'spend':
    case 'revenue':
      return formatMoney(metrics[kpi], currency);
    case 'cac':
    case 'cpl': {
      const value = metrics[kpi];
      return value === null ? undefined : formatMoney(value, currency);
    }
    case 'romi':
      return metrics.romi === null ? undefined : formatPercent(metrics.romi);
    case 'roas':
      return metrics.roas === null ? undefined : formatMultiple(metrics.roas);
  }
}

interface Change {
  direction: 'up' | 'down' | 'same';
  /** "12.5 %" or "3.1" (percentage points, for ROMI). */
  text: string;
  points: boolean;
}

function changeOf(kpi: Kpi, now: Metrics, before: Metrics): Change | undefined {
  if (kpi === 'romi') {
    const points = changeInPoints(now.romi, before.romi);
    if (points === null) return undefined;
    const text = new Intl.NumberFormat(currentLocale(), { maximumFractionDigits: 1 }).format(Math.abs(points));
    return { direction: points > 0 ? 'up' : points < 0 ? 'down' : 'same', text, points: true };
  }
  const fraction = kpi === 'roas' ? changeOfRatios(now.roas, before.roas) : changeOfAmounts(now[kpi], before[kpi]);
  if (fraction === null) return undefined;
  // Under 0.05 % shows as 0 %: call it no change rather than "Up 0 %".
  const direction = Math.abs(fraction) < 0.0005 ? 'same' : fraction > 0 ? 'up' : 'down';
  return { direction, text: formatPercent(Math.abs(fraction)), points: false };
}

function ChangeLine({ kpi, change }: { kpi: Kpi; change: Change | undefined }) {
  if (change === undefined) return <p className="kpi-change kpi-change-none">{t('dashboard.changeNone')}</p>;
  if (change.direction === 'same') {
    return (
      <p className="kpi-change kpi-change-none">
        <span aria-hidden="true">● </span>
        {t('dashboard.changeSame')}
      </p>
    );
  }
  const better = BETTER[kpi];
  const tone = better === 'neither' ? 'neutral' : better === change.direction ? 'good' : 'bad';
  const words =
    change.direction === 'up'
      ? change.points
        ? t('dashboard.changeUpPoints', { points: change.text })
        : t('dashboard.changeUp', { change: change.text })
      : change.points
        ? t('dashboard.changeDownPoints', { points: change.text })
        : t('dashboard.changeDown', { change: change.text });
  return (
    <p className={`kpi-change kpi-change-${tone}`}>
      <span aria-hidden="true">{change.direction === 'up' ? '▲ ' : '▼ '}</span>
      {words}
      {tone !== 'neutral' && <span className="kpi-change-verdict"> {tone === 'good' ? t('dashboard.changeBetter') : t('dashboard.changeWorse')}</span>}
    </p>
  );
}

export function KpiCards({ summary }: { summary: ReportSummary }) {
  return (
    <section aria-labelledby="kpis-heading" className="kpis">
      <h2 id="kpis-heading" className="visually-hidden">
        {t('dashboard.kpisTitle')}
      </h2>
      <ul className="kpi-grid">
        {KPIS.map((kpi) => {
          const value = formatKpi(kpi, summary.totals, summary.currency);
          const previous = formatKpi(kpi, summary.previous, summary.currency);
          return (
            <li key={kpi} className="kpi card" data-kpi={kpi}>
              <p className="kpi-label">{t(LABEL[kpi])}</p>
              <p className="kpi-help">{t(HELP[kpi])}</p>
              {value === undefined ? (
                <p className="kpi-value kpi-value-missing">
                  <span aria-hidden="true">—</span>
                  <span className="kpi-missing">{t(MISSING[kpi])}</span>
                </p>
              ) : (
                <p className="kpi-value">{value}</p>
              )}
              <ChangeLine kpi={kpi} change={changeOf(kpi, summary.totals, summary.previous)} />
              {previous !== undefined && <p className="kpi-previous">{t('dashboard.previousValue', { value: previous })}</p>}
            </li>
          );
        })}
      </ul>
    </section>
  );
}
