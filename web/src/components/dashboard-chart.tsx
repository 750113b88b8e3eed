// Spend (bars) against revenue (a line) by day. The chart engine is loaded with the first chart,
// not with the app. The figures are also a table: always there for screen readers, and shown on
// screen at the press of a button (the chart's tooltips need a mouse).
import { lazy, Suspense, useMemo, useState } from 'react';
import type { ReportSummary } from '../api/analytics.js';
import { t } from '../i18n/index.js';
import type { ChartOption } from './chart.js';
import { amountForChart, formatDay, formatDayRange, formatMoney } from './dashboard-format.js';

const Chart = lazy(() => import('./chart.js'));

/** Colours of the two series, kept in step with .legend-spend / .legend-revenue in styles.css. */
const SPEND_COLOUR = '#1d4ed8';
const REVENUE_COLOUR = '#116b3a';
const TEXT_COLOUR = '#4b5563';
const GRID_COLOUR = '#dfe3e8';
const FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif";

function chartOption(summary: ReportSummary): ChartOption {
  const { series, currency } = summary;
  const days = series.map((point) => formatDay(point.date, 'short'));
  return {
    textStyle: { fontFamily: FONT, color: TEXT_COLOUR },
    grid: { left: 8, right: 16, top: 16, bottom: 8, containLabel: true },
    tooltip: {
      trigger: 'axis',
      // Drawn on the canvas: an HTML tooltip would be markup built from strings (and blocked styles).
      renderMode: 'richText',
      axisPointer: { type: 'shadow' },
      formatter: (params) => {
        const first = Array.isArray(params) ? params[0] : params;
        const point = series[first?.dataIndex ?? 0];
        if (point === undefined) return '';
        return [
          formatDay(point.date),
          `${t('dashboard.seriesSpend')}: ${formatMoney(point.spend, currency)}`,
          `${t('dashboard.seriesRevenue')}: ${formatMoney(point.revenue, currency)}`,
        ].join('\n');
      },
    },
    xAxis: {
      type: 'category',
      data: days,
      axisTick: { alignWithLabel: true },
      axisLine: { lineStyle: { color: GRID_COLOUR } },
      axisLabel: { color: TEXT_COLOUR, hideOverlap: true },
    },
    yAxis: {
      type: 'value',
      splitLine: { lineStyle: { color: GRID_COLOUR } },
      axisLabel: { color: TEXT_COLOUR, formatter: (value: number) => formatMoney(String(value), currency, { compact: true }) },
    },
    series: [
      {
        name: t('dashboard.seriesSpend'),
        type: 'bar',
        data: series.map((point) => amountForChart(point.spend)),
        itemStyle: { color: SPEND_COLOUR, borderRadius: [2, 2, 0, 0] },
        barMaxWidth: 18,
      },
      {
        name: t('dashboard.seriesRevenue'),
        type: 'line',
        data: series.map((point) => amountForChart(point.revenue)),
        itemStyle: { color: REVENUE_COLOUR },
        lineStyle: { color: REVENUE_COLOUR, width: 2.5 },
        symbol: 'circle',
        symbolSize: 5,
        showSymbol: series.length <= 45,
      },
    ],
  };
}

export function SpendRevenueChart({ summary }: { summary: ReportSummary }) {
  const option = useMemo(() => chartOption(summary), [summary]);
  const [tableShown, setTableShown] = useState(false);
  const range = formatDayRange(summary.range.from, summary.range.to);
  return (
    <section className="card" aria-labelledby="chart-heading">
      <div className="card-header chart-header">
        <h2 id="chart-heading">{t('dashboard.chartTitle')}</h2>
        <ul className="chart-legend" aria-hidden="true">
          <li>
            <span className="legend-swatch legend-spend" />
            {t('dashboard.seriesSpend')}
          </li>
          <li>
            <span className="legend-swatch legend-revenue" />
            {t('dashboard.seriesRevenue')}
          </li>
        </ul>
      </div>
      <Suspense fallback={<p className="chart-placeholder muted">{t('dashboard.chartLoading')}</p>}>
        <Chart option={option} label={t('dashboard.chartLabel', { range })} />
      </Suspense>
      <button type="button" className="button-link chart-table-toggle" aria-pressed={tableShown} onClick={() => setTableShown(!tableShown)}>
        {t('dashboard.chartShowTable')}
      </button>
      {/* Always in the page for screen readers; on screen only when asked for. */}
      <div className={tableShown ? 'table-scroll chart-table' : 'visually-hidden'}>
        <table className="data-table data-table-compact">
          <caption>{t('dashboard.chartTable', { range })}</caption>
          <thead>
            <tr>
              <th scope="col">{t('dashboard.date')}</th>
              <th scope="col" className="numeric">
                {t('dashboard.seriesSpend')}
              </th>
              <th scope="col" className="numeric">
                {t('dashboard.seriesRevenue')}
              </th>
            </tr>
          </thead>
          <tbody>
            {summary.series.map((point) => (
              <tr key={point.date}>
                <th scope="row">{formatDay(point.date)}</th>
                <td className="numeric">{formatMoney(point.spend, summary.currency)}</td>
                <td className="numeric">{formatMoney(point.revenue, summary.currency)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
