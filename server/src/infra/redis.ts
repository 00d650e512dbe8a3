import { Redis } from 'ioredis';

/**
 * A Redis client that fails fast while Redis is down instead of queueing commands
 * forever: a booking must get a clear answer, not hang (the database still decides).
 */
export function createRedis(url: string, opts: { lazy?: boolean } = {}): Redis {
  const redis = new Redis(url, {
    maxRetriesPerRequest: 1,
    enableOfflineQueue: true,
    connectTimeout: 2000,
    lazyConnect: opts.lazy ?? false,
    retryStrategy: (times) => Math.min(times * 200, 2000),
  });
  redis.on('error', () => {});
  return redis;
}
