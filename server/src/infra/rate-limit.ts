import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';

export type LimitOutcome = { allowed: true } | { allowed: false; retryAfterSeconds: number };

/** A fixed-window counter in Redis (in memory while Redis is unreachable). */
/**
 * What a limit is keyed by, as Redis stores it: a digest. The keys are addresses,
 * e-mail addresses and surnames typed at sign-in — personal data Redis must not hold,
 * even for a window's length (retention).
 */
function hidden(key: string): string {
  return createHash('sha256').update(key).digest('base64url');
}

export class RateLimit {
  private readonly limiter: RateLimiterRedis;
  constructor(redis: Redis, keyPrefix: string, points: number, durationSeconds: number) {
    this.limiter = new RateLimiterRedis({
      storeClient: redis,
      keyPrefix,
      points,
      duration: durationSeconds,
      insuranceLimiter: new RateLimiterMemory({ points, duration: durationSeconds }),
    });
  }

  async consume(key: string): Promise<LimitOutcome> {
    try {
      await this.limiter.consume(hidden(key));
      return { allowed: true };
    } catch (res) {
      if (res instanceof RateLimiterRes) {
        return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(res.msBeforeNext / 1000)) };
      }
      return { allowed: true };
    }
  }

  async reset(key: string): Promise<void> {
    await this.limiter.delete(hidden(key)).catch(() => {});
  }

  /** Gives back one point: an attempt that turned out not to count (a successful login). */
  async refund(key: string): Promise<void> {
    await this.limiter.reward(hidden(key), 1).catch(() => {});
  }
}

/**
 * A fixed-window counter in this process's memory only: for limits whose key must not
 * be stored anywhere (the anonymous page-view beacon keys by address, and statistics
 * keep no addresses). Each instance counts for itself.
 */
export class LocalRateLimit {
  private readonly limiter: RateLimiterMemory;
  constructor(points: number, durationSeconds: number) {
    this.limiter = new RateLimiterMemory({ points, duration: durationSeconds });
  }

  async consume(key: string): Promise<LimitOutcome> {
    try {
      await this.limiter.consume(hidden(key));
      return { allowed: true };
    } catch (res) {
      if (res instanceof RateLimiterRes)
        return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(res.msBeforeNext / 1000)) };
      return { allowed: true };
    }
  }
}

// Counts the attempt before it is judged, so a burst of parallel guesses cannot all
// pass a check made before any of them failed; a success deletes the key. Redis's own
// clock, so instances with skewed clocks agree on when the next attempt may come.
const ATTEMPT = `
local v = redis.call('HMGET', KEYS[1], 'n', 'at')
local n = tonumber(v[1]) or 0
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local free = tonumber(ARGV[1])
if n >= free then
  local delay = math.min(2 ^ (n - free), tonumber(ARGV[2])) * 1000
  local left = tonumber(v[2]) + delay - now
  if left > 0 then return left end
end
redis.call('HSET', KEYS[1], 'n', n + 1, 'at', now)
redis.call('EXPIRE', KEYS[1], ARGV[3])
return 0
`;

export interface BackoffSettings {
  /** Attempts not followed by a success before delays begin. */
  freeAttempts: number;
  /** The longest delay between two attempts (1 s, 2 s, 4 s, … up to this). */
  maxDelaySeconds: number;
  /** Quiet time after which the key's history is forgotten. */
  forgetAfterSeconds: number;
}

/**
 * Growing delays between attempts on one key: after `freeAttempts` unsuccessful
 * attempts the next may come after 1 s, then 2 s, 4 s, … never a lock-out. Used per
 * account and address, so a stranger guessing at a family's sign-in slows only
 * themselves, and the family, from its own address, is not kept out.
 */
export class AttemptBackoff {
  constructor(
    private readonly redis: Redis,
    private readonly keyPrefix: string,
    private readonly settings: BackoffSettings,
  ) {}

  /** Records an attempt, or refuses it with the seconds until the next may come. */
  async attempt(key: string): Promise<LimitOutcome> {
    const { freeAttempts, maxDelaySeconds, forgetAfterSeconds } = this.settings;
    try {
      const left = Number(
        await this.redis.eval(
          ATTEMPT,
          1,
          this.redisKey(key),
          freeAttempts,
          maxDelaySeconds,
          forgetAfterSeconds,
        ),
      );
      return left > 0
        ? { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(left / 1000)) }
        : { allowed: true };
    } catch {
      // Redis unreachable: the per-address limit (kept in memory meanwhile) still
      // bounds guessing, and refusing every sign-in would be the worse failure.
      return { allowed: true };
    }
  }

  async reset(key: string): Promise<void> {
    await this.redis.del(this.redisKey(key)).catch(() => {});
  }

  /**
   * A digest, not the key: a sign-in's key is the surname or e-mail typed and the
   * address it came from, and Redis must not hold those (retention).
   */
  private redisKey(key: string): string {
    return `${this.keyPrefix}:${hidden(key)}`;
  }
}

/**
 * A token bucket in this process's memory, for limits on things that live in one
 * process (a socket's commands). Refilled continuously; no timers, nothing to clean up.
 */
export class TokenBucket {
  private tokens: number;
  private at: number;

  constructor(
    private readonly ratePerSecond: number,
    private readonly burst: number,
    private readonly clock: () => number = Date.now,
  ) {
    this.tokens = burst;
    this.at = clock();
  }

  /** Takes a token: 0 when one was there, else the milliseconds until one will be. */
  take(): number {
    const now = this.clock();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.at) * this.ratePerSecond) / 1000);
    this.at = now;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return 0;
    }
    return Math.ceil(((1 - this.tokens) * 1000) / this.ratePerSecond);
  }
}
