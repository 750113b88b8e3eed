// JWT signing keys: ES256 key pairs made by jose, the private half sealed under the platform data
// key (src/crypto) in `signing_keys`, the public half published at /.well-known/jwks.json.
// Guarantees: one active signing key at a time (a unique index); a new one every rotationDays; the
// previous one still verifies for overlapDays and is then deleted, private half included; tokens
// verify only with a pinned algorithm, issuer and audience, and a kid that names a live key.
import { randomBytes } from 'node:crypto';
import {
  SignJWT,
  createLocalJWKSet,
  errors as joseErrors,
  exportJWK,
  generateKeyPair,
  importJWK,
  jwtVerify,
  type CryptoKey,
  type JWK,
  type JWTPayload,
} from 'jose';
import type { Database, SystemTx } from '../db/index.js';
import type { Vault } from '../crypto/index.js';

export const JWT_ALGORITHM = 'ES256';
const DAY_MS = 24 * 60 * 60 * 1000;

export interface SigningKeyOptions {
  db: Database;
  vault: Pick<Vault, 'sealPlatformSecret' | 'openPlatformSecret'>;
  /** Token issuer and audience; the audience separates access tokens from anything else we sign. */
  issuer: string;
  rotationDays: number;
  overlapDays: number;
  now?: () => Date;
  /** Told after a scheduled rotation or retirement (to audit it). */
  onRotated?: (result: { rotated: boolean; activeKid: string; retiredKids: string[] }) => Promise<void>;
}

export interface PublicSigningKey {
  kid: string;
  createdAt: Date;
  /** Signing stopped here (null: the active key). */
  rotatedAt: Date | null;
  /** Verification stops here. */
  retireAt: Date | null;
}

export interface SigningKeyStatus {
  activeKid: string;
  keys: PublicSigningKey[];
  nextRotationAt: Date;
}

export interface SigningKeys {
  /** Signs `claims` for `audience`, valid for `ttlSeconds`, with the active key. */
  sign(claims: JWTPayload, options: { audience: string; ttlSeconds: number }): Promise<string>;
  /** @throws InvalidTokenError for any token that is not ours, not live, or not for `audience`. */
  verify(token: string, audience: string): Promise<JWTPayload>;
  /** The public keys that verify today: the active one and any still in their overlap. */
  jwks(): { keys: JWK[] };
  /** Rotates when the active key is older than rotationDays (or `force`); deletes retired keys. */
  rotate(options?: { force?: boolean }): Promise<{ rotated: boolean; activeKid: string; retiredKids: string[] }>;
  /** Re-reads the table (another process may have rotated). Cheap; call it periodically. */
  reload(): Promise<void>;
  /**
   * The scheduled step: re-reads the table and rotates only when a rotation is due or a key has
   * passed its overlap, so a healthy day costs one app-role read and no system access.
   */
  maintain(): Promise<{ rotated: boolean; activeKid: string; retiredKids: string[] }>;
  status(): SigningKeyStatus;
}

export class InvalidTokenError extends Error {
  override name = 'InvalidTokenError';
}

interface LoadedKeys {
  active: { kid: string; createdAt: Date; privateKey: CryptoKey };
  verifying: PublicSigningKey[];
  jwks: { keys: JWK[] };
  keySet: ReturnType<typeof createLocalJWKSet>;
  /** Keys past their overlap still in the table (deleted at the next rotate()). */
  stale: number;
}

const privatePlace = (kid: string) => ({ table: 'signing_keys', column: 'private_key_sealed', rowId: kid });

/** Opens the signing keys, creating the first one if there is none. Call once at start-up. */
export async function openSigningKeys(options: SigningKeyOptions): Promise<SigningKeys> {
  const { db, vault } = options;
  const now = options.now ?? (() => new Date());
  let loaded: LoadedKeys | undefined;

  async function createKey(tx: SystemTx, at: Date): Promise<string> {
    const kid = randomBytes(16).toString('base64url');
    const { publicKey, privateKey } = await generateKeyPair(JWT_ALGORITHM, { extractable: true });
    const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: JWT_ALGORITHM, use: 'sig' };
    const sealed = await vault.sealPlatformSecret(tx, privatePlace(kid), JSON.stringify(await exportJWK(privateKey)));
    await tx
      .insertInto('signing_keys')
      .values({ kid, alg: JWT_ALGORITHM, public_jwk: JSON.stringify(publicJwk), private_key_sealed: sealed, created_at: at })
      .execute();
    return kid;
  }

  async function load(): Promise<void> {
    const at = now();
    const rows = await db.withAppRole((tx) =>
      tx
        .selectFrom('signing_keys')
        .select(['kid', 'public_jwk', 'created_at', 'rotated_at', 'retire_at'])
        .orderBy('created_at', 'desc')
        .execute(),
    );
    const live = rows.filter((r) => r.retire_at === null || new Date(r.retire_at) > at);
    const activeRow = live.find((r) => r.rotated_at === null);
    if (activeRow === undefined) throw new Error('no active JWT signing key');
    let active = loaded?.active;
    if (active?.kid !== activeRow.kid) {
      // SECURITY: the private key is read by the system role only, once per key per process.
      const sealed = await db.unsafeAsSystem('auth: load the active JWT signing key', (tx) =>
        tx.selectFrom('signing_keys').select('private_key_sealed').where('kid', '=', activeRow.kid).executeTakeFirstOrThrow(),
      );
      const jwk = JSON.parse(
        await db.unsafeAsSystem('auth: open the active JWT signing key', (tx) => vault.openPlatformSecret(tx, privatePlace(activeRow.kid), sealed.private_key_sealed)),
      ) as JWK;
      active = { kid: activeRow.kid, createdAt: new Date(activeRow.created_at), privateKey: (await importJWK(jwk, JWT_ALGORITHM)) as CryptoKey };
    }
    const jwks = { keys: live.map((r) => r.public_jwk as JWK) };
    loaded = {
      active,
      verifying: live.map((r) => ({
        kid: r.kid,
        createdAt: new Date(r.created_at),
        rotatedAt: r.rotated_at === null ? null : new Date(r.rotated_at),
        retireAt: r.retire_at === null ? null : new Date(r.retire_at),
      })),
      jwks,
      keySet: createLocalJWKSet(jwks),
      stale: rows.length - live.length,
    };
  }

  async function rotate({ force = false } = {}) {
    const at = now();
    const result = await db.unsafeAsSystem('auth: rotate JWT signing keys', async (tx) => {
      // Serialises concurrent rotations (several processes, the worker): one new key at most.
      const active = await tx.selectFrom('signing_keys').select(['kid', 'created_at']).where('rotated_at', 'is', null).forUpdate().executeTakeFirst();
      const retired = await tx.deleteFrom('signing_keys').where('retire_at', '<=', at).returning('kid').execute();
      const due = active === undefined || force || at.getTime() - new Date(active.created_at).getTime() >= options.rotationDays * DAY_MS;
      if (!due) return { rotated: false, activeKid: active.kid, retiredKids: retired.map((r) => r.kid) };
      if (active !== undefined) {
        await tx
          .updateTable('signing_keys')
          .set({ rotated_at: at, retire_at: new Date(at.getTime() + options.overlapDays * DAY_MS) })
          .where('kid', '=', active.kid)
          .execute();
      }
      const kid = await createKey(tx, at);
      return { rotated: true, activeKid: kid, retiredKids: retired.map((r) => r.kid) };
    });
    await load();
    return result;
  }

  const hasActive = await db.withAppRole((tx) => tx.selectFrom('signing_keys').select('kid').where('rotated_at', 'is', null).executeTakeFirst());
  if (hasActive === undefined) await rotate();
  else await load();

  function current(): LoadedKeys {
    if (loaded === undefined) throw new Error('signing keys not loaded');
    return loaded;
  }

  return {
    async sign(claims, { audience, ttlSeconds }) {
      const { active } = current();
      const issuedAt = Math.floor(now().getTime() / 1000);
      return new SignJWT(claims)
        .setProtectedHeader({ alg: JWT_ALGORITHM, kid: active.kid, typ: 'JWT' })
        .setIssuer(options.issuer)
        .setAudience(audience)
        .setIssuedAt(issuedAt)
        .setNotBefore(issuedAt)
        .setExpirationTime(issuedAt + ttlSeconds)
        .sign(active.privateKey);
    },
    async verify(token, audience) {
      try {
        // SECURITY: the algorithm is pinned (no `none`, no HS256 keyed with our public key), the
        // key is chosen by kid among live keys only, and exp/nbf/iss/aud are all checked.
        const keys = current();
        const at = now();
        const { payload } = await jwtVerify(token, (header, jws) => {
          // A key past its overlap stops verifying at once, not at the next reload.
          const key = keys.verifying.find((k) => k.kid === header.kid);
          if (key === undefined || (key.retireAt !== null && key.retireAt <= at)) throw new joseErrors.JWKSNoMatchingKey();
          return keys.keySet(header, jws);
        }, {
          algorithms: [JWT_ALGORITHM],
          issuer: options.issuer,
          audience,
          currentDate: at,
          clockTolerance: 5,
          requiredClaims: ['exp', 'iat', 'nbf', 'sub'],
        });
        return payload;
      } catch (error) {
        if (error instanceof joseErrors.JOSEError) throw new InvalidTokenError(error.code, { cause: error });
        throw error;
      }
    },
    jwks: () => current().jwks,
    rotate,
    reload: load,
    async maintain() {
      await load();
      const { active, stale } = current();
      const due = now().getTime() - active.createdAt.getTime() >= options.rotationDays * DAY_MS;
      if (!due && stale === 0) return { rotated: false, activeKid: active.kid, retiredKids: [] };
      const result = await rotate();
      if (result.rotated || result.retiredKids.length > 0) await options.onRotated?.(result);
      return result;
    },
    status() {
      const { active, verifying } = current();
      return { activeKid: active.kid, keys: verifying, nextRotationAt: new Date(active.createdAt.getTime() + options.rotationDays * DAY_MS) };
    },
  };
}
