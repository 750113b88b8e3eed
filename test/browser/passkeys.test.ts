// Passkeys in Debian's Chromium with the CDP virtual authenticator (CTAP2, internal transport,
// resident keys, user verification) against the real server on loopback: registration,
// password-less sign-in and the passkey second step, driven from a page on the app's origin with
// @simplewebauthn/browser (its UMD bundle, the library the web app uses) calling
// navigator.credentials.create/get. Nothing on the server side is simulated.
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type * as SimpleWebAuthnBrowser from '@simplewebauthn/browser';
import type { FastifyInstance } from 'fastify';
import type { Browser, BrowserContext, CDPSession, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { createAuditService } from '../../src/audit/index.js';
import { loadConfig } from '../../src/config.js';
import type { Database } from '../../src/db/index.js';
import { createLogger } from '../../src/observability/logger.js';
import { createTestVault } from '../support/app.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { launchChromium } from './chromium.js';

const SIMPLEWEBAUTHN_BROWSER = fileURLToPath(new URL('../../node_modules/@simplewebauthn/browser/dist/bundle/index.umd.min.js', import.meta.url));
const PASSWORD = 'Glacier-Orbit-Tandem-42';

let database: TestDatabase | undefined;
let app: FastifyInstance | undefined;
let browser: Browser | undefined;
let dataDir: string | undefined;
let port = 0;
/** A page on another origin of the same host: what a phishing site relaying to us would serve. */
let phishingServer: Server | undefined;
let phishingPort = 0;
const contexts: BrowserContext[] = [];

interface ApiAnswer {
  status: number;
  body: Record<string, unknown> | null;
}

declare global {
  interface Window {
    /** fetch() with the CSRF header pair, as the web app sends it. */
    api(method: 'GET' | 'POST', path: string, body?: unknown): Promise<ApiAnswer>;
    SimpleWebAuthnBrowser: typeof SimpleWebAuthnBrowser;
  }
}

/** A tab on `origin` with a virtual platform authenticator and the helpers above. */
async function openTab(origin: string): Promise<{ page: Page; cdp: CDPSession; authenticatorId: string }> {
  if (browser === undefined) throw new Error('browser not started');
  const context = await browser.newContext({ baseURL: origin });
  contexts.push(context);
  // Init scripts run through CDP before the page's own, so the page's CSP does not apply to them.
  await context.addInitScript({ path: SIMPLEWEBAUTHN_BROWSER });
  await context.addInitScript(() => {
    window.api = async (method, path, body) => {
      const csrf = document.cookie
        .split('; ')
        .find((c) => c.startsWith('__Host-csrf='))
        ?.slice('__Host-csrf='.length);
      const headers: Record<string, string> = { 'x-requested-with': 'XMLHttpRequest' };
      if (csrf !== undefined) headers['x-csrf-token'] = csrf;
      if (body !== undefined) headers['content-type'] = 'application/json';
      const response = await fetch(path, { method, headers, credentials: 'same-origin', ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
      const text = await response.text();
      return { status: response.status, body: text === '' ? null : (JSON.parse(text) as Record<string, unknown>) };
    };
  });
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send('WebAuthn.enable', { enableUI: false });
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true },
  });
  // Any document of the app's origin will do (the passkey pages are built separately); this one
  // also sets the CSRF cookie.
  const landing = await page.goto('/api/auth/csrf');
  expect(landing?.status()).toBe(200);
  return { page, cdp, authenticatorId };
}

const api = (page: Page, method: 'GET' | 'POST', path: string, body?: unknown) =>
  page.evaluate(([m, p, b]) => window.api(m, p, b), [method, path, body] as const);

/** Registers a passkey in the page's authenticator for a user signed in with a password. */
async function signUpWithPasskey(page: Page, email: string): Promise<string> {
  expect((await api(page, 'POST', '/api/auth/signup', { email, password: PASSWORD, name: 'Browser Person' })).status).toBe(202);
  const login = await api(page, 'POST', '/api/auth/login', { email, password: PASSWORD });
  expect(login.status).toBe(200);
  const added = await page.evaluate(async () => {
    const options = await window.api('POST', '/api/auth/passkeys/register/options', {});
    if (options.status !== 200) return options;
    const response = await window.SimpleWebAuthnBrowser.startRegistration({ optionsJSON: options.body as never });
    return window.api('POST', '/api/auth/passkeys/register/verify', { response, name: 'Chromium' });
  });
  expect(added.status, JSON.stringify(added.body)).toBe(201);
  return (login.body?.['user'] as { id: string }).id;
}

beforeAll(async () => {
  database = await createTestDatabase();
  dataDir = await mkdtemp(path.join(tmpdir(), 'throughline-passkeys-'));
  // No PUBLIC_URL: the development rule applies, and the RP is the page's own localhost origin.
  app = await buildApp({
    config: loadConfig({ PORT: '0', DATA_DIR: dataDir }),
    db: database.db,
    vault: await createTestVault(database.db),
    logger: createLogger({ level: 'silent' }),
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  port = (app.server.address() as AddressInfo).port;
  phishingServer = createServer((_request, response) => response.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>Sign in</title>'));
  await new Promise<void>((resolve) => phishingServer?.listen(0, '127.0.0.1', resolve));
  phishingPort = (phishingServer.address() as AddressInfo).port;
  browser = await launchChromium();
});

afterEach(async () => {
  await Promise.all(contexts.splice(0).map((c) => c.close()));
});

afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => (phishingServer === undefined ? resolve(undefined) : phishingServer.close(resolve)));
  await app?.close();
  await database?.close();
  if (dataDir !== undefined) await rm(dataDir, { recursive: true, force: true });
});

describe('passkeys in Chromium', () => {
  it('registers a resident passkey with user verification, then signs in with it alone; the assertion works once', async () => {
    const { page, cdp, authenticatorId } = await openTab(`http://localhost:${port}`);
    await signUpWithPasskey(page, 'chromium@example.test');
    const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
    expect(credentials).toHaveLength(1);
    expect(credentials[0]).toMatchObject({ rpId: 'localhost', isResidentCredential: true });
    const listed = await api(page, 'GET', '/api/auth/passkeys');
    expect((listed.body?.['passkeys'] as { id: string }[]).map((p) => p.id)).toEqual([credentials[0]?.credentialId.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')]);

    expect((await api(page, 'POST', '/api/auth/logout', {})).status).toBe(204);
    expect((await api(page, 'GET', '/api/me')).status).toBe(401);

    // Password-less: no email, no password; the authenticator offers its resident passkey.
    const options = await api(page, 'POST', '/api/auth/passkeys/login/options', {});
    expect(options.status).toBe(200);
    const challengeCookie = (await page.context().cookies()).find((c) => c.name === '__Host-tl_webauthn');
    expect(challengeCookie).toMatchObject({ httpOnly: true, secure: true, sameSite: 'Strict', path: '/' });
    expect(await page.evaluate(() => document.cookie)).not.toContain('tl_webauthn');
    const assertion = await page.evaluate((optionsJSON) => window.SimpleWebAuthnBrowser.startAuthentication({ optionsJSON: optionsJSON as never }), options.body);
    const signedIn = await api(page, 'POST', '/api/auth/passkeys/login/verify', { response: assertion });
    expect(signedIn.status, JSON.stringify(signedIn.body)).toBe(200);
    const me = await api(page, 'GET', '/api/me');
    expect(me.body).toMatchObject({ user: { email: 'chromium@example.test' }, session: { methods: ['hwk'] } });
    expect((await page.context().cookies()).some((c) => c.name === '__Host-tl_webauthn')).toBe(false);
    const after = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
    expect(after.credentials[0]?.signCount).toBeGreaterThan(credentials[0]?.signCount ?? 0);

    // The same signed answer again, with a new challenge cookie: refused.
    expect((await api(page, 'POST', '/api/auth/passkeys/login/options', {})).status).toBe(200);
    const replay = await api(page, 'POST', '/api/auth/passkeys/login/verify', { response: assertion });
    expect(replay.status).toBe(401);
  });

  it('asks for the passkey after the password and finishes with both factors', async () => {
    const { page } = await openTab(`http://localhost:${port}`);
    await signUpWithPasskey(page, 'second-step@example.test');
    expect((await api(page, 'POST', '/api/auth/logout', {})).status).toBe(204);

    const login = await api(page, 'POST', '/api/auth/login', { email: 'second-step@example.test', password: PASSWORD });
    expect(login.body).toMatchObject({ mfaRequired: true, methods: ['passkey'] });
    expect((await api(page, 'GET', '/api/me')).status).toBe(401);
    const mfaToken = login.body?.['mfaToken'] as string;
    const finished = await page.evaluate(async (token) => {
      const options = await window.api('POST', '/api/auth/login/mfa/passkey/options', { mfaToken: token });
      if (options.status !== 200) return options;
      const response = await window.SimpleWebAuthnBrowser.startAuthentication({ optionsJSON: options.body as never });
      return window.api('POST', '/api/auth/login/mfa/passkey/verify', { mfaToken: token, response });
    }, mfaToken);
    expect(finished.status, JSON.stringify(finished.body)).toBe(200);
    expect((await api(page, 'GET', '/api/me')).body).toMatchObject({ session: { methods: ['pwd', 'hwk'] } });
  });

  it('binds a passkey to its origin: an assertion a phishing page relays to the server does not sign in', async () => {
    const { page } = await openTab(`http://localhost:${port}`);
    const userId = await signUpWithPasskey(page, 'origin-bound@example.test');
    expect((await api(page, 'POST', '/api/auth/logout', {})).status).toBe(204);

    // A real-time phishing relay: the attacker's server starts a sign-in at the real one ...
    const base = `http://localhost:${port}`;
    const csrfAnswer = await fetch(`${base}/api/auth/csrf`);
    const csrf = ((await csrfAnswer.json()) as { csrfToken: string }).csrfToken;
    const relayHeaders = { 'content-type': 'application/json', 'x-requested-with': 'XMLHttpRequest', 'x-csrf-token': csrf };
    const started = await fetch(`${base}/api/auth/passkeys/login/options`, { method: 'POST', headers: { ...relayHeaders, cookie: `__Host-csrf=${csrf}` }, body: '{}' });
    const challengeCookie = started.headers.getSetCookie().find((c) => c.startsWith('__Host-tl_webauthn='))?.split(';')[0] as string;
    const options = (await started.json()) as Record<string, unknown>;
    expect(options['rpId']).toBe('localhost');

    // ... and its page, on another origin of the same host (RP IDs ignore ports, so the browser
    // lets it ask for the victim's `localhost` passkey), gets the victim's authenticator to sign.
    await page.goto(`http://localhost:${phishingPort}/`);
    const assertion = await page.evaluate((optionsJSON) => window.SimpleWebAuthnBrowser.startAuthentication({ optionsJSON: optionsJSON as never }), options);
    expect(assertion.id).toBeTruthy();

    // The genuine signature, relayed: the origin it was made on is not the server's.
    const relayed = await fetch(`${base}/api/auth/passkeys/login/verify`, {
      method: 'POST',
      headers: { ...relayHeaders, cookie: `__Host-csrf=${csrf}; ${challengeCookie}` },
      body: JSON.stringify({ response: assertion }),
    });
    expect(relayed.status).toBe(401);
    expect(relayed.headers.getSetCookie().some((c) => c.startsWith('__Host-tl_access='))).toBe(false);
    const failures = (await createAuditService({ db: database?.db as Database }).list(null, { action: 'auth.login.failed', actorId: userId })).entries;
    expect(failures.map((e) => e.details)).toEqual([{ method: 'passkey', reason: 'wrong_origin' }]);

    // The server reached as http://127.0.0.1: an IP is no RP ID, and the server says so instead
    // of letting the browser fail with a SecurityError.
    await page.goto(`http://127.0.0.1:${port}/api/auth/csrf`);
    const refused = await api(page, 'POST', '/api/auth/passkeys/login/options', {});
    expect(refused.status).toBe(400);
    expect(refused.body).toMatchObject({ error: { code: 'request.failed' } });
  });
});
