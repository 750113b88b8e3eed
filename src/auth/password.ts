// Password hashing: bcrypt, cost 12, via @node-rs/bcrypt's async API (runs off the event loop).
// Guarantees: no silent truncation at bcrypt's 72-byte limit; a longer password is refused.
import { hash, verify } from '@node-rs/bcrypt';
import { AppError } from '../http/errors.js';

export const BCRYPT_COST = 12;
export const PASSWORD_MAX_BYTES = 72;

export function assertPasswordFitsBcrypt(password: string): void {
  // SECURITY: bcrypt ignores everything after 72 bytes; two passwords sharing that prefix would
  // both verify. Refuse instead of truncating.
  if (Buffer.byteLength(password, 'utf8') > PASSWORD_MAX_BYTES) {
    throw new AppError('request.invalid', {
      message: `Passwords can be at most ${PASSWORD_MAX_BYTES} bytes long.`,
      details: [{ location: 'body/password', message: `at most ${PASSWORD_MAX_BYTES} bytes (UTF-8)` }],
    });
  }
}

export async function hashPassword(password: string): Promise<string> {
  assertPasswordFitsBcrypt(password);
  return hash(password, { cost: BCRYPT_COST, rejectLongPasswords: true });
}

export async function verifyPassword(password: string, passwordHash: string): Promise<boolean> {
  if (Buffer.byteLength(password, 'utf8') > PASSWORD_MAX_BYTES) return false;
  return verify(password, passwordHash);
}
