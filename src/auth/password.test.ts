// bcrypt at cost 12, no silent truncation at 72 bytes, and the concurrency cap.
import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
import { BCRYPT_CONCURRENCY, hashPassword, verifyPassword } from './password.js';

describe('password hashing', () => {
  it('hashes with bcrypt at cost 12 and verifies', async () => {
    const hash = await hashPassword('Glacier-Orbit-Tandem-42');
    expect(hash).toMatch(/^\$2[aby]\$12\$[./A-Za-z0-9]{53}$/);
    expect(await verifyPassword('Glacier-Orbit-Tandem-42', hash)).toBe(true);
    expect(await verifyPassword('Glacier-Orbit-Tandem-43', hash)).toBe(false);
  });

  it('refuses a password over 72 bytes instead of truncating it', async () => {
    const base = 'x'.repeat(72);
    await expect(hashPassword(`${base}y`)).rejects.toMatchObject({ code: 'request.invalid', status: 400 });
    // Multi-byte characters count in bytes: 25 × 3 bytes = 75.
    await expect(hashPassword('€'.repeat(25))).rejects.toMatchObject({ code: 'request.invalid' });
    const hash = await hashPassword(base);
    // A longer candidate sharing the 72-byte prefix does not verify (bcrypt alone would say yes).
    expect(await verifyPassword(`${base}anything`, hash)).toBe(false);
  });

  it('leaves at least one core to the event loop', () => {
    expect(BCRYPT_CONCURRENCY).toBeGreaterThanOrEqual(1);
    const cores = availableParallelism();
    expect(BCRYPT_CONCURRENCY).toBe(cores > 1 ? cores - 1 : 1);
  });

  it('still completes every queued computation, in order, when more are asked for than slots', async () => {
    const hash = await hashPassword('Glacier-Orbit-Tandem-42');
    const results = await Promise.all(Array.from({ length: BCRYPT_CONCURRENCY * 3 }, (_, i) => verifyPassword(i % 2 === 0 ? 'Glacier-Orbit-Tandem-42' : 'nope-nope-nope', hash)));
    expect(results).toEqual(results.map((_, i) => i % 2 === 0));
  });
});
