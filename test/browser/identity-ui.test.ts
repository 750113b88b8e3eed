// The identity pages of the built web app (dist/web) in Debian's Chromium against the real server
// on loopback: sign-up, the emailed links, sign-in with every second step, 2FA setup, sessions,
// passkeys (CDP virtual authenticator), workspaces. Each page is checked for console errors,
// uncaught errors and CSP violations; the only console errors allowed are the browser's own
// "Failed to load resource" lines for HTTP errors a test provokes on purpose.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { generate } from 'otplib';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { readOutbox } from '../../src/mail/index.js';
import { PASSWORD, createPeople, waitForMail } from '../support/accounts.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { expectNoProblems, launchChromium, openInstrumentedPage, screenshot, type InstrumentedPage } from './chromium.js';

const BUILT_INDEX = fileURLToPath(new URL('../../dist/web/index.html', import.meta.url));
/** Each test is a whole user journey through a real browser and bcrypt at cost 12. */
const JOURNEY_MS = 120_000;

let t: TestApp | undefined;
let browser: Browser | undefined;
/** `localhost`, not 127.0.0.1: passkeys need a relying-party id the server accepts without PUBLIC_URL. */
let baseUrl = '';
const openPages: InstrumentedPage[] = [];
let people: ReturnType<typeof createPeople> | undefined;
let emailCounter = 0;

function testApp(): TestApp {
  if (t === undefined) throw new Error('app not started');
  return t;
}

function uniqueEmail(label: string): string {
  emailCounter += 1;
  return `${label}-${emailCounter}-${Date.now()}@example.com`;
}

async function newPage(): Promise<InstrumentedPage> {
  if (browser === undefined) throw new Error('browser not started');
  const instrumented = await openInstrumentedPage(browser, baseUrl);
  openPages.push(instrumented);
  return instrumented;
}

/**
 * No uncaught error, no CSP violation, and no console error other than the browser's report of an
 * HTTP status the test caused on purpose (`allowStatuses`).
 */
/** The path and fragment of the newest link in a mail to `to` (the server's own host may differ). */
async function linkFromMail(to: string, subject: string, after = 0): Promise<string> {
  const mail = await waitForMail(testApp().outboxDir, to, subject, after);
  const link = /https?:\/\/[^/\s]+(\/[^\s#]*#token=[^\s]+)/.exec(mail.text)?.[1];
  if (link === undefined) throw new Error(`no link in "${mail.subject}"`);
  return link;
}

const heading = (page: Page, name: string | RegExp) => page.getByRole('heading', { level: 1, name });
const focusedLabel = (page: Page) =>
  page.evaluate(() => {
    const active = document.activeElement;
    if (active === null) return '';
    if (active instanceof HTMLInputElement && active.labels !== null && active.labels.length > 0) return `input:${active.labels[0]?.textContent ?? ''}`;
    return `${active.tagName.toLowerCase()}:${(active.getAttribute('aria-label') ?? active.textContent ?? '').trim()}`;
  });

async function signInWithPassword(page: Page, email: string): Promise<void> {
  await page.getByLabel('Email address').fill(email);
  await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
}

/** The TOTP secret as the setup panel shows it (grouped by four), without spaces. */
async function secretOnPage(page: Page): Promise<string> {
  return ((await page.getByTestId('totp-secret').textContent()) ?? '').replace(/\s/g, '');
}

/** A code for the step after this one: the server accepts ±30 s and refuses a step already used. */
const nextStepCode = (secret: string) => generate({ secret, epoch: Math.floor(Date.now() / 1000) + 30 });

beforeAll(async () => {
  if (!existsSync(BUILT_INDEX)) {
    throw new Error(`The web app is not built (${BUILT_INDEX} is missing). Run \`npm run build:web\` before the browser tests.`);
  }
  t = await createTestApp();
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  baseUrl = `http://localhost:${(t.app.server.address() as AddressInfo).port}`;
  people = createPeople(t, 61);
  browser = await launchChromium();
});

afterEach(async () => {
  await Promise.all(openPages.splice(0).map((p) => p.close()));
});

afterAll(async () => {
  await browser?.close();
  await t?.close();
});

describe('identity pages', () => {
  it('signs up, confirms the email, turns on TOTP with saved recovery codes, signs back in with a code and sees the session', async () => {
    const tab = await newPage();
    const { page } = tab;
    const email = uniqueEmail('dana');

    // Sign up.
    await page.goto('/signup');
    await heading(page, 'Create your account').waitFor();
    await page.getByLabel('Your name').fill('Dana Scully');
    await page.getByLabel('Email address').fill(email);
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.getByRole('button', { name: 'Create account' }).click();
    await heading(page, 'Check your email').waitFor();
    expect(await page.getByRole('status').textContent()).toContain(email);
    await expectNoProblems(tab);

    // Confirm the address from the emailed link; the token leaves the address bar at once.
    await page.goto(await linkFromMail(email, 'Confirm your email'));
    await page.getByText('Your email address is confirmed.').waitFor();
    expect(page.url()).toBe(`${baseUrl}/verify-email`);
    await expectNoProblems(tab);

    // Sign in (no 2FA yet): the workspace list, with the personal workspace sign-up made.
    await page.getByRole('link', { name: 'Sign in', exact: true }).last().click();
    await heading(page, 'Sign in').waitFor();
    await screenshot(page, 'login');
    await signInWithPassword(page, email);
    await heading(page, 'Workspaces').waitFor();
    await page.getByRole('link', { name: "Dana Scully's workspace" }).waitFor();
    await expectNoProblems(tab);

    // Two-factor setup: QR code and key, a first code, then the recovery codes.
    await page.getByRole('navigation', { name: 'Account' }).getByRole('link', { name: 'Account' }).click();
    await heading(page, 'Account security').waitFor();
    await page.getByRole('button', { name: 'Set up two-factor authentication' }).click();
    const qr = page.getByRole('img', { name: 'QR code to add Throughline to your authenticator app' });
    await qr.waitFor();
    expect(await qr.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0), 'the QR code rendered under the CSP').toBe(true);
    expect(await focusedLabel(page)).toBe('h3:Set up your authenticator app');
    const secret = await secretOnPage(page);
    expect(secret).toMatch(/^[A-Z2-7]{16,}$/);
    const codeInput = page.getByLabel('Authentication code');
    expect(await codeInput.getAttribute('inputmode')).toBe('numeric');
    expect(await codeInput.getAttribute('autocomplete')).toBe('one-time-code');
    await screenshot(page, 'totp-setup');

    // A wrong code first: the error is announced and focus goes to the field.
    await codeInput.fill('000000');
    await page.getByRole('button', { name: 'Turn on' }).click();
    await page.getByRole('alert').filter({ hasText: 'The code is not correct' }).waitFor();
    expect(await focusedLabel(page)).toBe('input:Authentication code');
    expect(await codeInput.getAttribute('aria-invalid')).toBe('true');

    await codeInput.fill(await generate({ secret }));
    await page.getByRole('button', { name: 'Turn on' }).click();
    await page.getByRole('heading', { name: 'Save your recovery codes' }).waitFor();
    const codes = (await page.getByRole('list', { name: 'Recovery codes' }).getByRole('listitem').allTextContents()).map((c) => c.trim());
    expect(codes).toHaveLength(10);
    const done = page.getByRole('button', { name: 'Done' });
    expect(await done.isDisabled(), 'Done waits for the confirmation').toBe(true);
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download as a text file' }).click()]);
    expect(download.suggestedFilename()).toBe('throughline-recovery-codes.txt');
    const saved = await readFile((await download.path()) ?? '', 'utf8');
    for (const code of codes) expect(saved).toContain(code);
    await screenshot(page, 'recovery-codes');
    await page.getByLabel('I have saved these codes somewhere safe').check();
    await done.click();
    await page.getByText('Two-factor authentication is on.').waitFor();
    expect(await page.getByRole('region', { name: 'Two-factor authentication' }).getByText('On', { exact: true }).count()).toBe(1);
    expect(await page.getByRole('list', { name: 'Recovery codes' }).count(), 'the codes are shown once').toBe(0);
    await expectNoProblems(tab, [401]);

    // Sign out, then in again: password, then the code step.
    await page.getByRole('button', { name: 'Sign out', exact: true }).click();
    await heading(page, 'Sign in').waitFor();
    await signInWithPassword(page, email);
    await heading(page, 'Two-factor authentication').waitFor();
    expect(await focusedLabel(page), 'focus moves to the new step').toBe('input:Authentication code');
    await screenshot(page, 'login-totp');
    await page.keyboard.type(await nextStepCode(secret));
    await page.keyboard.press('Enter');
    await heading(page, 'Workspaces').waitFor();

    // The sessions page lists this session, with how it signed in.
    await page.goto('/account/sessions');
    await heading(page, 'Sessions').waitFor();
    const current = page.getByRole('row').filter({ hasText: 'This device' });
    await current.waitFor();
    expect(await current.textContent()).toContain('password, authenticator app');
    expect(await current.textContent()).toContain('Chrome');
    expect(await page.getByRole('row').count(), 'header + this session (the first one ended at sign-out)').toBe(2);
    await screenshot(page, 'sessions');
    await expectNoProblems(tab, [401]);

    // Sign out from the sessions page itself.
    await page.getByRole('button', { name: 'Sign out on this device' }).click();
    await heading(page, 'Sign in').waitFor();
    await page.goto('/account/sessions');
    await heading(page, 'Sign in').waitFor();
    expect(new URL(page.url()).search).toBe('?next=%2Faccount%2Fsessions');
    await expectNoProblems(tab, [401]);
  }, JOURNEY_MS);

  it('signs in with the keyboard alone, announcing a wrong password and moving focus to it', async () => {
    const person = await people!.signUp(uniqueEmail('keys'));
    const tab = await newPage();
    const { page } = tab;
    await page.goto('/login');
    await heading(page, 'Sign in').waitFor();

    const order: string[] = [];
    for (let i = 0; i < 7; i += 1) {
      await page.keyboard.press('Tab');
      order.push(await focusedLabel(page));
    }
    expect(order).toEqual(['a:Skip to content', 'a:Throughline', 'a:Overview', 'a:Security', 'a:Sign in', 'a:Create account', 'input:Email address']);
    await page.keyboard.type(person.email);
    await page.keyboard.press('Tab');
    expect(await focusedLabel(page)).toBe('input:Password');
    await page.keyboard.type('not-the-password');
    await page.keyboard.press('Enter');
    const alert = page.getByRole('alert');
    await alert.filter({ hasText: 'The email or password is not correct.' }).waitFor();
    expect(await focusedLabel(page), 'focus moves to the announced error').toBe('div:The email or password is not correct.');

    // Back to the password field by keyboard, fix it, submit with Enter.
    await page.keyboard.press('Tab'); // email
    await page.keyboard.press('Tab'); // password
    expect(await focusedLabel(page)).toBe('input:Password');
    await page.keyboard.press('Control+A');
    await page.keyboard.type(PASSWORD);
    await page.keyboard.press('Enter');
    await heading(page, 'Workspaces').waitFor();
    expect(await focusedLabel(page), 'focus starts on the new page').toBe('h1:Workspaces');
    await expectNoProblems(tab, [401]);
  }, JOURNEY_MS);

  it('validates in the page first, and shows the server’s password hints under the field', async () => {
    const tab = await newPage();
    const { page } = tab;
    await page.goto('/signup');
    await heading(page, 'Create your account').waitFor();
    await page.getByRole('button', { name: 'Create account' }).click();
    expect(await focusedLabel(page), 'focus goes to the first problem').toBe('input:Your name');
    expect(await page.locator('[aria-invalid="true"]').count()).toBe(3);

    await page.getByLabel('Your name').fill('Walter Skinner');
    await page.getByLabel('Email address').fill(uniqueEmail('weak'));
    await page.getByLabel('Password', { exact: true }).fill('password123');
    await page.getByRole('button', { name: 'Create account' }).click();
    const password = page.getByLabel('Password', { exact: true });
    await page.getByRole('alert').waitFor();
    expect(await password.getAttribute('aria-invalid')).toBe('true');
    expect(await focusedLabel(page)).toBe('input:Password');
    // The field's description carries the server's advice (zxcvbn feedback), read with the field.
    const described = await password.evaluate((input) =>
      (input.getAttribute('aria-describedby') ?? '')
        .split(' ')
        .map((id) => document.getElementById(id)?.textContent ?? '')
        .join(' '),
    );
    const headline = ((await page.getByRole('alert').textContent()) ?? '').trim();
    expect(headline.length).toBeGreaterThan(0);
    expect(described).toContain(headline);
    await expectNoProblems(tab, [400]);
  }, JOURNEY_MS);

  it('sends a signed-out visitor to sign in and back, and signs in with a recovery code', async () => {
    const email = uniqueEmail('fox');
    const person = await people!.signUp(email);
    const setup = (await person.client.post('/api/auth/totp/setup')).json() as { secret: string };
    const enabled = await person.client.post('/api/auth/totp/enable', { code: await generate({ secret: setup.secret }) });
    const { recoveryCodes } = enabled.json() as { recoveryCodes: string[] };

    const tab = await newPage();
    const { page } = tab;
    await page.goto('/account/security');
    await heading(page, 'Sign in').waitFor();
    expect(new URL(page.url()).search).toBe('?next=%2Faccount%2Fsecurity');
    await signInWithPassword(page, email);
    await heading(page, 'Two-factor authentication').waitFor();
    await page.getByRole('button', { name: 'Use a recovery code instead' }).click();
    expect(await focusedLabel(page)).toBe('input:Recovery code');
    expect(await page.getByLabel('Recovery code').getAttribute('autocomplete')).toBe('off');
    await page.keyboard.type(recoveryCodes[0] ?? '');
    await page.keyboard.press('Enter');
    await heading(page, 'Account security').waitFor();
    expect(new URL(page.url()).pathname).toBe('/account/security');
    await expectNoProblems(tab);
  }, JOURNEY_MS);

  it('replaces the recovery codes, turns 2FA off (each with the password and a code) and changes the password', async () => {
    const email = uniqueEmail('codes');
    const person = await people!.signUp(email);
    const { secret } = (await person.client.post('/api/auth/totp/setup')).json() as { secret: string };
    const enabled = await person.client.post('/api/auth/totp/enable', { code: await generate({ secret }) });
    const oldCodes = (enabled.json() as { recoveryCodes: string[] }).recoveryCodes;

    const tab = await newPage();
    const { page } = tab;
    await page.goto('/login?next=%2Faccount%2Fsecurity');
    await signInWithPassword(page, email);
    await page.getByRole('button', { name: 'Use a recovery code instead' }).click();
    await page.getByLabel('Recovery code').fill(oldCodes[0] ?? '');
    await page.getByRole('button', { name: 'Verify' }).click();
    await heading(page, 'Account security').waitFor();
    const section = page.getByRole('region', { name: 'Two-factor authentication' });

    // New codes: the wrong password is refused on its field, then an old recovery code confirms.
    await section.getByRole('button', { name: 'Get new recovery codes' }).click();
    await section.getByLabel('Password', { exact: true }).fill('wrong-password-here');
    await section.getByLabel('Code from your app, or a recovery code').fill(oldCodes[1] ?? '');
    await section.getByRole('button', { name: 'Make new codes' }).click();
    await section.getByRole('alert').filter({ hasText: 'The password is not correct.' }).waitFor();
    expect(await focusedLabel(page)).toBe('input:Password');
    await section.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await section.getByRole('button', { name: 'Make new codes' }).click();
    await section.getByRole('heading', { name: 'Save your recovery codes' }).waitFor();
    const newCodes = (await section.getByRole('list', { name: 'Recovery codes' }).getByRole('listitem').allTextContents()).map((c) => c.trim());
    expect(newCodes).toHaveLength(10);
    expect(newCodes.some((c) => oldCodes.includes(c))).toBe(false);
    await section.getByLabel('I have saved these codes somewhere safe').check();
    await section.getByRole('button', { name: 'Done' }).click();
    await section.getByText('New recovery codes are ready; the old ones no longer work.').waitFor();

    // Off, confirmed with a code from the app.
    await section.getByRole('button', { name: 'Turn off' }).click();
    await section.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await section.getByLabel('Code from your app, or a recovery code').fill(await nextStepCode(secret));
    await section.getByRole('button', { name: 'Turn off two-factor authentication' }).click();
    await section.getByText('Two-factor authentication is off.').waitFor();
    expect(await section.getByText('Off', { exact: true }).count()).toBe(1);

    // And a new password, checked against the current one and the repeat.
    const password = page.getByRole('region', { name: 'Password' });
    await password.getByLabel('Current password').fill(PASSWORD);
    await password.getByLabel('New password', { exact: true }).fill('Lantern-Basalt-Mosaic-58');
    await password.getByLabel('Repeat the new password').fill('Lantern-Basalt-Mosaic-59');
    await password.getByRole('button', { name: 'Change password' }).click();
    await password.getByText('The two passwords are not the same.').waitFor();
    expect(await focusedLabel(page)).toBe('input:Repeat the new password');
    await password.getByLabel('Repeat the new password').fill('Lantern-Basalt-Mosaic-58');
    await password.getByRole('button', { name: 'Change password' }).click();
    await password.getByText('Your password was changed. Every other session was signed out.').waitFor();
    await expectNoProblems(tab, [401]);
  }, JOURNEY_MS);

  it('ignores a return address that leaves the site', async () => {
    const email = uniqueEmail('redirect');
    await people!.signUp(email);
    const tab = await newPage();
    const { page } = tab;
    for (const next of ['//evil.example/steal', 'https://evil.example/', '/\\evil.example']) {
      await page.goto(`/login?next=${encodeURIComponent(next)}`);
      await signInWithPassword(page, email);
      await heading(page, 'Workspaces').waitFor();
      expect(page.url(), next).toBe(`${baseUrl}/workspaces`);
      await page.getByRole('button', { name: 'Sign out', exact: true }).click();
      await heading(page, 'Sign in').waitFor();
    }
    await expectNoProblems(tab);
  }, JOURNEY_MS);

  it('refreshes an expired access token once for parallel requests and across tabs, and the session survives', async () => {
    const email = uniqueEmail('refresh');
    const person = await people!.signUp(email);
    const tab = await newPage();
    const { page } = tab;
    await page.goto('/login');
    await signInWithPassword(page, email);
    await heading(page, 'Workspaces').waitFor();
    const refreshes: string[] = [];
    page.context().on('request', (request) => {
      if (request.url().endsWith('/api/auth/refresh')) refreshes.push(request.url());
    });

    // The access cookie expires (the browser drops it); the refresh cookie stays. The members page
    // then asks for members and invitations at once: both get 401, one refresh serves both.
    await page.context().clearCookies({ name: '__Host-tl_access' });
    await page.getByRole('link', { name: `${person.email.split('@')[0]}'s workspace` }).click();
    await page.getByRole('navigation', { name: 'Workspace', exact: true }).getByRole('link', { name: 'Members' }).click();
    await page.getByRole('row').filter({ hasText: email }).waitFor();
    await page.getByRole('region', { name: 'Pending invitations' }).getByText('No invitations are waiting').waitFor();
    expect(refreshes, 'one refresh for two parallel requests').toHaveLength(1);

    // Again, with two tabs loading at the same moment: the Web Lock lets one refresh, the other reuses it.
    await page.context().clearCookies({ name: '__Host-tl_access' });
    const second = await page.context().newPage();
    await Promise.all([page.goto('/account/sessions'), second.goto('/account/sessions')]);
    await page.getByRole('row').filter({ hasText: 'This device' }).waitFor();
    await second.getByRole('row').filter({ hasText: 'This device' }).waitFor();
    expect(refreshes, 'one more refresh for both tabs').toHaveLength(2);

    // Had a refresh token been presented twice, the server would have ended the session.
    await page.reload();
    await page.getByRole('row').filter({ hasText: 'This device' }).waitFor();
    expect(page.url()).toBe(`${baseUrl}/account/sessions`);
    // The expected 401s (before the refresh) are the only console errors.
    await expectNoProblems(tab, [401]);
    await second.close();
  }, JOURNEY_MS);

  it('adds a passkey, then uses it as the second step and on its own, renames and removes it', async () => {
    const email = uniqueEmail('passkey');
    await people!.signUp(email);
    const tab = await newPage();
    const { page } = tab;
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('WebAuthn.enable', { enableUI: false });
    await cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true },
    });

    await page.goto('/login');
    await signInWithPassword(page, email);
    await heading(page, 'Workspaces').waitFor();
    await page.goto('/account/security');
    const section = page.getByRole('region', { name: 'Passkeys' });
    await section.getByText('You have no passkeys yet.').waitFor();
    await section.getByLabel('Name for the new passkey').fill('Test laptop');
    await section.getByRole('button', { name: 'Add a passkey' }).click();
    await section.getByText('Passkey “Test laptop” added.').waitFor();
    await section.getByText('Test laptop', { exact: true }).waitFor();

    // With a passkey, a password sign-in asks for it as the second step; focus is on its button.
    await page.getByRole('button', { name: 'Sign out', exact: true }).click();
    await heading(page, 'Sign in').waitFor();
    await signInWithPassword(page, email);
    await heading(page, 'Two-factor authentication').waitFor();
    expect(await focusedLabel(page)).toBe('button:Use my passkey');
    expect(await page.getByLabel('Recovery code').count(), 'no recovery codes without TOTP').toBe(0);
    await page.keyboard.press('Enter');
    await heading(page, 'Workspaces').waitFor();

    // Or the passkey alone, no password.
    await page.getByRole('button', { name: 'Sign out', exact: true }).click();
    await heading(page, 'Sign in').waitFor();
    await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
    await heading(page, 'Workspaces').waitFor();
    await page.goto('/account/sessions');
    expect(await page.getByRole('row').filter({ hasText: 'This device' }).textContent()).toContain('passkey');

    await page.goto('/account/security');
    await section.getByRole('button', { name: 'Rename Test laptop' }).click();
    expect(await focusedLabel(page)).toBe('input:New name');
    await page.keyboard.press('Control+A');
    await page.keyboard.type('Work laptop');
    await page.keyboard.press('Enter');
    await section.getByText('Passkey renamed to “Work laptop”.').waitFor();
    await section.getByRole('button', { name: 'Remove Work laptop' }).click();
    await section.getByRole('button', { name: 'Remove', exact: true }).click();
    await section.getByText('Passkey “Work laptop” removed.').waitFor();
    await section.getByText('You have no passkeys yet.').waitFor();
    await expectNoProblems(tab);
  }, JOURNEY_MS);
});

describe('workspace pages', () => {
  it('invites a member who accepts from the emailed link, changes their role, and manages API keys and the audit log', async () => {
    const ownerEmail = uniqueEmail('owner');
    const memberEmail = uniqueEmail('member');
    const owner = await people!.signUp(ownerEmail, { name: 'Olivia Owner' });
    await people!.signUp(memberEmail, { name: 'Max Member' });

    const ownerTab = await newPage();
    const page = ownerTab.page;
    await page.goto('/login');
    await signInWithPassword(page, ownerEmail);
    await heading(page, 'Workspaces').waitFor();
    await page.getByRole('link', { name: "Olivia Owner's workspace" }).click();
    await heading(page, "Olivia Owner's workspace").waitFor();
    await page.getByRole('navigation', { name: 'Workspace', exact: true }).getByRole('link', { name: 'Members' }).click();

    // Invite.
    const invite = page.getByRole('region', { name: 'Invite someone' });
    await invite.getByLabel('Email address').fill(memberEmail);
    await invite.getByLabel('Role').selectOption('analyst');
    await invite.getByRole('button', { name: 'Send invitation' }).click();
    await page.getByText(`Invitation sent to ${memberEmail}.`).waitFor();
    await page.getByRole('region', { name: 'Pending invitations' }).getByText(memberEmail).waitFor();

    // The member opens the link signed out, signs in, comes back and accepts.
    const memberTab = await newPage();
    const member = memberTab.page;
    await member.goto(await linkFromMail(memberEmail, 'Invitation to'));
    expect(member.url(), 'the token left the address bar').toBe(`${baseUrl}/invitations/accept`);
    await member.getByRole('link', { name: 'Sign in to accept' }).click();
    await signInWithPassword(member, memberEmail);
    await heading(member, 'Join a workspace').waitFor();
    await member.getByRole('button', { name: 'Accept invitation' }).click();
    await heading(member, "Olivia Owner's workspace").waitFor();
    expect(await member.getByText('Your role: Analyst').count()).toBe(1);
    expect(await member.getByRole('link', { name: 'API keys' }).count(), 'analysts see no admin tabs').toBe(0);
    await expectNoProblems(memberTab);

    // The owner sees the new member and makes them an admin.
    await page.reload();
    const row = page.getByRole('row').filter({ hasText: memberEmail });
    await row.waitFor();
    await row.getByLabel('Role of Max Member').selectOption('admin');
    await row.getByRole('button', { name: 'Change role' }).click();
    await page.getByText('Max Member is now Admin.').waitFor();
    await expect.poll(async () => (await page.getByRole('region', { name: 'Pending invitations' }).textContent()) ?? '').toContain('No invitations are waiting');
    await screenshot(page, 'members');

    // API keys: created, shown once, listed by prefix, revoked.
    await page.getByRole('link', { name: 'API keys' }).click();
    await heading(page, "Olivia Owner's workspace").waitFor();
    await page.getByLabel('Key name').fill('Reporting script');
    await page.getByLabel('Access').selectOption('read');
    await page.getByRole('button', { name: 'Create key' }).click();
    await page.getByRole('heading', { name: 'Your new key “Reporting script”' }).waitFor();
    const key = ((await page.getByTestId('api-key-token').textContent()) ?? '').trim();
    expect(key.length).toBeGreaterThan(30);
    await screenshot(page, 'api-key-created');
    const viaKey = await fetch(`${baseUrl}/api/workspaces/${owner.personalWorkspaceId}`, { headers: { authorization: `Bearer ${key}` } });
    expect(viaKey.status, 'the key shown works').toBe(200);
    await page.getByRole('button', { name: 'I have stored the key' }).click();
    expect(await page.getByTestId('api-key-token').count(), 'the key is shown once').toBe(0);
    await page.getByRole('button', { name: 'Revoke Reporting script' }).click();
    await page.getByRole('button', { name: 'Revoke', exact: true }).click();
    await page.getByText('Key “Reporting script” revoked.').waitFor();
    expect((await fetch(`${baseUrl}/api/workspaces/${owner.personalWorkspaceId}`, { headers: { authorization: `Bearer ${key}` } })).status).toBe(401);

    // Audit log: the changes above, filtered, and exported.
    await page.getByRole('link', { name: 'Audit log' }).click();
    const log = page.getByRole('region', { name: 'Audit log' });
    await log.getByRole('cell', { name: 'workspace.member.role_changed' }).waitFor();
    expect(await log.getByRole('row').filter({ hasText: 'workspace.member.role_changed' }).textContent()).toContain('Olivia Owner');
    await page.getByLabel('Action').selectOption('auth.api_key.created');
    await page.getByRole('button', { name: 'Apply filter' }).click();
    await expect.poll(async () => log.getByRole('row').count()).toBe(2);
    const [csv] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'CSV' }).click()]);
    expect(csv.suggestedFilename()).toMatch(/^audit-.*\.csv$/);
    const exported = await readFile((await csv.path()) ?? '', 'utf8');
    expect(exported).toContain('auth.api_key.created');
    expect(exported).not.toContain('workspace.member.role_changed');
    await screenshot(page, 'audit-log');
    await expectNoProblems(ownerTab, [401]);
  }, JOURNEY_MS);

  it('lets an owner require 2FA, and sends a member without it to set it up with an explanation', async () => {
    const ownerEmail = uniqueEmail('strict-owner');
    const memberEmail = uniqueEmail('strict-member');
    const owner = await people!.signUp(ownerEmail, { name: 'Sam Strict' });
    const member = await people!.signUp(memberEmail, { name: 'Nora Nofactor' });
    const invited = await owner.client.post(`/api/workspaces/${owner.personalWorkspaceId}/invitations`, { email: memberEmail, role: 'viewer' });
    expect(invited.statusCode, invited.body).toBe(201);
    const link = await linkFromMail(memberEmail, 'Invitation to');
    const accepted = await member.client.post('/api/invitations/accept', { token: link.split('#token=')[1] });
    expect(accepted.statusCode, accepted.body).toBe(200);

    // The owner turns on 2FA for themselves (the page insists), then requires it.
    const ownerTab = await newPage();
    const page = ownerTab.page;
    await page.goto('/login');
    await signInWithPassword(page, ownerEmail);
    await heading(page, 'Workspaces').waitFor();
    await page.goto(`/workspaces/${owner.personalWorkspaceId}/settings`);
    const policy = page.getByRole('region', { name: 'Two-factor authentication for members' });
    await policy.getByLabel('Require two-factor authentication for all members').check();
    await policy.getByRole('button', { name: 'Save' }).click();
    await policy.getByText('Turn on two-factor authentication for your own account first.').waitFor();

    await page.goto('/account/security');
    await page.getByRole('button', { name: 'Set up two-factor authentication' }).click();
    const secret = await secretOnPage(page);
    await page.getByLabel('Authentication code').fill(await generate({ secret }));
    await page.getByRole('button', { name: 'Turn on' }).click();
    await page.getByLabel('I have saved these codes somewhere safe').check();
    await page.getByRole('button', { name: 'Done' }).click();
    await page.goto(`/workspaces/${owner.personalWorkspaceId}/settings`);
    await policy.getByLabel('Require two-factor authentication for all members').check();
    await policy.getByRole('button', { name: 'Save' }).click();
    await policy.getByText('Two-factor authentication is now required for every member.').waitFor();
    await expectNoProblems(ownerTab);

    // The member, signed in with a password only, is sent to set up 2FA.
    const memberTab = await newPage();
    const other = memberTab.page;
    await other.goto('/login');
    await signInWithPassword(other, memberEmail);
    await heading(other, 'Workspaces').waitFor();
    await other.getByRole('link', { name: "Sam Strict's workspace" }).click();
    await heading(other, 'Account security').waitFor();
    const explanation = other.getByRole('alert').filter({ hasText: 'Two-factor authentication is required' });
    await explanation.waitFor();
    expect(await explanation.textContent()).toContain('“Sam Strict\'s workspace” requires every member');
    await screenshot(other, 'mfa-required');
    // The 403 that sent them here is the only console error.
    await expectNoProblems(memberTab, [403]);
  }, JOURNEY_MS);
});

describe('emailed links', () => {
  it('resets a forgotten password from the link, which then no longer works', async () => {
    const email = uniqueEmail('reset');
    await people!.signUp(email);
    const tab = await newPage();
    const { page } = tab;
    await page.goto('/login');
    await page.getByRole('link', { name: 'Forgot your password?' }).click();
    await heading(page, 'Forgot your password?').waitFor();
    const before = (await readOutbox(testApp().outboxDir)).filter((m) => m.to === email && m.subject.startsWith('Reset')).length;
    await page.getByLabel('Email address').fill(email);
    await page.getByRole('button', { name: 'Send reset link' }).click();
    await page.getByText(`If an account uses ${email}, a reset link is on its way.`, { exact: false }).waitFor();

    const link = await linkFromMail(email, 'Reset your Throughline password', before);
    await page.goto(link);
    await heading(page, 'Choose a new password').waitFor();
    expect(page.url()).toBe(`${baseUrl}/reset-password`);
    const newPassword = 'Harbor-Quill-Saffron-77';
    await page.getByLabel('New password', { exact: true }).fill(newPassword);
    await page.getByLabel('Repeat the new password').fill(newPassword);
    await page.getByRole('button', { name: 'Set new password' }).click();
    await page.getByText('Your password was changed and every session was signed out.').waitFor();

    // The same link a second time (a fresh load, as from the email): refused, with a way to ask for another.
    await page.goto('/login');
    await page.goto(link);
    await page.getByLabel('New password', { exact: true }).fill('Another-Strong-Phrase-19');
    await page.getByLabel('Repeat the new password').fill('Another-Strong-Phrase-19');
    await page.getByRole('button', { name: 'Set new password' }).click();
    await page.getByRole('alert').filter({ hasText: 'This link or code is invalid or has expired.' }).waitFor();
    await page.getByRole('link', { name: 'Ask for a new reset link' }).waitFor();

    await page.goto('/login');
    await page.getByLabel('Email address').fill(email);
    await page.getByLabel('Password', { exact: true }).fill(newPassword);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await heading(page, 'Workspaces').waitFor();
    await expectNoProblems(tab, [400]);
  }, JOURNEY_MS);
});
