// The built web app (dist/web) in Debian's Chromium against the real server and its real CSP:
// the pages render and route, nothing errors, and an injected inline script is blocked.
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import type { Browser } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/observability/logger.js';
import { createTestVault } from '../support/app.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { launchChromium, openInstrumentedPage, type InstrumentedPage } from './chromium.js';

const BUILT_INDEX = fileURLToPath(new URL('../../dist/web/index.html', import.meta.url));
const SCREENSHOT_DIR = fileURLToPath(new URL('./__screenshots__/', import.meta.url));
const DEFAULT_CONTACT = 'security@throughline.local';

let database: TestDatabase | undefined;
let app: FastifyInstance | undefined;
let browser: Browser | undefined;
let baseUrl = '';
let dataDir: string | undefined;
/** Warnings the server logged; CSP reports from the browser arrive here. */
const serverLog: string[] = [];
const openPages: InstrumentedPage[] = [];

async function newPage(): Promise<InstrumentedPage> {
  if (browser === undefined) throw new Error('browser not started');
  const instrumented = await openInstrumentedPage(browser, baseUrl);
  openPages.push(instrumented);
  return instrumented;
}

async function open(path: string): Promise<InstrumentedPage> {
  const instrumented = await newPage();
  await instrumented.page.goto(path);
  return instrumented;
}

async function expectNoProblems(instrumented: InstrumentedPage): Promise<void> {
  expect(instrumented.consoleErrors, 'console errors').toEqual([]);
  expect(instrumented.pageErrors, 'uncaught page errors').toEqual([]);
  expect(await instrumented.cspViolations(), 'CSP violations').toEqual([]);
}

beforeAll(async () => {
  if (!existsSync(BUILT_INDEX)) {
    throw new Error(`The web app is not built (${BUILT_INDEX} is missing). Run \`npm run build\` (or \`npm run build:web\`) before the browser tests.`);
  }
  database = await createTestDatabase();
  dataDir = await mkdtemp(path.join(tmpdir(), 'throughline-web-'));
  app = await buildApp({
    config: loadConfig({ PORT: '0', DATA_DIR: dataDir }),
    db: database.db,
    vault: await createTestVault(database.db),
    logger: createLogger({ level: 'warn', destination: { write: (line: string) => void serverLog.push(line) } }),
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  baseUrl = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  browser = await launchChromium();
});

afterEach(async () => {
  await Promise.all(openPages.splice(0).map((p) => p.close()));
});

afterAll(async () => {
  await browser?.close();
  await app?.close();
  await database?.close();
  if (dataDir !== undefined) await rm(dataDir, { recursive: true, force: true });
});

describe('web shell', () => {
  it('builds an index.html with no inline script, inline style or style attribute', async () => {
    const html = await readFile(BUILT_INDEX, 'utf8');
    const scripts = html.match(/<script\b[^>]*>/gi) ?? [];
    expect(scripts.length).toBeGreaterThan(0);
    for (const tag of scripts) expect(tag, 'every script is an external file').toMatch(/\ssrc="\/assets\//);
    expect(html).not.toMatch(/<script\b[^>]*>[^<]+<\/script>/i);
    expect(html).not.toMatch(/<style\b/i);
    expect(html).not.toMatch(/\sstyle=/i);
    expect(html).not.toMatch(/\son[a-z]+=/i);
  });

  it("serves the page under a CSP without 'unsafe-inline' or 'unsafe-eval'", async () => {
    const { page } = await newPage();
    const response = await page.goto('/');
    const csp = response?.headers()['content-security-policy'] ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("style-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).not.toContain('unsafe-eval');
  });

  it('shows the server and database as ready, with no console error, page error or CSP violation', async () => {
    const home = await open('/');
    const status = home.page.getByRole('region', { name: 'System status' });
    await status.getByRole('status').filter({ hasText: 'Ready' }).waitFor();
    expect(await status.locator('dd').allTextContents()).toEqual(['Running', 'Connected']);
    expect(await home.page.title()).toBe('Throughline — end-to-end marketing analytics');
    expect(await home.page.getByRole('heading', { level: 1 }).textContent()).toBe('End-to-end marketing analytics');
    await expectNoProblems(home);

    await mkdir(SCREENSHOT_DIR, { recursive: true });
    await home.page.screenshot({ path: `${SCREENSHOT_DIR}home.png`, fullPage: true });
  });

  it("shows the server's error message and request id when it is not ready", async () => {
    const instrumented = await newPage();
    await instrumented.page.route('**/readyz', (route) =>
      route.fulfill({
        status: 503,
        contentType: 'application/json',
        body: JSON.stringify({ error: { code: 'service.unavailable', message: 'The service is not ready.', requestId: 'req-test-503' } }),
      }),
    );
    await instrumented.page.goto('/');
    const status = instrumented.page.getByRole('region', { name: 'System status' });
    await status.getByRole('status').filter({ hasText: 'Not ready' }).waitFor();
    expect(await status.textContent()).toContain('The service is not ready.');
    expect(await status.getByText('req-test-503').count()).toBe(1);
  });

  it('links to the disclosure policy, the OpenAPI document and security.txt, and each answers', async () => {
    const home = await open('/');
    const resources = home.page.getByRole('region', { name: 'Resources' });
    const hrefs = await resources.getByRole('link').evaluateAll((links) => links.map((a) => a.getAttribute('href')));
    expect(hrefs).toEqual(['/security', '/api/openapi.json', '/.well-known/security.txt']);
    for (const href of ['/api/openapi.json', '/.well-known/security.txt']) {
      expect((await fetch(`${baseUrl}${href}`)).status, href).toBe(200);
    }
  });

  it('opens the disclosure policy from an in-page link without reloading, and shows the security.txt contact', async () => {
    const home = await open('/');
    // A full reload would drop this marker; an in-page navigation keeps it.
    await home.page.evaluate(() => Object.assign(window, { __sameDocument: true }));
    await home.page.getByRole('region', { name: 'Resources' }).getByRole('link', { name: 'Vulnerability disclosure policy' }).click();
    await home.page.getByRole('heading', { level: 1, name: 'Vulnerability disclosure policy' }).waitFor();
    expect(new URL(home.page.url()).pathname).toBe('/security');
    expect(await home.page.evaluate(() => (window as { __sameDocument?: boolean }).__sameDocument)).toBe(true);
    // Focus moves to the new page's heading, as it would after a full load.
    expect(await home.page.evaluate(() => document.activeElement?.tagName)).toBe('H1');
    await home.page.getByRole('link', { name: DEFAULT_CONTACT }).waitFor();
    await expectNoProblems(home);

    await home.page.goBack();
    await home.page.getByRole('heading', { level: 1, name: 'End-to-end marketing analytics' }).waitFor();
  });

  it('serves the disclosure policy on a direct load of /security through the app-shell fallback', async () => {
    const policy = await open('/security');
    await policy.page.getByRole('heading', { level: 1, name: 'Vulnerability disclosure policy' }).waitFor();
    const contact = policy.page.getByRole('link', { name: DEFAULT_CONTACT });
    await contact.waitFor();
    expect(await contact.getAttribute('href')).toBe(`mailto:${DEFAULT_CONTACT}`);
    const text = (await policy.page.locator('main').textContent()) ?? '';
    expect(text).toContain('within 5 business days');
    expect(text).toContain('Do not access, modify or delete data that belongs to other users');
    expect(text).toContain('Do not run denial-of-service tests without our written approval');
    expect(text).toContain('we will not pursue legal action');
    expect(text).toContain('There is no public bug bounty');
    expect(await policy.page.title()).toBe('Vulnerability disclosure policy — Throughline');
    await expectNoProblems(policy);
  });

  it('shows a not-found view with a working link home for an unknown path', async () => {
    const missing = await open('/no-such-page');
    await missing.page.getByRole('heading', { level: 1, name: 'Page not found' }).waitFor();
    await missing.page.getByRole('main').getByRole('link', { name: 'Go to the home page' }).click();
    await missing.page.getByRole('heading', { level: 1, name: 'End-to-end marketing analytics' }).waitFor();
    expect(new URL(missing.page.url()).pathname).toBe('/');
    await expectNoProblems(missing);
  });

  it('can be used with the keyboard alone: skip link first, then the navigation', async () => {
    const home = await open('/');
    await home.page.getByRole('heading', { level: 1 }).waitFor();
    await home.page.keyboard.press('Tab');
    expect(await home.page.evaluate(() => document.activeElement?.textContent)).toBe('Skip to content');
    await home.page.keyboard.press('Tab'); // brand
    await home.page.keyboard.press('Tab'); // Overview
    await home.page.keyboard.press('Tab'); // Security
    expect(await home.page.evaluate(() => document.activeElement?.textContent)).toBe('Security');
    await home.page.keyboard.press('Enter');
    await home.page.getByRole('heading', { level: 1, name: 'Vulnerability disclosure policy' }).waitFor();
    await expectNoProblems(home);
  });

  it('blocks an injected inline script and inline style, records the violations and reports them to the server', async () => {
    const home = await open('/');
    await home.page.getByRole('region', { name: 'System status' }).waitFor();
    const effects = await home.page.evaluate(async () => {
      const script = document.createElement('script');
      script.textContent = 'window.__injectedScriptRan = true;';
      document.head.append(script);
      const style = document.createElement('style');
      style.textContent = 'body { visibility: hidden; }';
      document.head.append(style);
      // Violation events are dispatched asynchronously.
      await new Promise((resolve) => setTimeout(resolve, 100));
      return {
        scriptRan: (window as { __injectedScriptRan?: boolean }).__injectedScriptRan === true,
        bodyVisibility: getComputedStyle(document.body).visibility,
      };
    });
    expect(effects).toEqual({ scriptRan: false, bodyVisibility: 'visible' });

    const directives = (await home.cspViolations()).map((v) => v.directive).sort();
    expect(directives).toEqual(['script-src-elem', 'style-src-elem']);
    expect(home.consoleErrors.some((text) => text.includes('Content Security Policy'))).toBe(true);

    // The browser also POSTs each violation to the report-uri, where the server logs it.
    await expect
      .poll(() => serverLog.filter((line) => line.includes('content security policy violation')).length, { timeout: 10_000 })
      .toBeGreaterThanOrEqual(2);
  });
});
