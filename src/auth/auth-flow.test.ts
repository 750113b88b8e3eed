// Sign-up, sign-in, sessions, refresh rotation, CSRF, password change and reset, TOTP and recovery
// codes, through the real app and database (PGlite, or PostgreSQL with TEST_DATABASE_URL).
import { execFileSync } from 'node:child_process';
import { generate } from 'otplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../test/support/app.js';
import { queryAsOwnerWithoutRls } from '../../test/support/database.js';
import { TestClient, parseSetCookies } from '../../test/support/http-client.js';
import { readOutbox } from '../mail/index.js';

let t: TestApp;
let ipCounter = 10;
/** A fresh client address per test keeps the brute-force counters of one test out of the next. */
const freshClient = () => new TestClient(t.app, `198.51.100.${ipCounter++}`);
const PASSWORD = 'Glacier-Orbit-Tandem-42';

async function signup(client: TestClient, email: string, password = PASSWORD) {
  return client.post('/api/auth/signup', { email, password, name: 'Test Person' });
}

async function signedIn(email: string): Promise<TestClient> {
  const client = freshClient();
  expect((await signup(client, email)).statusCode).toBe(202);
  const login = await client.post('/api/auth/login', { email, password: PASSWORD });
  expect(login.statusCode, login.body).toBe(200);
  return client;
}

async function mailTo(email: string, subject = '') {
  // Mail is sent after the response; give it a moment.
  for (let i = 0; i < 100; i += 1) {
    const found = (await readOutbox(t.outboxDir)).filter((m) => m.to === email && m.subject.startsWith(subject));
    if (found.length > 0) return found;
    await new Promise((r) => setTimeout(r, 20));
  }
  return [];
}

const linkToken = (text: string) => /#token=([^\s]+)/.exec(text)?.[1] as string;

beforeAll(async () => {
  t = await createTestApp();
});
afterAll(async () => {
  await t?.close();
});

describe('CSRF', () => {
  it('refuses an unsafe request without the header pair, with a wrong token, or without X-Requested-With', async () => {
    const client = freshClient();
    const token = await client.csrf();
    const body = { email: 'nobody@example.test', password: 'whatever-123456' };
    const cases = [
      { cookie: `__Host-csrf=${token}`, headers: {} },
      { cookie: `__Host-csrf=${token}`, headers: { 'x-csrf-token': token } },
      { cookie: `__Host-csrf=${token}`, headers: { 'x-csrf-token': `${token.slice(0, -2)}xx`, 'x-requested-with': 'XMLHttpRequest' } },
      { cookie: '', headers: { 'x-csrf-token': token, 'x-requested-with': 'XMLHttpRequest' } },
    ];
    for (const c of cases) {
      const response = await t.app.inject({ method: 'POST', url: '/api/auth/login', payload: body, headers: { ...c.headers, ...(c.cookie ? { cookie: c.cookie } : {}) } });
      expect(response.statusCode).toBe(403);
      expect(response.json().error.code).toBe('auth.csrf_failed');
    }
    const ok = await client.post('/api/auth/login', body);
    expect(ok.statusCode).toBe(401);
  });

  it('sets the CSRF cookie __Host- prefixed, Secure and SameSite=Strict, readable by the page', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/api/auth/csrf' });
    const cookie = parseSetCookies(response).find((c) => c.name === '__Host-csrf');
    expect(cookie?.value).toBe(response.json().csrfToken);
    expect(cookie?.attributes).toEqual(expect.arrayContaining(['Secure', 'SameSite=Strict', 'Path=/']));
    expect(cookie?.attributes.some((a) => /^domain=/i.test(a))).toBe(false);
    expect(cookie?.attributes).not.toContain('HttpOnly');
  });
});

describe('sign-up and sign-in', () => {
  it('answers sign-up alike for a new and a taken email, and mails the owner either way', async () => {
    const client = freshClient();
    const first = await signup(client, 'dup@example.test');
    const second = await signup(client, 'DUP@example.test', 'Another-Strong-Passphrase-9');
    expect(first.statusCode).toBe(202);
    expect(second.statusCode).toBe(202);
    expect(second.json()).toEqual(first.json());
    const mails = await mailTo('dup@example.test');
    await mailTo('DUP@example.test');
    const all = (await readOutbox(t.outboxDir)).filter((m) => m.to.toLowerCase() === 'dup@example.test');
    expect(all.map((m) => m.subject).sort()).toEqual(['Confirm your email for Throughline', 'Someone tried to sign up with your email']);
    expect(mails.length).toBeGreaterThan(0);
  });

  it('refuses weak and over-long passwords with a clear 400', async () => {
    const client = freshClient();
    const weak = await signup(client, 'weak@example.test', 'password123');
    expect(weak.statusCode).toBe(400);
    expect(weak.json().error.code).toBe('auth.password_weak');
    const long = await signup(client, 'long@example.test', `${'Ab1!'.repeat(18)}x`);
    expect(long.statusCode).toBe(400);
    expect(long.json().error.message).toMatch(/72 bytes/);
  });

  it('answers a wrong password and an unknown email identically', async () => {
    const client = await signedIn('known@example.test');
    const other = freshClient();
    const wrong = await other.post('/api/auth/login', { email: 'known@example.test', password: 'Not-The-Password-1' });
    const unknown = await other.post('/api/auth/login', { email: 'unknown@example.test', password: 'Not-The-Password-1' });
    expect(wrong.statusCode).toBe(401);
    expect(unknown.statusCode).toBe(401);
    const strip = (b: { error: { requestId: string } }) => ({ ...b.error, requestId: undefined });
    expect(strip(unknown.json())).toEqual(strip(wrong.json()));
    expect(client.cookies.has('__Host-tl_access')).toBe(true);
  });

  it('sets HttpOnly, Secure, SameSite=Strict __Host- session cookies and a short-lived ES256 access token', async () => {
    const client = freshClient();
    await signup(client, 'cookies@example.test');
    const login = await client.post('/api/auth/login', { email: 'cookies@example.test', password: PASSWORD });
    const cookies = parseSetCookies(login);
    for (const name of ['__Host-tl_access', '__Host-tl_refresh']) {
      const c = cookies.find((x) => x.name === name);
      expect(c?.attributes).toEqual(expect.arrayContaining(['HttpOnly', 'Secure', 'SameSite=Strict', 'Path=/']));
    }
    expect(login.body).not.toContain(client.cookies.get('__Host-tl_access'));
    const access = client.cookies.get('__Host-tl_access') as string;
    const [header, payload] = access.split('.').slice(0, 2).map((p) => JSON.parse(Buffer.from(p, 'base64url').toString()) as Record<string, unknown>);
    expect(header?.['alg']).toBe('ES256');
    expect(typeof header?.['kid']).toBe('string');
    expect((payload?.['exp'] as number) - (payload?.['iat'] as number)).toBeLessThanOrEqual(15 * 60);
    const me = await client.get('/api/me');
    expect(me.statusCode).toBe(200);
    expect(me.json().user.email).toBe('cookies@example.test');
    expect(me.json().workspaces).toHaveLength(1);
    expect(me.json().workspaces[0].role).toBe('owner');
  });

  it('refuses /api/me without a session', async () => {
    const response = await freshClient().get('/api/me');
    expect(response.statusCode).toBe(401);
    expect(response.json().error.code).toBe('auth.unauthenticated');
  });
});

describe('brute force at sign-in', () => {
  it('locks an account+address after five failures and then refuses even the right password', async () => {
    const owner = await signedIn('locked@example.test');
    const attacker = freshClient();
    for (let i = 0; i < 5; i += 1) expect((await attacker.post('/api/auth/login', { email: 'locked@example.test', password: `Wrong-Guess-${i}-xyz` })).statusCode).toBe(401);
    const locked = await attacker.post('/api/auth/login', { email: 'locked@example.test', password: PASSWORD });
    expect(locked.statusCode).toBe(429);
    expect(locked.json().error.code).toBe('auth.locked');
    expect(Number(locked.headers['retry-after'])).toBeGreaterThan(0);
    // The lock is per account and address: the owner elsewhere is not locked out.
    expect((await owner.get('/api/me')).statusCode).toBe(200);
    expect((await freshClient().post('/api/auth/login', { email: 'locked@example.test', password: PASSWORD })).statusCode).toBe(200);
  });

  it('spends the same bcrypt work on an unknown email as on a wrong password', async () => {
    await signedIn('timing@example.test');
    const client = freshClient();
    const time = async (email: string) => {
      const started = performance.now();
      const response = await client.post('/api/auth/login', { email, password: 'Not-The-Password-1' });
      expect(response.statusCode).toBe(401);
      return performance.now() - started;
    };
    const known: number[] = [];
    const unknown: number[] = [];
    for (let i = 0; i < 2; i += 1) {
      known.push(await time('timing@example.test'));
      unknown.push(await time(`ghost-${i}@example.test`));
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
    // Without the dummy hash the unknown path skips bcrypt (~250 ms here) and answers in a few ms.
    expect(median(unknown) / median(known)).toBeGreaterThan(0.5);
  });
});

describe('sessions', () => {
  it('rotates the refresh token on use and revokes the session when an old one is replayed', async () => {
    const client = await signedIn('refresh@example.test');
    const firstRefresh = client.cookies.get('__Host-tl_refresh') as string;
    const refreshed = await client.post('/api/auth/refresh');
    expect(refreshed.statusCode).toBe(200);
    expect(client.cookies.get('__Host-tl_refresh')).not.toBe(firstRefresh);
    expect((await client.get('/api/me')).statusCode).toBe(200);

    // A thief replays the first refresh token.
    const thief = freshClient();
    thief.cookies.set('__Host-tl_refresh', firstRefresh);
    const replay = await thief.post('/api/auth/refresh');
    expect(replay.statusCode).toBe(401);
    // The whole session is gone: the owner's current tokens fail too.
    expect((await client.get('/api/me')).statusCode).toBe(401);
    expect((await client.post('/api/auth/refresh')).statusCode).toBe(401);
    const audit = await queryAsOwnerWithoutRls<{ action: string }>(t.database.owner, ['audit_log'], `SELECT action FROM audit_log WHERE action = 'auth.session.reuse_detected'`);
    expect(audit.length).toBe(1);
  });

  it('answers whether the access cookie works, without refreshing or failing', async () => {
    const client = await signedIn('probe@example.test');
    const refreshCookie = client.cookies.get('__Host-tl_refresh');
    const probe = await client.get('/api/auth/session');
    expect(probe.statusCode).toBe(200);
    expect(probe.json()).toEqual({ signedIn: true });
    expect(client.cookies.get('__Host-tl_refresh')).toBe(refreshCookie);
    const stranger = freshClient();
    expect((await stranger.get('/api/auth/session')).json()).toEqual({ signedIn: false });
    client.cookies.delete('__Host-tl_access');
    expect((await client.get('/api/auth/session')).json()).toEqual({ signedIn: false });
  });

  it('logout ends the session at once, not at token expiry', async () => {
    const client = await signedIn('logout@example.test');
    const access = client.cookies.get('__Host-tl_access') as string;
    expect((await client.post('/api/auth/logout')).statusCode).toBe(204);
    const reuse = await t.app.inject({ method: 'GET', url: '/api/me', headers: { cookie: `__Host-tl_access=${access}` } });
    expect(reuse.statusCode).toBe(401);
  });

  it('lists sessions with device and IP, and revokes one or all others', async () => {
    const a = await signedIn('multi@example.test');
    const b = freshClient();
    await b.post('/api/auth/login', { email: 'multi@example.test', password: PASSWORD }, { headers: { 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36' } });
    const list = (await a.get('/api/auth/sessions')).json().sessions as { id: string; current: boolean; device: { browser: string } | null; ip: string }[];
    expect(list).toHaveLength(2);
    expect(list.filter((s) => s.current)).toHaveLength(1);
    expect(list.some((s) => s.device?.browser === 'Chrome')).toBe(true);
    const revoked = await a.post('/api/auth/sessions/revoke-others');
    expect(revoked.json().revoked).toBe(1);
    expect((await b.get('/api/me')).statusCode).toBe(401);
    expect((await a.get('/api/me')).statusCode).toBe(200);
  });

  it('a password change keeps this session and ends every other one', async () => {
    const a = await signedIn('change@example.test');
    const b = freshClient();
    await b.post('/api/auth/login', { email: 'change@example.test', password: PASSWORD });
    const wrong = await a.post('/api/auth/password', { currentPassword: 'Wrong-Password-123', newPassword: 'Fresh-Meadow-Lantern-77' });
    expect(wrong.statusCode).toBe(401);
    const changed = await a.post('/api/auth/password', { currentPassword: PASSWORD, newPassword: 'Fresh-Meadow-Lantern-77' });
    expect(changed.statusCode, changed.body).toBe(200);
    expect((await a.get('/api/me')).statusCode).toBe(200);
    expect((await b.get('/api/me')).statusCode).toBe(401);
    const again = freshClient();
    expect((await again.post('/api/auth/login', { email: 'change@example.test', password: 'Fresh-Meadow-Lantern-77' })).statusCode).toBe(200);
  });
});

describe('email links', () => {
  it('verifies an email once; the link is single-use', async () => {
    const client = await signedIn('verify@example.test');
    expect((await client.get('/api/me')).json().user.emailVerified).toBe(false);
    const [mail] = await mailTo('verify@example.test');
    const token = linkToken(mail?.text ?? '');
    expect((await client.post('/api/auth/email/verify', { token })).statusCode).toBe(200);
    expect((await client.get('/api/me')).json().user.emailVerified).toBe(true);
    const again = await client.post('/api/auth/email/verify', { token });
    expect(again.statusCode).toBe(400);
    expect(again.json().error.code).toBe('auth.token_invalid');
  });

  it('resets a password by emailed link: single-use, ends every session, same answer for unknown emails', async () => {
    const owner = await signedIn('reset@example.test');
    const stranger = freshClient();
    const known = await stranger.post('/api/auth/password/forgot', { email: 'reset@example.test' });
    const unknown = await stranger.post('/api/auth/password/forgot', { email: 'nobody-here@example.test' });
    expect(known.statusCode).toBe(202);
    expect(unknown.json()).toEqual(known.json());
    const [reset] = await mailTo('reset@example.test', 'Reset');
    const token = linkToken(reset?.text ?? '');
    // The token is stored only as a hash.
    const rows = await queryAsOwnerWithoutRls<{ token_hash: Buffer }>(t.database.owner, ['user_tokens'], `SELECT token_hash FROM user_tokens WHERE purpose = 'reset_password'`);
    expect(rows.some((r) => Buffer.from(r.token_hash).toString('hex').includes(Buffer.from(token).toString('hex')))).toBe(false);
    const weak = await stranger.post('/api/auth/password/reset', { token, password: 'password' });
    expect(weak.statusCode).toBe(400);
    const done = await stranger.post('/api/auth/password/reset', { token, password: 'Quartz-Harbor-Violet-31' });
    expect(done.statusCode, done.body).toBe(200);
    expect((await owner.get('/api/me')).statusCode).toBe(401);
    const reuse = await stranger.post('/api/auth/password/reset', { token, password: 'Another-Quartz-Harbor-32' });
    expect(reuse.statusCode).toBe(400);
    expect((await freshClient().post('/api/auth/login', { email: 'reset@example.test', password: 'Quartz-Harbor-Violet-31' })).statusCode).toBe(200);
  });
});

describe('TOTP', () => {
  it('enables with a valid code, then asks for a second factor at sign-in; codes and recovery codes work once', async () => {
    const client = await signedIn('totp@example.test');
    const setup = await client.post('/api/auth/totp/setup');
    expect(setup.statusCode).toBe(200);
    const { secret, otpauthUri, qrCodeDataUrl } = setup.json() as { secret: string; otpauthUri: string; qrCodeDataUrl: string };
    expect(otpauthUri).toMatch(/^otpauth:\/\/totp\/Throughline:totp%40example\.test\?secret=/);
    expect(qrCodeDataUrl).toMatch(/^data:image\/svg\+xml;base64,/);
    // The secret is sealed at rest.
    const [stored] = await queryAsOwnerWithoutRls<{ totp_secret_sealed: string }>(t.database.owner, [], `SELECT totp_secret_sealed FROM users WHERE email = 'totp@example.test'`);
    expect(stored?.totp_secret_sealed.startsWith('tlv1.')).toBe(true);
    expect(stored?.totp_secret_sealed).not.toContain(secret);

    expect((await client.post('/api/auth/totp/enable', { code: '000000' })).statusCode).toBe(401);
    const enabled = await client.post('/api/auth/totp/enable', { code: await generate({ secret }) });
    expect(enabled.statusCode, enabled.body).toBe(200);
    const recoveryCodes = enabled.json().recoveryCodes as string[];
    expect(recoveryCodes).toHaveLength(10);

    const fresh = freshClient();
    const step1 = await fresh.post('/api/auth/login', { email: 'totp@example.test', password: PASSWORD });
    expect(step1.json()).toMatchObject({ mfaRequired: true });
    expect(fresh.cookies.has('__Host-tl_access')).toBe(false);
    const mfaToken = step1.json().mfaToken as string;
    // The code used to enable is burnt: the same time step is refused.
    const replay = await fresh.post('/api/auth/login/mfa', { mfaToken, code: await generate({ secret }) });
    expect(replay.statusCode).toBe(401);
    expect(replay.json().error.code).toBe('auth.mfa_invalid');
    const recovery = await fresh.post('/api/auth/login/mfa', { mfaToken, code: recoveryCodes[0] });
    expect(recovery.statusCode, recovery.body).toBe(200);
    expect((await fresh.get('/api/me')).json().session.methods).toEqual(['pwd', 'recovery']);

    const other = freshClient();
    const again = await other.post('/api/auth/login', { email: 'totp@example.test', password: PASSWORD });
    const reused = await other.post('/api/auth/login/mfa', { mfaToken: again.json().mfaToken, code: recoveryCodes[0] });
    expect(reused.statusCode).toBe(401);
  });

  it('accepts a code from Debian oathtool and stops a challenge after five wrong codes', async () => {
    let oathtool = true;
    try {
      execFileSync('oathtool', ['--version']);
    } catch {
      oathtool = false;
    }
    const client = await signedIn('oath@example.test');
    const { secret } = (await client.post('/api/auth/totp/setup')).json() as { secret: string };
    const code = oathtool ? execFileSync('oathtool', ['--totp', '-b', secret]).toString().trim() : await generate({ secret });
    expect((await client.post('/api/auth/totp/enable', { code })).statusCode).toBe(200);

    const fresh = freshClient();
    const { mfaToken } = (await fresh.post('/api/auth/login', { email: 'oath@example.test', password: PASSWORD })).json() as { mfaToken: string };
    for (let i = 0; i < 5; i += 1) expect((await fresh.post('/api/auth/login/mfa', { mfaToken, code: '123456' })).statusCode).toBe(401);
    const spent = await fresh.post('/api/auth/login/mfa', { mfaToken, code: '654321' });
    expect(spent.statusCode).toBe(400);
    expect(spent.json().error.code).toBe('auth.token_invalid');
  });

  it('disables only with the password and a valid code', async () => {
    const client = await signedIn('off@example.test');
    const { secret } = (await client.post('/api/auth/totp/setup')).json() as { secret: string };
    const enable = await client.post('/api/auth/totp/enable', { code: await generate({ secret }) });
    const codes = enable.json().recoveryCodes as string[];
    expect((await client.post('/api/auth/totp/disable', { password: 'wrong-password-x', code: codes[1] })).statusCode).toBe(401);
    expect((await client.post('/api/auth/totp/disable', { password: PASSWORD, code: '111111' })).statusCode).toBe(401);
    expect((await client.post('/api/auth/totp/disable', { password: PASSWORD, code: codes[1] })).statusCode).toBe(200);
    expect((await client.get('/api/me')).json().user.twoFactorEnabled).toBe(false);
  });
});
