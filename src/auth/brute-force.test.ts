// The login guard against a real database (PGlite, or PostgreSQL with TEST_DATABASE_URL) and, when
// TEST_REDIS_URL (or REDIS_URL) answers, a real Redis shared by two guards. Time is a fake clock:
// the guard decides by the end times it stores, so hours pass in a test without waiting.
import { randomBytes, randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/support/database.js';
import { createAuditService, type AuditService } from '../audit/index.js';
import { AppError } from '../http/errors.js';
import { DEFAULT_GUARD_LIMITS, createLoginGuard, ipBlockKey, parseBlockKey, type GuardLimits, type LoginGuard } from './brute-force.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

let database: TestDatabase;
let audit: AuditService;
let clock: number;
const guards: LoginGuard[] = [];

beforeAll(async () => {
  database = await createTestDatabase();
  audit = createAuditService({ db: database.db });
});
afterAll(() => database?.close());
beforeEach(async () => {
  clock = Date.now();
  await database.owner.exec('DELETE FROM ip_blocks');
});
afterEach(async () => {
  await Promise.all(guards.splice(0).map((g) => g.close()));
});

function guard(options: { limits?: Partial<GuardLimits>; redisUrl?: string; keyPrefix?: string } = {}): LoginGuard {
  const created = createLoginGuard({ db: database.db, audit, now: () => clock, ...options });
  guards.push(created);
  return created;
}

/** The refusal assertCanAttempt threw, as code and Retry-After seconds. */
async function refusal(attempt: Promise<unknown>): Promise<{ code: string; retryAfter: number }> {
  try {
    await attempt;
  } catch (error) {
    if (error instanceof AppError) return { code: error.code, retryAfter: Number(error.headers['retry-after']) };
    throw error;
  }
  throw new Error('the attempt was allowed');
}

async function fail(g: LoginGuard, ip: string, account: string, times = 1): Promise<void> {
  for (let i = 0; i < times; i += 1) {
    await g.assertCanAttempt(ip, account);
    await g.recordFailure(ip, account, { requestId: `req-${i}`, userAgent: 'curl/8.5.0' });
  }
}

/** Fails from `ip` against `count` different accounts, so no account lock-out gets in the way. */
async function failAcrossAccounts(g: LoginGuard, ip: string, count: number, requestId = 'req-block'): Promise<void> {
  for (let i = 0; i < count; i += 1) {
    const account = `user${i}-${randomBytes(3).toString('hex')}@example.com`;
    await g.assertCanAttempt(ip, account);
    await g.recordFailure(ip, account, { requestId, userAgent: 'python-requests/2.31' });
  }
}

interface BlockRow {
  ip: string;
  strikes: number;
  blocked_until: Date;
  unblocked_at: Date | null;
  unblocked_by: string | null;
}
const blockRows = () =>
  database.owner.query<BlockRow>('SELECT ip::text AS ip, strikes, blocked_until, unblocked_at, unblocked_by::text AS unblocked_by FROM ip_blocks ORDER BY ip');

describe('account+address lock-out', () => {
  it('locks an account out from one address after 5 failures, while another account from that address and the account from elsewhere still work', async () => {
    const g = guard();
    await fail(g, '203.0.113.10', 'victim@example.com', 5);
    expect(await refusal(g.assertCanAttempt('203.0.113.10', 'victim@example.com'))).toEqual({ code: 'auth.locked', retryAfter: 60 });
    // The same account in another case is the same account.
    expect((await refusal(g.assertCanAttempt('203.0.113.10', 'Victim@Example.COM'))).code).toBe('auth.locked');
    await expect(g.assertCanAttempt('203.0.113.10', 'colleague@example.com')).resolves.toBeUndefined();
    await expect(g.assertCanAttempt('198.51.100.20', 'victim@example.com')).resolves.toBeUndefined();
    // An account lock-out is not an address block.
    expect(await g.blockedFor('203.0.113.10')).toBe(0);
  });

  it('doubles the lock-out with each further failure, up to the cap, and lets one attempt through after each', async () => {
    const g = guard();
    await fail(g, '203.0.113.11', 'victim@example.com', 5);
    const seen: number[] = [];
    for (let i = 0; i < 8; i += 1) {
      const { retryAfter } = await refusal(g.assertCanAttempt('203.0.113.11', 'victim@example.com'));
      seen.push(retryAfter);
      clock += retryAfter * 1000 + 1;
      await g.assertCanAttempt('203.0.113.11', 'victim@example.com');
      // One attempt at a time once locked before: a second one waits for the first's outcome.
      expect((await refusal(g.assertCanAttempt('203.0.113.11', 'victim@example.com'))).code).toBe('auth.locked');
      await g.recordFailure('203.0.113.11', 'victim@example.com', {});
    }
    expect(seen).toEqual([60, 120, 240, 480, 960, 1920, 3600, 3600]);
  });

  it('resets the count on success: four failures, a success and four more do not lock', async () => {
    const g = guard();
    await fail(g, '203.0.113.12', 'victim@example.com', 4);
    await g.assertCanAttempt('203.0.113.12', 'victim@example.com');
    await g.recordSuccess('203.0.113.12', 'victim@example.com');
    await fail(g, '203.0.113.12', 'victim@example.com', 4);
    await expect(g.assertCanAttempt('203.0.113.12', 'victim@example.com')).resolves.toBeUndefined();
    await g.recordFailure('203.0.113.12', 'victim@example.com', {});
    expect((await refusal(g.assertCanAttempt('203.0.113.12', 'victim@example.com'))).code).toBe('auth.locked');
  });

  it('refuses parallel attempts beyond what is left before the lock-out', async () => {
    const g = guard();
    await fail(g, '203.0.113.13', 'victim@example.com', 3);
    const burst = await Promise.allSettled(Array.from({ length: 10 }, () => g.assertCanAttempt('203.0.113.13', 'victim@example.com')));
    expect(burst.filter((r) => r.status === 'fulfilled')).toHaveLength(2);
    const refused = burst.filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => (r.reason as AppError).code);
    expect(refused).toEqual(Array(8).fill('auth.locked'));
    // The two that got through fail: now the account is locked for a minute.
    await g.recordFailure('203.0.113.13', 'victim@example.com', {});
    await g.recordFailure('203.0.113.13', 'victim@example.com', {});
    expect(await refusal(g.assertCanAttempt('203.0.113.13', 'victim@example.com'))).toEqual({ code: 'auth.locked', retryAfter: 60 });
  });

  it('leaves no extra parallel slots behind when outcomes are reported without an attempt', async () => {
    const g = guard();
    for (let i = 0; i < 3; i += 1) await g.recordSuccess('203.0.113.14', 'victim@example.com');
    const burst = await Promise.allSettled(Array.from({ length: 10 }, () => g.assertCanAttempt('203.0.113.14', 'victim@example.com')));
    expect(burst.filter((r) => r.status === 'fulfilled')).toHaveLength(5);
  });
});

describe('address blocks', () => {
  const limits = { ipFailures: 10 };

  it('blocks an address after 10 failures across accounts: persisted, audited, refused before any attempt', async () => {
    const g = guard({ limits });
    await failAcrossAccounts(g, '192.0.2.50', 9);
    expect(await g.blockedFor('192.0.2.50')).toBe(0);
    await failAcrossAccounts(g, '192.0.2.50', 1, 'req-the-tenth');

    expect(await g.blockedFor('192.0.2.50')).toBe(15 * 60);
    expect(await refusal(g.assertCanAttempt('192.0.2.50', 'fresh@example.com'))).toEqual({ code: 'auth.ip_blocked', retryAfter: 900 });
    expect(await g.blockedFor('192.0.2.51')).toBe(0);

    const rows = await blockRows();
    expect(rows).toMatchObject([{ ip: '192.0.2.50/32', strikes: 1, unblocked_at: null }]);
    expect(rows[0]?.blocked_until.getTime()).toBe(clock + 15 * MINUTE);

    const { entries } = await audit.list(null, { action: 'security.ip.blocked' });
    const entry = entries.find((e) => e.targetId === '192.0.2.50');
    expect(entry).toMatchObject({ actorKind: 'system', targetType: 'ip', ip: '192.0.2.50', requestId: 'req-the-tenth', result: 'success' });
    expect(entry?.details).toMatchObject({ strikes: 1, failures: 10, until: new Date(clock + 15 * MINUTE).toISOString() });
  });

  it("does not let a success on the attacker's own account reset the address count", async () => {
    const g = guard({ limits });
    await failAcrossAccounts(g, '192.0.2.52', 9);
    await g.assertCanAttempt('192.0.2.52', 'attacker@example.com');
    await g.recordSuccess('192.0.2.52', 'attacker@example.com');
    await failAcrossAccounts(g, '192.0.2.52', 1);
    expect(await g.blockedFor('192.0.2.52')).toBeGreaterThan(0);
  });

  it('blocks once when many failures cross the limit at the same moment', async () => {
    const g = guard({ limits });
    await failAcrossAccounts(g, '192.0.2.53', 8);
    await Promise.all(
      Array.from({ length: 6 }, async (_, i) => {
        await g.assertCanAttempt('192.0.2.53', `parallel${i}@example.com`);
        await g.recordFailure('192.0.2.53', `parallel${i}@example.com`, {});
      }),
    );
    expect(await blockRows()).toMatchObject([{ ip: '192.0.2.53/32', strikes: 1 }]);
    const { entries } = await audit.list(null, { action: 'security.ip.blocked' });
    expect(entries.filter((e) => e.targetId === '192.0.2.53')).toHaveLength(1);
  });

  it('keeps a block across a restart: a new guard on the same database refuses the address', async () => {
    await failAcrossAccounts(guard({ limits }), '192.0.2.54', 10);
    const restarted = guard({ limits });
    await restarted.ready();
    expect(await restarted.blockedFor('192.0.2.54')).toBe(15 * 60);
    expect((await refusal(restarted.assertCanAttempt('192.0.2.54', 'a@example.com'))).code).toBe('auth.ip_blocked');
  });

  it('lengthens each repeat block: 15 min, 1 h, 4 h, then 24 h for every later one', async () => {
    const g = guard({ limits });
    const seen: number[] = [];
    for (let strike = 1; strike <= 5; strike += 1) {
      await failAcrossAccounts(g, '192.0.2.55', 10);
      const seconds = await g.blockedFor('192.0.2.55');
      seen.push(seconds);
      clock += seconds * 1000 + 1;
      // An expired block is lifted without anyone doing anything.
      expect(await g.blockedFor('192.0.2.55')).toBe(0);
    }
    expect(seen).toEqual([900, 3600, 14_400, 86_400, 86_400]);
    expect(await blockRows()).toMatchObject([{ ip: '192.0.2.55/32', strikes: 5 }]);
    // Expiry is not audited: the block's own entry names its end.
    expect((await audit.list(null, { action: 'security.ip.unblocked' })).entries.filter((e) => e.targetId === '192.0.2.55')).toHaveLength(0);
  });

  it('forgets strikes 30 days after the last block ended', async () => {
    const g = guard({ limits });
    await failAcrossAccounts(g, '192.0.2.56', 10);
    clock += 15 * MINUTE + 31 * DAY;
    await failAcrossAccounts(g, '192.0.2.56', 10);
    expect(await g.blockedFor('192.0.2.56')).toBe(900);
    expect(await blockRows()).toMatchObject([{ ip: '192.0.2.56/32', strikes: 1 }]);
  });

  it('is lifted by an admin: at once, recorded with who did it, and not restored by a restart', async () => {
    const adminId = randomUUID();
    await database.owner.query('INSERT INTO users (id, email, name, is_platform_admin) VALUES ($1, $2, $3, true)', [adminId, `admin-${adminId}@example.com`, 'Admin']);
    const g = guard({ limits });
    await failAcrossAccounts(g, '192.0.2.57', 10);
    expect(await g.listBlocks()).toMatchObject([{ ip: '192.0.2.57', strikes: 1, blockedUntil: new Date(clock + 15 * MINUTE) }]);

    expect(await g.unblock('192.0.2.57', { userId: adminId, requestId: 'req-admin' })).toBe(true);
    expect(await g.blockedFor('192.0.2.57')).toBe(0);
    await expect(g.assertCanAttempt('192.0.2.57', 'a@example.com')).resolves.toBeUndefined();
    expect(await g.listBlocks()).toEqual([]);
    expect(await g.unblock('192.0.2.57', { userId: adminId })).toBe(false);

    const [row] = await blockRows();
    expect(row).toMatchObject({ ip: '192.0.2.57/32', unblocked_by: adminId });
    expect(row?.unblocked_at?.getTime()).toBe(clock);
    const { entries } = await audit.list(null, { action: 'security.ip.unblocked' });
    expect(entries.filter((e) => e.targetId === '192.0.2.57')).toMatchObject([{ actorKind: 'user', actorId: adminId, requestId: 'req-admin', details: { reason: 'admin' } }]);

    const restarted = guard({ limits });
    await restarted.ready();
    expect(await restarted.blockedFor('192.0.2.57')).toBe(0);
    // The unblock also cleared the address count: one more failure does not re-block.
    await failAcrossAccounts(g, '192.0.2.57', 1);
    expect(await g.blockedFor('192.0.2.57')).toBe(0);
  });
});

describe('address normalisation', () => {
  it('counts IPv6 by /64 and IPv4-mapped IPv6 as IPv4', () => {
    expect(ipBlockKey('2001:db8:1:2:aaaa:bbbb:cccc:dddd')).toBe('2001:db8:1:2::/64');
    expect(ipBlockKey('2001:0DB8:0001:0002::1')).toBe('2001:db8:1:2::/64');
    expect(ipBlockKey('::ffff:203.0.113.7')).toBe('203.0.113.7');
    expect(ipBlockKey('::ffff:cb00:7107')).toBe('203.0.113.7');
    expect(ipBlockKey('203.0.113.7')).toBe('203.0.113.7');
    expect(ipBlockKey('not an address')).toBeUndefined();
    expect(parseBlockKey('2001:db8:1:2::/64')).toBe('2001:db8:1:2::/64');
    expect(parseBlockKey('203.0.113.7/32')).toBe('203.0.113.7');
    expect(parseBlockKey('2001:db8::/48')).toBeUndefined();
    expect(parseBlockKey('203.0.113.0/24')).toBeUndefined();
  });

  it('blocks the whole /64 when an attacker rotates addresses inside it, and nothing outside it', async () => {
    const g = guard({ limits: { ipFailures: 10 } });
    for (let i = 1; i <= 10; i += 1) await failAcrossAccounts(g, `2001:db8:1:2::${i.toString(16)}`, 1);
    expect(await g.blockedFor('2001:db8:1:2:ffff:ffff:ffff:ffff')).toBe(900);
    expect(await g.blockedFor('2001:db8:1:3::1')).toBe(0);
    expect(await blockRows()).toMatchObject([{ ip: '2001:db8:1:2::/64', strikes: 1 }]);
    expect(await g.listBlocks()).toMatchObject([{ ip: '2001:db8:1:2::/64' }]);
  });

  it('locks an account for the whole /64, and counts an IPv4-mapped address with its IPv4 form', async () => {
    const g = guard();
    for (let i = 1; i <= 5; i += 1) await fail(g, `2001:db8:9:9::${i}`, 'victim@example.com');
    expect((await refusal(g.assertCanAttempt('2001:db8:9:9::99', 'victim@example.com'))).code).toBe('auth.locked');

    await fail(g, '::ffff:198.51.100.7', 'other@example.com', 3);
    await fail(g, '198.51.100.7', 'other@example.com', 2);
    expect((await refusal(g.assertCanAttempt('::ffff:198.51.100.7', 'other@example.com'))).code).toBe('auth.locked');
  });
});

describe('configuration', () => {
  it('has the documented defaults and refuses nonsense limits', () => {
    expect(DEFAULT_GUARD_LIMITS).toMatchObject({ accountFailures: 5, accountLockSeconds: 60, ipFailures: 100, ipBlockSeconds: [900, 3600, 14_400, 86_400] });
    expect(() => createLoginGuard({ db: database.db, audit, limits: { accountFailures: 0 } })).toThrow(/accountFailures/);
    expect(() => createLoginGuard({ db: database.db, audit, limits: { ipBlockSeconds: [] } })).toThrow(/ipBlockSeconds/);
  });

  it('keeps counting in memory when Redis is unreachable, enforces persisted blocks, and says so from ready()', async () => {
    await failAcrossAccounts(guard({ limits: { ipFailures: 10 } }), '192.0.2.99', 10);
    const errors: unknown[] = [];
    const g = createLoginGuard({ db: database.db, audit, now: () => clock, redisUrl: 'redis://127.0.0.1:1', onBackgroundError: (e) => errors.push(e) });
    guards.push(g);
    await expect(g.ready()).rejects.toThrow(/REDIS_URL/);
    expect(await g.blockedFor('192.0.2.99')).toBe(900);
    await fail(g, '203.0.113.90', 'victim@example.com', 5);
    expect((await refusal(g.assertCanAttempt('203.0.113.90', 'victim@example.com'))).code).toBe('auth.locked');
    expect(errors.length).toBeGreaterThan(0);
  });
});

// --- Redis -----------------------------------------------------------------------------------------

const redisUrl = process.env.TEST_REDIS_URL ?? process.env.REDIS_URL;
const redisProblem = redisUrl === undefined || redisUrl === '' ? 'TEST_REDIS_URL is not set' : await unreachable(redisUrl);

async function unreachable(url: string): Promise<string | undefined> {
  const client = new Redis(url, { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0, connectTimeout: 1000, retryStrategy: () => null });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.ping();
    return undefined;
  } catch {
    return `${url.replace(/\/\/[^@]*@/, '//***@')} does not answer`;
  } finally {
    client.disconnect();
  }
}

describe.skipIf(redisProblem !== undefined)(`with Redis${redisProblem === undefined ? '' : ` (skipped: ${redisProblem})`}`, () => {
  const url = redisUrl ?? '';
  let keyPrefix: string;
  beforeEach(() => {
    keyPrefix = `tl-test-${randomBytes(6).toString('hex')}`;
  });
  afterAll(async () => {
    const client = new Redis(url);
    const keys = await client.keys('tl-test-*');
    if (keys.length > 0) await client.del(...keys);
    await client.quit();
  });

  async function pair(limits: Partial<GuardLimits> = {}): Promise<[LoginGuard, LoginGuard]> {
    const a = guard({ redisUrl: url, keyPrefix, limits });
    const b = guard({ redisUrl: url, keyPrefix, limits });
    await Promise.all([a.ready(), b.ready()]);
    return [a, b];
  }

  it('shares account counters between two guards: 3 failures on one and 2 on the other lock both', async () => {
    const [a, b] = await pair();
    await fail(a, '203.0.113.30', 'victim@example.com', 3);
    await fail(b, '203.0.113.30', 'victim@example.com', 2);
    expect(await refusal(a.assertCanAttempt('203.0.113.30', 'victim@example.com'))).toEqual({ code: 'auth.locked', retryAfter: 60 });
    expect(await refusal(b.assertCanAttempt('203.0.113.30', 'victim@example.com'))).toEqual({ code: 'auth.locked', retryAfter: 60 });
    // A success on either resets it for both.
    clock += MINUTE + 1;
    await b.assertCanAttempt('203.0.113.30', 'victim@example.com');
    await b.recordSuccess('203.0.113.30', 'victim@example.com');
    await fail(a, '203.0.113.30', 'victim@example.com', 4);
    await expect(a.assertCanAttempt('203.0.113.30', 'victim@example.com')).resolves.toBeUndefined();
  });

  it('shares parallel-attempt slots: a burst split over two guards gets no more through', async () => {
    const [a, b] = await pair();
    await fail(a, '203.0.113.31', 'victim@example.com', 3);
    const burst = await Promise.allSettled(Array.from({ length: 10 }, (_, i) => (i % 2 === 0 ? a : b).assertCanAttempt('203.0.113.31', 'victim@example.com')));
    expect(burst.filter((r) => r.status === 'fulfilled')).toHaveLength(2);
  });

  it('shares address counts and blocks; an unblock on one guard reaches the other within the cache time', async () => {
    const adminId = randomUUID();
    await database.owner.query('INSERT INTO users (id, email, name, is_platform_admin) VALUES ($1, $2, $3, true)', [adminId, `admin-${adminId}@example.com`, 'Admin']);
    const [a, b] = await pair({ ipFailures: 10 });
    expect(await a.blockedFor('192.0.2.80')).toBe(0);
    await failAcrossAccounts(a, '192.0.2.80', 5);
    await failAcrossAccounts(b, '192.0.2.80', 5);
    expect(await b.blockedFor('192.0.2.80')).toBe(900);
    // a cached "not blocked" a moment ago; past the cache time it sees b's block.
    clock += DEFAULT_GUARD_LIMITS.blockCacheMs + 1;
    expect(await a.blockedFor('192.0.2.80')).toBe(900 - 1);
    expect(await blockRows()).toMatchObject([{ ip: '192.0.2.80/32', strikes: 1 }]);

    expect(await b.unblock('192.0.2.80', { userId: adminId })).toBe(true);
    clock += DEFAULT_GUARD_LIMITS.blockCacheMs + 1;
    expect(await a.blockedFor('192.0.2.80')).toBe(0);
  });

  it('writes no email address into Redis keys', async () => {
    const [a] = await pair();
    await fail(a, '203.0.113.32', 'Secret.Person@example.com', 2);
    const client = new Redis(url);
    const keys = await client.keys(`${keyPrefix}:*`);
    await client.quit();
    expect(keys.length).toBeGreaterThan(0);
    expect(keys.join('\n')).not.toMatch(/example|secret/i);
  });
});
