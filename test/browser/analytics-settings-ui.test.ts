// The analytics settings of the built web app (dist/web) in Debian's Chromium against the real server
// on loopback, over leads, deals and spend written with the sync engine's own upserts: an admin adds
// channel rules, is stopped by a bad channel key (nothing sent) and by a value the server refuses
// (shown on the rule, nothing saved), reorders, previews the changed tags and saves, and the reports
// API then shows the new channels; an admin imports currency rates from a paste with a bad line
// (nothing sent) and then a good one, and adds one by hand; attribution and reporting settings are
// checked and saved; viewers and analysts see every value with no control to change it. Each page
// is checked for console errors, uncaught errors and CSP violations. The checks the forms run
// before sending are tested alone first.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { Browser, Locator, Page, Request } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_CHANNEL_RULES as SERVER_DEFAULT_RULES, rebuildRollups } from '../../src/analytics/index.js';
import type { Utm } from '../../src/integrations/index.js';
import { writeRecordsAtOnce } from '../../src/sync/index.js';
import { ApiError } from '../../web/src/api/client.js';
import { DEFAULT_CHANNEL_RULES as WEB_DEFAULT_RULES } from '../../web/src/api/analytics-settings.js';
import { checkRate, checkRules, newEditableRule, parseRatesCsv, plainDecimal, ruleProblemsFromServer } from '../../web/src/components/analytics-settings-model.js';
import { enAnalyticsSettings } from '../../web/src/i18n/en-analytics-settings.js';
import { ruAnalyticsSettings } from '../../web/src/i18n/ru-analytics-settings.js';
import { PASSWORD, addMember, createPeople, createWorkspace, type Person } from '../support/accounts.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { createIntegration } from '../sync-support.js';
import { expectNoProblems, launchChromium, openInstrumentedPage, screenshot, type InstrumentedPage } from './chromium.js';

const BUILT_INDEX = fileURLToPath(new URL('../../dist/web/index.html', import.meta.url));
const AXE_SOURCE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');
const JOURNEY_MS = 120_000;
const RANGE = 'from=2026-03-01&to=2026-03-07';

// --- the checks the forms run before sending ---------------------------------------------------------

describe('analytics settings checks', () => {
  it('mirrors the server’s built-in channel rules exactly', () => {
    expect(WEB_DEFAULT_RULES).toEqual(SERVER_DEFAULT_RULES);
  });

  it('refuses a bad channel key, a rule without a condition and an over-long value, and sends only the conditions given', () => {
    const good = newEditableRule({ channel: 'social', source: { op: 'equals', value: 'facebook' } });
    const badKey = newEditableRule({ channel: 'Social Media', source: { op: 'equals', value: 'x' } });
    const noCondition = newEditableRule({ channel: 'partners' });
    const long = newEditableRule({ channel: 'long', campaign: { op: 'contains', value: 'x'.repeat(201) } });
    const problems = checkRules([good, badKey, noCondition, long]);
    expect(problems[0]).toEqual({});
    expect(problems[1]?.channel).toMatch(/lowercase letters/);
    expect(problems[2]?.rule).toMatch(/at least one of source, medium or campaign/);
    expect(problems[3]?.campaign).toMatch(/at most 200 characters/);
    expect(good.id).not.toBe(badKey.id);
  });

  it('places the server’s validation details on the rule and field they name', () => {
    const error = new ApiError(400, 'request.invalid', 'The request is not valid.', 'req-1', [
      { location: 'body/channelRules/1/source/value', message: 'The value is empty once normalised.' },
      { location: 'body/channelRules/0/channel', message: 'A channel key is 1-40 lowercase letters.' },
      { location: 'body/channelRules/2', message: 'A rule needs at least one condition.' },
      { location: 'body/channelRules', message: 'Too many rules.' },
      { location: 'body/channelRules/9/channel', message: 'Out of range.' },
    ]);
    const placed = ruleProblemsFromServer(error, 3);
    expect(placed.rules).toEqual([{ channel: 'A channel key is 1-40 lowercase letters.' }, { source: 'The value is empty once normalised.' }, { rule: 'A rule needs at least one condition.' }]);
    expect(placed.other).toEqual(['Too many rules.', 'Out of range.']);
  });

  it('reads pasted rates line by line: a header, blank lines, other separators and a decimal comma where unambiguous', () => {
    const pasted = '\uFEFFdate,base,rate\r\n2026-03-01,USD,0.92\n\n2026-03-02, usd ,"0.93"\n';
    expect(parseRatesCsv(pasted, 'EUR')).toEqual({
      rates: [
        { date: '2026-03-01', base: 'USD', rate: '0.92' },
        { date: '2026-03-02', base: 'USD', rate: '0.93' },
      ],
      problems: [],
    });
    expect(parseRatesCsv('2026-03-01;GBP;1,17', 'EUR').rates).toEqual([{ date: '2026-03-01', base: 'GBP', rate: '1.17' }]);
    expect(parseRatesCsv('2026-03-01\tGBP\t1.17', 'EUR').rates).toEqual([{ date: '2026-03-01', base: 'GBP', rate: '1.17' }]);
  });

  it('reports every bad line with its number, including duplicates and rates into the reporting currency itself', () => {
    const { problems } = parseRatesCsv(
      ['2026-03-01,USD,0.9', '2026-02-30,USD,0.9', '2026-03-02,US,0.9', '2026-03-03,USD,-1', '2026-03-04,USD,0', '2026-03-01,USD,0.95', '2026-03-05,EUR,1', '2026-03-06,USD'].join('\n'),
      'EUR',
    );
    expect(problems.map((p) => p.line)).toEqual([2, 3, 4, 5, 6, 7, 8]);
    expect(problems[0]?.message).toMatch(/real date/);
    expect(problems[1]?.message).toMatch(/three-letter currency code/);
    expect(problems[2]?.message).toMatch(/plain decimal/);
    expect(problems[3]?.message).toMatch(/above zero/);
    expect(problems[4]?.message).toBe('The same date and currency as line 1.');
    expect(problems[5]?.message).toMatch(/a rate from EUR to itself is not needed/);
    expect(problems[6]?.message).toMatch(/Expected 3 values .* found 2/);
    expect(parseRatesCsv('  \n', 'EUR').problems).toEqual([{ line: 1, message: 'Paste at least one line: date, currency, rate.' }]);
    expect(checkRate({ date: '2026-03-01', base: 'gbp', rate: '1,17' }, 'EUR')).toEqual({ rate: { date: '2026-03-01', base: 'GBP', rate: '1.17' }, problems: {} });
  });

  it('shows a stored rate without the column’s trailing zeros, digit for digit', () => {
    expect(plainDecimal('0.9200000000')).toBe('0.92');
    expect(plainDecimal('92.5000000000')).toBe('92.5');
    expect(plainDecimal('100.0000000000')).toBe('100');
    expect(plainDecimal('12345678901234.0000000001')).toBe('12345678901234.0000000001');
    expect(plainDecimal('100')).toBe('100');
  });

  it('has a Russian string for every English one, with the same placeholders', () => {
    const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
    expect(Object.keys(ruAnalyticsSettings).sort()).toEqual(Object.keys(enAnalyticsSettings).sort());
    for (const [key, english] of Object.entries(enAnalyticsSettings)) {
      expect(placeholders(ruAnalyticsSettings[key as keyof typeof enAnalyticsSettings]), key).toEqual(placeholders(english));
    }
  });
});

// --- the pages ---------------------------------------------------------------------------------------

let t: TestApp | undefined;
let browser: Browser | undefined;
let baseUrl = '';
const openPages: InstrumentedPage[] = [];
let people: ReturnType<typeof createPeople> | undefined;
let emailCounter = 0;

function required<T>(value: T | undefined, name: string): T {
  if (value === undefined) throw new Error(`${name} not set up`);
  return value;
}

function uniqueEmail(label: string): string {
  emailCounter += 1;
  return `${label}-${emailCounter}-${Date.now()}@example.com`;
}

async function newPage(): Promise<InstrumentedPage> {
  const instrumented = await openInstrumentedPage(required(browser, 'browser'), baseUrl);
  openPages.push(instrumented);
  return instrumented;
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

/** What the focused element is: `input:<its label>` or `<tag>:<its accessible name>`. */
const focused = (page: Page) =>
  page.evaluate(() => {
    const active = document.activeElement;
    if (active === null) return '';
    if ((active instanceof HTMLInputElement || active instanceof HTMLTextAreaElement) && active.labels !== null && active.labels.length > 0) {
      return `${active.tagName.toLowerCase()}:${active.labels[0]?.textContent ?? ''}`;
    }
    return `${active.tagName.toLowerCase()}:${(active.getAttribute('aria-label') ?? active.textContent ?? '').trim()}`;
  });

async function signIn(page: Page, person: Person): Promise<void> {
  await page.goto('/login');
  await page.getByLabel('Email address').fill(person.email);
  await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.getByRole('heading', { level: 1, name: 'Workspaces' }).waitFor();
}

async function openSettings(page: Page, workspaceId: string): Promise<void> {
  await page.goto(`/workspaces/${workspaceId}/settings`);
  await page.getByRole('heading', { level: 2, name: 'Channel rules' }).waitFor();
  await page.getByRole('heading', { level: 3, name: 'Latest rates' }).waitFor();
}

/** The unsafe requests the page sends to a workspace path ending in `suffix` (to prove one was never sent). */
function writes(page: Page, suffix: string): string[] {
  const seen: string[] = [];
  page.on('request', (request: Request) => {
    const path = new URL(request.url()).pathname;
    if (request.method() !== 'GET' && path.startsWith('/api/workspaces/') && path.endsWith(suffix)) seen.push(`${request.method()} ${path}`);
  });
  return seen;
}

const noUtm: Utm = { source: null, medium: null, campaign: null, content: null, term: null };
const noClicks = { gclid: null, fbclid: null, yclid: null };
const utm = (source: string, medium: string, campaign: string): Utm => ({ ...noUtm, source, medium, campaign });

interface Team {
  workspaceId: string;
  owner: Person;
  admin: Person;
  analyst: Person;
  viewer: Person;
}

/**
 * A EUR / UTC workspace with an admin, an analyst and a viewer, and this data:
 * - Meta campaign "Spring Sale" spends EUR 100 on 1 Mar.
 * - Leads: L1 facebook/cpc/"spring sale", L2 fb/paid/"Spring Sale" (both Meta by the built-in rules),
 *   L3 google/cpc/brand (Google), L4 blog/referral/partner-week (referral).
 * - Deals, untagged: D1 on L1 won EUR 200; D2 on L3 won EUR 100. Untagged touches are direct.
 */
async function setUpTeam(name: string): Promise<Team> {
  const app = required(t, 'app');
  const cast = required(people, 'people');
  const owner = await cast.signUp(uniqueEmail('owner'), { name: 'Olga Owner' });
  const workspaceId = await createWorkspace(owner, name);
  const reporting = await owner.client.patch(`/api/workspaces/${workspaceId}`, { currency: 'EUR', timezone: 'UTC' });
  expect(reporting.statusCode, reporting.body).toBe(200);
  const [admin, analyst, viewer] = [
    await cast.signUp(uniqueEmail('admin'), { name: 'Adam Admin' }),
    await cast.signUp(uniqueEmail('analyst'), { name: 'Ana Analyst' }),
    await cast.signUp(uniqueEmail('viewer'), { name: 'Vera Viewer' }),
  ];
  await addMember(app, owner, workspaceId, admin, 'admin');
  await addMember(app, owner, workspaceId, analyst, 'analyst');
  await addMember(app, owner, workspaceId, viewer, 'viewer');

  const db = app.database.db;
  const ads = await createIntegration(db, workspaceId, 'meta-ads');
  await writeRecordsAtOnce(db, { workspaceId, integrationId: ads, provider: 'meta-ads' }, [
    { stream: 'ad_accounts', records: [{ externalId: 'act_1', name: 'Meta main', currency: 'EUR', timezone: 'UTC' }] },
    { stream: 'campaigns', records: [{ accountExternalId: 'act_1', externalId: '2385', name: 'Spring Sale', status: 'active' }] },
    { stream: 'ad_stats', records: [{ accountExternalId: 'act_1', campaignExternalId: '2385', date: '2026-03-01', spendMicros: 100_000_000, impressions: 1000, clicks: 50, platformConversions: 0 }] },
  ]);
  const crm = await createIntegration(db, workspaceId, 'amocrm');
  const lead = (externalId: string, contact: string, createdAt: string, tags: Utm) => ({ externalId, contactExternalId: contact, createdAt, status: 'new', pipeline: null, utm: tags, clickIds: noClicks });
  const won = (externalId: string, leadId: string, contact: string, amountMinor: number) => ({
    externalId,
    leadExternalId: leadId,
    contactExternalId: contact,
    status: 'won',
    amountMinor,
    currency: 'EUR',
    createdAt: '2026-03-03T10:00:00Z',
    closedAt: '2026-03-04T10:00:00Z',
    utm: noUtm,
    clickIds: noClicks,
  });
  await writeRecordsAtOnce(db, { workspaceId, integrationId: crm, provider: 'amocrm' }, [
    {
      stream: 'leads',
      records: [
        lead('L1', 'P1', '2026-03-01T10:00:00Z', utm('facebook', 'cpc', 'spring sale')),
        lead('L2', 'P2', '2026-03-02T10:00:00Z', utm('fb', 'paid', 'Spring Sale')),
        lead('L3', 'P3', '2026-03-02T12:00:00Z', utm('google', 'cpc', 'brand')),
        lead('L4', 'P4', '2026-03-03T09:00:00Z', utm('blog', 'referral', 'partner-week')),
      ],
    },
    { stream: 'deals', records: [won('D1', 'L1', 'P1', 20_000), won('D2', 'L3', 'P3', 10_000)] },
  ]);
  await rebuildRollups(db, workspaceId);
  return { workspaceId, owner, admin, analyst, viewer };
}

type ChannelRow = { key: string; metrics: { spend: string; leads: number; revenue: string } };

/** The report by channel as the signed-in page itself fetches it (its own cookies). */
async function channelsSeenByPage(page: Page, workspaceId: string): Promise<Record<string, ChannelRow['metrics']>> {
  const rows = await page.evaluate(async (url) => {
    const response = await fetch(url, { credentials: 'same-origin', headers: { accept: 'application/json' } });
    if (!response.ok) throw new Error(`report answered ${response.status}`);
    return ((await response.json()) as { rows: ChannelRow[] }).rows;
  }, `/api/workspaces/${workspaceId}/reports?${RANGE}&groupBy=channel&model=last_non_direct`);
  return Object.fromEntries(rows.map((row) => [row.key, { spend: row.metrics.spend, leads: row.metrics.leads, revenue: row.metrics.revenue }]));
}

async function savedSettings(person: Person, workspaceId: string) {
  const response = await person.client.get(`/api/workspaces/${workspaceId}/analytics/settings`);
  expect(response.statusCode, response.body).toBe(200);
  return response.json() as { channelRules: unknown[]; halfLifeDays: number; ltvWindowDays: number; defaultModel: string; timezone: string; reportingCurrency: string };
}

async function savedRates(person: Person, workspaceId: string) {
  const response = await person.client.get(`/api/workspaces/${workspaceId}/analytics/rates`);
  expect(response.statusCode, response.body).toBe(200);
  return (response.json() as { rates: unknown[] }).rates;
}

/** The body rows of a table as arrays of cell texts. */
const tableRows = (table: Locator) =>
  table.locator('tbody tr').evaluateAll((rows) => rows.map((row) => [...row.querySelectorAll('th, td')].map((cell) => (cell.textContent ?? '').replace(/\s+/g, ' ').trim())));

beforeAll(async () => {
  if (!existsSync(BUILT_INDEX)) {
    throw new Error(`The web app is not built (${BUILT_INDEX} is missing). Run \`npm run build:web\` before the browser tests.`);
  }
  t = await createTestApp();
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  baseUrl = `http://localhost:${(t.app.server.address() as AddressInfo).port}`;
  people = createPeople(t, 83);
  browser = await launchChromium();
});

afterEach(async () => {
  await Promise.all(openPages.splice(0).map((p) => p.close()));
});

afterAll(async () => {
  await browser?.close();
  await t?.close();
});

describe('analytics settings page', () => {
  it(
    'lets an admin add, check, reorder, preview and save channel rules, after which the reports show the new channels',
    async () => {
      const team = await setUpTeam('Rules Co');
      const tab = await newPage();
      const { page } = tab;
      const settingsWrites = writes(page, '/analytics/settings');
      await signIn(page, team.admin);
      await openSettings(page, team.workspaceId);
      const card = page.getByRole('region', { name: 'Channel rules' });

      // The built-in rules are shown as the server applies them, in its order.
      const builtIn = await tableRows(card.getByRole('table', { name: /Built-in channel rules/ }));
      expect(builtIn).toEqual(
        SERVER_DEFAULT_RULES.map((rule, i) => [
          String(i + 1),
          rule.channel,
          ...(['source', 'medium', 'campaign'] as const).map((field) => {
            const condition = rule[field];
            return condition === undefined ? 'any' : `${condition.op.replace('_', ' ')} ${condition.value}`;
          }),
        ]),
      );
      await card.getByText('No rules of your own yet').waitFor();
      // Before any rule: the Facebook leads are Meta's.
      const before = await channelsSeenByPage(page, team.workspaceId);
      expect(before['meta-ads']).toMatchObject({ spend: '100.00', leads: 2, revenue: '200.00' });
      expect(before.social).toBeUndefined();

      // A bad channel key: the rule says what is wrong, focus goes to it, and nothing is sent.
      await card.getByRole('button', { name: 'Add a rule' }).click();
      const rule1 = card.getByRole('group', { name: 'Rule 1' });
      expect(await focused(page)).toBe('input:Channel');
      await rule1.getByLabel('Channel', { exact: true }).fill('Social Media!');
      await rule1.getByRole('group', { name: 'Source' }).getByLabel('Value').fill('facebook');
      await card.getByRole('button', { name: 'Save rules and recompute reports' }).click();
      await card.getByRole('alert').getByText('Some rules need fixing').waitFor();
      await rule1.getByText('A channel is 1 to 40 lowercase letters').waitFor();
      expect(await rule1.getByLabel('Channel', { exact: true }).getAttribute('aria-invalid')).toBe('true');
      expect(await focused(page)).toBe('input:Channel');
      expect(settingsWrites).toEqual([]);

      // A value the server refuses (empty once normalised): its message lands on that condition.
      await rule1.getByLabel('Channel', { exact: true }).fill('social');
      await rule1.getByRole('group', { name: 'Source' }).getByLabel('Value').fill('(none)');
      const refused = page.waitForResponse((r) => r.url().endsWith('/analytics/settings') && r.request().method() === 'PATCH');
      await card.getByRole('button', { name: 'Save rules and recompute reports' }).click();
      expect((await refused).status()).toBe(400);
      await rule1.getByRole('group', { name: 'Source' }).getByText('The value is empty once normalised').waitFor();
      expect(await focused(page)).toBe('input:Value (optional)');
      expect(await seriousAccessibilityProblems(page), 'axe: a rule with a problem').toEqual([]);
      expect((await savedSettings(team.admin, team.workspaceId)).channelRules).toEqual([]);

      // Fixed, then previewed: the two Facebook tag combinations move from meta-ads to social.
      await rule1.getByRole('group', { name: 'Source' }).getByLabel('Value').fill('facebook');
      const firstPreview = page.waitForResponse((r) => r.url().endsWith('/channel-rules/preview'));
      await card.getByRole('button', { name: 'Preview', exact: true }).click();
      expect(await (await firstPreview).json()).toMatchObject({ changed: 2 });
      await card.getByRole('status').getByText('Touches that would change channel: 2 (in 2 tag combinations, highlighted).').waitFor();
      const preview = card.getByRole('table', { name: /under the proposed rules/ });
      const previewRows = await tableRows(preview);
      expect(previewRows).toContainEqual(['facebook', 'cpc', 'spring sale', 'no', '1', 'meta-ads', 'social changes']);
      expect(previewRows).toContainEqual(['fb', 'paid', 'Spring Sale', 'no', '1', 'meta-ads', 'social changes']);
      expect(previewRows).toContainEqual(['google', 'cpc', 'brand', 'no', '1', 'google-ads', 'google-ads']);
      expect(previewRows).toContainEqual(['(none)', '(none)', '(none)', 'no', '2', 'direct', 'direct']);
      expect(await preview.locator('tr.preview-changed').count()).toBe(2);
      await card.getByLabel('Show only tags whose channel changes').check();
      expect(await preview.locator('tbody tr').count()).toBe(2);

      // A second rule, moved to the top with the keyboard; focus stays with the moved rule.
      await card.getByRole('button', { name: 'Add a rule' }).click();
      const rule2 = card.getByRole('group', { name: 'Rule 2' });
      await rule2.getByLabel('Channel', { exact: true }).fill('partners');
      const campaign2 = rule2.getByRole('group', { name: 'Campaign' });
      await campaign2.getByLabel('Match').selectOption({ label: 'starts with' });
      await campaign2.getByLabel('Value').fill('Partner');
      expect(await card.getByRole('table', { name: /under the proposed rules/ }).count()).toBe(0); // the preview was of other rules
      await card.getByRole('button', { name: 'Move up: rule 2' }).focus();
      await page.keyboard.press('Enter');
      expect(await card.getByRole('group', { name: 'Rule 1' }).getByLabel('Channel', { exact: true }).inputValue()).toBe('partners');
      expect(await card.getByRole('group', { name: 'Rule 2' }).getByLabel('Channel', { exact: true }).inputValue()).toBe('social');
      // Rule 1 cannot move further up, so focus is on its "down" button.
      expect(await focused(page)).toBe('button:Move down: rule 1');
      await card.getByText('Rule 2 is now rule 1.').waitFor();

      await card.getByRole('button', { name: 'Preview', exact: true }).click();
      await card.getByText('Touches that would change channel: 3 (in 3 tag combinations, highlighted).').waitFor();
      expect(await tableRows(card.getByRole('table', { name: /under the proposed rules/ }))).toContainEqual(['blog', 'referral', 'partner-week', 'no', '1', 'referral', 'partners changes']);
      await screenshot(page, 'analytics-settings-rules-preview');
      expect(await seriousAccessibilityProblems(page), 'axe: editor with a preview').toEqual([]);

      // Saved: the order is kept, and the reports now count the Facebook leads and D1's revenue as social.
      const saved = page.waitForResponse((r) => r.url().endsWith('/analytics/settings') && r.request().method() === 'PATCH' && r.status() === 200);
      await card.getByRole('button', { name: 'Save rules and recompute reports' }).click();
      await saved;
      await card.getByText('Channel rules saved (2). Reports have been recomputed.').waitFor();
      expect(settingsWrites).toHaveLength(2); // the refused one and this one
      expect((await savedSettings(team.admin, team.workspaceId)).channelRules).toEqual([
        { channel: 'partners', campaign: { op: 'starts_with', value: 'Partner' } },
        { channel: 'social', source: { op: 'equals', value: 'facebook' } },
      ]);
      const after = await channelsSeenByPage(page, team.workspaceId);
      expect(after.social).toEqual({ spend: '0.00', leads: 2, revenue: '200.00' });
      expect(after.partners).toEqual({ spend: '0.00', leads: 1, revenue: '0.00' });
      expect(after['google-ads']).toMatchObject({ leads: 1, revenue: '100.00' });
      expect(after['meta-ads']?.leads ?? 0).toBe(0);

      // A fresh load shows the saved rules in their order.
      await openSettings(page, team.workspaceId);
      expect(await card.getByRole('group', { name: 'Rule 1' }).getByLabel('Channel', { exact: true }).inputValue()).toBe('partners');
      expect(await card.getByRole('group', { name: 'Rule 2' }).getByLabel('Channel', { exact: true }).inputValue()).toBe('social');
      await screenshot(page, 'analytics-settings-admin');
      await expectNoProblems(tab, [400]);
    },
    JOURNEY_MS,
  );

  it(
    'imports currency rates from a paste only when every line is right, and adds one by hand',
    async () => {
      const team = await setUpTeam('Rates Co');
      const tab = await newPage();
      const { page } = tab;
      const rateWrites = writes(page, '/analytics/rates');
      await signIn(page, team.admin);
      await openSettings(page, team.workspaceId);
      const card = page.getByRole('region', { name: 'Currency rates' });
      await card.getByText('No rates into EUR yet.').waitFor();

      // One bad line: every problem is listed by line, focus goes to the paste, nothing is sent.
      const paste = card.getByLabel('Rates as CSV');
      await paste.fill('date,base,rate\n2026-03-01,USD,0.92\n2026-03-02,USD,abc\n');
      await card.getByRole('button', { name: 'Check and import' }).click();
      await card.getByRole('alert').getByText('One line needs fixing. Nothing was imported.').waitFor();
      expect(await tableRows(card.getByRole('table', { name: 'Lines that need fixing' }))).toEqual([
        ['Line 3', 'Enter the rate as a plain decimal such as 0.92 (no signs, spaces or exponents).'],
      ]);
      expect(await paste.getAttribute('aria-invalid')).toBe('true');
      expect(await focused(page)).toBe('textarea:Rates as CSV');
      await screenshot(page, 'analytics-settings-rates-errors');
      expect(await seriousAccessibilityProblems(page), 'axe: rates with line problems').toEqual([]);
      expect(rateWrites).toEqual([]);
      expect(await savedRates(team.admin, team.workspaceId)).toEqual([]);

      // Fixed: both lines are saved and shown, newest first.
      await paste.fill('date,base,rate\n2026-03-01,USD,0.92\n2026-03-02,USD,0.9125\n');
      await card.getByRole('button', { name: 'Check and import' }).click();
      await card.getByText('Imported rates into EUR: 2. Reports have been recomputed.').waitFor();
      expect(rateWrites).toHaveLength(1);
      expect(await paste.inputValue()).toBe('');
      const latest = card.getByRole('table', { name: 'Currency rates into EUR, newest first' });
      // The list reloads after the notice: wait for it rather than read it mid-request.
      await expect
        .poll(() => tableRows(latest))
        .toEqual([
          ['2026-03-02', 'USD', '1 USD = 0.9125 EUR'],
          ['2026-03-01', 'USD', '1 USD = 0.92 EUR'],
        ]);

      // By hand: a rate into EUR itself is refused before sending; a lowercase code and a decimal comma are fine.
      const add = card.getByRole('region', { name: 'Add a rate' });
      await add.getByLabel('Date').fill('2026-03-03');
      await add.getByLabel('Currency').fill('eur');
      await add.getByLabel('Rate in EUR').fill('1');
      await add.getByRole('button', { name: 'Add rate' }).click();
      await add.getByText('Rates convert into EUR; a rate from EUR to itself is not needed.').waitFor();
      expect(await focused(page)).toBe('input:Currency');
      expect(rateWrites).toHaveLength(1);
      await add.getByLabel('Currency').fill('gbp');
      await add.getByLabel('Rate in EUR').fill('1,17');
      await add.getByRole('button', { name: 'Add rate' }).click();
      await card.getByText('Saved 1 GBP = 1.17 EUR from 2026-03-03. Reports have been recomputed.').waitFor();
      await expect.poll(async () => (await tableRows(latest))[0]).toEqual(['2026-03-03', 'GBP', '1 GBP = 1.17 EUR']);
      expect(await savedRates(team.admin, team.workspaceId)).toEqual([
        { date: '2026-03-03', base: 'GBP', rate: '1.1700000000' },
        { date: '2026-03-02', base: 'USD', rate: '0.9125000000' },
        { date: '2026-03-01', base: 'USD', rate: '0.9200000000' },
      ]);
      await expectNoProblems(tab);
    },
    JOURNEY_MS,
  );

  it(
    'checks and saves attribution settings, and changes the reporting time zone after a warning',
    async () => {
      const team = await setUpTeam('Attribution Co');
      const tab = await newPage();
      const { page } = tab;
      const settingsWrites = writes(page, '/analytics/settings');
      await signIn(page, team.admin);
      await openSettings(page, team.workspaceId);

      const attribution = page.getByRole('region', { name: 'Attribution' });
      expect(await attribution.getByLabel('Default attribution model').inputValue()).toBe('last_non_direct');
      expect(await attribution.getByLabel('Time-decay half-life (days)').inputValue()).toBe('7');
      await attribution.getByLabel('Time-decay half-life (days)').fill('0');
      await attribution.getByRole('button', { name: 'Save attribution settings' }).click();
      await attribution.getByText('Enter a whole number of days from 1 to 365.').waitFor();
      expect(await focused(page)).toBe('input:Time-decay half-life (days)');
      expect(settingsWrites).toEqual([]);

      await attribution.getByLabel('Default attribution model').selectOption({ label: 'Linear' });
      await attribution.getByLabel('Time-decay half-life (days)').fill('14');
      await attribution.getByLabel('LTV window (days)').fill('180');
      await attribution.getByRole('button', { name: 'Save attribution settings' }).click();
      await attribution.getByText('Saved. Reports have been recomputed.').waitFor();
      expect(await savedSettings(team.admin, team.workspaceId)).toMatchObject({ defaultModel: 'linear', halfLifeDays: 14, ltvWindowDays: 180 });

      const reporting = page.getByRole('region', { name: 'Reporting currency and time zone' });
      await reporting.getByText('Changing either recomputes every report').waitFor();
      expect(await reporting.getByLabel('Reporting currency').inputValue()).toBe('EUR');
      expect(await reporting.getByLabel('Time zone').inputValue()).toBe('UTC');
      await reporting.getByLabel('Time zone').selectOption('Europe/Berlin');
      await reporting.getByRole('button', { name: 'Save and recompute reports' }).click();
      await reporting.getByText('Saved. Reports are now in EUR and the Europe/Berlin time zone.').waitFor();
      expect(await savedSettings(team.admin, team.workspaceId)).toMatchObject({ timezone: 'Europe/Berlin', reportingCurrency: 'EUR' });
      await expectNoProblems(tab);
    },
    JOURNEY_MS,
  );

  it(
    'shows viewers and analysts every setting read-only, with no control to change one',
    async () => {
      const team = await setUpTeam('Read Only Co');
      const rules = await team.admin.client.patch(`/api/workspaces/${team.workspaceId}/analytics/settings`, {
        channelRules: [{ channel: 'social', source: { op: 'equals', value: 'facebook' } }],
        halfLifeDays: 10,
      });
      expect(rules.statusCode, rules.body).toBe(200);
      const rates = await team.admin.client.post(`/api/workspaces/${team.workspaceId}/analytics/rates`, { rates: [{ date: '2026-03-01', base: 'USD', rate: '0.92' }] });
      expect(rates.statusCode, rates.body).toBe(200);

      for (const person of [team.viewer, team.analyst]) {
        const tab = await newPage();
        const { page } = tab;
        await signIn(page, person);
        const unsafe = writes(page, '');
        await openSettings(page, team.workspaceId);
        const rulesCard = page.getByRole('region', { name: 'Channel rules' });
        await expect.poll(() => tableRows(rulesCard.getByRole('table', { name: /This workspace’s channel rules/ }))).toEqual([['1', 'social', 'equals facebook', 'any', 'any']]);
        await expect.poll(() => tableRows(page.getByRole('table', { name: 'Currency rates into EUR, newest first' }))).toEqual([['2026-03-01', 'USD', '1 USD = 0.92 EUR']]);
        expect(await page.getByLabel('Time-decay half-life (days)').inputValue()).toBe('10');
        for (const label of ['Reporting currency', 'Time zone', 'Default attribution model', 'Time-decay half-life (days)', 'LTV window (days)']) {
          expect(await page.getByLabel(label, { exact: true }).isDisabled(), label).toBe(true);
        }
        // No way to change anything: no save, add, preview, move, remove or import control, no paste box.
        expect(await page.getByRole('main').getByRole('button').allTextContents()).toEqual([]);
        expect(await page.getByRole('textbox', { name: 'Rates as CSV' }).count()).toBe(0);
        expect(await page.getByText('Only admins and owners can change this.').count()).toBe(4);
        if (person === team.viewer) await screenshot(page, 'analytics-settings-viewer');
        expect(await seriousAccessibilityProblems(page), 'axe: read-only settings').toEqual([]);
        expect(unsafe).toEqual([]);
        await expectNoProblems(tab);
      }
    },
    JOURNEY_MS,
  );
});
