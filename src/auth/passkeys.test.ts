// Passkeys through the real app and database (PGlite, or PostgreSQL with TEST_DATABASE_URL), with a
// software authenticator: a real P-256 key that builds and signs real WebAuthn answers (attestation
// "none"), which the server verifies with @simplewebauthn/server as it would a browser's. Attacks:
// wrong challenge, origin and RP ID, replay, another user's credential, counter regression, and an
// anonymous challenge reached from another transaction. (The browser ceremony: test/browser/passkeys.test.ts.)
import { createHash, generateKeyPairSync, randomBytes, randomUUID, sign } from 'node:crypto';
import { isoCBOR } from '@simplewebauthn/server/helpers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../test/support/app.js';
import { queryAsOwnerWithoutRls } from '../../test/support/database.js';
import { TestClient, parseSetCookies } from '../../test/support/http-client.js';
import { createAuditService } from '../audit/index.js';
import { AppError } from '../http/errors.js';
import { readOutbox } from '../mail/index.js';
import { relyingPartyFor } from './passkeys.js';
import { MFA_MAX_ATTEMPTS } from './service.js';

const PUBLIC_URL = 'https://app.throughline.test';
const ORIGIN = 'https://app.throughline.test';
const RP_ID = 'app.throughline.test';
const PASSWORD = 'Glacier-Orbit-Tandem-42';

type Json = Record<string, unknown>;
interface CreationOptions {
  challenge: string;
  rp: { id: string; name: string };
  user: { id: string; name: string; displayName: string };
  excludeCredentials?: { id: string }[];
  authenticatorSelection?: { residentKey?: string; userVerification?: string };
}
interface RequestOptions {
  challenge: string;
  rpId: string;
  allowCredentials?: { id: string }[];
  userVerification?: string;
}

const sha256 = (data: string | Uint8Array) => createHash('sha256').update(data).digest();
const b64url = (data: Uint8Array) => Buffer.from(data).toString('base64url');

/**
 * A passkey authenticator in software: what a platform authenticator does, byte for byte
 * (authenticator data, COSE key, attestation object "none", ES256 signature over
 * authenticatorData || SHA-256(clientDataJSON)). Overrides let a test forge one field at a time.
 */
class SoftAuthenticator {
  readonly credentialId = randomBytes(32);
  private readonly keys = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  /** The signature counter; advanced before each assertion unless `counts` is false. */
  counter = 0;
  /** The user handle stored with the (discoverable) credential at registration. */
  userHandle: string | undefined;

  constructor(private readonly traits: { userVerification?: boolean; counts?: boolean } = {}) {}

  get id(): string {
    return b64url(this.credentialId);
  }

  private flags(extra: number): number {
    return 0x01 /* UP */ | (this.traits.userVerification === false ? 0 : 0x04) /* UV */ | extra;
  }

  private authenticatorData(rpId: string, flags: number, attested = Buffer.alloc(0)): Buffer {
    const counter = Buffer.alloc(4);
    counter.writeUInt32BE(this.counter);
    return Buffer.concat([sha256(rpId), Buffer.from([flags]), counter, attested]);
  }

  private cosePublicKey(): Uint8Array {
    const jwk = this.keys.publicKey.export({ format: 'jwk' });
    return isoCBOR.encode(
      new Map<number, number | Uint8Array>([
        [1, 2], // kty: EC2
        [3, -7], // alg: ES256
        [-1, 1], // crv: P-256
        [-2, new Uint8Array(Buffer.from(jwk.x as string, 'base64url'))],
        [-3, new Uint8Array(Buffer.from(jwk.y as string, 'base64url'))],
      ]),
    );
  }

  create(options: CreationOptions, forge: { origin?: string; rpId?: string; challenge?: string } = {}): Json {
    this.userHandle = options.user.id;
    const clientData = Buffer.from(JSON.stringify({ type: 'webauthn.create', challenge: forge.challenge ?? options.challenge, origin: forge.origin ?? ORIGIN, crossOrigin: false }));
    const idLength = Buffer.alloc(2);
    idLength.writeUInt16BE(this.credentialId.length);
    const attested = Buffer.concat([Buffer.alloc(16) /* AAGUID */, idLength, this.credentialId, this.cosePublicKey()]);
    const authData = this.authenticatorData(forge.rpId ?? options.rp.id, this.flags(0x40 /* AT */), attested);
    const attestationObject = isoCBOR.encode(
      new Map<string, string | Map<string, string> | Uint8Array>([
        ['fmt', 'none'],
        ['attStmt', new Map<string, string>()],
        ['authData', new Uint8Array(authData)],
      ]),
    );
    return {
      id: this.id,
      rawId: this.id,
      type: 'public-key',
      authenticatorAttachment: 'platform',
      response: { clientDataJSON: b64url(clientData), attestationObject: b64url(attestationObject), transports: ['internal'] },
      clientExtensionResults: {},
    };
  }

  get(options: RequestOptions, forge: { origin?: string; rpId?: string; counter?: number; userHandle?: string | null } = {}): Json {
    if (forge.counter !== undefined) this.counter = forge.counter;
    else if (this.traits.counts !== false) this.counter += 1;
    const clientData = Buffer.from(JSON.stringify({ type: 'webauthn.get', challenge: options.challenge, origin: forge.origin ?? ORIGIN, crossOrigin: false }));
    const authData = this.authenticatorData(forge.rpId ?? options.rpId, this.flags(0));
    const signature = sign('sha256', Buffer.concat([authData, sha256(clientData)]), this.keys.privateKey);
    const userHandle = forge.userHandle === undefined ? this.userHandle : (forge.userHandle ?? undefined);
    return {
      id: this.id,
      rawId: this.id,
      type: 'public-key',
      authenticatorAttachment: 'platform',
      response: { clientDataJSON: b64url(clientData), authenticatorData: b64url(authData), signature: b64url(signature), ...(userHandle === undefined ? {} : { userHandle }) },
      clientExtensionResults: {},
    };
  }
}

let t: TestApp;
let ipCounter = 10;
const freshClient = () => new TestClient(t.app, `198.51.100.${ipCounter++}`);
const audit = () => createAuditService({ db: t.database.db });

async function signedIn(email: string): Promise<{ client: TestClient; userId: string }> {
  const client = freshClient();
  expect((await client.post('/api/auth/signup', { email, password: PASSWORD, name: 'Passkey Person' })).statusCode).toBe(202);
  const login = await client.post('/api/auth/login', { email, password: PASSWORD });
  expect(login.statusCode, login.body).toBe(200);
  return { client, userId: login.json().user.id as string };
}

async function registrationOptions(client: TestClient, body?: Json): Promise<CreationOptions> {
  const response = await client.post('/api/auth/passkeys/register/options', body);
  expect(response.statusCode, response.body).toBe(200);
  return response.json() as CreationOptions;
}

/** Signs up, signs in and registers one passkey; the authenticator keeps the credential. */
async function withPasskey(email: string, authenticator = new SoftAuthenticator()) {
  const { client, userId } = await signedIn(email);
  const options = await registrationOptions(client);
  const added = await client.post('/api/auth/passkeys/register/verify', { response: authenticator.create(options), name: 'Laptop' });
  expect(added.statusCode, added.body).toBe(201);
  return { client, userId, authenticator };
}

async function loginOptions(client: TestClient): Promise<RequestOptions> {
  const response = await client.post('/api/auth/passkeys/login/options');
  expect(response.statusCode, response.body).toBe(200);
  return response.json() as RequestOptions;
}

async function storedCounter(credentialId: string): Promise<number> {
  const [row] = await queryAsOwnerWithoutRls<{ counter: number }>(t.database.owner, [], 'SELECT counter FROM passkeys WHERE id = $1', [credentialId]);
  return Number(row?.counter);
}

beforeAll(async () => {
  t = await createTestApp({ env: { PUBLIC_URL } });
});
afterAll(async () => {
  await t?.close();
});

describe('the relying party', () => {
  it('is PUBLIC_URL whatever the request names, and without it only a localhost origin', () => {
    expect(relyingPartyFor('https://app.example.com:8443/', { protocol: 'http', host: 'evil.example' })).toEqual({ id: 'app.example.com', origin: 'https://app.example.com:8443' });
    expect(relyingPartyFor(undefined, { protocol: 'http', host: 'localhost:3000' })).toEqual({ id: 'localhost', origin: 'http://localhost:3000' });
    expect(relyingPartyFor(undefined, { protocol: 'https', host: 'dev.localhost' })).toEqual({ id: 'dev.localhost', origin: 'https://dev.localhost' });
    for (const host of ['evil.example', 'localhost.evil.example', '127.0.0.1:3000', '[::1]:3000', '']) {
      expect(() => relyingPartyFor(undefined, { protocol: 'http', host }), host).toThrow(AppError);
    }
  });
});

describe('the API contract', () => {
  it('publishes every passkey route in the OpenAPI document', async () => {
    const document = (await t.app.inject({ method: 'GET', url: '/api/openapi.json' })).json() as { paths: Record<string, Record<string, unknown>> };
    const routes = Object.entries(document.paths).flatMap(([path, methods]) => Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`));
    expect(routes).toEqual(
      expect.arrayContaining([
        'POST /api/auth/passkeys/register/options',
        'POST /api/auth/passkeys/register/verify',
        'GET /api/auth/passkeys',
        'PATCH /api/auth/passkeys/{id}',
        'DELETE /api/auth/passkeys/{id}',
        'POST /api/auth/passkeys/login/options',
        'POST /api/auth/passkeys/login/verify',
        'POST /api/auth/login/mfa/passkey/options',
        'POST /api/auth/login/mfa/passkey/verify',
      ]),
    );
  });
});

describe('adding a passkey', () => {
  it('registers a passkey for a fresh session, lists it, audits it and tells the owner by email', async () => {
    const { client, userId } = await signedIn('add@example.test');
    const options = await registrationOptions(client);
    expect(options.rp).toEqual({ id: RP_ID, name: 'Throughline' });
    expect(options.user.name).toBe('add@example.test');
    expect(options.authenticatorSelection).toMatchObject({ residentKey: 'preferred', userVerification: 'preferred' });
    const authenticator = new SoftAuthenticator();
    const added = await client.post('/api/auth/passkeys/register/verify', { response: authenticator.create(options), name: '  Work laptop ' });
    expect(added.statusCode, added.body).toBe(201);
    expect(added.json()).toMatchObject({ id: authenticator.id, name: 'Work laptop', lastUsedAt: null, deviceType: 'singleDevice', backedUp: false });

    const list = await client.get('/api/auth/passkeys');
    expect(list.json().passkeys.map((p: { id: string }) => p.id)).toEqual([authenticator.id]);
    const entries = (await audit().list(null, { action: 'auth.passkey.added', actorId: userId })).entries;
    expect(entries.map((e) => [e.result, e.targetId])).toEqual([['success', authenticator.id]]);
    await expect.poll(async () => (await readOutbox(t.outboxDir)).filter((m) => m.to === 'add@example.test' && m.subject.includes('passkey was added')).length).toBe(1);

    // The next registration excludes the authenticator that holds a passkey already.
    const again = await registrationOptions(client);
    expect(again.excludeCredentials?.map((c) => c.id)).toEqual([authenticator.id]);
    const twice = await client.post('/api/auth/passkeys/register/verify', { response: authenticator.create(again), name: 'Same one' });
    expect(twice.statusCode).toBe(409);
  });

  it('refuses a response to a challenge the server did not issue', async () => {
    const { client } = await signedIn('forged-challenge@example.test');
    const options = await registrationOptions(client);
    const response = new SoftAuthenticator().create(options, { challenge: b64url(randomBytes(32)) });
    const answer = await client.post('/api/auth/passkeys/register/verify', { response, name: 'Forged' });
    expect(answer.statusCode).toBe(400);
    expect(answer.json().error.code).toBe('auth.token_invalid');
    expect((await client.get('/api/auth/passkeys')).json().passkeys).toEqual([]);
  });

  it('refuses a response made for another origin or another RP ID, and spends the challenge on the attempt', async () => {
    const { client, userId } = await signedIn('wrong-origin@example.test');
    for (const forge of [{ origin: 'https://app.throughline.test.evil.example' }, { origin: 'http://app.throughline.test' }, { rpId: 'evil.example' }, { rpId: 'throughline.test' }]) {
      const options = await registrationOptions(client);
      const authenticator = new SoftAuthenticator();
      const refused = await client.post('/api/auth/passkeys/register/verify', { response: authenticator.create(options, forge), name: 'Phished' });
      expect(refused.statusCode, JSON.stringify(forge)).toBe(400);
      expect(refused.json().error.code).toBe('request.failed');
      // The same challenge, now answered correctly, is gone.
      const retry = await client.post('/api/auth/passkeys/register/verify', { response: authenticator.create(options), name: 'Retry' });
      expect(retry.json().error.code).toBe('auth.token_invalid');
    }
    expect((await client.get('/api/auth/passkeys')).json().passkeys).toEqual([]);
    const failures = (await audit().list(null, { action: 'auth.passkey.added', actorId: userId, result: 'failure' })).entries;
    expect(failures.map((e) => e.details['reason']).sort()).toEqual(['wrong_origin', 'wrong_origin', 'wrong_rp_id', 'wrong_rp_id']);
  });

  it('refuses a replayed registration response', async () => {
    const { client } = await signedIn('replay-register@example.test');
    const options = await registrationOptions(client);
    const response = new SoftAuthenticator().create(options);
    expect((await client.post('/api/auth/passkeys/register/verify', { response, name: 'First' })).statusCode).toBe(201);
    const replay = await client.post('/api/auth/passkeys/register/verify', { response, name: 'Replay' });
    expect(replay.statusCode).toBe(400);
    expect(replay.json().error.code).toBe('auth.token_invalid');
  });

  it("refuses a response to another user's challenge", async () => {
    const alice = await signedIn('alice-register@example.test');
    const mallory = await signedIn('mallory-register@example.test');
    const optionsOfAlice = await registrationOptions(alice.client);
    const answer = await mallory.client.post('/api/auth/passkeys/register/verify', { response: new SoftAuthenticator().create(optionsOfAlice), name: 'Stolen' });
    expect(answer.json().error.code).toBe('auth.token_invalid');
    expect((await mallory.client.get('/api/auth/passkeys')).json().passkeys).toEqual([]);
  });

  it('asks for the password (and rate-limits it) once the sign-in is older than 10 minutes', async () => {
    const { client, userId } = await signedIn('stale@example.test');
    await queryAsOwnerWithoutRls(t.database.owner, ['sessions'], `UPDATE sessions SET created_at = now() - interval '11 minutes' WHERE user_id = $1`, [userId]);
    const bare = await client.post('/api/auth/passkeys/register/options');
    expect(bare.statusCode).toBe(403);
    expect(bare.json().error.code).toBe('auth.reauthentication_required');
    const wrong = await client.post('/api/auth/passkeys/register/options', { password: 'not-the-password' });
    expect(wrong.statusCode).toBe(401);
    expect((await client.post('/api/auth/passkeys/register/options', { password: PASSWORD })).statusCode).toBe(200);
  });

  it('needs a signed-in session and the CSRF header pair', async () => {
    const anonymous = freshClient();
    expect((await anonymous.post('/api/auth/passkeys/register/options')).statusCode).toBe(401);
    expect((await anonymous.get('/api/auth/passkeys')).statusCode).toBe(401);
    const { client } = await signedIn('csrf-passkey@example.test');
    const noCsrf = await client.post('/api/auth/passkeys/register/options', undefined, { noCsrf: true });
    expect(noCsrf.statusCode).toBe(403);
    expect(noCsrf.json().error.code).toBe('auth.csrf_failed');
  });

  it('rejects bodies with unknown fields or a malformed credential', async () => {
    const { client } = await signedIn('strict-body@example.test');
    const options = await registrationOptions(client);
    const response = new SoftAuthenticator().create(options);
    expect((await client.post('/api/auth/passkeys/register/verify', { response, name: 'x', extra: true })).statusCode).toBe(400);
    expect((await client.post('/api/auth/passkeys/register/verify', { response: { ...response, id: 'short' }, name: 'x' })).statusCode).toBe(400);
    expect((await client.post('/api/auth/passkeys/register/verify', { response, name: 'x'.repeat(81) })).statusCode).toBe(400);
  });
});

describe('managing passkeys', () => {
  it("renames and removes one's own passkeys (audited), and answers 404 for another user's", async () => {
    const alice = await withPasskey('alice-manage@example.test');
    const bob = await withPasskey('bob-manage@example.test');
    const renamed = await alice.client.request('PATCH', `/api/auth/passkeys/${alice.authenticator.id}`, { body: { name: 'Phone' } });
    expect(renamed.statusCode, renamed.body).toBe(200);
    expect(renamed.json().name).toBe('Phone');

    // Bob cannot see, rename or remove Alice's passkey.
    expect((await bob.client.get('/api/auth/passkeys')).json().passkeys.map((p: { id: string }) => p.id)).toEqual([bob.authenticator.id]);
    expect((await bob.client.request('PATCH', `/api/auth/passkeys/${alice.authenticator.id}`, { body: { name: 'Mine now' } })).statusCode).toBe(404);
    expect((await bob.client.delete(`/api/auth/passkeys/${alice.authenticator.id}`)).statusCode).toBe(404);
    expect(await storedCounter(alice.authenticator.id)).toBe(0);

    expect((await alice.client.delete(`/api/auth/passkeys/${alice.authenticator.id}`)).statusCode).toBe(204);
    expect((await alice.client.get('/api/auth/passkeys')).json().passkeys).toEqual([]);
    const removed = (await audit().list(null, { action: 'auth.passkey.removed', actorId: alice.userId })).entries;
    expect(removed.map((e) => e.targetId)).toEqual([alice.authenticator.id]);
  });
});

describe('password-less sign-in', () => {
  it('signs in with a passkey alone: amr hwk, audited, and the challenge travels in a __Host- HttpOnly cookie', async () => {
    const { userId, authenticator } = await withPasskey('passwordless@example.test');
    const client = freshClient();
    const optionsResponse = await client.post('/api/auth/passkeys/login/options');
    const cookie = parseSetCookies(optionsResponse).find((c) => c.name === '__Host-tl_webauthn');
    expect(cookie?.attributes).toEqual(expect.arrayContaining(['Max-Age=300', 'Path=/', 'HttpOnly', 'Secure', 'SameSite=Strict']));
    expect(cookie?.attributes.some((a) => /^domain=/i.test(a))).toBe(false);
    const options = optionsResponse.json() as RequestOptions;
    expect(options).toMatchObject({ rpId: RP_ID, userVerification: 'required' });
    expect(options.allowCredentials ?? []).toEqual([]);

    const signedInAnswer = await client.post('/api/auth/passkeys/login/verify', { response: authenticator.get(options) });
    expect(signedInAnswer.statusCode, signedInAnswer.body).toBe(200);
    expect(signedInAnswer.json().user.id).toBe(userId);
    expect(client.cookies.has('__Host-tl_webauthn')).toBe(false);
    const me = await client.get('/api/me');
    expect(me.json().session.methods).toEqual(['hwk']);
    const logins = (await audit().list(null, { action: 'auth.login.succeeded', actorId: userId })).entries;
    expect(logins[0]?.details).toEqual({ amr: ['hwk'] });
    expect(await storedCounter(authenticator.id)).toBe(1);
    expect((await client.get('/api/auth/passkeys')).json().passkeys[0].lastUsedAt).not.toBeNull();
  });

  it('refuses a replayed assertion: the challenge works once', async () => {
    const { authenticator } = await withPasskey('replay-login@example.test');
    const client = freshClient();
    const options = await loginOptions(client);
    const assertion = authenticator.get(options);
    const cookie = client.cookies.get('__Host-tl_webauthn') as string;
    expect((await client.post('/api/auth/passkeys/login/verify', { response: assertion })).statusCode).toBe(200);
    // The same assertion with the same challenge cookie, as an eavesdropper would replay it.
    const eavesdropper = freshClient();
    eavesdropper.cookies.set('__Host-tl_webauthn', cookie);
    const replay = await eavesdropper.post('/api/auth/passkeys/login/verify', { response: assertion });
    expect(replay.statusCode).toBe(400);
    expect(replay.json().error.code).toBe('auth.token_invalid');
    // Or against a fresh challenge: it signed the old one.
    const other = freshClient();
    await loginOptions(other);
    const stale = await other.post('/api/auth/passkeys/login/verify', { response: assertion });
    expect(stale.statusCode).toBe(401);
    expect(stale.json().error.code).toBe('auth.invalid_credentials');
  });

  it('refuses an assertion made for another origin or RP ID, or with no challenge cookie', async () => {
    const { userId, authenticator } = await withPasskey('wrong-origin-login@example.test');
    for (const forge of [{ origin: 'https://evil.example' }, { rpId: 'evil.example' }]) {
      const client = freshClient();
      const options = await loginOptions(client);
      const refused = await client.post('/api/auth/passkeys/login/verify', { response: authenticator.get(options, forge) });
      expect(refused.statusCode, JSON.stringify(forge)).toBe(401);
      expect(refused.json().error.code).toBe('auth.invalid_credentials');
    }
    const failures = (await audit().list(null, { action: 'auth.login.failed', actorId: userId })).entries;
    expect(failures.map((e) => e.details)).toEqual([
      { method: 'passkey', reason: 'wrong_rp_id' },
      { method: 'passkey', reason: 'wrong_origin' },
    ]);
    const client = freshClient();
    const options = await loginOptions(client);
    client.cookies.delete('__Host-tl_webauthn');
    const noCookie = await client.post('/api/auth/passkeys/login/verify', { response: authenticator.get(options) });
    expect(noCookie.json().error.code).toBe('auth.token_invalid');
  });

  it('requires user verification without a password', async () => {
    const { userId, authenticator } = await withPasskey('no-uv@example.test', new SoftAuthenticator({ userVerification: false }));
    const client = freshClient();
    const options = await loginOptions(client);
    const refused = await client.post('/api/auth/passkeys/login/verify', { response: authenticator.get(options) });
    expect(refused.statusCode).toBe(401);
    expect((await client.get('/api/me')).statusCode).toBe(401);
    const failures = (await audit().list(null, { action: 'auth.login.failed', actorId: userId })).entries;
    expect(failures.map((e) => e.details['reason'])).toEqual(['user_not_verified']);
  });

  it('refuses a counter that goes back, keeps the stored one, and audits a possible clone', async () => {
    const { userId, authenticator } = await withPasskey('clone@example.test');
    const first = freshClient();
    expect((await first.post('/api/auth/passkeys/login/verify', { response: authenticator.get(await loginOptions(first), { counter: 7 }) })).statusCode).toBe(200);
    for (const counter of [3, 7]) {
      const clone = freshClient();
      const refused = await clone.post('/api/auth/passkeys/login/verify', { response: authenticator.get(await loginOptions(clone), { counter }) });
      expect(refused.statusCode, `counter ${counter}`).toBe(401);
    }
    expect(await storedCounter(authenticator.id)).toBe(7);
    const suspected = (await audit().list(null, { action: 'auth.passkey.clone_suspected', actorId: userId })).entries;
    expect(suspected.map((e) => [e.result, e.targetId, e.details])).toEqual([
      ['denied', authenticator.id, { storedCounter: 7, presentedCounter: 7 }],
      ['denied', authenticator.id, { storedCounter: 7, presentedCounter: 3 }],
    ]);
    const next = freshClient();
    expect((await next.post('/api/auth/passkeys/login/verify', { response: authenticator.get(await loginOptions(next), { counter: 8 }) })).statusCode).toBe(200);
  });

  it('accepts an authenticator that keeps its counter at 0 (synced passkeys do)', async () => {
    const { authenticator } = await withPasskey('zero-counter@example.test', new SoftAuthenticator({ counts: false }));
    for (let i = 0; i < 2; i += 1) {
      const client = freshClient();
      expect((await client.post('/api/auth/passkeys/login/verify', { response: authenticator.get(await loginOptions(client)) })).statusCode).toBe(200);
    }
    expect(await storedCounter(authenticator.id)).toBe(0);
  });

  it("refuses an unknown credential and a user handle that names someone else", async () => {
    const { userId, authenticator } = await withPasskey('handle@example.test');
    const other = await withPasskey('other-handle@example.test');
    const unknown = freshClient();
    expect((await unknown.post('/api/auth/passkeys/login/verify', { response: new SoftAuthenticator().get(await loginOptions(unknown)) })).statusCode).toBe(401);
    const swapped = freshClient();
    const answer = await swapped.post('/api/auth/passkeys/login/verify', { response: authenticator.get(await loginOptions(swapped), { userHandle: other.authenticator.userHandle ?? null }) });
    expect(answer.statusCode).toBe(401);
    const missing = freshClient();
    expect((await missing.post('/api/auth/passkeys/login/verify', { response: authenticator.get(await loginOptions(missing), { userHandle: null }) })).statusCode).toBe(401);
    const failures = (await audit().list(null, { action: 'auth.login.failed', actorId: userId })).entries;
    expect(failures.map((e) => e.details['reason'])).toEqual(['user_handle_mismatch', 'user_handle_mismatch']);
    const anonymous = (await audit().list(null, { action: 'auth.login.failed' })).entries.filter((e) => e.actorId === null && e.details['method'] === 'passkey');
    expect(anonymous.map((e) => e.details['reason'])).toContain('unknown_credential');
  });

  it('refuses an expired challenge', async () => {
    const { authenticator } = await withPasskey('expired@example.test');
    const client = freshClient();
    const options = await loginOptions(client);
    const id = client.cookies.get('__Host-tl_webauthn') as string;
    await queryAsOwnerWithoutRls(t.database.owner, ['webauthn_challenges'], `UPDATE webauthn_challenges SET expires_at = now() - interval '1 second' WHERE id = $1`, [id]);
    const refused = await client.post('/api/auth/passkeys/login/verify', { response: authenticator.get(options) });
    expect(refused.json().error.code).toBe('auth.token_invalid');
  });

  it('locks out an address after repeated failures with one credential, before any verification', async () => {
    const { authenticator } = await withPasskey('lockout@example.test');
    const client = freshClient();
    for (let i = 0; i < 5; i += 1) {
      const refused = await client.post('/api/auth/passkeys/login/verify', { response: authenticator.get(await loginOptions(client), { origin: 'https://evil.example' }) });
      expect(refused.statusCode).toBe(401);
    }
    const locked = await client.post('/api/auth/passkeys/login/verify', { response: authenticator.get(await loginOptions(client)) });
    expect(locked.statusCode).toBe(429);
    expect(locked.json().error.code).toBe('auth.locked');
    // Another address is not locked out by this one's failures.
    const elsewhere = freshClient();
    expect((await elsewhere.post('/api/auth/passkeys/login/verify', { response: authenticator.get(await loginOptions(elsewhere)) })).statusCode).toBe(200);
  });

  it('keeps an anonymous challenge out of reach of every transaction that does not name it', async () => {
    const client = freshClient();
    await loginOptions(client);
    const id = client.cookies.get('__Host-tl_webauthn') as string;
    const { db } = t.database;
    const count = async (rows: Promise<unknown[]>) => (await rows).length;
    expect(await db.withChallenge(id, (tx) => count(tx.selectFrom('webauthn_challenges').select('id').execute()))).toBe(1);
    expect(await db.withAppRole((tx) => count(tx.selectFrom('webauthn_challenges').select('id').execute()))).toBe(0);
    expect(await db.withUser(randomUUID(), (tx) => count(tx.selectFrom('webauthn_challenges').select('id').execute()))).toBe(0);
    expect(await db.withChallenge(randomUUID(), (tx) => count(tx.selectFrom('webauthn_challenges').select('id').execute()))).toBe(0);
    // Nor can another transaction spend it, or plant an anonymous row of another purpose.
    const spent = await db.withChallenge(randomUUID(), (tx) => tx.updateTable('webauthn_challenges').set({ used_at: new Date() }).where('id', '=', id).returning('id').execute());
    expect(spent).toEqual([]);
    const planted = randomUUID();
    await expect(
      db.withChallenge(planted, (tx) =>
        tx.insertInto('webauthn_challenges').values({ id: planted, user_id: null, purpose: 'register', challenge: 'x'.repeat(43), expires_at: new Date(Date.now() + 60_000) }).execute(),
      ),
    ).rejects.toThrow(/row-level security/);
    await expect(db.withChallenge('not-a-uuid', async () => 1)).rejects.toThrow(/UUID/);
  });
});

describe('passkey as the second step after a password', () => {
  async function passwordStep(client: TestClient, email: string) {
    const login = await client.post('/api/auth/login', { email, password: PASSWORD });
    expect(login.statusCode, login.body).toBe(200);
    return login.json() as { mfaRequired: boolean; mfaToken: string; methods: string[] };
  }
  async function secondStepOptions(client: TestClient, mfaToken: string): Promise<RequestOptions> {
    const response = await client.post('/api/auth/login/mfa/passkey/options', { mfaToken });
    expect(response.statusCode, response.body).toBe(200);
    return response.json() as RequestOptions;
  }

  it('asks a user with a passkey for it after the password, and finishes with amr pwd+hwk', async () => {
    const { userId, authenticator } = await withPasskey('second@example.test', new SoftAuthenticator({ userVerification: false }));
    const client = freshClient();
    const step = await passwordStep(client, 'second@example.test');
    expect(step).toMatchObject({ mfaRequired: true, methods: ['passkey'] });
    expect((await client.get('/api/me')).statusCode).toBe(401);
    const options = await secondStepOptions(client, step.mfaToken);
    expect(options.allowCredentials?.map((c) => c.id)).toEqual([authenticator.id]);
    expect(options.userVerification).toBe('preferred');

    const done = await client.post('/api/auth/login/mfa/passkey/verify', { mfaToken: step.mfaToken, response: authenticator.get(options) });
    expect(done.statusCode, done.body).toBe(200);
    expect(done.json().user.id).toBe(userId);
    expect((await client.get('/api/me')).json().session.methods).toEqual(['pwd', 'hwk']);
    const logins = (await audit().list(null, { action: 'auth.login.succeeded', actorId: userId })).entries;
    expect(logins[0]?.details).toEqual({ amr: ['pwd', 'hwk'] });

    // The mfaToken is spent, and with it the challenge.
    const again = await client.post('/api/auth/login/mfa/passkey/verify', { mfaToken: step.mfaToken, response: authenticator.get(options) });
    expect(again.json().error.code).toBe('auth.token_invalid');
    expect((await client.post('/api/auth/login/mfa/passkey/options', { mfaToken: step.mfaToken })).json().error.code).toBe('auth.token_invalid');
  });

  it("refuses another user's passkey, a wrong origin and a replayed assertion, and audits each", async () => {
    const alice = await withPasskey('alice-second@example.test');
    const mallory = await withPasskey('mallory-second@example.test');
    const client = freshClient();
    const step = await passwordStep(client, 'alice-second@example.test');
    const options = await secondStepOptions(client, step.mfaToken);
    const foreign = await client.post('/api/auth/login/mfa/passkey/verify', { mfaToken: step.mfaToken, response: mallory.authenticator.get(options) });
    expect(foreign.statusCode).toBe(401);
    expect(foreign.json().error.code).toBe('auth.mfa_invalid');

    const fresh = await secondStepOptions(client, step.mfaToken);
    const phished = await client.post('/api/auth/login/mfa/passkey/verify', { mfaToken: step.mfaToken, response: alice.authenticator.get(fresh, { origin: 'https://evil.example' }) });
    expect(phished.statusCode).toBe(401);
    // The phished answer spent its challenge: the genuine one for the same challenge fails too.
    const late = await client.post('/api/auth/login/mfa/passkey/verify', { mfaToken: step.mfaToken, response: alice.authenticator.get(fresh) });
    expect(late.statusCode).toBe(401);
    const failed = (await audit().list(null, { action: 'auth.mfa.failed', actorId: alice.userId })).entries;
    expect(failed.map((e) => e.details)).toEqual([{ method: 'passkey' }, { method: 'passkey' }, { method: 'passkey' }]);

    const ok = await client.post('/api/auth/login/mfa/passkey/verify', { mfaToken: step.mfaToken, response: alice.authenticator.get(await secondStepOptions(client, step.mfaToken)) });
    expect(ok.statusCode, ok.body).toBe(200);
  });

  it(`spends the sign-in after ${MFA_MAX_ATTEMPTS} failed attempts, like a wrong TOTP code`, async () => {
    const { authenticator } = await withPasskey('attempts@example.test');
    const client = freshClient();
    const step = await passwordStep(client, 'attempts@example.test');
    for (let i = 0; i < MFA_MAX_ATTEMPTS; i += 1) {
      const options = await secondStepOptions(client, step.mfaToken);
      const refused = await client.post('/api/auth/login/mfa/passkey/verify', { mfaToken: step.mfaToken, response: authenticator.get(options, { rpId: 'evil.example' }) });
      expect(refused.statusCode).toBe(401);
    }
    const options = await client.post('/api/auth/login/mfa/passkey/options', { mfaToken: step.mfaToken });
    expect(options.json().error.code).toBe('auth.token_invalid');
    const verify = await client.post('/api/auth/login/mfa/passkey/verify', { mfaToken: step.mfaToken, response: authenticator.get({ challenge: b64url(randomBytes(32)), rpId: RP_ID }) });
    expect(verify.json().error.code).toBe('auth.token_invalid');
  });

  it('refuses a forged mfaToken and offers no passkey step to a user without one', async () => {
    const client = freshClient();
    const forged = await client.post('/api/auth/login/mfa/passkey/options', { mfaToken: `${randomUUID()}.${randomUUID()}.${'A'.repeat(43)}` });
    expect(forged.json().error.code).toBe('auth.token_invalid');
    const { client: plain } = await signedIn('no-passkey@example.test');
    expect((await plain.get('/api/me')).json().session.methods).toEqual(['pwd']);
  });
});
