import type { Redis } from 'ioredis';
import type { Db } from '../../infra/db.ts';
import type { Publisher } from '../live/publisher.ts';

export type IdleCheck =
  | { outcome: 'revoked' }
  /** Still in use: look again at `dueAt` (last activity + the idle time-out). */
  | { outcome: 'active'; dueAt: Date }
  /** Already revoked (logout) or gone: nothing to do. */
  | { outcome: 'ended' };

export interface IdleTimeoutDeps {
  db: Db;
  redis: Redis;
  redisPrefix: string;
  idleMs: number;
  publisher: Pick<Publisher, 'sessionEnded'>;
}

/** "20 minutes", "1 minute", "30 seconds": what the signed-out screen tells the user. */
export function idleDuration(idleMs: number): string {
  const minutes = idleMs / 60_000;
  if (minutes >= 1) {
    const n = Math.round(minutes);
    return `${n} minute${n === 1 ? '' : 's'}`;
  }
  const seconds = Math.max(1, Math.round(idleMs / 1000));
  return `${seconds} second${seconds === 1 ? '' : 's'}`;
}

/**
 * Ends sessions nobody has used for the idle time-out. `last_seen_at` in PostgreSQL
 * is the record of activity (SessionStore writes it together with the Redis TTL),
 * and the revocation is one conditional UPDATE, so activity that lands while we
 * look wins: an active session is never revoked, whichever worker runs the check.
 */
export class IdleTimeout {
  constructor(private readonly deps: IdleTimeoutDeps) {}

  get message(): string {
    return `You were signed out after ${idleDuration(this.deps.idleMs)} of inactivity.`;
  }

  async check(sessionId: string): Promise<IdleCheck> {
    const { db, idleMs } = this.deps;
    // The revocation and its line in the record of transactions in one statement.
    const { rows } = await db.query<{ token_hash: string }>(
      `WITH revoked AS (
         UPDATE sessions SET revoked_at = now(), revoked_reason = 'idle_timeout'
          WHERE id = $1 AND revoked_at IS NULL
            AND last_seen_at <= now() - make_interval(secs => $2::double precision / 1000)
          RETURNING token_hash, school_id, family_id, staff_id
       ), recorded AS (
         INSERT INTO audit_log (school_id, actor_kind, action, target)
         SELECT school_id, 'worker', 'sessionTimedOut',
                jsonb_strip_nulls(jsonb_build_object('sessionId', $1::uuid, 'familyId', family_id, 'staffId', staff_id))
           FROM revoked
       )
       SELECT token_hash FROM revoked`,
      [sessionId, idleMs],
    );
    const revoked = rows[0];
    if (revoked) {
      // The cached copy has normally expired by now (its TTL is the same time-out);
      // deleting it covers a touch that raced with this revocation.
      await this.deps.redis.del(`${this.deps.redisPrefix}sess:${revoked.token_hash}`).catch(() => {});
      this.deps.publisher.sessionEnded(sessionId, 'idle_timeout', this.message);
      return { outcome: 'revoked' };
    }
    const { rows: state } = await db.query<{ revoked: boolean; due_at: Date }>(
      `SELECT revoked_at IS NOT NULL AS revoked,
              last_seen_at + make_interval(secs => $2::double precision / 1000) AS due_at
         FROM sessions WHERE id = $1`,
      [sessionId, idleMs],
    );
    const s = state[0];
    if (!s || s.revoked) return { outcome: 'ended' };
    return { outcome: 'active', dueAt: s.due_at };
  }
}
