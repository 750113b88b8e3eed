// The integrations pages of the built web app (dist/web) in Debian's Chromium against the real server
// on loopback, with a real job queue and worker behind "sync now" and a local fake HubSpot as the
// OAuth provider: an owner sees the providers by kind (one explained as not set up), connects
// HubSpot through its consent page and the complete page, is told when it needs reconnecting and
// disconnects it; a replayed or forged callback and a declined consent are explained and leave no
// code in the address bar; a CSV file with bad rows imports nothing and a good one is imported; a
// demo-provider sync shows its progress and result; viewers and analysts see status, not controls.
// Each page is checked for console errors, uncaught errors and CSP violations.
import { existsSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { Browser, Page, Request } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { demoAdsConnector, demoSyncProviders, ensureDemoIntegrations } from '../../src/demo/provider/index.js';
import type { Connector, ConnectorContext, StreamName, SyncBatch } from '../../src/integrations/index.js';
import { createJobQueue, startWorker, type JobQueue, type Worker } from '../../src/jobs/index.js';
import { combineProviders, createSyncEngine, createSyncJobs } from '../../src/sync/index.js';
import { FAST_RETRY, FAST_WORKER, collectingLogger } from '../job-queue.js';
import { HUBSPOT_CLIENT, startFakeHubSpot, type FakeHubSpot } from '../providers/hubspot.js';
import { providerOf } from '../sync-support.js';
import { PASSWORD, addMember, createPeople, createWorkspace, type Person } from '../support/accounts.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { expectNoProblems, launchChromium, openInstrumentedPage, screenshot, type InstrumentedPage } from './chromium.js';

const BUILT_INDEX = fileURLToPath(new URL('../../dist/web/index.html', import.meta.url));
const JOURNEY_MS = 120_000;

let t: TestApp | undefined;
let hubspot: FakeHubSpot | undefined;
let queue: JobQueue | undefined;
let worker: Worker | undefined;
let browser: Browser | undefined;
let baseUrl = '';
const openPages: InstrumentedPage[] = [];
let people: ReturnType<typeof createPeople> | undefined;
let emailCounter = 0;
/** Demo ad syncs wait on this before reading daily stats: a test holds a run open to look at it. */
let hold: Promise<void> = Promise.resolve();
/** The code and state the fake HubSpot handed back last (to replay them). */
let lastConsent: { code: string; state: string } | undefined;

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

const heading = (page: Page, name: string | RegExp) => page.getByRole('heading', { level: 1, name });
const focusedLabel = (page: Page) =>
  page.evaluate(() => {
    const active = document.activeElement;
    if (active === null) return '';
    if (active instanceof HTMLInputElement && active.labels !== null && active.labels.length > 0) return `input:${active.labels[0]?.textContent ?? ''}`;
    return `${active.tagName.toLowerCase()}:${(active.getAttribute('aria-label') ?? active.textContent ?? '').trim()}`;
  });

async function signIn(page: Page, person: Person): Promise<void> {
  await page.goto('/login');
  await page.getByLabel('Email address').fill(person.email);
  await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await heading(page, 'Workspaces').waitFor();
}

async function openIntegrations(page: Page, workspaceId: string, workspaceName: string): Promise<void> {
  await page.goto(`/workspaces/${workspaceId}/integrations`);
  await heading(page, workspaceName).waitFor();
  await page.getByRole('heading', { level: 2, name: 'Connected', exact: true }).waitFor();
  expect(await page.title()).toBe('Integrations — Throughline');
}

/** The request paths the page sends to /api (to count polls, or prove a call was never made). */
function apiCalls(page: Page, match: (path: string, request: Request) => boolean): string[] {
  const seen: string[] = [];
  page.on('request', (request) => {
    const path = new URL(request.url()).pathname;
    if (path.startsWith('/api/') && match(path, request)) seen.push(`${request.method()} ${path}`);
  });
  return seen;
}

function heldAdsConnector(): Connector {
  const base = demoAdsConnector();
  return {
    streams: base.streams,
    read<S extends StreamName>(stream: S, context: ConnectorContext): AsyncIterable<SyncBatch<S>> {
      return (async function* () {
        if (stream === 'ad_stats') await hold;
        yield* base.read(stream, context);
      })();
    },
  };
}

/** A port that was free a moment ago: PUBLIC_URL (the OAuth redirect URI) must name it before the app starts. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const countRows = (workspaceId: string, table: 'daily_ad_stats' | 'campaigns') =>
  required(t, 'app').database.db.withWorkspace(workspaceId, async (tx) => Number((await tx.selectFrom(table).select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow()).n));

beforeAll(async () => {
  if (!existsSync(BUILT_INDEX)) {
    throw new Error(`The web app is not built (${BUILT_INDEX} is missing). Run \`npm run build:web\` before the browser tests.`);
  }
  hubspot = await startFakeHubSpot();
  const fake = hubspot;
  // The fake's consent page: consents at once and sends the browser back, as HubSpot does after "Connect app".
  fake.server.on('GET', /^\/oauth\/authorize$/, (request) => {
    const consent = fake.oauth.consent(`${fake.server.url}${request.path}?${request.query.toString()}`);
    lastConsent = { code: consent.code, state: consent.state };
    const back = new URL(consent.redirectUri);
    back.searchParams.set('code', consent.code);
    back.searchParams.set('state', consent.state);
    return { status: 302, headers: { location: back.toString() } };
  });
  const port = await freePort();
  baseUrl = `http://localhost:${port}`;
  t = await createTestApp({
    env: {
      PUBLIC_URL: baseUrl,
      HUBSPOT_CLIENT_ID: HUBSPOT_CLIENT.id,
      HUBSPOT_CLIENT_SECRET: HUBSPOT_CLIENT.secret,
      HUBSPOT_API_BASE_URL: fake.server.url,
      HUBSPOT_OAUTH_BASE_URL: fake.server.url,
    },
    // "Sync now" queues on the app's queue: bound once the queue exists on the app's database.
    deps: { jobs: { runNow: (name, options) => required(queue, 'queue').runNow(name, options) } },
  });
  const db = t.database.db;
  const providers = combineProviders({ 'demo-ads': providerOf(heldAdsConnector()) }, demoSyncProviders());
  const sync = createSyncJobs({ engine: createSyncEngine({ db, providers, options: { initialDays: 30 } }), db });
  queue = await createJobQueue({ db, definitions: sync.definitions, logger: collectingLogger(), retry: FAST_RETRY });
  sync.useQueue(queue);
  worker = await startWorker(queue, { logger: collectingLogger(), ...FAST_WORKER });
  await t.app.listen({ port, host: '127.0.0.1' });
  people = createPeople(t, 64);
  browser = await launchChromium();
});

afterEach(async () => {
  await Promise.all(openPages.splice(0).map((p) => p.close()));
});

afterAll(async () => {
  await browser?.close();
  await worker?.stop();
  await queue?.close();
  await t?.close();
  await hubspot?.close();
});

describe('integrations page', () => {
  it('shows an owner the providers by kind with a not-set-up one explained, connects HubSpot through its consent page, flags it for reconnecting and disconnects it', async () => {
    const owner = await required(people, 'people').signUp(uniqueEmail('owner'), { name: 'Olga Owner' });
    const workspaceId = await createWorkspace(owner, 'Acme Outdoor');
    const tab = await newPage();
    const { page } = tab;
    await signIn(page, owner);
    await openIntegrations(page, workspaceId, 'Acme Outdoor');
    await page.getByText('Nothing is connected yet.').waitFor();

    // Providers grouped by kind; each says whether this installation can connect it.
    const providers = page.getByRole('region', { name: 'Add a connection' });
    for (const kind of ['Ad platforms', 'CRM', 'Web analytics']) await providers.getByRole('region', { name: kind }).waitFor();
    const ads = providers.getByRole('region', { name: 'Ad platforms' });
    const meta = ads.getByRole('listitem').filter({ hasText: 'Meta Ads' });
    expect(await meta.textContent()).toContain('Not set up');
    expect(await meta.textContent()).toContain('An operator must register an app with the provider and set:');
    expect(await meta.getByText(/An operator must register/).locator('code').allTextContents()).toEqual(['META_ADS_CLIENT_ID', 'META_ADS_CLIENT_SECRET']);
    expect(await meta.getByRole('button').count(), 'nothing to click on a provider that is not set up').toBe(0);
    const googleKeys = await ads.getByRole('listitem').filter({ hasText: 'Google Ads' }).getByText(/An operator must register/).locator('code').allTextContents();
    expect(googleKeys).toContain('GOOGLE_ADS_DEVELOPER_TOKEN');
    const crm = providers.getByRole('region', { name: 'CRM' });
    const hubspotItem = crm.getByRole('listitem').filter({ hasText: 'HubSpot' });
    expect(await hubspotItem.textContent()).toContain('Available');
    // The permissions it asks for, each with its reason.
    await hubspotItem.getByText(/Permissions it asks for \(\d+\)/).click();
    await hubspotItem.getByText('crm.objects.deals.read', { exact: true }).waitFor();
    expect(await providers.getByText('Coming later').count(), 'the planned providers').toBeGreaterThan(0);
    await screenshot(page, 'integrations-owner');
    await expectNoProblems(tab);

    // Connect: HubSpot's consent page, its callback, the complete page, then back here.
    const connect = page.getByRole('button', { name: 'Connect HubSpot' });
    await connect.focus();
    await page.keyboard.press('Enter');
    await page.waitForURL(`${baseUrl}/workspaces/${workspaceId}/integrations`);
    const connected = page.getByRole('region', { name: 'Connected', exact: true });
    const item = connected.getByRole('listitem').filter({ hasText: 'HubSpot' });
    await item.waitFor();
    const [integration] = (await owner.client.get(`/api/workspaces/${workspaceId}/integrations`)).json().integrations as Array<{ id: string; displayName: string; status: string }>;
    expect(integration?.status).toBe('active');
    const name = required(integration, 'integration').displayName;
    await page.getByRole('status').filter({ hasText: `${name} is connected.` }).waitFor();
    expect(await item.textContent()).toContain('Active');
    expect(await item.textContent()).toContain('Last successful sync');
    expect(page.url(), 'no code or state left in the address bar').toBe(`${baseUrl}/workspaces/${workspaceId}/integrations`);
    // The complete page replaced its own history entry: one step back is the page before HubSpot.
    await page.goBack();
    expect(page.url()).toBe(`${baseUrl}/workspaces/${workspaceId}/integrations`);
    await item.waitFor();
    await page.goForward();
    await item.waitFor();
    expect(required(hubspot, 'hubspot').oauth.tokenCalls).toHaveLength(1);
    await expectNoProblems(tab);

    // The code is single-use: the same callback again is refused in plain words.
    const consent = required(lastConsent, 'consent');
    await page.goto(`/integrations/oauth/complete#code=${encodeURIComponent(consent.code)}&state=${encodeURIComponent(consent.state)}`);
    await heading(page, 'The connection was not made').waitFor();
    await page.getByRole('alert').filter({ hasText: 'This connection attempt is invalid or has expired. Start connecting again.' }).waitFor();
    expect(page.url()).toBe(`${baseUrl}/integrations/oauth/complete`);
    await page.getByRole('link', { name: 'Back to the integrations of Acme Outdoor' }).click();
    await item.waitFor();
    await expectNoProblems(tab, [400]);

    // HubSpot revokes the grant and a sync finds out: the page says so, and offers Reconnect.
    const message = 'HubSpot no longer accepts Throughline’s access (the grant was revoked). Reconnect it.';
    await required(t, 'app').database.db.withWorkspace(workspaceId, (tx) =>
      tx.updateTable('integrations').set({ status: 'needs_reconnect', status_message: message }).where('id', '=', required(integration, 'integration').id).execute(),
    );
    await page.reload();
    const notice = page.getByRole('status').filter({ hasText: 'Some connections need to be reconnected' });
    await notice.waitFor();
    expect(await notice.textContent()).toContain(`${name}: ${message}`);
    expect(await notice.textContent()).toContain('use Reconnect below');
    expect(await item.textContent()).toContain('Needs reconnecting');
    expect(await item.textContent()).toContain('not until it is reconnected');
    await item.getByRole('button', { name: `Reconnect ${name}` }).waitFor();
    expect(await item.getByRole('button', { name: /^Sync now/ }).count(), 'no sync while it needs reconnecting').toBe(0);
    await screenshot(page, 'integrations-needs-reconnect');

    // Disconnect by keyboard, after a confirmation that takes focus.
    await item.getByRole('button', { name: `Disconnect ${name}` }).focus();
    await page.keyboard.press('Enter');
    await item.getByRole('group', { name: `Confirm disconnecting ${name}` }).waitFor();
    expect(await focusedLabel(page)).toBe('button:Disconnect');
    await page.keyboard.press('Enter');
    await page.getByRole('status').filter({ hasText: 'Disconnected; access was revoked at HubSpot.' }).waitFor();
    await page.getByText('Nothing is connected yet.').waitFor();
    expect(required(hubspot, 'hubspot').oauth.revokeCalls).toHaveLength(1);
    await expectNoProblems(tab, [400]);
  }, JOURNEY_MS);

  it('explains a declined consent and a forged state on the complete page, and removes them from the address bar at once', async () => {
    const owner = await required(people, 'people').signUp(uniqueEmail('declined'), { name: 'Dmitri Declines' });
    const workspaceId = await createWorkspace(owner, 'Declined Co');
    const tab = await newPage();
    const { page } = tab;
    await signIn(page, owner);
    const completions = apiCalls(page, (path) => path === '/api/integrations/oauth/complete');

    // Declined at the provider: nothing is sent to the server, and the way back is to this workspace.
    await page.goto(`/integrations/oauth/complete#error=access_denied&state=${workspaceId}.abc.def`);
    await heading(page, 'The connection was not made').waitFor();
    expect(await page.title()).toBe('Finishing the connection — Throughline');
    await page.getByRole('alert').filter({ hasText: 'You declined access at the provider, so nothing was connected.' }).waitFor();
    expect(page.url()).toBe(`${baseUrl}/integrations/oauth/complete`);
    expect(completions).toEqual([]);
    await page.getByRole('link', { name: 'Back to the integrations of Declined Co' }).waitFor();
    await expectNoProblems(tab);

    // A code with a state that is not one of ours: refused by the server, explained here. (From
    // another page: the provider's redirect is always a fresh load, never a fragment change.)
    await page.goto('/workspaces');
    await heading(page, 'Workspaces').waitFor();
    await page.goto('/integrations/oauth/complete#code=forged-code&state=not-a-state');
    await heading(page, 'The connection was not made').waitFor();
    await page.getByRole('alert').filter({ hasText: 'This connection attempt is invalid or has expired. Start connecting again.' }).waitFor();
    expect(page.url(), 'the fragment left the address bar').toBe(`${baseUrl}/integrations/oauth/complete`);
    expect(await page.evaluate(() => window.location.hash)).toBe('');
    expect(completions).toEqual(['POST /api/integrations/oauth/complete']);
    await page.getByRole('link', { name: 'Back to your workspaces' }).waitFor();
    await screenshot(page, 'integrations-oauth-error');
    await expectNoProblems(tab, [400]);
  }, JOURNEY_MS);

  it('previews a CSV file with bad rows and imports nothing, then imports a good file and lists it', async () => {
    const owner = await required(people, 'people').signUp(uniqueEmail('csv'), { name: 'Carla Csv' });
    const workspaceId = await createWorkspace(owner, 'Csv Traders');
    const tab = await newPage();
    const { page } = tab;
    await signIn(page, owner);
    await openIntegrations(page, workspaceId, 'Csv Traders');
    const importCard = page.getByRole('region', { name: 'Import a CSV file' });

    // Nothing chosen: the form says what is missing, on the fields.
    await importCard.getByRole('button', { name: 'Preview' }).click();
    await importCard.getByText('Choose a file.').waitFor();
    await importCard.getByText('Choose the ad platform this spend belongs to.').waitFor();
    await importCard.getByText('Give the source a name.').waitFor();
    expect(await importCard.getByLabel('Ad platform').evaluate((el) => el === document.activeElement), 'focus on the first field to fix').toBe(true);

    await importCard.getByLabel('What the file holds').selectOption('spend');
    await importCard.getByLabel('Ad platform').selectOption('google-ads');
    const bad = ['date,campaign,spend,impressions,clicks,currency', '2026-03-01,Spring sale,120.50,10000,250,USD', '2026-13-01,Spring sale,80.00,8000,190,USD', '2026-03-03,Brand search,abc,500,12,USD', ''].join('\n');
    await importCard.getByLabel('CSV file').setInputFiles({ name: 'google-march.csv', mimeType: 'text/csv', buffer: Buffer.from(bad) });
    await expect.poll(() => importCard.getByLabel('Source name').inputValue()).toBe('google-march'); // named after the file
    await importCard.getByLabel('Source name').fill('Google Ads export');
    await importCard.getByRole('button', { name: 'Preview' }).click();

    const preview = importCard.getByRole('region', { name: 'Preview of google-march.csv' });
    await preview.waitFor();
    expect(await focusedLabel(page), 'focus moves to the preview').toBe('h3:Preview of google-march.csv');
    await preview.getByRole('alert').filter({ hasText: 'This file has 2 problems. Nothing will be imported until they are fixed.' }).waitFor();
    expect(await preview.getByRole('status').textContent()).toBe('3 rows read (comma separated), 1 ready to import.');
    const problems = preview.getByRole('table', { name: 'Problems in the file: 2' });
    expect(await problems.getByRole('row', { name: /Line 3/ }).textContent()).toContain('"2026-13-01" is not a date in the form YYYY-MM-DD.');
    const line4 = await problems.getByRole('row', { name: /Line 4/ }).textContent();
    expect(line4).toContain('Spend');
    expect(line4).toContain('"abc" is not an amount');
    // The columns the server matched, each changeable.
    const mapping = preview.getByRole('table', { name: 'Column used for each field' });
    expect(await mapping.getByLabel('Column for Date').inputValue()).toBe('date');
    expect(await mapping.getByLabel('Column for Campaign ID').inputValue()).toBe('');
    // A column changed by hand is checked again at once: without a spend column the file cannot go in.
    await mapping.getByLabel('Column for Spend').selectOption('');
    await preview.getByRole('table', { name: /Problems in the file/ }).getByText('Map a column to "spend"; it is required.').waitFor();
    await mapping.getByLabel('Column for Spend').selectOption('spend');
    await preview.getByRole('table', { name: 'Problems in the file: 2' }).waitFor();
    const importButton = preview.getByRole('button', { name: /^Import/ });
    expect(await importButton.isDisabled(), 'no import while the file has problems').toBe(true);
    await screenshot(page, 'integrations-csv-errors');
    expect(await countRows(workspaceId, 'daily_ad_stats'), 'nothing written by a preview').toBe(0);

    // A good file (semicolons, decimal commas, the currency chosen on the page).
    const good = ['Day;Campaign;Cost;Impressions;Clicks', '01.03.2026;Spring sale;120,50;10000;250', '02.03.2026;Spring sale;80,00;8000;190', '02.03.2026;Brand search;45,25;3000;140', ''].join('\n');
    await importCard.getByLabel('CSV file').setInputFiles({ name: 'google-march-fixed.csv', mimeType: 'text/csv', buffer: Buffer.from(good) });
    expect(await preview.count(), 'a new file makes the old preview go').toBe(0);
    await importCard.getByText('Dates, numbers and currency').click();
    await importCard.getByLabel('Date format').selectOption('DD.MM.YYYY');
    await importCard.getByLabel('Decimal separator').selectOption(',');
    await importCard.getByLabel('Currency (optional)').fill('usd');
    await importCard.getByRole('button', { name: 'Preview' }).click();
    const goodPreview = importCard.getByRole('region', { name: 'Preview of google-march-fixed.csv' });
    await goodPreview.getByText('No problems found: 3 rows are ready to import.').waitFor();
    expect(await goodPreview.getByRole('status').textContent()).toBe('3 rows read (semicolon separated), 3 ready to import.');
    const sample = goodPreview.getByRole('table', { name: 'First rows as they will be imported' });
    expect(await sample.getByRole('row').nth(1).textContent()).toBe('2026-03-01Spring salecsv120.5010,0002500');
    expect(await goodPreview.getByRole('table', { name: 'Column used for each field' }).getByLabel('Column for Spend').inputValue()).toBe('Cost');
    await screenshot(page, 'integrations-csv-ready');

    await goodPreview.getByRole('button', { name: 'Import 3 rows' }).click();
    await page.getByRole('status').filter({ hasText: 'Imported 3 rows from “Google Ads export”.' }).waitFor();
    const listed = page.getByRole('region', { name: 'Connected', exact: true }).getByRole('listitem').filter({ hasText: 'CSV · Google Ads export' });
    await listed.waitFor();
    expect(await listed.textContent()).toContain('CSV import');
    expect(await listed.getByRole('button', { name: /^Sync now/ }).count(), 'a CSV file is not synced').toBe(0);
    expect(await countRows(workspaceId, 'daily_ad_stats')).toBe(3);
    expect(await countRows(workspaceId, 'campaigns')).toBe(2);
    expect(await importCard.getByRole('region').count(), 'the form starts over').toBe(0);
    await expectNoProblems(tab);
  }, JOURNEY_MS);

  it('syncs a demo-provider integration now: progress while it runs, then the last success, and no polling once done', async () => {
    const owner = await required(people, 'people').signUp(uniqueEmail('sync'), { name: 'Sam Sync' });
    const workspaceId = await createWorkspace(owner, 'Northwind Sync');
    const [ads] = await ensureDemoIntegrations(required(t, 'app').database.db, workspaceId, { seed: 'ui-sync', connectedBy: owner.userId });
    const adsId = required(ads, 'demo ads').id;
    let release: () => void = () => undefined;
    hold = new Promise((resolve) => (release = resolve));
    const tab = await newPage();
    const { page } = tab;
    await signIn(page, owner);
    await openIntegrations(page, workspaceId, 'Northwind Sync');
    const name = 'Demo ad platforms (Google Ads, Meta Ads, Yandex Direct)';
    const item = page.getByRole('region', { name: 'Connected', exact: true }).getByRole('listitem').filter({ hasText: name });
    expect(await item.textContent()).toContain('Last successful syncnever');
    expect(await item.textContent()).toContain('Demo provider');
    const polls = apiCalls(page, (path) => path.endsWith('/integrations/sync-status'));

    await item.getByRole('button', { name: `Sync now: ${name}` }).click();
    const bar = item.getByRole('progressbar', { name: `Sync progress: ${name}` });
    await bar.waitFor();
    // Held before the daily stats: two of three streams are written.
    await item.getByText(/^Reading /).waitFor({ timeout: 20_000 });
    expect(Number(await bar.getAttribute('value'))).toBeGreaterThan(0.5);
    expect(await item.textContent()).toContain('Syncing');
    expect(await item.getByRole('button', { name: 'Syncing…', exact: true }).isDisabled(), 'one run at a time').toBe(true);
    await screenshot(page, 'integrations-syncing');
    release();

    await page.getByRole('status').filter({ hasText: new RegExp(`${name.replace(/[()]/g, '\\$&')} is synced: [\\d,]+ rows\\.`) }).waitFor({ timeout: 30_000 });
    await expect.poll(() => bar.count()).toBe(0);
    const status = ((await owner.client.get(`/api/workspaces/${workspaceId}/integrations/sync-status`)).json() as { integrations: Array<{ id: string; rowsSynced: number; lastSuccessAt: string }> }).integrations.find((i) => i.id === adsId);
    expect(status?.rowsSynced).toBeGreaterThan(100);
    expect(await item.textContent()).toContain(`Rows synced (last sync)${new Intl.NumberFormat('en').format(status?.rowsSynced ?? 0)}`);
    expect(await item.textContent()).not.toContain('Last successful syncnever');
    expect(await item.textContent()).toContain('Active');
    expect(polls.length, 'polled while it ran').toBeGreaterThan(0);
    await screenshot(page, 'integrations-synced');

    // Nothing runs now: the page stops asking.
    const settled = polls.length;
    await page.waitForTimeout(6_000);
    expect(polls.length, 'no polling while nothing runs').toBe(settled);
    await expectNoProblems(tab);
  }, JOURNEY_MS);

  it('shows viewers status only and analysts a sync button, with no connect, disconnect or import controls', async () => {
    const make = required(people, 'people');
    const owner = await make.signUp(uniqueEmail('team-owner'), { name: 'Tina Team' });
    const workspaceId = await createWorkspace(owner, 'Team Co');
    const [, crm] = await ensureDemoIntegrations(required(t, 'app').database.db, workspaceId, { seed: 'ui-team' });
    await required(t, 'app').database.db.withWorkspace(workspaceId, (tx) =>
      tx.updateTable('integrations').set({ status: 'needs_reconnect', status_message: 'The demo CRM no longer accepts Throughline’s access.' }).where('id', '=', required(crm, 'crm').id).execute(),
    );
    const viewer = await make.signUp(uniqueEmail('viewer'), { name: 'Vera Viewer' });
    const analyst = await make.signUp(uniqueEmail('analyst'), { name: 'Anton Analyst' });
    await addMember(required(t, 'app'), owner, workspaceId, viewer, 'viewer');
    await addMember(required(t, 'app'), owner, workspaceId, analyst, 'analyst');

    for (const [person, role] of [
      [viewer, 'viewer'],
      [analyst, 'analyst'],
    ] as const) {
      const tab = await newPage();
      const { page } = tab;
      await signIn(page, person);
      await openIntegrations(page, workspaceId, 'Team Co');
      const connected = page.getByRole('region', { name: 'Connected', exact: true });
      await connected.getByRole('listitem').filter({ hasText: 'Demo CRM' }).waitFor();
      const notice = page.getByRole('status').filter({ hasText: 'Some connections need to be reconnected' });
      expect(await notice.textContent()).toContain('Demo CRM: The demo CRM no longer accepts Throughline’s access.');
      expect(await notice.textContent()).toContain('ask an owner or admin of this workspace to reconnect it');
      await page.getByText('Only owners and admins of this workspace can connect or disconnect providers.').waitFor();
      expect(await page.getByRole('region', { name: 'Add a connection' }).getByText('Available').count(), 'providers still show their status').toBeGreaterThan(0);

      const buttons = (await page.getByRole('main').getByRole('button').allTextContents()).map((text) => text.trim());
      expect(buttons.filter((text) => /Connect|Disconnect|Reconnect|Import|Preview/.test(text)), `${role}: no connect, disconnect or import controls`).toEqual([]);
      expect(await page.getByRole('region', { name: 'Import a CSV file' }).count()).toBe(0);
      const syncButtons = await page.getByRole('button', { name: /^Sync now/ }).count();
      // The server lets analysts ask for a sync (it only reads from the provider); viewers only look.
      expect(syncButtons, role).toBe(role === 'analyst' ? 1 : 0);
      await screenshot(page, `integrations-${role}`);
      if (role === 'viewer') {
        await page.setViewportSize({ width: 390, height: 844 });
        await screenshot(page, 'integrations-viewer-narrow');
      }
      await expectNoProblems(tab);
    }
  }, JOURNEY_MS);
});
