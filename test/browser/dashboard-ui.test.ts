// The dashboard of the built web app (dist/web) in Debian's Chromium against the real server on
// loopback, over the demo workspace seeded and synced the way `npm start` does it (the demo
// provider through the real sync engine, then the report rollups). Every figure checked on the
// page is held to what the reports API answered for the page's own request. Each page is checked
// for console errors, uncaught errors and CSP violations, and with axe-core for accessibility.
import { existsSync } from 'node:fs';
import { copyFile, mkdir, readFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { Browser, Locator, Page, Response } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_EMAIL, seedDemo } from '../../src/demo/seed.js';
import type { Report, ReportSummary } from '../../web/src/api/analytics.js';
import { changeOfAmounts, formatMoney, parseDecimal } from '../../web/src/components/dashboard-format.js';
import { parseDashboardQuery, rangeOf } from '../../web/src/components/dashboard-query.js';
import { channelName } from '../../web/src/components/dashboard-table.js';
import { PASSWORD, createPeople } from '../support/accounts.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { expectNoProblems, launchChromium, openInstrumentedPage, screenshot, type InstrumentedPage } from './chromium.js';

const BUILT_INDEX = fileURLToPath(new URL('../../dist/web/index.html', import.meta.url));
const SCREENSHOT_DIR = fileURLToPath(new URL('./__screenshots__/', import.meta.url));
/** The README's screenshots are rewritten only when asked (README_SCREENSHOTS=1), not by every test run. */
const README_SCREENSHOTS = process.env.README_SCREENSHOTS === '1' ? fileURLToPath(new URL('../../docs/screenshots/', import.meta.url)) : undefined;
const AXE_SOURCE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');
const JOURNEY_MS = 180_000;

// --- pure helpers the page relies on ------------------------------------------------------------------

describe('dashboard helpers', () => {
  it('compares money exactly on the decimal strings, and gives null where there is nothing to compare', () => {
    expect(parseDecimal('1234.50')).toBe(1_234_500_000n);
    expect(parseDecimal('-0.01')).toBe(-10_000n);
    expect(parseDecimal('1e3')).toBeUndefined();
    // 0.1 + 0.2 is not 0.3 in floats; here the change from 0.3 to 0.6 is exactly 100 %.
    expect(changeOfAmounts('0.60', '0.30')).toBe(1);
    // Amounts beyond a float's 15-16 digits still compare exactly.
    expect(changeOfAmounts('20000000000000000.02', '10000000000000000.01')).toBe(1);
    expect(changeOfAmounts('10.00', '0.00')).toBeNull();
    // Formatted from the string: through a float it would print 90,071,992,547,409.94.
    expect(formatMoney('90071992547409.93', 'USD')).toBe('$90,071,992,547,409.93');
    expect(formatMoney('not money', 'USD')).toBe('not money');
    expect(changeOfAmounts(null, '1.00')).toBeNull();
  });

  it('reads the view from the address, falling back to defaults for anything malformed', () => {
    expect(parseDashboardQuery('?range=custom&from=2026-02-01&to=2026-02-28&model=linear&groupBy=campaign&channel=meta-ads&sort=revenue&order=asc&page=2')).toEqual({
      preset: 'custom',
      from: '2026-02-01',
      to: '2026-02-28',
      model: 'linear',
      groupBy: 'campaign',
      channel: 'meta-ads',
      sort: 'revenue',
      order: 'asc',
      page: 2,
    });
    const junk = parseDashboardQuery('?range=custom&from=2026-02-30&to=2026-01-01&model=best&groupBy=x&channel=%3Cscript%3E&sort=__proto__&order=up&page=-1');
    expect(junk).toMatchObject({ preset: 'last_30_days', from: undefined, model: undefined, groupBy: 'channel', channel: undefined, sort: 'spend', order: 'desc', page: 1 });
    expect(rangeOf({ preset: 'last_7_days', from: undefined, to: undefined }, '2026-03-01')).toEqual({ from: '2026-02-22', to: '2026-02-28' });
    expect(rangeOf({ preset: 'last_month', from: undefined, to: undefined }, '2026-03-15')).toEqual({ from: '2026-02-01', to: '2026-02-28' });
  });
});

// --- the page in a browser --------------------------------------------------------------------------

let t: TestApp | undefined;
let browser: Browser | undefined;
let baseUrl = '';
let demoWorkspaceId = '';
let people: ReturnType<typeof createPeople> | undefined;
const openPages: InstrumentedPage[] = [];

function required<T>(value: T | undefined, name: string): T {
  if (value === undefined) throw new Error(`${name} not set up`);
  return value;
}

async function newPage(): Promise<InstrumentedPage> {
  const instrumented = await openInstrumentedPage(required(browser, 'browser'), baseUrl);
  openPages.push(instrumented);
  return instrumented;
}

const heading = (page: Page, level: number, name: string | RegExp) => page.getByRole('heading', { level, name });

async function signIn(page: Page, email: string, password: string): Promise<void> {
  await page.goto('/login');
  await page.getByLabel('Email address').fill(email);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await heading(page, 1, 'Workspaces').waitFor();
}

/** The next answer of the reports API to the page matching `path` (and `search`, if given). */
function nextAnswer(page: Page, path: 'reports' | 'reports/summary', search: Record<string, string> = {}): Promise<Response> {
  return page.waitForResponse((response) => {
    const url = new URL(response.url());
    if (url.pathname !== `/api/workspaces/${demoWorkspaceId}/${path}`) return false;
    return Object.entries(search).every(([name, value]) => url.searchParams.get(name) === value);
  });
}

const usd = (value: string) => new Intl.NumberFormat('en', { style: 'currency', currency: 'USD', minimumFractionDigits: 2, maximumFractionDigits: 2 }).format(value as Intl.StringNumericLiteral);
const kpiCard = (page: Page, name: string) => page.locator('li.kpi').filter({ has: page.getByText(name, { exact: true }) });
const reportTable = (page: Page) => page.locator('table.report-table');

/** The names in the table's first column, top to bottom. */
async function rowNames(page: Page): Promise<string[]> {
  return (await reportTable(page).locator('tbody th').allTextContents()).map((text) => text.replace(': show its campaigns', '').trim());
}

/** One column's cells, by its header's position, as shown. */
async function columnCells(page: Page, header: string): Promise<string[]> {
  const headers = (await reportTable(page).locator('thead th').allTextContents()).map((text) => text.replace(/[▲▼↕]/g, '').trim());
  const index = headers.findIndex((text) => text.toLowerCase() === header.toLowerCase());
  if (index < 0) throw new Error(`no column ${header} in ${headers.join(', ')}`);
  return reportTable(page).locator('tbody tr').evaluateAll((rows, i) => rows.map((row) => row.children[i]?.textContent?.trim() ?? ''), index);
}

/**
 * Waits until the chart's canvas shows both series: pixels in the spend bars' blue and in the
 * revenue line's green (the colours of dashboard-chart.tsx), not just axes on an empty box.
 */
async function expectChartDrawn(chart: Locator): Promise<void> {
  const canvas = chart.locator('canvas').first();
  await canvas.waitFor();
  const painted = () =>
    canvas.evaluate((element: HTMLCanvasElement) => {
      const context = element.getContext('2d');
      if (context === null) return { spend: 0, revenue: 0 };
      const { data } = context.getImageData(0, 0, element.width, element.height);
      const near = (i: number, r: number, g: number, b: number) => Math.abs((data[i] ?? 0) - r) + Math.abs((data[i + 1] ?? 0) - g) + Math.abs((data[i + 2] ?? 0) - b) < 24 && (data[i + 3] ?? 0) > 200;
      let spend = 0;
      let revenue = 0;
      for (let i = 0; i < data.length; i += 4) {
        if (near(i, 0x1d, 0x4e, 0xd8)) spend += 1;
        else if (near(i, 0x11, 0x6b, 0x3a)) revenue += 1;
      }
      return { spend, revenue };
    });
  await expect.poll(async () => { const p = await painted(); return p.spend > 1_000 && p.revenue > 100; }, { message: 'both series drawn on the chart canvas' }).toBe(true);
}

/** axe-core's serious and critical findings on the page as it is now. */
async function seriousAccessibilityProblems(page: Page): Promise<string[]> {
  const source = await readFile(AXE_SOURCE, 'utf8');
  // Evaluated through CDP rather than added as a <script>: the page's CSP would block an inline one.
  await page.evaluate(source);
  const results = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run: (context: Document, options: object) => Promise<{ violations: { id: string; impact: string | null; help: string; nodes: { target: unknown[] }[] }[] }> } }).axe;
    return axe.run(document, { resultTypes: ['violations'] });
  });
  return results.violations
    .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
    .map((violation) => `${violation.impact}: ${violation.id} (${violation.help}) at ${violation.nodes.map((node) => JSON.stringify(node.target)).join(', ')}`);
}

describe('dashboard in a browser', () => {
  beforeAll(async () => {
    if (!existsSync(BUILT_INDEX)) {
      throw new Error(`The web app is not built (${BUILT_INDEX} is missing). Run \`npx vite build\` before the browser tests.`);
    }
    t = await createTestApp();
    // The demo workspace as `npm start` makes it: a year of the demo provider's data up to today,
    // synced through the real sync engine, and the report rollups built from it.
    const demo = await seedDemo(t.database.db, { dataDir: t.dataDir, password: PASSWORD });
    demoWorkspaceId = demo.workspaceId;
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    baseUrl = `http://localhost:${(t.app.server.address() as AddressInfo).port}`;
    people = createPeople(t, 64);
    browser = await launchChromium();
  }, 300_000);

  afterEach(async () => {
    await Promise.all(openPages.splice(0).map((p) => p.close()));
  });

  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it(
    'shows the key figures, the chart and the channel table of the demo workspace, sorts, drills into a channel and pages its campaigns',
    async () => {
      const tab = await newPage();
      const { page } = tab;
      // A reader who asks for less motion gets a chart drawn at once (and the screenshots a finished one).
      await page.emulateMedia({ reducedMotion: 'reduce' });
      await signIn(page, DEMO_EMAIL, PASSWORD);

      // The workspace opens on its dashboard.
      const summaryAnswer = nextAnswer(page, 'reports/summary');
      const reportAnswer = nextAnswer(page, 'reports');
      await page.getByRole('link', { name: 'Northwind Outdoor' }).click();
      await heading(page, 1, 'Northwind Outdoor').waitFor();
      expect(await page.title()).toBe('Dashboard — Throughline');
      const summary = (await (await summaryAnswer).json()) as ReportSummary;
      const channels = (await (await reportAnswer).json()) as Report;
      expect(summary.model).toBe('last_non_direct');
      expect(summary.series).toHaveLength(30);
      expect(parseDecimal(summary.totals.spend)).toBeGreaterThan(0n);
      expect(parseDecimal(summary.totals.revenue)).toBeGreaterThan(0n);

      // Key figures: the API's totals, formatted; the change against the previous period in words.
      const spend = kpiCard(page, 'Spend');
      await spend.getByText(usd(summary.totals.spend), { exact: true }).waitFor();
      await kpiCard(page, 'Revenue').getByText(usd(summary.totals.revenue), { exact: true }).waitFor();
      expect(await kpiCard(page, 'CPL').getByText(usd(required(summary.totals.cpl ?? undefined, 'cpl')), { exact: true }).count()).toBe(1);
      expect(await kpiCard(page, 'CAC').getByText(usd(required(summary.totals.cac ?? undefined, 'cac')), { exact: true }).count()).toBe(1);
      expect(await kpiCard(page, 'ROMI').locator('.kpi-value').textContent()).toMatch(/^-?[\d,.]+%$/);
      expect(await kpiCard(page, 'ROAS').locator('.kpi-value').textContent()).toMatch(/^[\d,.]+×$/);
      const spendChange = changeOfAmounts(summary.totals.spend, summary.previous.spend);
      expect(await spend.locator('.kpi-change').textContent()).toMatch(spendChange === null ? /Nothing to compare/ : spendChange > 0 ? /^▲ Up [\d.]+%$/ : /^▼ Down [\d.]+%$/);
      expect(await spend.getByText(`Previous period: ${usd(summary.previous.spend)}`).count()).toBe(1);

      // The chart: a named image whose canvas has been drawn on, and the same figures as a table.
      const chart = page.getByRole('img', { name: /^Chart of spend and revenue by day/ });
      await expectChartDrawn(chart);
      const figures = page.getByRole('table', { name: /^Spend and revenue by day/ });
      expect(await figures.locator('tbody tr').count()).toBe(30);
      const lastDay = summary.series.at(-1);
      expect(await figures.locator('tbody tr').last().locator('td').first().textContent()).toBe(usd(required(lastDay, 'last day').spend));
      await page.getByRole('button', { name: 'Show the figures as a table' }).click();
      expect(await page.getByRole('button', { name: 'Show the figures as a table' }).getAttribute('aria-pressed')).toBe('true');
      await figures.waitFor({ state: 'visible' });
      await screenshot(page, 'dashboard-with-table');
      await page.getByRole('button', { name: 'Show the figures as a table' }).click();
      await screenshot(page, 'dashboard');
      if (README_SCREENSHOTS !== undefined) {
        await mkdir(README_SCREENSHOTS, { recursive: true });
        await copyFile(`${SCREENSHOT_DIR}dashboard.png`, `${README_SCREENSHOTS}dashboard.png`);
      }

      // The channel table: the API's rows in its order, spend highest first by default.
      expect(channels.groupBy).toBe('channel');
      const names = await rowNames(page);
      expect(names).toEqual(channels.rows.map((row) => channelName(row.key, row.label)));
      expect(names).toEqual(expect.arrayContaining(['Google Ads', 'Meta Ads', 'Yandex Direct']));
      expect(await columnCells(page, 'Spend')).toEqual(channels.rows.map((row) => usd(row.metrics.spend)));
      const spendHeader = reportTable(page).getByRole('columnheader', { name: 'Spend' });
      expect(await spendHeader.getAttribute('aria-sort')).toBe('descending');

      // Sort by revenue: highest first, then lowest first; aria-sort follows, and so does the address.
      const table = reportTable(page);
      const byRevenue = nextAnswer(page, 'reports', { sort: 'revenue', order: 'desc' });
      await table.getByRole('button', { name: 'Revenue' }).click();
      const revenueDesc = (await (await byRevenue).json()) as Report;
      await expect.poll(() => table.getByRole('columnheader', { name: 'Revenue' }).getAttribute('aria-sort')).toBe('descending');
      expect(await spendHeader.getAttribute('aria-sort')).toBeNull();
      await expect.poll(() => columnCells(page, 'Revenue')).toEqual(revenueDesc.rows.map((row) => usd(row.metrics.revenue)));
      const revenueValues = revenueDesc.rows.map((row) => parseDecimal(row.metrics.revenue) ?? 0n);
      expect(revenueValues).toEqual([...revenueValues].sort((a, b) => (a === b ? 0 : a > b ? -1 : 1)));
      const descNames = await rowNames(page);

      const ascending = nextAnswer(page, 'reports', { sort: 'revenue', order: 'asc' });
      await table.getByRole('button', { name: 'Revenue' }).click();
      const revenueAsc = (await (await ascending).json()) as Report;
      await expect.poll(() => table.getByRole('columnheader', { name: 'Revenue' }).getAttribute('aria-sort')).toBe('ascending');
      await expect.poll(() => columnCells(page, 'Revenue')).toEqual(revenueAsc.rows.map((row) => usd(row.metrics.revenue)));
      expect(await rowNames(page)).not.toEqual(descNames);
      expect(new URL(page.url()).searchParams.get('sort')).toBe('revenue');
      expect(new URL(page.url()).searchParams.get('order')).toBe('asc');

      // Drill down into Google Ads: its campaigns, and Back returns to the channels.
      const campaignsAnswer = nextAnswer(page, 'reports', { groupBy: 'campaign', channel: 'google-ads' });
      await table.getByRole('link', { name: 'Google Ads: show its campaigns' }).click();
      const googleCampaigns = (await (await campaignsAnswer).json()) as Report;
      await heading(page, 2, 'Campaigns of Google Ads').waitFor();
      expect(googleCampaigns.rows.every((row) => row.channel === 'google-ads')).toBe(true);
      expect(googleCampaigns.rows.length).toBeGreaterThanOrEqual(8);
      await expect.poll(() => rowNames(page)).toEqual(googleCampaigns.rows.map((row) => (row.campaignId === null ? 'Google Ads: no matching campaign' : row.label)));
      expect(await rowNames(page)).toContain('Search — Brand');
      expect(new URL(page.url()).searchParams.get('channel')).toBe('google-ads');
      await page.goBack();
      await heading(page, 2, 'By channel').waitFor();

      // Every campaign: more than a page of them, and the next page has the rest.
      const firstPage = nextAnswer(page, 'reports', { groupBy: 'campaign' });
      await page.getByLabel('Rows').selectOption('campaign');
      const campaigns = (await (await firstPage).json()) as Report;
      expect(campaigns.total).toBeGreaterThan(campaigns.pageSize);
      const pager = page.getByRole('navigation', { name: 'Report pages' });
      await pager.getByText(`Page 1 of ${Math.ceil(campaigns.total / campaigns.pageSize)}`).waitFor();
      const pageOneNames = await rowNames(page);
      const secondPage = nextAnswer(page, 'reports', { groupBy: 'campaign', page: '2' });
      await pager.getByRole('link', { name: 'Next page' }).click();
      const campaignsTwo = (await (await secondPage).json()) as Report;
      await pager.getByText(`Page 2 of ${Math.ceil(campaigns.total / campaigns.pageSize)}`).waitFor();
      await expect.poll(() => rowNames(page)).not.toEqual(pageOneNames);
      expect(campaignsTwo.rows.length).toBe(Math.min(campaigns.pageSize, campaigns.total - campaigns.pageSize));
      expect(await page.getByText(`Total (all ${campaigns.total} rows)`).count()).toBe(1);

      await expectNoProblems(tab);
    },
    JOURNEY_MS,
  );

  it(
    'moves revenue between channels when the attribution model changes, keeps the view through a reload, and speaks Russian',
    async () => {
      const tab = await newPage();
      const { page } = tab;
      await signIn(page, DEMO_EMAIL, PASSWORD);
      const lastTouch = nextAnswer(page, 'reports', { model: 'last_non_direct' });
      await page.goto(`/workspaces/${demoWorkspaceId}?range=last_90_days`);
      const before = (await (await lastTouch).json()) as Report;
      await heading(page, 2, 'By channel').waitFor();
      const model = page.getByLabel('Attribution model');
      expect(await model.inputValue()).toBe('last_non_direct');
      await page.locator('.filters-model').getByText('Each deal counts for the last tagged visit before it', { exact: false }).waitFor();

      const firstTouch = nextAnswer(page, 'reports', { model: 'first_touch' });
      const firstTouchSummary = nextAnswer(page, 'reports/summary', { model: 'first_touch' });
      await model.selectOption('first_touch');
      const after = (await (await firstTouch).json()) as Report;
      const afterSummary = (await (await firstTouchSummary).json()) as ReportSummary;
      await page.locator('.filters-model').getByText('Each deal counts for the channel and campaign that first brought the customer.').waitFor();
      // Spend does not depend on the model; the revenue split does.
      const byKey = (report: Report) => new Map(report.rows.map((row) => [row.key, row.metrics]));
      const spendOf = (report: Report) => [...byKey(report)].map(([key, metrics]) => [key, metrics.spend]).sort();
      expect(spendOf(after)).toEqual(spendOf(before));
      const moved = [...byKey(after)].filter(([key, metrics]) => byKey(before).get(key)?.revenue !== metrics.revenue);
      expect(moved.length, 'channels whose revenue changed with the model').toBeGreaterThan(0);
      await expect.poll(() => columnCells(page, 'Revenue')).toEqual(after.rows.map((row) => usd(row.metrics.revenue)));
      await kpiCard(page, 'Revenue').getByText(usd(afterSummary.totals.revenue), { exact: true }).waitFor();
      expect(new URL(page.url()).searchParams.get('model')).toBe('first_touch');

      // A reload shows the same view, from the address alone.
      await page.reload();
      await heading(page, 2, 'By channel').waitFor();
      expect(await page.getByLabel('Attribution model').inputValue()).toBe('first_touch');
      expect(await page.getByLabel('Period').inputValue()).toBe('last_90_days');

      // A custom range, checked before it is asked for.
      await page.getByLabel('Period').selectOption('custom');
      await page.getByLabel('From').fill('2026-01-10');
      await page.getByLabel('To').fill('2026-01-01');
      await page.getByRole('button', { name: 'Show this range' }).click();
      await page.getByText('The end date must be on or after the start date.').waitFor();
      expect(await page.getByLabel('To').getAttribute('aria-invalid')).toBe('true');
      const range = rangeOf({ preset: 'last_7_days', from: undefined, to: undefined }, new Date().toISOString().slice(0, 10));
      const custom = nextAnswer(page, 'reports/summary', { from: range.from, to: range.to });
      await page.getByLabel('From').fill(range.from);
      await page.getByLabel('To').fill(range.to);
      await page.getByRole('button', { name: 'Show this range' }).click();
      expect(((await (await custom).json()) as ReportSummary).series).toHaveLength(7);
      expect(new URL(page.url()).searchParams.get('range')).toBe('custom');

      // Russian: the switcher reloads the page in Russian and keeps the view.
      await page.getByLabel('Language').selectOption('ru');
      await page.waitForLoadState('load');
      await heading(page, 2, 'По каналам').waitFor();
      expect(await page.locator('html').getAttribute('lang')).toBe('ru');
      expect(await page.title()).toBe('Сводка — Throughline');
      expect(await page.getByLabel('Модель атрибуции').inputValue()).toBe('first_touch');
      await page.getByRole('region', { name: 'Ключевые показатели' }).getByText('Расходы', { exact: true }).waitFor();
      await reportTable(page).getByRole('button', { name: 'Выручка' }).waitFor();
      await page.getByRole('navigation', { name: 'Рабочее пространство', exact: true }).getByRole('link', { name: 'Сводка' }).waitFor();
      // Money in the Russian style: "1 234,56 $" (a no-break space between thousands).
      expect(await kpiCard(page, 'Расходы').locator('.kpi-value').textContent()).toMatch(/^[\d\u00a0\u202f]+,\d{2}\u00a0\$$/);
      await screenshot(page, 'dashboard-ru-custom-range');
      // The default view in Russian, drawn without animation, for the README.
      await page.emulateMedia({ reducedMotion: 'reduce' });
      await page.goto(`/workspaces/${demoWorkspaceId}`);
      await heading(page, 2, 'По каналам').waitFor();
      await expectChartDrawn(page.getByRole('img', { name: /^График расходов и выручки по дням/ }));
      await screenshot(page, 'dashboard-ru');
      if (README_SCREENSHOTS !== undefined) {
        await mkdir(README_SCREENSHOTS, { recursive: true });
        await copyFile(`${SCREENSHOT_DIR}dashboard-ru.png`, `${README_SCREENSHOTS}dashboard-ru.png`);
      }

      // And back to English, which is remembered too.
      await page.getByLabel('Язык').selectOption('en');
      await page.waitForLoadState('load');
      await heading(page, 2, 'By channel').waitFor();
      expect(await page.evaluate(() => window.localStorage.getItem('throughline.locale'))).toBe('en');

      await expectNoProblems(tab);
    },
    JOURNEY_MS,
  );

  it(
    'says what to do next: connect a source in an empty workspace, or pick a period that has data',
    async () => {
      const tab = await newPage();
      const { page } = tab;
      const newcomer = await required(people, 'people').signUp(`newcomer-${Date.now()}@example.com`, { name: 'Nina Newcomer' });
      await signIn(page, newcomer.email, PASSWORD);
      await page.getByRole('link', { name: "Nina Newcomer's workspace" }).click();
      await heading(page, 2, 'No data yet').waitFor();
      await page.getByText('This workspace has no data sources yet.', { exact: false }).waitFor();
      await screenshot(page, 'dashboard-empty');
      await page.getByRole('link', { name: 'Connect a data source or import a CSV file' }).click();
      await page.waitForURL(`**/workspaces/${newcomer.personalWorkspaceId}/integrations`);
      await page.getByRole('navigation', { name: 'Workspace', exact: true }).getByRole('link', { name: 'Integrations' }).and(page.locator('[aria-current="page"]')).waitFor();
      await expectNoProblems(tab);

      // The demo workspace, on a period before its data begins.
      const demoTab = await newPage();
      await signIn(demoTab.page, DEMO_EMAIL, PASSWORD);
      await demoTab.page.goto(`/workspaces/${demoWorkspaceId}?range=custom&from=2015-01-01&to=2015-01-31`);
      await heading(demoTab.page, 2, 'No data in this period').waitFor();
      const text = await demoTab.page.locator('.empty-state').textContent();
      expect(text).toContain('There is no data from');
      expect(text).toContain('This workspace has data from');
      await screenshot(demoTab.page, 'dashboard-empty-range');
      await demoTab.page.getByRole('link', { name: 'Show the last 30 days with data' }).click();
      await demoTab.page.getByRole('region', { name: 'Key figures' }).waitFor();
      expect(new URL(demoTab.page.url()).searchParams.get('range')).toBe('custom');
      await expectNoProblems(demoTab);
    },
    JOURNEY_MS,
  );

  it(
    'shows each data source with "Sync now" for the owner, and queues a sync',
    async () => {
      const tab = await newPage();
      const { page } = tab;
      await signIn(page, DEMO_EMAIL, PASSWORD);
      await page.goto(`/workspaces/${demoWorkspaceId}`);
      const sources = page.getByRole('region', { name: 'Data sources' });
      await sources.getByRole('listitem').first().waitFor();
      const status = (await (await page.request.get(`/api/workspaces/${demoWorkspaceId}/integrations/sync-status`)).json()) as { integrations: { id: string; displayName: string }[] };
      expect(status.integrations.length).toBeGreaterThanOrEqual(2);
      for (const integration of status.integrations) await sources.getByText(integration.displayName, { exact: true }).waitFor();
      expect(await sources.getByText('Connected', { exact: true }).count()).toBe(status.integrations.length);
      await sources.getByRole('link', { name: 'Manage integrations' }).waitFor();
      const first = required(status.integrations[0], 'an integration');
      const queued = page.waitForResponse((r) => r.url().endsWith(`/integrations/${first.id}/sync`) && r.request().method() === 'POST');
      await sources.getByRole('button', { name: `Sync now: ${first.displayName}` }).click();
      expect((await queued).status()).toBe(202);
      await sources.getByRole('status').filter({ hasText: first.displayName }).waitFor();
      await expectNoProblems(tab);
    },
    JOURNEY_MS,
  );

  it(
    'has no serious or critical accessibility problems on the dashboard, integrations, members and sign-in pages',
    async () => {
      const tab = await newPage();
      const { page } = tab;
      await page.goto('/login');
      await heading(page, 1, 'Sign in').waitFor();
      expect(await seriousAccessibilityProblems(page), 'sign-in page').toEqual([]);

      await signIn(page, DEMO_EMAIL, PASSWORD);
      await page.goto(`/workspaces/${demoWorkspaceId}`);
      await page.getByRole('img', { name: /^Chart of spend and revenue by day/ }).locator('canvas').first().waitFor();
      await reportTable(page).waitFor();
      expect(await seriousAccessibilityProblems(page), 'dashboard').toEqual([]);

      await page.goto(`/workspaces/${demoWorkspaceId}?groupBy=campaign&channel=meta-ads`);
      await heading(page, 2, 'Campaigns of Meta Ads').waitFor();
      expect(await seriousAccessibilityProblems(page), 'dashboard, campaigns of one channel').toEqual([]);

      await page.getByRole('navigation', { name: 'Workspace', exact: true }).getByRole('link', { name: 'Integrations' }).click();
      await page.waitForURL(`**/workspaces/${demoWorkspaceId}/integrations`);
      await page.getByRole('main').getByRole('heading', { level: 2 }).first().waitFor();
      expect(await seriousAccessibilityProblems(page), 'integrations').toEqual([]);

      await page.getByRole('navigation', { name: 'Workspace', exact: true }).getByRole('link', { name: 'Members' }).click();
      await heading(page, 2, 'Members').waitFor();
      expect(await seriousAccessibilityProblems(page), 'members').toEqual([]);

      await expectNoProblems(tab);
    },
    JOURNEY_MS,
  );
});
