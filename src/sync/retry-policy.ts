// How long the sync engine waits before trying a provider again, and the clock it waits on (tests
// inject a fake one, so a test of a 30-minute back-off takes no time).

export interface SyncClock {
  now(): Date;
  /** Resolves after ms, or rejects with the signal's reason once it aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  /** Uniform in [0, 1): the jitter. */
  random(): number;
}

export const systemClock: SyncClock = {
  now: () => new Date(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve, reject) => {
      if (signal?.aborted) {
        reject(signal.reason);
        return;
      }
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      const onAbort = () => {
        clearTimeout(timer);
        reject(signal?.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
    }),
  random: Math.random,
};

export interface RetryPolicy {
  /** Attempts at one step on transient failures (network, 5xx) before the run fails. */
  transientAttempts: number;
  /** The first back-off; each further one doubles, up to backoffMaxMs. */
  backoffBaseMs: number;
  backoffMaxMs: number;
  /** Waits for the provider's rate-limit signal in a row before the run fails (and resumes next time). */
  rateLimitWaits: number;
  /** Longest single wait for a rate limit; a longer Retry-After fails the run instead (quota exhausted). */
  maxRateLimitWaitMs: number;
  /** Used when a throttled answer says nothing of when to come back. */
  defaultRateLimitWaitMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  transientAttempts: 5,
  backoffBaseMs: 2_000,
  backoffMaxMs: 120_000,
  rateLimitWaits: 8,
  maxRateLimitWaitMs: 5 * 60_000,
  defaultRateLimitWaitMs: 30_000,
};

/**
 * Exponential back-off with "equal jitter" (AWS Architecture Blog, "Exponential Backoff And
 * Jitter", 2015): uniform in [cap/2, cap] where cap = base * 2^(failures-1), bounded by max. Half
 * the cap is a floor so a retry never fires at once; the jitter spreads failing workers apart.
 */
export function backoffDelayMs(failures: number, policy: Pick<RetryPolicy, 'backoffBaseMs' | 'backoffMaxMs'>, random: () => number): number {
  const cap = Math.min(policy.backoffMaxMs, policy.backoffBaseMs * 2 ** Math.max(0, failures - 1));
  return Math.round(cap / 2 + random() * (cap / 2));
}
