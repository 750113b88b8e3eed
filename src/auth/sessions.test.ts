// The session service under a fake clock: refresh rotation keeps a day of exchanged tokens for
// reuse detection and no more; sessions end at their absolute expiry however active.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestVault } from '../../test/support/app.js';
import { createTestDatabase, queryAsOwnerWithoutRls, type TestDatabase } from '../../test/support/database.js';
import { createAuditService } from '../audit/index.js';
import { createSessionService, type SessionService } from './sessions.js';
import { openSigningKeys } from './signing-keys.js';

const DAY = 24 * 60 * 60 * 1000;
let t: TestDatabase;
let clock = new Date('2026-03-01T00:00:00Z');
let sessions: SessionService;
const userId = randomUUID();
const client = { ip: '203.0.113.4', userAgent: null, requestId: 'test' };

beforeAll(async () => {
  t = await createTestDatabase();
  const vault = await createTestVault(t.db);
  const keys = await openSigningKeys({ db: t.db, vault, issuer: 'https://t.test', rotationDays: 90, overlapDays: 7, now: () => clock });
  sessions = createSessionService({ db: t.db, keys, audit: createAuditService({ db: t.db }), accessMinutes: 15, sessionDays: 30, now: () => clock });
  await t.db.withUser(userId, (tx) => tx.insertInto('users').values({ id: userId, email: 's@example.test', name: 'S', password_hash: null }).execute());
});
afterAll(async () => {
  await t?.close();
});

const tokensOf = async (sessionId: string) =>
  (await queryAsOwnerWithoutRls<{ n: number }>(t.owner, ['refresh_tokens'], 'SELECT count(*)::int AS n FROM refresh_tokens WHERE session_id = $1', [sessionId]))[0]?.n;

describe('refresh tokens', () => {
  it('keep a day of exchanged tokens for reuse detection, then drop them', async () => {
    const start = await sessions.start(userId, ['pwd'], client);
    let current = start.refreshToken;
    for (let i = 0; i < 3; i += 1) current = (await sessions.refresh(current, client))?.refreshToken as string;
    expect(await tokensOf(start.sessionId)).toBe(4);
    clock = new Date(clock.getTime() + 2 * DAY);
    const later = await sessions.refresh(current, client);
    expect(later).toBeDefined();
    expect(await tokensOf(start.sessionId)).toBe(2);
    // A token exchanged more than a day ago is simply unknown now; the session lives on.
    expect(await sessions.refresh(start.refreshToken, client)).toBeUndefined();
    expect(await sessions.authenticate(later?.accessToken as string)).toMatchObject({ sessionId: start.sessionId });
  });

  it('ends a session at its absolute expiry, however often it is refreshed', async () => {
    const start = await sessions.start(userId, ['pwd'], client);
    let current = start.refreshToken;
    for (let day = 0; day < 29; day += 1) {
      clock = new Date(clock.getTime() + DAY);
      const next = await sessions.refresh(current, client);
      expect(next).toBeDefined();
      current = next?.refreshToken as string;
      // The access token never outlives the session.
      expect((next?.accessExpiresAt.getTime() ?? 0) <= start.sessionExpiresAt.getTime()).toBe(true);
    }
    clock = new Date(start.sessionExpiresAt.getTime() + 1000);
    expect(await sessions.refresh(current, client)).toBeUndefined();
  });
});
