import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';

// Delete only if the key still holds our token: a lock that expired and was taken
// by someone else must not be released by us.
const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;

export type LockOutcome =
  | { acquired: true; token: string }
  | { acquired: false; reason: 'taken' | 'redis_down' };

/**
 * The fast path in front of the booking constraints: one contender per slot gets
 * through to PostgreSQL, the others are answered at once. It is never what keeps
 * a slot single-booked — the partial unique index is.
 */
export class SlotLock {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly ttlMs: number,
  ) {}

  private key(slotId: string): string {
    return `${this.prefix}slotlock:${slotId}`;
  }

  async acquire(slotId: string): Promise<LockOutcome> {
    const token = randomBytes(12).toString('base64url');
    try {
      const res = await this.redis.set(this.key(slotId), token, 'PX', this.ttlMs, 'NX');
      return res === 'OK' ? { acquired: true, token } : { acquired: false, reason: 'taken' };
    } catch {
      return { acquired: false, reason: 'redis_down' };
    }
  }

  async release(slotId: string, token: string): Promise<void> {
    try {
      await this.redis.eval(RELEASE, 1, this.key(slotId), token);
    } catch {
      // The TTL frees it anyway.
    }
  }
}
