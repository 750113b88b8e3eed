// JWT signing keys: what verification refuses, and rotation with its overlap under a fake clock.
import { createHmac, randomUUID } from 'node:crypto';
import { SignJWT, UnsecuredJWT, exportJWK, generateKeyPair } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestVault } from '../../test/support/app.js';
import { createTestDatabase, queryAsOwnerWithoutRls, type TestDatabase } from '../../test/support/database.js';
import type { Vault } from '../crypto/index.js';
import { InvalidTokenError, openSigningKeys, type SigningKeys } from './signing-keys.js';

const DAY = 24 * 60 * 60 * 1000;
const ISSUER = 'https://throughline.test';
const AUDIENCE = 'throughline:access';

let t: TestDatabase;
let vault: Vault;
let clock = new Date('2026-01-01T00:00:00Z');
let keys: SigningKeys;

const open = () => openSigningKeys({ db: t.db, vault, issuer: ISSUER, rotationDays: 90, overlapDays: 7, now: () => clock });
const claims = () => ({ sub: randomUUID(), sid: randomUUID() });
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

beforeAll(async () => {
  t = await createTestDatabase();
  vault = await createTestVault(t.db);
  keys = await open();
});
afterAll(async () => {
  await t?.close();
});

describe('verification', () => {
  it('accepts its own token and returns the claims', async () => {
    const c = claims();
    const token = await keys.sign(c, { audience: AUDIENCE, ttlSeconds: 900 });
    await expect(keys.verify(token, AUDIENCE)).resolves.toMatchObject({ ...c, iss: ISSUER, aud: AUDIENCE });
  });

  it('refuses alg none, HS256 keyed with the public key, and a tampered payload', async () => {
    const c = claims();
    const unsecured = new UnsecuredJWT(c).setIssuer(ISSUER).setAudience(AUDIENCE).setIssuedAt().setExpirationTime('10m').encode();
    await expect(keys.verify(unsecured, AUDIENCE)).rejects.toBeInstanceOf(InvalidTokenError);

    // Algorithm confusion: an attacker signs HS256 using our published public key as the secret.
    const jwk = keys.jwks().keys[0] as Record<string, string>;
    const header = b64({ alg: 'HS256', typ: 'JWT', kid: jwk['kid'] });
    const now = Math.floor(clock.getTime() / 1000);
    const payload = b64({ ...c, iss: ISSUER, aud: AUDIENCE, iat: now, nbf: now, exp: now + 600 });
    const signature = createHmac('sha256', JSON.stringify(jwk)).update(`${header}.${payload}`).digest('base64url');
    await expect(keys.verify(`${header}.${payload}.${signature}`, AUDIENCE)).rejects.toBeInstanceOf(InvalidTokenError);

    const good = await keys.sign(c, { audience: AUDIENCE, ttlSeconds: 900 });
    const [h, , s] = good.split('.');
    const forged = `${h}.${b64({ ...c, sub: randomUUID(), iss: ISSUER, aud: AUDIENCE, iat: now, nbf: now, exp: now + 600 })}.${s}`;
    await expect(keys.verify(forged, AUDIENCE)).rejects.toBeInstanceOf(InvalidTokenError);
  });

  it('refuses an unknown kid, another key with a known kid, the wrong audience or issuer', async () => {
    const { privateKey, publicKey } = await generateKeyPair('ES256');
    const now = Math.floor(clock.getTime() / 1000);
    const sign = (kid: string, iss = ISSUER, aud = AUDIENCE) =>
      new SignJWT(claims()).setProtectedHeader({ alg: 'ES256', kid }).setIssuer(iss).setAudience(aud).setIssuedAt(now).setNotBefore(now).setExpirationTime(now + 600).sign(privateKey);
    expect((await exportJWK(publicKey)).kty).toBe('EC');
    await expect(keys.verify(await sign('unknown-kid-123'), AUDIENCE)).rejects.toBeInstanceOf(InvalidTokenError);
    await expect(keys.verify(await sign(keys.status().activeKid), AUDIENCE)).rejects.toBeInstanceOf(InvalidTokenError);
    const ours = await keys.sign(claims(), { audience: 'throughline:other', ttlSeconds: 600 });
    await expect(keys.verify(ours, AUDIENCE)).rejects.toBeInstanceOf(InvalidTokenError);
  });

  it('refuses expired and not-yet-valid tokens', async () => {
    const token = await keys.sign(claims(), { audience: AUDIENCE, ttlSeconds: 900 });
    const issued = clock;
    clock = new Date(issued.getTime() + 16 * 60 * 1000);
    await expect(keys.verify(token, AUDIENCE)).rejects.toBeInstanceOf(InvalidTokenError);
    clock = new Date(issued.getTime() - 60 * 1000);
    await expect(keys.verify(token, AUDIENCE)).rejects.toBeInstanceOf(InvalidTokenError);
    clock = issued;
  });
});

describe('rotation', () => {
  it('keeps the private key sealed in the database', async () => {
    const rows = await queryAsOwnerWithoutRls<{ private_key_sealed: string }>(t.owner, [], 'SELECT private_key_sealed FROM signing_keys');
    expect(rows.length).toBeGreaterThan(0);
    for (const r of rows) {
      expect(r.private_key_sealed.startsWith('tlv1.')).toBe(true);
      expect(r.private_key_sealed).not.toMatch(/"d"\s*:/);
    }
  });

  it('the app role cannot read private keys', async () => {
    await expect(t.db.withAppRole((tx) => tx.selectFrom('signing_keys').select('private_key_sealed').execute())).rejects.toThrow(/permission denied/);
  });

  it('rotates after 90 days, verifies the old key for 7 more days, then deletes it', async () => {
    const before = keys.status();
    const oldToken = await keys.sign(claims(), { audience: AUDIENCE, ttlSeconds: 900 });
    clock = new Date(clock.getTime() + 89 * DAY);
    expect((await keys.rotate()).rotated).toBe(false);

    clock = new Date(clock.getTime() + 1 * DAY);
    const rotated = await keys.rotate();
    expect(rotated.rotated).toBe(true);
    expect(rotated.activeKid).not.toBe(before.activeKid);
    // New tokens carry the new kid; the JWKS publishes both keys during the overlap.
    const fresh = await keys.sign(claims(), { audience: AUDIENCE, ttlSeconds: 900 });
    expect(JSON.parse(Buffer.from(fresh.split('.')[0] as string, 'base64url').toString()).kid).toBe(rotated.activeKid);
    expect(keys.jwks().keys.map((k) => k.kid).sort()).toEqual([before.activeKid, rotated.activeKid].sort());

    // A second process opening the table sees the same state.
    const other = await open();
    expect(other.status().activeKid).toBe(rotated.activeKid);
    await expect(other.verify(fresh, AUDIENCE)).resolves.toBeDefined();

    // An old-key token signed within the overlap still verifies (its own expiry aside).
    const oldKeyToken = await signWithRetiringKey(before.activeKid);
    await expect(keys.verify(oldKeyToken, AUDIENCE)).resolves.toBeDefined();

    clock = new Date(clock.getTime() + 7 * DAY + 1000);
    await expect(keys.verify(oldKeyToken, AUDIENCE)).rejects.toBeInstanceOf(InvalidTokenError);
    await keys.rotate();
    expect(keys.jwks().keys.map((k) => k.kid)).toEqual([rotated.activeKid]);
    const left = await queryAsOwnerWithoutRls<{ kid: string }>(t.owner, [], 'SELECT kid FROM signing_keys');
    expect(left.map((r) => r.kid)).toEqual([rotated.activeKid]);
    expect(oldToken).toBeTypeOf('string');
  });

  it('maintain() rotates only when due, deletes keys past their overlap, and reports it', async () => {
    const rotations: { rotated: boolean; retiredKids: string[] }[] = [];
    const maintained = await openSigningKeys({ db: t.db, vault, issuer: ISSUER, rotationDays: 90, overlapDays: 7, now: () => clock, onRotated: async (r) => void rotations.push(r) });
    const start = maintained.status().activeKid;
    expect((await maintained.maintain()).rotated).toBe(false);
    expect(rotations).toEqual([]);
    clock = new Date(clock.getTime() + 90 * DAY);
    const due = await maintained.maintain();
    expect(due.rotated).toBe(true);
    expect(rotations).toHaveLength(1);
    clock = new Date(clock.getTime() + 8 * DAY);
    const cleanup = await maintained.maintain();
    expect(cleanup).toMatchObject({ rotated: false, retiredKids: [start] });
    expect(rotations).toHaveLength(2);
  });

  it('two rotations racing produce one new key', async () => {
    clock = new Date(clock.getTime() + 91 * DAY);
    const a = await open();
    const b = await open();
    const results = await Promise.all([a.rotate(), b.rotate()]);
    expect(results.filter((r) => r.rotated)).toHaveLength(1);
    const active = await queryAsOwnerWithoutRls<{ n: number }>(t.owner, [], 'SELECT count(*)::int AS n FROM signing_keys WHERE rotated_at IS NULL');
    expect(active[0]?.n).toBe(1);
  });
});

/** A token as a process that has not reloaded yet would still sign it: with the retiring key. */
async function signWithRetiringKey(kid: string): Promise<string> {
  const [row] = await queryAsOwnerWithoutRls<{ private_key_sealed: string }>(t.owner, [], 'SELECT private_key_sealed FROM signing_keys WHERE kid = $1', [kid]);
  const jwk = JSON.parse(await t.db.unsafeAsSystem('test: open a retiring key', (tx) => vault.openPlatformSecret(tx, { table: 'signing_keys', column: 'private_key_sealed', rowId: kid }, row?.private_key_sealed ?? ''))) as Record<string, string>;
  const { importJWK } = await import('jose');
  const key = await importJWK(jwk, 'ES256');
  const now = Math.floor(clock.getTime() / 1000);
  return new SignJWT(claims()).setProtectedHeader({ alg: 'ES256', kid }).setIssuer(ISSUER).setAudience(AUDIENCE).setIssuedAt(now).setNotBefore(now).setExpirationTime(now + 600).sign(key);
}
