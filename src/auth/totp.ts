// Second factor by TOTP (RFC 6238 via otplib: SHA-1, 6 digits, 30 s, as every authenticator app
// and `oathtool --totp -b` produce) and by single-use recovery codes.
// Guarantees: the secret is sealed under the platform data key (never stored or logged in plain);
// a code is accepted once per time step and never for a step at or before the last accepted one
// (checked and recorded in one UPDATE, so two concurrent uses cannot both pass); ±1 step of clock
// drift; recovery codes are 10 random 50-bit codes, stored as SHA-256, each usable once.
import { randomInt } from 'node:crypto';
import { generateSecret, generateURI, verify as verifyTotp } from 'otplib';
import QRCode from 'qrcode';
import type { Vault } from '../crypto/index.js';
import type { Database, UserTx } from '../db/index.js';
import { sha256 } from './split-token.js';

export const TOTP_ISSUER = 'Throughline';
export const RECOVERY_CODE_COUNT = 10;
const TOTP_TOLERANCE_SECONDS = 30;
const CODE = /^[0-9]{6}$/;
const RECOVERY_ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789';

const secretPlace = (userId: string) => ({ table: 'users', column: 'totp_secret_sealed', rowId: userId });

export interface TotpSetup {
  secret: string;
  otpauthUri: string;
  /** The URI as a QR code, an SVG data URL (img-src allows data:). */
  qrCodeDataUrl: string;
}

export interface TotpService {
  /** Starts (or restarts) setup: a new secret, not yet enabled. */
  setup(userId: string, email: string): Promise<TotpSetup>;
  /** Enables TOTP if `code` matches the pending secret; returns fresh recovery codes. */
  enable(userId: string, code: string): Promise<string[] | undefined>;
  /** Checks a code for an enabled user and burns its time step. */
  verify(userId: string, code: string): Promise<boolean>;
  disable(userId: string): Promise<void>;
  useRecoveryCode(userId: string, code: string): Promise<boolean>;
  regenerateRecoveryCodes(userId: string): Promise<string[]>;
  remainingRecoveryCodes(userId: string): Promise<number>;
}

export function createTotpService(deps: { db: Database; vault: Pick<Vault, 'sealUserSecret' | 'openUserSecret'>; now?: () => Date }): TotpService {
  const { db, vault } = deps;
  const epoch = () => Math.floor((deps.now?.() ?? new Date()).getTime() / 1000);

  async function check(tx: UserTx, userId: string, code: string, requireEnabled: boolean): Promise<boolean> {
    if (!CODE.test(code)) return false;
    const user = await tx
      .selectFrom('users')
      .select(['totp_secret_sealed', 'totp_enabled_at', 'totp_last_step'])
      .where('id', '=', userId)
      .forUpdate()
      .executeTakeFirst();
    if (user?.totp_secret_sealed === null || user === undefined) return false;
    if (requireEnabled && user.totp_enabled_at === null) return false;
    const secret = await vault.openUserSecret(tx, secretPlace(userId), user.totp_secret_sealed);
    const result = await verifyTotp({
      secret,
      token: code,
      epoch: epoch(),
      epochTolerance: TOTP_TOLERANCE_SECONDS,
      ...(user.totp_last_step === null ? {} : { afterTimeStep: Number(user.totp_last_step) }),
    });
    if (!result.valid || !('timeStep' in result)) return false;
    // SECURITY: the step is burnt in the same statement that checks it is newer: no replay, and
    // two requests racing with one code cannot both succeed (the row is locked FOR UPDATE above).
    const burnt = await tx
      .updateTable('users')
      .set({ totp_last_step: result.timeStep })
      .where('id', '=', userId)
      .where((eb) => eb.or([eb('totp_last_step', 'is', null), eb('totp_last_step', '<', result.timeStep)]))
      .returning('id')
      .execute();
    return burnt.length === 1;
  }

  async function replaceRecoveryCodes(tx: UserTx, userId: string): Promise<string[]> {
    const codes = Array.from({ length: RECOVERY_CODE_COUNT }, () => newRecoveryCode());
    await tx.deleteFrom('recovery_codes').where('user_id', '=', userId).execute();
    await tx
      .insertInto('recovery_codes')
      .values(codes.map((c) => ({ user_id: userId, code_hash: sha256(normaliseRecoveryCode(c)) })))
      .execute();
    return codes;
  }

  return {
    async setup(userId, email) {
      const secret = generateSecret();
      await db.withUser(userId, async (tx) => {
        const sealed = await vault.sealUserSecret(tx, secretPlace(userId), secret);
        // A pending secret replaces an earlier pending one; an enabled one is replaced only after
        // disable, so setup cannot silently swap an active second factor.
        const updated = await tx
          .updateTable('users')
          .set({ totp_secret_sealed: sealed, totp_last_step: null })
          .where('id', '=', userId)
          .where('totp_enabled_at', 'is', null)
          .returning('id')
          .execute();
        if (updated.length !== 1) throw new TotpAlreadyEnabledError();
      });
      const otpauthUri = generateURI({ issuer: TOTP_ISSUER, label: email, secret });
      const svg = await QRCode.toString(otpauthUri, { type: 'svg', errorCorrectionLevel: 'M', margin: 1 });
      return { secret, otpauthUri, qrCodeDataUrl: `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}` };
    },

    enable: (userId, code) =>
      db.withUser(userId, async (tx) => {
        if (!(await check(tx, userId, code, false))) return undefined;
        const enabled = await tx
          .updateTable('users')
          .set({ totp_enabled_at: new Date(epoch() * 1000) })
          .where('id', '=', userId)
          .where('totp_enabled_at', 'is', null)
          .returning('id')
          .execute();
        if (enabled.length !== 1) return undefined;
        return replaceRecoveryCodes(tx, userId);
      }),

    verify: (userId, code) => db.withUser(userId, (tx) => check(tx, userId, code, true)),

    disable: (userId) =>
      db.withUser(userId, async (tx) => {
        await tx.updateTable('users').set({ totp_secret_sealed: null, totp_enabled_at: null, totp_last_step: null }).where('id', '=', userId).execute();
        await tx.deleteFrom('recovery_codes').where('user_id', '=', userId).execute();
      }),

    useRecoveryCode: (userId, code) =>
      db.withUser(userId, async (tx) => {
        const used = await tx
          .updateTable('recovery_codes')
          .set({ used_at: new Date(epoch() * 1000) })
          .where('user_id', '=', userId)
          .where('code_hash', '=', sha256(normaliseRecoveryCode(code)))
          .where('used_at', 'is', null)
          .returning('id')
          .execute();
        return used.length === 1;
      }),

    regenerateRecoveryCodes: (userId) => db.withUser(userId, (tx) => replaceRecoveryCodes(tx, userId)),

    async remainingRecoveryCodes(userId) {
      const row = await db.withUser(userId, (tx) =>
        tx
          .selectFrom('recovery_codes')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('user_id', '=', userId)
          .where('used_at', 'is', null)
          .executeTakeFirstOrThrow(),
      );
      return Number(row.n);
    },
  };
}

export class TotpAlreadyEnabledError extends Error {
  override name = 'TotpAlreadyEnabledError';
}

/** `xxxxx-xxxxx`: 10 characters from a 31-letter alphabet without look-alikes (~49.5 bits). */
function newRecoveryCode(): string {
  // randomInt is uniform (no modulo bias).
  const chars = Array.from({ length: 10 }, () => RECOVERY_ALPHABET[randomInt(RECOVERY_ALPHABET.length)] as string);
  return `${chars.slice(0, 5).join('')}-${chars.slice(5).join('')}`;
}

export function normaliseRecoveryCode(code: string): string {
  return code.toLowerCase().replace(/[^a-z0-9]/g, '');
}

export function looksLikeRecoveryCode(code: string): boolean {
  return /^[a-z0-9]{10}$/.test(normaliseRecoveryCode(code)) && !CODE.test(code.trim());
}
