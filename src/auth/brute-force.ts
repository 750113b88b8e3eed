// The login guard: counts failed attempts per account+address and per address, locks an
// account+address out for a period that doubles with each further failure, and blocks an address
// that fails too often for a period that grows with each repeat (persisted in ip_blocks, audited on
// the platform chain, enforced on every request by an onRequest hook). Guarantees: a refusal costs no
// bcrypt work and, on the hot path, no PostgreSQL query; IPv6 clients are counted by their /64.
import { createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import ipaddr from 'ipaddr.js';
import { RateLimiterMemory, RateLimiterRedis, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { AuditContext, AuditService } from '../audit/index.js';
import type { Database, SystemTx } from '../db/index.js';
import { sendError } from '../http/error-handler.js';
import { AppError } from '../http/errors.js';

export interface GuardLimits {
  /** Consecutive failures per account+address before the first lock-out. */
  accountFailures: number;
  /** The first lock-out; every further failure doubles it, up to accountLockMaxSeconds. */
  accountLockSeconds: number;
  accountLockMaxSeconds: number;
  /** How long consecutive failures are remembered without a success (from the first one). */
  failureMemorySeconds: number;
  /** Failures per address, any account, within ipWindowSeconds that get the address blocked. */
  ipFailures: number;
  ipWindowSeconds: number;
  /** Block length by strike (1st, 2nd, ...); strikes past the end keep the last length. */
  ipBlockSeconds: readonly number[];
  /** A block that ended longer ago than this no longer counts: the next one is strike 1 again. */
  strikeMemorySeconds: number;
  /** With Redis, how long a process trusts its own copy of an address's block state. */
  blockCacheMs: number;
}

export const DEFAULT_GUARD_LIMITS: Readonly<GuardLimits> = Object.freeze({
  accountFailures: 5,
  accountLockSeconds: 60,
  accountLockMaxSeconds: 60 * 60,
  failureMemorySeconds: 24 * 60 * 60,
  ipFailures: 100,
  ipWindowSeconds: 24 * 60 * 60,
  ipBlockSeconds: Object.freeze([15 * 60, 60 * 60, 4 * 60 * 60, 24 * 60 * 60]),
  strikeMemorySeconds: 30 * 24 * 60 * 60,
  blockCacheMs: 1000,
});

/** An active block as platform admins see it. `ip` is an address, or an IPv6 /64 prefix. */
export interface IpBlock {
  ip: string;
  /** When the current block began. */
  blockedAt: Date;
  blockedUntil: Date;
  /** How many times this address has been blocked (the current block included). */
  strikes: number;
  reason: string;
  /** When this address was blocked for the first time. */
  firstBlockedAt: Date;
}

export interface LoginGuard {
  /** Call before any bcrypt work. Throws AppError('auth.ip_blocked' | 'auth.locked', { headers: { 'retry-after': seconds } }). */
  assertCanAttempt(ip: string, accountKey: string): Promise<void>;
  recordFailure(ip: string, accountKey: string, context: { requestId?: string; userAgent?: string | null }): Promise<void>;
  recordSuccess(ip: string, accountKey: string): Promise<void>;
  /** Cheap check used by an onRequest hook on every request. */
  blockedFor(ip: string): Promise<number /* seconds remaining, 0 if not blocked */>;
  listBlocks(): Promise<IpBlock[]>;
  /** Lifts an active block (address or /64 prefix); false when there was none. Audited. */
  unblock(ip: string, by: { userId: string; requestId?: string; ip?: string | null; userAgent?: string | null }): Promise<boolean>;
  /**
   * Resolves once persisted blocks are loaded (and Redis, when configured, answers); rejects when
   * either failed. Optional: the first request waits for the load anyway. Await it at start-up to
   * fail fast.
   */
  ready(): Promise<void>;
  close(): Promise<void>;
}

export interface LoginGuardDeps {
  db: Database;
  audit: Pick<AuditService, 'record'>;
  /** Shares counters and blocks between processes. Unset: this process's memory. */
  redisUrl?: string | undefined;
  now?: () => number;
  limits?: Partial<GuardLimits>;
  /** Namespaces the Redis keys (several deployments or test runs on one Redis). */
  keyPrefix?: string;
  /** Told about Redis connection errors (counting falls back to memory meanwhile). */
  onBackgroundError?: (error: unknown) => void;
}

/** In-flight reservations expire after this, so a request that died mid-attempt frees its slot. */
const IN_FLIGHT_SECONDS = 30;
/** Stored locks and blocks outlive their end a little; the stored end time decides, not the TTL. */
const TTL_SLACK_SECONDS = 60;
/** With Redis, the local copy of block states is dropped whole beyond this many addresses. */
const MAX_CACHED_ADDRESSES = 50_000;
const REDIS_CONNECT_TIMEOUT_MS = 3000;
/** Addresses ipaddr.js cannot parse share one counter and are never written to ip_blocks. */
const UNPARSEABLE = 'unparseable';

const REASON_BLOCK = 'auth: block an address after repeated failed sign-in attempts';
const REASON_LOAD = 'auth: load active address blocks at start-up';
const REASON_LIST = 'auth: list address blocks for a platform admin';
const REASON_UNBLOCK = 'auth: lift an address block for a platform admin';

/**
 * The unit an address is counted and blocked by: an IPv4 address (IPv4-mapped IPv6 included), or
 * the /64 an IPv6 address belongs to, e.g. `2001:db8:1:2::/64`. undefined if it is no address.
 */
export function ipBlockKey(ip: string): string | undefined {
  if (!ipaddr.isValid(ip)) return undefined;
  const address = ipaddr.process(ip);
  if (address.kind() === 'ipv4') return address.toString();
  // SECURITY: one subscriber usually holds a whole /64; counting single addresses would let them
  // rotate through 2^64 fresh counters.
  const prefix = address.toByteArray().map((byte, i) => (i < 8 ? byte : 0));
  return `${ipaddr.fromByteArray(prefix).toString()}/64`;
}

/** Reads an address or a block's `ip` (a /64, or a /32 for IPv4) back into its key. */
export function parseBlockKey(value: string): string | undefined {
  if (!value.includes('/')) return ipBlockKey(value);
  if (!ipaddr.isValidCIDR(value)) return undefined;
  const [address, bits] = ipaddr.parseCIDR(value);
  const exact = address.kind() === 'ipv4' ? bits === 32 : bits === 64;
  return exact ? ipBlockKey(address.toString()) : undefined;
}

function accountDigest(accountKey: string): string {
  // Hashed: keys in Redis carry no email addresses. Case does not make a new account.
  return createHash('sha256').update(accountKey.trim().toLowerCase()).digest('hex').slice(0, 32);
}

const secondsUntil = (until: number, now: number): number => Math.max(1, Math.ceil((until - now) / 1000));
const retryAfter = (seconds: number) => ({ 'retry-after': String(seconds) });

function resolveLimits(overrides: Partial<GuardLimits> = {}): GuardLimits {
  const limits = { ...DEFAULT_GUARD_LIMITS, ...overrides };
  const counts: (keyof GuardLimits)[] = ['accountFailures', 'accountLockSeconds', 'accountLockMaxSeconds', 'failureMemorySeconds', 'ipFailures', 'ipWindowSeconds', 'strikeMemorySeconds'];
  for (const name of counts) {
    const value = limits[name];
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) throw new TypeError(`login guard: ${name} must be a positive integer`);
  }
  if (limits.ipBlockSeconds.length === 0 || !limits.ipBlockSeconds.every((s) => Number.isInteger(s) && s >= 1)) {
    throw new TypeError('login guard: ipBlockSeconds must list positive whole seconds');
  }
  if (!Number.isInteger(limits.blockCacheMs) || limits.blockCacheMs < 0) throw new TypeError('login guard: blockCacheMs must be a whole number of ms');
  return limits;
}

export function createLoginGuard(deps: LoginGuardDeps): LoginGuard {
  const { db, audit } = deps;
  const limits = resolveLimits(deps.limits);
  const now = deps.now ?? Date.now;
  const prefix = deps.keyPrefix ?? 'throughline';
  const report = deps.onBackgroundError ?? (() => undefined);
  const blockSecondsFor = (strikes: number) => limits.ipBlockSeconds[Math.min(strikes, limits.ipBlockSeconds.length) - 1] ?? 1;
  const longestBlock = Math.max(...limits.ipBlockSeconds);

  // Commands fail at once while Redis is away (no offline queue), and each store then falls back
  // to its in-memory insurance: counting degrades to per process, it never stops.
  const redis =
    deps.redisUrl === undefined
      ? undefined
      : new Redis(deps.redisUrl, { enableOfflineQueue: false, maxRetriesPerRequest: 1, connectTimeout: REDIS_CONNECT_TIMEOUT_MS });
  redis?.on('error', report);

  function store(name: string, durationSeconds: number): RateLimiterAbstract {
    const keyPrefix = `${prefix}:guard:${name}`;
    // points are unused: the guard reads counts and stored end times itself.
    const memory = new RateLimiterMemory({ keyPrefix, points: 1, duration: durationSeconds });
    if (redis === undefined) return memory;
    return new RateLimiterRedis({ storeClient: redis, keyPrefix, points: 1, duration: durationSeconds, insuranceLimiter: memory, rejectIfRedisNotReady: true });
  }
  /** Consecutive failures per account+address. */
  const failures = store('failures', limits.failureMemorySeconds);
  /** Attempts between assertCanAttempt and their outcome, per account+address. */
  const inFlight = store('in-flight', IN_FLIGHT_SECONDS);
  /** Lock-outs per account+address; the value is the lock's end (ms since the epoch). */
  const locks = store('locks', limits.accountLockMaxSeconds + TTL_SLACK_SECONDS);
  /** Failures per address (any account) within the window. */
  const addressFailures = store('address-failures', limits.ipWindowSeconds);
  /** Blocked addresses; the value is the block's end (ms since the epoch). */
  const blocks = store('blocks', longestBlock + TTL_SLACK_SECONDS);
  // Only with Redis: spares a round trip per request, at the price of seeing another process's
  // block or unblock up to blockCacheMs late. In memory, `blocks` is already local.
  const blockCache = redis === undefined ? undefined : new Map<string, { until: number; freshUntil: number }>();
  /** Blocks being written, by address: concurrent failures from one address block it once. */
  const blocking = new Map<string, Promise<void>>();

  let loaded = false;
  let loading: Promise<void> | undefined;
  let loadError: unknown;
  let closed = false;

  const keysFor = (ip: string, accountKey: string) => {
    const address = ipBlockKey(ip);
    const addressKey = address ?? UNPARSEABLE;
    return { address, addressKey, accountKey: `${addressKey}|${accountDigest(accountKey)}` };
  };

  async function storeBlock(addressKey: string, until: number): Promise<void> {
    const t = now();
    if (until <= t) return;
    await blocks.set(addressKey, until, Math.ceil((until - t) / 1000) + TTL_SLACK_SECONDS);
    blockCache?.set(addressKey, { until, freshUntil: t + limits.blockCacheMs });
  }

  // Blocks still in force are loaded once per process, so a restart does not lift them. An expired
  // block simply ends (no audit entry: the block's own entry names its end, and auditing expiry would
  // need a sweeper or a write on the hot path); its row keeps the strikes for the next one.
  /** Loads the blocks in force into the store; at most once per process. */
  function load(): Promise<void> {
    loading ??= (async () => {
      const fail = (error: unknown) => {
        loadError ??= error;
        report(error);
      };
      // Without Redis the blocks still load, into this process's memory (the stores' insurance).
      if (redis !== undefined && !(await redisReady(redis, REDIS_CONNECT_TIMEOUT_MS))) {
        fail(new Error('REDIS_URL: Redis did not answer; counting in this process only until it does'));
      }
      try {
        const active = await db.unsafeAsSystem(REASON_LOAD, (tx) => selectActiveBlocks(tx, new Date(now())));
        for (const row of active) {
          const key = parseBlockKey(row.ip);
          if (key !== undefined) await storeBlock(key, row.blocked_until.getTime());
        }
      } catch (error) {
        fail(error);
      } finally {
        loaded = true;
      }
    })();
    return loading;
  }

  async function blockedUntil(addressKey: string, t: number, fresh = false): Promise<number> {
    if (blockCache === undefined) return (await blocks.get(addressKey))?.consumedPoints ?? 0;
    const cached = blockCache.get(addressKey);
    if (!fresh && cached !== undefined && cached.freshUntil > t) return cached.until;
    const until = (await blocks.get(addressKey))?.consumedPoints ?? 0;
    if (blockCache.size >= MAX_CACHED_ADDRESSES) blockCache.clear();
    blockCache.set(addressKey, { until, freshUntil: t + limits.blockCacheMs });
    return until;
  }

  async function blockedFor(ip: string): Promise<number> {
    if (!loaded) await load();
    const t = now();
    const until = await blockedUntil(ipBlockKey(ip) ?? UNPARSEABLE, t);
    return until > t ? secondsUntil(until, t) : 0;
  }

  async function releaseInFlight(accountKey: string): Promise<void> {
    const left = await inFlight.reward(accountKey);
    // An outcome reported without a reservation (or after it expired) must not leave credit behind.
    if (left.consumedPoints < 0) await inFlight.delete(accountKey);
  }

  async function blockAddress(keys: ReturnType<typeof keysFor>, ip: string, failed: number, context: { requestId?: string; userAgent?: string | null }): Promise<void> {
    const t = now();
    if ((await blockedUntil(keys.addressKey, t, true)) > t) return;
    const reason = `${failed} failed sign-in attempts within ${Math.round(limits.ipWindowSeconds / 3600)} h`;
    const firstStrike: PersistedBlock = { until: t + blockSecondsFor(1) * 1000, strikes: 1, created: true };
    let persisted = firstStrike;
    let persistError: unknown;
    // An unparseable address (the inet column would refuse it) is blocked in the store only.
    const address = keys.address;
    if (address !== undefined) {
      try {
        persisted = await db.unsafeAsSystem(REASON_BLOCK, (tx) =>
          upsertBlock(tx, { ip: address, now: t, reason, blockSeconds: blockSecondsFor, strikeMemoryMs: limits.strikeMemorySeconds * 1000 }),
        );
      } catch (error) {
        // SECURITY: the block applies even when it cannot be written down; the error still surfaces.
        persistError = error;
      }
    }
    await storeBlock(keys.addressKey, persisted.until);
    // The count starts again after the block; the strikes remember that it happened.
    await addressFailures.delete(keys.addressKey);
    if (persistError !== undefined) throw persistError;
    if (!persisted.created) return;
    await audit.record(
      {
        action: 'security.ip.blocked',
        target: { type: 'ip', id: keys.addressKey },
        details: { until: new Date(persisted.until).toISOString(), strikes: persisted.strikes, failures: failed, reason },
      },
      { actor: { kind: 'system' }, ip, userAgent: context.userAgent ?? null, requestId: context.requestId ?? null } satisfies AuditContext,
    );
  }

  return {
    async assertCanAttempt(ip, accountKey) {
      const keys = keysFor(ip, accountKey);
      const blocked = await blockedFor(ip);
      if (blocked > 0) throw new AppError('auth.ip_blocked', { headers: retryAfter(blocked) });
      const t = now();
      const [lock, failed] = await Promise.all([locks.get(keys.accountKey), failures.get(keys.accountKey)]);
      const lockedUntil = lock?.consumedPoints ?? 0;
      if (lockedUntil > t) throw new AppError('auth.locked', { headers: retryAfter(secondsUntil(lockedUntil, t)) });
      // SECURITY: attempts still in flight count against what is left before the lock-out, so a
      // burst of parallel guesses cannot run more password checks than sequential ones could.
      // After a lock-out ends, one attempt at a time: its failure locks again, for twice as long.
      const allowance = Math.max(1, limits.accountFailures - (failed?.consumedPoints ?? 0));
      const pending = (await inFlight.penalty(keys.accountKey)).consumedPoints;
      if (pending > allowance) {
        await releaseInFlight(keys.accountKey);
        throw new AppError('auth.locked', { headers: retryAfter(1) });
      }
    },

    async recordFailure(ip, accountKey, context) {
      const keys = keysFor(ip, accountKey);
      const [, failed, addressFailed] = await Promise.all([
        releaseInFlight(keys.accountKey),
        failures.penalty(keys.accountKey),
        addressFailures.penalty(keys.addressKey),
      ]);
      const t = now();
      const over = failed.consumedPoints - limits.accountFailures;
      if (over >= 0) {
        const seconds = Math.min(limits.accountLockSeconds * 2 ** over, limits.accountLockMaxSeconds);
        await locks.set(keys.accountKey, t + seconds * 1000, seconds + TTL_SLACK_SECONDS);
      }
      if (addressFailed.consumedPoints >= limits.ipFailures) {
        let pending = blocking.get(keys.addressKey);
        if (pending === undefined) {
          pending = blockAddress(keys, ip, addressFailed.consumedPoints, context).finally(() => blocking.delete(keys.addressKey));
          blocking.set(keys.addressKey, pending);
        }
        await pending;
      }
    },

    async recordSuccess(ip, accountKey) {
      const keys = keysFor(ip, accountKey);
      // SECURITY: only this account's counter resets. The address's count stays, or one account of
      // the attacker's own would wipe the evidence of their guesses at everyone else's.
      await Promise.all([releaseInFlight(keys.accountKey), failures.delete(keys.accountKey), locks.delete(keys.accountKey)]);
    },

    blockedFor,

    async listBlocks() {
      const rows = await db.unsafeAsSystem(REASON_LIST, (tx) => selectActiveBlocks(tx, new Date(now())));
      return rows.map((row) => ({
        ip: parseBlockKey(row.ip) ?? row.ip,
        blockedAt: row.updated_at,
        blockedUntil: row.blocked_until,
        strikes: row.strikes,
        reason: row.reason,
        firstBlockedAt: row.created_at,
      }));
    },

    async unblock(ip, by) {
      const key = parseBlockKey(ip);
      if (key === undefined) return false;
      const t = now();
      const lifted = await db.unsafeAsSystem(REASON_UNBLOCK, (tx) => liftBlock(tx, key, by.userId, new Date(t)));
      // Also a block held only in the store (one that could not be written to the database).
      const stored = (await blocks.get(key))?.consumedPoints ?? 0;
      await Promise.all([blocks.delete(key), addressFailures.delete(key)]);
      blockCache?.delete(key);
      if (lifted === undefined && stored <= t) return false;
      await audit.record(
        { action: 'security.ip.unblocked', target: { type: 'ip', id: key }, details: { reason: 'admin', strikes: lifted?.strikes ?? null } },
        { actor: { kind: 'user', id: by.userId }, ip: by.ip ?? null, userAgent: by.userAgent ?? null, requestId: by.requestId ?? null },
      );
      return true;
    },

    async ready() {
      await load();
      if (loadError !== undefined) throw loadError;
    },

    async close() {
      if (closed) return;
      closed = true;
      if (redis !== undefined && redis.status !== 'end') {
        await redis.quit().catch(() => redis.disconnect());
      }
    },
  };
}

/**
 * Answers every request from a blocked address with 429, Retry-After and the standard error body,
 * in onRequest: before the body is read or parsed, and before any route. Health probes included:
 * they come from infrastructure addresses that never fail a sign-in, and an exemption by path would
 * leave a blocked client something to call.
 */
export function registerIpBlockHook(app: FastifyInstance, guard: Pick<LoginGuard, 'blockedFor'>): void {
  app.addHook('onRequest', async (request, reply) => {
    const seconds = await guard.blockedFor(request.ip);
    if (seconds === 0) return;
    reply.header('retry-after', String(seconds));
    return sendError(reply, request, 'auth.ip_blocked');
  });
}

function redisReady(client: Redis, timeoutMs: number): Promise<boolean> {
  if (client.status === 'ready') return Promise.resolve(true);
  return new Promise((resolve) => {
    const finish = (ok: boolean) => {
      clearTimeout(timer);
      client.off('ready', onReady);
      resolve(ok);
    };
    const onReady = () => finish(true);
    const timer = setTimeout(() => finish(false), timeoutMs);
    client.once('ready', onReady);
  });
}

// --- ip_blocks (readable and writable by the system role only) ------------------------------------

interface PersistedBlock {
  until: number;
  strikes: number;
  /** false when the address was already blocked (by another request or process). */
  created: boolean;
}

function selectActiveBlocks(tx: SystemTx, at: Date) {
  return tx
    .selectFrom('ip_blocks')
    .select(['ip', 'blocked_until', 'strikes', 'reason', 'created_at', 'updated_at'])
    .where('unblocked_at', 'is', null)
    .where('blocked_until', '>', at)
    .orderBy('blocked_until', 'desc')
    .limit(10_000)
    .execute();
}

async function upsertBlock(
  tx: SystemTx,
  input: { ip: string; now: number; reason: string; blockSeconds: (strikes: number) => number; strikeMemoryMs: number },
): Promise<PersistedBlock> {
  const at = new Date(input.now);
  const row = await tx.selectFrom('ip_blocks').select(['blocked_until', 'strikes', 'unblocked_at']).where('ip', '=', input.ip).forUpdate().executeTakeFirst();
  if (row !== undefined && row.unblocked_at === null && row.blocked_until > at) {
    return { until: row.blocked_until.getTime(), strikes: row.strikes, created: false };
  }
  const strikes = row !== undefined && row.blocked_until.getTime() > input.now - input.strikeMemoryMs ? row.strikes + 1 : 1;
  const until = new Date(input.now + input.blockSeconds(strikes) * 1000);
  if (row !== undefined) {
    await tx
      .updateTable('ip_blocks')
      .set({ blocked_until: until, strikes, reason: input.reason, updated_at: at, unblocked_at: null, unblocked_by: null })
      .where('ip', '=', input.ip)
      .execute();
    return { until: until.getTime(), strikes, created: true };
  }
  const inserted = await tx
    .insertInto('ip_blocks')
    .values({ ip: input.ip, blocked_until: until, strikes, reason: input.reason, created_at: at, updated_at: at })
    .onConflict((oc) => oc.column('ip').doNothing())
    .returning('ip')
    .executeTakeFirst();
  if (inserted !== undefined) return { until: until.getTime(), strikes, created: true };
  // Another process inserted the block between our read and our write: theirs stands.
  const theirs = await tx.selectFrom('ip_blocks').select(['blocked_until', 'strikes']).where('ip', '=', input.ip).executeTakeFirstOrThrow();
  return { until: theirs.blocked_until.getTime(), strikes: theirs.strikes, created: false };
}

function liftBlock(tx: SystemTx, ip: string, userId: string, at: Date) {
  return tx
    .updateTable('ip_blocks')
    .set({ unblocked_at: at, unblocked_by: userId, updated_at: at })
    .where('ip', '=', ip)
    .where('unblocked_at', 'is', null)
    .where('blocked_until', '>', at)
    .returning(['strikes'])
    .executeTakeFirst();
}
