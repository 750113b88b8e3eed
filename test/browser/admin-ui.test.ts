// The platform-admin pages of the built web app (dist/web) in Debian's Chromium against the real
// server on loopback: a platform admin with TOTP reads the key status through a real KEK rotation,
// lifts address blocks that failed sign-ins caused, and filters and exports the platform audit log;
// an admin without a second factor is told what to do; anyone else finds no admin area at all. Each
// page is checked for console errors, uncaught errors and CSP violations.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { generate } from 'otplib';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AUDIT_ACTIONS, type KeysStatus } from '../../web/src/api/admin.js';
import { keyFindings, verdictOf } from '../../web/src/pages/admin/key-health.js';
import { setPlatformAdmin } from '../../src/admin/index.js';
import { auditActionSchema, createAuditService, type AuditService } from '../../src/audit/index.js';
import { createLoginGuard, type LoginGuard } from '../../src/auth/brute-force.js';
import { LocalKeyRing, createVault, type Vault } from '../../src/crypto/index.js';
import { PASSWORD, createPeople, createWorkspace, type Person } from '../support/accounts.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { TestClient } from '../support/http-client.js';
import { expectNoProblems, launchChromium, openInstrumentedPage, screenshot, type InstrumentedPage } from './chromium.js';

const BUILT_INDEX = fileURLToPath(new URL('../../dist/web/index.html', import.meta.url));
const JOURNEY_MS = 120_000;
/** Failed sign-ins from one address that get it blocked (the default, 100, would take 30 s of bcrypt). */
const IP_FAILURES = 3;
const BLOCKED_V4 = '203.0.113.9';
const BLOCKED_V6 = '2001:db8:5:6::7';
const BLOCKED_V6_PREFIX = '2001:db8:5:6::/64';

let database: TestDatabase | undefined;
let keyDir = '';
let vault: Vault | undefined;
let guard: LoginGuard | undefined;
let audit: AuditService | undefined;
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

const heading = (page: Page, name: string | RegExp) => page.getByRole('heading', { level: 1, name });
const focusedLabel = (page: Page) =>
  page.evaluate(() => {
    const active = document.activeElement;
    if (active === null) return '';
    if (active instanceof HTMLInputElement && active.labels !== null && active.labels.length > 0) return `input:${active.labels[0]?.textContent ?? ''}`;
    return `${active.tagName.toLowerCase()}:${(active.getAttribute('aria-label') ?? active.textContent ?? '').trim()}`;
  });

/** Records every request the page makes to /api/admin. */
function adminRequests(page: Page): string[] {
  const seen: string[] = [];
  page.on('request', (request) => {
    if (new URL(request.url()).pathname.startsWith('/api/admin')) seen.push(request.url());
  });
  return seen;
}

async function signIn(page: Page, person: Person): Promise<void> {
  await page.goto('/login');
  await page.getByLabel('Email address').fill(person.email);
  await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  if (person.totpSecret !== undefined) {
    await heading(page, 'Two-factor authentication').waitFor();
    // The step after the one enableTotp used: the server accepts ±30 s and refuses a step used before.
    await page.getByLabel('Authentication code').fill(await generate({ secret: person.totpSecret, epoch: Math.floor(Date.now() / 1000) + 30 }));
    await page.getByRole('button', { name: 'Verify' }).click();
  }
  await heading(page, 'Workspaces').waitFor();
}

/** A platform admin, made as `throughline admin grant` makes one; with TOTP on unless told otherwise. */
async function platformAdmin(label: string, options: { totp?: boolean } = {}): Promise<Person> {
  const person = await required(people, 'people').signUp(uniqueEmail(label), { name: `${label} staff` });
  const granted = await setPlatformAdmin(required(database, 'database').owner, required(audit, 'audit'), person.email, true, 'cli:test');
  expect(granted).toMatchObject({ found: true, changed: true });
  if (options.totp !== false) await required(people, 'people').enableTotp(person);
  return person;
}

/** Fails sign-ins from `ip` until the guard blocks it, as a password-guessing client would. */
async function blockByFailedSignIns(ip: string): Promise<void> {
  const attacker = new TestClient(required(t, 'app').app, ip);
  for (let i = 0; i < IP_FAILURES; i += 1) {
    const attempt = await attacker.post('/api/auth/login', { email: `guess-${i}-${randomBytes(3).toString('hex')}@example.com`, password: 'Not-The-Password-1' });
    expect(attempt.statusCode, attempt.body).toBe(401);
  }
  const refused = await attacker.get('/healthz');
  expect(refused.statusCode, 'the address is blocked now').toBe(429);
}

/** What the vault itself reports, to hold the page to. */
const statusOfKeys = () => required(vault, 'vault').keysStatus();

beforeAll(async () => {
  if (!existsSync(BUILT_INDEX)) {
    throw new Error(`The web app is not built (${BUILT_INDEX} is missing). Run \`npm run build:web\` before the browser tests.`);
  }
  // The app runs on this database with a vault whose KEKs live in a generated key file, so a real
  // rotation can add a KEK (as `throughline keys rotate` does in the embedded demo), and with a login
  // guard that blocks an address after IP_FAILURES failures.
  database = await createTestDatabase();
  keyDir = await mkdtemp(path.join(tmpdir(), 'throughline-admin-keys-'));
  const keyFile = path.join(keyDir, 'encryption-keys');
  const first = { id: 'k1', material: randomBytes(32) };
  await writeFile(keyFile, `${first.id}:${first.material.toString('base64')}\n`, { mode: 0o600 });
  vault = createVault({ db: database.db, keys: new LocalKeyRing([first], { source: 'generated-file', file: keyFile }) });
  await vault.registerActiveKek();
  audit = createAuditService({ db: database.db });
  guard = createLoginGuard({ db: database.db, audit, limits: { ipFailures: IP_FAILURES } });
  await guard.ready();
  t = await createTestApp({ deps: { db: database.db, vault, guard } });
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  baseUrl = `http://localhost:${(t.app.server.address() as AddressInfo).port}`;
  people = createPeople(t, 62);
  browser = await launchChromium();
});

afterEach(async () => {
  await Promise.all(openPages.splice(0).map((p) => p.close()));
});

afterAll(async () => {
  await browser?.close();
  await t?.close();
  await guard?.close();
  await database?.close();
  if (keyDir !== '') await rm(keyDir, { recursive: true, force: true });
});

describe('platform admin pages', () => {
  it('shows a healthy key ring, then a KEK rotation in progress, interrupted, and finished', async () => {
    const staff = await platformAdmin('keys');
    // Data keys for three workspaces (a workspace gets one when it first stores a secret).
    const workspaces = [staff.personalWorkspaceId, await createWorkspace(staff, 'Acme Ads'), await createWorkspace(staff, 'Beta Brand')];
    for (const workspaceId of workspaces) await required(vault, 'vault').rotateWorkspaceDek(workspaceId);
    const tab = await newPage();
    const { page } = tab;
    await signIn(page, staff);

    await page.getByRole('navigation', { name: 'Account' }).getByRole('link', { name: 'Admin' }).click();
    await heading(page, 'Encryption and signing keys').waitFor();
    expect(await page.title()).toBe('Keys — Administration — Throughline');
    const health = page.getByRole('region', { name: 'Health' });
    await health.getByRole('status').filter({ hasText: 'Healthy' }).waitFor();
    expect(await health.getByRole('list', { name: 'Findings' }).count(), 'nothing to report').toBe(0);
    const bar = page.getByRole('progressbar', { name: 'Data keys under the active KEK' });
    const before = await statusOfKeys();
    expect(before.rewrap).toEqual({ dataKeys: 4, underActiveKek: 4, remaining: 0 }); // and the platform's own
    expect(await page.getByText('All 4 data keys are wrapped by “k1”.').count()).toBe(1);
    expect(await bar.getAttribute('value')).toBe(String(Math.max(before.rewrap.dataKeys, 1)));
    const keks = page.getByRole('table', { name: 'Key-encryption keys' });
    expect(await keks.getByRole('row', { name: /k1/ }).textContent()).toContain('Active');
    const jwt = page.getByRole('table', { name: 'JWT signing keys' });
    expect(await jwt.getByRole('row').filter({ hasText: 'Signing' }).count(), 'one active signing key').toBe(1);
    await screenshot(page, 'admin-keys-healthy');
    await expectNoProblems(tab);

    // A rotation: a new KEK, one workspace's data key rotated too; nothing re-wrapped yet.
    const rotation = await required(vault, 'vault').rotateKek(new Date(), { force: true });
    expect(rotation).toMatchObject({ rotated: true, activeKekId: 'k2', previousKekId: 'k1' });
    await required(vault, 'vault').rotateWorkspaceDek(staff.personalWorkspaceId);
    const rotating = await statusOfKeys();
    expect(rotating.rewrap).toEqual({ dataKeys: 5, underActiveKek: 1, remaining: 4 });
    expect(rotating.reencryption).toEqual({ retiredDataKeys: 1, workspacesPending: 1 });
    await health.getByRole('button', { name: 'Check again' }).click();
    await health.getByRole('status').filter({ hasText: 'Rotation in progress' }).waitFor();
    const findings = health.getByRole('list', { name: 'Findings' });
    expect(await findings.textContent()).toContain(`${rotating.rewrap.remaining} of ${rotating.rewrap.dataKeys} still to do`);
    expect(await findings.textContent()).toContain('Retired data keys left: 1, in workspaces: 1');
    expect(await bar.getAttribute('value')).toBe(String(rotating.rewrap.underActiveKek));
    expect(await keks.getByRole('row', { name: /k1/ }).textContent()).toContain('Being replaced');
    expect(await keks.getByRole('row', { name: /k2/ }).textContent()).toContain('Active');

    // The worker dies after its first batch: the page shows how far it got.
    const crash = new Error('worker killed');
    await expect(required(vault, 'vault').rewrapDataKeys({ batchSize: 1, onProgress: () => Promise.reject(crash) })).rejects.toBe(crash);
    const halfway = await statusOfKeys();
    expect(halfway.rewrap.remaining).toBe(rotating.rewrap.remaining - 1);
    await health.getByRole('button', { name: 'Check again' }).click();
    await expect.poll(() => bar.getAttribute('value')).toBe(String(halfway.rewrap.underActiveKek));
    expect(await findings.textContent()).toContain(`${halfway.rewrap.remaining} of ${halfway.rewrap.dataKeys} still to do`);
    await screenshot(page, 'admin-keys-rotating');

    // Started again, it finishes; the old KEK is retired and may be removed from the ring.
    await required(vault, 'vault').rewrapDataKeys();
    await required(vault, 'vault').reencryptPendingWorkspaces();
    await health.getByRole('button', { name: 'Check again' }).click();
    await health.getByRole('status').filter({ hasText: 'Healthy' }).waitFor();
    expect(await findings.textContent()).toContain('“k1” no longer protects any data key');
    expect(await keks.getByRole('row', { name: /k1/ }).textContent()).toMatch(/Retired.*Yes$/);
    expect(await page.getByText('No value is waiting to be re-encrypted').count()).toBe(1);
    await screenshot(page, 'admin-keys-rotated');
    await page.setViewportSize({ width: 390, height: 844 });
    await screenshot(page, 'admin-keys-narrow');
    await expectNoProblems(tab);
  }, JOURNEY_MS);

  it('lists addresses blocked by failed sign-ins and unblocks them by keyboard, after a confirmation', async () => {
    await blockByFailedSignIns(BLOCKED_V4);
    await blockByFailedSignIns(BLOCKED_V6);
    const staff = await platformAdmin('blocks');
    const tab = await newPage();
    const { page } = tab;
    await signIn(page, staff);
    await page.goto('/admin');
    await heading(page, 'Encryption and signing keys').waitFor();

    // The admin tabs work from the keyboard, and focus starts on the new page's heading.
    await page.getByRole('navigation', { name: 'Administration' }).getByRole('link', { name: 'Blocked addresses' }).focus();
    await page.keyboard.press('Enter');
    await heading(page, 'Blocked addresses').waitFor();
    expect(await focusedLabel(page)).toBe('h1:Blocked addresses');
    const table = page.getByRole('table', { name: 'Blocked addresses: 2' });
    await table.waitFor();
    const v4 = table.getByRole('row', { name: new RegExp(BLOCKED_V4.replaceAll('.', '\\.')) });
    expect(await v4.textContent()).toContain(`${IP_FAILURES} failed sign-in attempts`);
    expect(await table.getByRole('row', { name: /2001:db8:5:6::\/64/ }).textContent()).toContain('every address in this /64');
    await screenshot(page, 'admin-ip-blocks');

    // Unblock the IPv4 address: the confirmation takes focus, Enter confirms.
    await page.getByRole('button', { name: `Unblock ${BLOCKED_V4}` }).focus();
    await page.keyboard.press('Enter');
    expect(await focusedLabel(page)).toBe('button:Unblock');
    expect(await page.getByRole('group', { name: `Confirm unblocking ${BLOCKED_V4}` }).textContent()).toContain('Sign-ins from it are allowed again at once.');
    await screenshot(page, 'admin-ip-blocks-confirm');
    await page.setViewportSize({ width: 390, height: 844 });
    await screenshot(page, 'admin-ip-blocks-narrow');
    await page.setViewportSize({ width: 1200, height: 900 });
    await page.keyboard.press('Enter');
    await page.getByRole('status').filter({ hasText: `${BLOCKED_V4} was unblocked.` }).waitFor();
    await page.getByRole('table', { name: 'Blocked addresses: 1' }).waitFor();
    const freed = await new TestClient(required(t, 'app').app, BLOCKED_V4).get('/healthz');
    expect(freed.statusCode, 'the server lets the address in again').toBe(200);

    // The IPv6 prefix: Cancel returns focus to its button; then unblocked (a "/" in one URL segment).
    await page.getByRole('button', { name: `Unblock ${BLOCKED_V6_PREFIX}` }).click();
    await page.keyboard.press('Tab');
    expect(await focusedLabel(page)).toBe('button:Cancel');
    await page.keyboard.press('Enter');
    expect(await focusedLabel(page)).toBe(`button:Unblock ${BLOCKED_V6_PREFIX}`);
    expect((await new TestClient(required(t, 'app').app, BLOCKED_V6).get('/healthz')).statusCode, 'cancel lifted nothing').toBe(429);
    await page.keyboard.press('Enter');
    await page.keyboard.press('Enter');
    await page.getByRole('status').filter({ hasText: `${BLOCKED_V6_PREFIX} was unblocked.` }).waitFor();
    await page.getByText('No address is blocked right now.').waitFor();
    expect((await new TestClient(required(t, 'app').app, '2001:db8:5:6::99').get('/healthz')).statusCode, 'the whole /64 is free').toBe(200);
    await screenshot(page, 'admin-ip-blocks-empty');
    await expectNoProblems(tab);
  }, JOURNEY_MS);

  it('filters the platform audit log and exports it as CSV and JSON Lines', async () => {
    const staff = await platformAdmin('audit');
    await blockByFailedSignIns('198.51.100.77');
    const unblocked = await staff.client.delete(`/api/admin/ip-blocks/198.51.100.77`);
    expect(unblocked.statusCode, unblocked.body).toBe(204);
    const tab = await newPage();
    const { page } = tab;
    await signIn(page, staff);
    await page.goto('/admin/audit');
    await heading(page, 'Platform audit log').waitFor();
    const log = page.getByRole('region', { name: 'Entries' });
    await log.getByText('security.ip.blocked', { exact: true }).first().waitFor();
    const grant = log.getByRole('row').filter({ hasText: 'admin.platform_admin.granted' }).filter({ hasText: `user ${staff.userId.slice(0, 8)}…` });
    expect(await grant.textContent(), 'the CLI grant, by its system actor').toContain('System (cli:test)');
    expect(await log.getByRole('row').filter({ hasText: 'admin.accessed' }).first().textContent(), 'this admin, as "You"').toContain('You');
    await screenshot(page, 'admin-audit');

    // Filter: only lifted blocks; what is shown is what is exported.
    await page.getByLabel('Action').selectOption('security.ip.unblocked');
    await page.getByRole('button', { name: 'Apply filter' }).click();
    await expect
      .poll(async () => (await log.getByText('security.ip.blocked', { exact: true }).count()) === 0 && (await log.getByText('security.ip.unblocked', { exact: true }).count()) > 0)
      .toBe(true);
    const shown = (await log.getByRole('row').count()) - 1;
    expect(shown).toBeGreaterThanOrEqual(1);
    expect(await log.getByRole('row').filter({ hasText: '198.51.100.77' }).textContent()).toContain('You');

    const [csv] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'CSV' }).click()]);
    expect(csv.suggestedFilename()).toMatch(/^audit-platform-\d{4}-\d{2}-\d{2}\.csv$/);
    const rows = (await readFile((await csv.path()) ?? '', 'utf8')).trim().split('\n');
    expect(rows.length - 1, 'header + the rows shown').toBe(shown);
    expect(rows.slice(1).every((row) => row.includes('security.ip.unblocked'))).toBe(true);
    expect(rows.join('\n')).toContain('198.51.100.77');

    const [jsonl] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'JSON Lines' }).click()]);
    const entries = (await readFile((await jsonl.path()) ?? '', 'utf8'))
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { action: string });
    expect(entries.map((e) => e.action)).toEqual(Array(shown).fill('security.ip.unblocked'));

    // An actor's name filters by them: here, this admin's own entries only.
    await log.getByRole('button', { name: 'You: show only this actor’s entries' }).first().click();
    await expect.poll(() => page.getByLabel('Actor ID').inputValue()).toBe(staff.userId);
    await expect.poll(async () => (await log.getByRole('row').allTextContents()).slice(1).every((row) => row.includes('You'))).toBe(true);
    await page.getByLabel('Actor ID').fill('');

    // The exports were recorded, as this admin's.
    await page.getByLabel('Action').selectOption('audit.exported');
    await page.getByRole('button', { name: 'Apply filter' }).click();
    await expect.poll(() => log.getByRole('row').filter({ hasText: 'audit.exported' }).count()).toBe(2);
    await expectNoProblems(tab);
  }, JOURNEY_MS);

  it('tells an admin whose session has no second factor how to get one, without calling the admin API', async () => {
    const staff = await platformAdmin('no-2fa', { totp: false });
    const tab = await newPage();
    const { page } = tab;
    const requests = adminRequests(page);
    await signIn(page, staff);
    await page.getByRole('navigation', { name: 'Account' }).getByRole('link', { name: 'Admin' }).click();
    await heading(page, 'Encryption and signing keys').waitFor();
    const alert = page.getByRole('alert').filter({ hasText: 'Platform administration needs a session that was signed in with a second factor' });
    await alert.waitFor();
    await page.getByRole('link', { name: 'Go to account security' }).waitFor();
    await screenshot(page, 'admin-needs-2fa');
    expect(requests).toEqual([]);
    await expectNoProblems(tab);
  }, JOURNEY_MS);

  it('shows no admin entry to anyone else, and the not-found page at every admin path', async () => {
    const person = await required(people, 'people').signUp(uniqueEmail('member'));
    await required(people, 'people').enableTotp(person);
    const tab = await newPage();
    const { page } = tab;
    const requests = adminRequests(page);
    await signIn(page, person);
    const accountNav = page.getByRole('navigation', { name: 'Account' });
    await accountNav.getByRole('link', { name: 'Workspaces' }).waitFor();
    expect(await accountNav.getByRole('link', { name: 'Admin' }).count()).toBe(0);
    for (const adminPath of ['/admin', '/admin/ip-blocks', '/admin/audit']) {
      await page.goto(adminPath);
      await heading(page, 'Page not found').waitFor();
      expect(await page.title(), adminPath).toBe('Page not found — Throughline');
      expect(await page.getByRole('navigation', { name: 'Administration' }).count()).toBe(0);
    }
    expect(requests, 'the page never asked the admin API').toEqual([]);
    // The server agrees: not found, exactly as for a route that does not exist.
    const asked = await person.client.get('/api/admin/ip-blocks');
    expect(asked.statusCode).toBe(404);
    await screenshot(page, 'admin-not-found');
    await expectNoProblems(tab);
  }, JOURNEY_MS);
});

describe('key health verdict', () => {
  const now = new Date('2026-03-01T12:00:00Z');
  const healthy = (): KeysStatus => ({
    encryption: {
      source: 'environment',
      activeKekId: 'k2',
      rotationDays: 180,
      nextRotationAt: '2026-08-01T00:00:00.000Z',
      rotationDue: false,
      keks: [{ id: 'k2', active: true, inRing: true, activatedAt: '2026-02-01T00:00:00.000Z', ageDays: 28, retiredAt: null, dataKeys: 5, removable: false }],
      rewrap: { dataKeys: 5, underActiveKek: 5, remaining: 0 },
      reencryption: { retiredDataKeys: 0, workspacesPending: 0 },
    },
    signing: { activeKid: 'a', nextRotationAt: '2026-05-01T00:00:00.000Z', keys: [{ kid: 'a', createdAt: '2026-02-01T00:00:00.000Z', rotatedAt: null, retireAt: null }] },
  });

  it('is healthy with nothing to report, and stays healthy with only a removable old KEK', () => {
    expect(keyFindings(healthy(), now)).toEqual([]);
    const status = healthy();
    status.encryption.keks.push({ id: 'k1', active: false, inRing: true, activatedAt: null, ageDays: null, retiredAt: '2026-02-02T00:00:00.000Z', dataKeys: 0, removable: true });
    expect(verdictOf(keyFindings(status, now))).toBe('healthy');
  });

  it('puts a KEK that data keys need but the ring lacks above everything else', () => {
    const status = healthy();
    status.encryption.rotationDue = true;
    status.encryption.rewrap = { dataKeys: 5, underActiveKek: 3, remaining: 2 };
    status.encryption.keks.push({ id: 'k1', active: false, inRing: false, activatedAt: null, ageDays: null, retiredAt: null, dataKeys: 2, removable: false });
    const findings = keyFindings(status, now);
    expect(findings.map((f) => f.kind)).toEqual(['kek-missing', 'kek-rotation-due', 'rewrap-running']);
    expect(verdictOf(findings)).toBe('critical');
  });

  it('flags a JWT signing key past its rotation date, and reports re-encryption under way as progress', () => {
    const overdue = healthy();
    overdue.signing.nextRotationAt = '2026-02-28T00:00:00.000Z';
    expect(verdictOf(keyFindings(overdue, now))).toBe('attention');
    const busy = healthy();
    busy.encryption.reencryption = { retiredDataKeys: 2, workspacesPending: 1 };
    expect(keyFindings(busy, now)).toEqual([{ severity: 'progress', kind: 'reencryption-running', retiredDataKeys: 2, workspaces: 1 }]);
    expect(verdictOf(keyFindings(busy, now))).toBe('progress');
  });

  it('offers exactly the audit actions the server knows in the platform filter', () => {
    expect([...AUDIT_ACTIONS]).toEqual(auditActionSchema.options);
  });
});
