import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';

/**
 * The retention sweep's part in Redis. Most of what Redis holds expires by itself
 * (session cache entries after the idle time-out, rate-limit counters after their
 * window); what does not is BullMQ's: finished e-mail jobs (BullMQ drops them only when
 * another job finishes, so a quiet deployment keeps them) and the queue's event stream,
 * whose entries may carry an SMTP server's refusal text, which can quote an address.
 */
export interface RetentionRedis {
  /** Deletes the cache entries of sessions whose rows the sweep deleted. */
  forgetSessions(tokenHashes: string[]): Promise<void>;
  /** Removes e-mail jobs finished before `before`, and queue events older than it; returns how many jobs. */
  dropFinishedMail(before: Date): Promise<number>;
}

export function retentionRedis(redis: Redis, redisPrefix: string, emailQueue: Queue): RetentionRedis {
  return {
    async forgetSessions(tokenHashes) {
      // The key SessionStore caches a session under (session-store.ts).
      for (let i = 0; i < tokenHashes.length; i += 500)
        await redis.del(...tokenHashes.slice(i, i + 500).map((h) => `${redisPrefix}sess:${h}`));
    },
    async dropFinishedMail(before) {
      const grace = Math.max(0, Date.now() - before.getTime());
      let dropped = 0;
      for (const state of ['completed', 'failed'] as const) {
        // clean() removes at most `limit` a call: go on until a round removes fewer.
        for (;;) {
          const ids = await emailQueue.clean(grace, 1000, state);
          dropped += ids.length;
          if (ids.length < 1000) break;
        }
      }
      // Stream entry ids start with their time in ms: MINID trims everything older.
      const events = emailQueue.keys.events;
      if (events) await redis.xtrim(events, 'MINID', `${before.getTime()}-0`);
      return dropped;
    },
  };
}
