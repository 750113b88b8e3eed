// Password hashing: bcrypt, cost 12, via @node-rs/bcrypt's async API (runs off the event loop).
// Guarantees: no silent truncation at bcrypt's 72-byte limit; a longer password is refused; at
// most one bcrypt computation per spare core runs at a time (the rest wait their turn), so a burst
// of sign-ins cannot take every core from the event loop that serves everyone else.
import { availableParallelism } from 'node:os';
import { hash, verify } from '@node-rs/bcrypt';
import { AppError } from '../http/errors.js';

/** Concurrent bcrypt computations: every core but one, and at least one. */
export const BCRYPT_CONCURRENCY = Math.max(1, availableParallelism() - 1);
let running = 0;
const waiting: (() => void)[] = [];

async function withBcryptSlot<T>(work: () => Promise<T>): Promise<T> {
  if (running >= BCRYPT_CONCURRENCY) await new Promise<void>((resolve) => waiting.push(resolve));
  else running += 1;
  try {
    return await work();
  } finally {
    // Hand the slot straight to the next waiter (running stays the same), or free it.
    const next = waiting.shift();
    if (next === undefined) running -= 1;
    else next();
  }
}

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
  return withBcryptSlot(() => hash(password, { cost: BCRYPT_COST, rejectLongPasswords: true }));
}

export async function verifyPassword(password: string, passwordHash: string): Promise<boolean> {
  if (Buffer.byteLength(password, 'utf8') > PASSWORD_MAX_BYTES) return false;
  return withBcryptSlot(() => verify(password, passwordHash));
}
