import type { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';

export type LimitOutcome = { allowed: true } | { allowed: false; retryAfterSeconds: number };

/** A fixed-window counter in Redis (in memory while Redis is unreachable). */
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
      await this.limiter.consume(key);
      return { allowed: true };
    } catch (res) {
      if (res instanceof RateLimiterRes) {
        return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(res.msBeforeNext / 1000)) };
      }
      return { allowed: true };
    }
  }

  async reset(key: string): Promise<void> {
    await this.limiter.delete(key).catch(() => {});
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
