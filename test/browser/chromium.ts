// Debian's Chromium through playwright-core, with a page that records everything that would mean
// the app is broken or its CSP is not holding: console errors, uncaught errors, CSP violations.
import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { expect } from 'vitest';

const CHROMIUM_PATH = '/usr/bin/chromium';

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    // No sandbox: test containers run as root. The rest keeps Chromium off the network.
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}

export interface CspViolation {
  directive: string;
  blocked: string;
  sample: string;
}

declare global {
  interface Window {
    __cspViolations?: CspViolation[];
  }
}

export interface InstrumentedPage {
  page: Page;
  consoleErrors: string[];
  pageErrors: string[];
  /** The violations the page saw, read from the page (they reset on each full load). */
  cspViolations(): Promise<CspViolation[]>;
  close(): Promise<void>;
}

export async function openInstrumentedPage(browser: Browser, baseURL: string): Promise<InstrumentedPage> {
  const context = await browser.newContext({ baseURL, viewport: { width: 1200, height: 900 } });
  const page = await context.newPage();
  const consoleErrors: string[] = [];
  const pageErrors: string[] = [];
  // Chromium reports a CSP violation as a console error too, so this list catches it even if
  // the page-side listener below never ran.
  page.on('console', (message) => {
    if (message.type() === 'error') consoleErrors.push(message.text());
  });
  page.on('pageerror', (error) => pageErrors.push(error.message));
  // Injected through CDP before any page script, so the page's CSP does not apply to it.
  await page.addInitScript(() => {
    window.__cspViolations = [];
    document.addEventListener('securitypolicyviolation', (event) => {
      window.__cspViolations?.push({ directive: event.effectiveDirective, blocked: event.blockedURI, sample: event.sample });
    });
  });
  return {
    page,
    consoleErrors,
    pageErrors,
    cspViolations: () => page.evaluate(() => window.__cspViolations ?? []),
    close: () => context.close(),
  };
}

const SCREENSHOT_DIR = fileURLToPath(new URL('./__screenshots__/', import.meta.url));

/** No uncaught error, no CSP violation, and no console error but a status the test caused (`allowStatuses`). */
export async function expectNoProblems(instrumented: InstrumentedPage, allowStatuses: readonly number[] = []): Promise<void> {
  const expected = (text: string) => allowStatuses.some((status) => text.startsWith(`Failed to load resource: the server responded with a status of ${status} `));
  expect(instrumented.consoleErrors.filter((text) => !expected(text)), 'console errors').toEqual([]);
  expect(instrumented.pageErrors, 'uncaught page errors').toEqual([]);
  expect(await instrumented.cspViolations(), 'CSP violations').toEqual([]);
}

/** A full-page screenshot in test/browser/__screenshots__ (git-ignored), to look at. */
export async function screenshot(page: Page, name: string): Promise<void> {
  await mkdir(SCREENSHOT_DIR, { recursive: true });
  await page.screenshot({ path: `${SCREENSHOT_DIR}${name}.png`, fullPage: true });
}
