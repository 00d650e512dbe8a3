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
