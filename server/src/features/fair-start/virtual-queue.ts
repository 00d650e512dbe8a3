import type { Redis } from 'ioredis';
import { type ErrorBody, errorBody } from '../../../../protocol/errors.ts';
import type { QueueTicketView } from '../../../../protocol/fairness.ts';
import { rooms } from '../../../../protocol/socket-events.ts';
import type { Queryable } from '../../infra/db.ts';
import { DomainError } from '../../refusals/domain-error.ts';
import type { Principal } from '../auth/principal.ts';
import { type FairnessContext, tell } from './fairness-context.ts';

/** An admitted family that has not been heard from for this long gives its place up. */
export const ACTIVE_TTL_MS = 120_000;
/** How long an admitted family typically stays (for the wait estimate until real exits are seen). */
const TYPICAL_VISIT_SECONDS = 300;

// Atomic in Redis (one script, Redis' clock), so every server instance agrees on
// who is in and who waits. KEYS: active zset (family → last seen), waiting zset
// (family → arrival), stats hash. ARGV: family ('' = none), limit, ttl ms, leave(0|1).
// Returns {admitted 0|1, position, promoted families...}.
const ENTER = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local fam = ARGV[1]
local limit = tonumber(ARGV[2])
local ttl = tonumber(ARGV[3])
local gone = redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - ttl)
if gone > 0 then redis.call('HINCRBY', KEYS[3], 'exits', gone) end
if fam ~= '' and ARGV[4] == '1' then
  if redis.call('ZREM', KEYS[1], fam) == 1 then redis.call('HINCRBY', KEYS[3], 'exits', 1) end
  redis.call('ZREM', KEYS[2], fam)
  fam = ''
end
if fam ~= '' then
  if redis.call('ZSCORE', KEYS[1], fam) then
    redis.call('ZADD', KEYS[1], now, fam)
  elseif not redis.call('ZSCORE', KEYS[2], fam) then
    redis.call('ZADD', KEYS[2], now, fam)
  end
end
local promoted = {}
while redis.call('ZCARD', KEYS[1]) < limit do
  local first = redis.call('ZRANGE', KEYS[2], 0, 0)
  if #first == 0 then break end
  redis.call('ZREM', KEYS[2], first[1])
  redis.call('ZADD', KEYS[1], now, first[1])
  table.insert(promoted, first[1])
end
redis.call('HSETNX', KEYS[3], 'since', now)
redis.call('PEXPIRE', KEYS[1], 86400000)
redis.call('PEXPIRE', KEYS[2], 86400000)
redis.call('PEXPIRE', KEYS[3], 86400000)
local admitted = 0
local position = 0
if fam ~= '' then
  if redis.call('ZSCORE', KEYS[1], fam) then admitted = 1
  else position = redis.call('ZRANK', KEYS[2], fam) + 1 end
end
local out = {admitted, position}
for _, p in ipairs(promoted) do table.insert(out, p) end
return out`;

type EnterCommand = (
  active: string,
  waiting: string,
  stats: string,
  family: string,
  limit: number,
  ttl: number,
  leave: 0 | 1,
) => Promise<(number | string)[]>;

/**
 * The virtual queue: above an event's `queue_limit` of families booking at once,
 * newcomers wait in line and see their place and an estimated wait, pushed live
 * as it moves. It meters families (people at screens); the per-event token bucket
 * in infra/admission.ts meters writes per second and stays the server's guard —
 * the two work together, neither replaces the other.
 */
export class VirtualQueue {
  private readonly enter: EnterCommand;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly db: Queryable,
    private readonly ctx: Pick<FairnessContext, 'live' | 'logError'>,
  ) {
    if (!('conferQueueEnter' in redis))
      redis.defineCommand('conferQueueEnter', { numberOfKeys: 3, lua: ENTER });
    const r = redis as unknown as { conferQueueEnter: EnterCommand };
    this.enter = (...args) => r.conferQueueEnter(...args);
  }

  private keys(eventId: string) {
    const base = `${this.prefix}vq:${eventId}`;
    return [`${base}:active`, `${base}:waiting`, `${base}:stats`] as const;
  }

  private async limitOf(p: Principal, eventId: string): Promise<number | null> {
    const { rows } = await this.db.query<{ school_id: string; queue_limit: number | null }>(
      'SELECT school_id, queue_limit FROM events WHERE id = $1',
      [eventId],
    );
    const e = rows[0];
    if (!e || e.school_id !== p.schoolId) throw new DomainError('not_found', 'This event does not exist.');
    return e.queue_limit;
  }

  /** Joins the line (or renews an admitted family's place): call on arrival and every minute. */
  async join(p: Principal, eventId: string): Promise<QueueTicketView> {
    return this.run(p, eventId, 0);
  }

  /** Gives the place up (the family is done): the next in line is let in at once. */
  async leave(p: Principal, eventId: string): Promise<QueueTicketView> {
    return this.run(p, eventId, 1);
  }

  private async run(p: Principal, eventId: string, leave: 0 | 1): Promise<QueueTicketView> {
    if (p.kind !== 'family') throw new DomainError('forbidden');
    const limit = await this.limitOf(p, eventId);
    if (limit === null) return { eventId, admitted: true, position: 0, estimatedWaitSeconds: 0 };
    const [active, waiting, stats] = this.keys(eventId);
    const [admitted, position, ...promoted] = await this.enter(
      active,
      waiting,
      stats,
      p.familyId,
      limit,
      ACTIVE_TTL_MS,
      leave,
    );
    const estimate = await this.estimator(eventId, limit);
    if (promoted.length > 0) {
      for (const f of promoted) tell(this.ctx, rooms.family(String(f)), 'queue:admitted', { eventId });
      // Everyone still waiting moved up: tell them where they are now.
      const line = await this.redis.zrange(waiting, 0, -1);
      line.forEach((f, i) => {
        tell(this.ctx, rooms.family(f), 'queue:position', {
          eventId,
          position: i + 1,
          estimatedWaitSeconds: estimate(i + 1),
        });
      });
    }
    const pos = Number(position);
    return {
      eventId,
      admitted: Number(admitted) === 1,
      position: pos,
      estimatedWaitSeconds: pos ? estimate(pos) : 0,
    };
  }

  /**
   * The server-side half of the queue: while an event meters families, a family's
   * holds and confirmations are refused until it has been let in (the client shows
   * the line; this is what makes the line real). The limit is read at most every
   * few seconds per event, since every hold asks.
   */
  async refusal(eventId: string, familyId: string): Promise<ErrorBody | null> {
    // If the limit cannot be read, let the write through: the queue meters people, it
    // does not keep bookings correct.
    const limit = await this.cachedLimit(eventId).catch(() => null);
    if (limit === null) return null;
    const [active] = this.keys(eventId);
    const seen = await this.redis.zscore(active, familyId).catch(() => 'redis_down');
    // Redis down: let the write through; the database still decides correctness.
    if (seen !== null) return null;
    return errorBody('unavailable', {
      message: 'Booking is busy: you are in the queue and will be let in shortly.',
      retryAfter: 5,
    });
  }

  private readonly limits = new Map<string, { limit: Promise<number | null>; until: number }>();

  private cachedLimit(eventId: string): Promise<number | null> {
    const hit = this.limits.get(eventId);
    if (hit && hit.until > Date.now()) return hit.limit;
    // The promise is cached, not the value: at 19:00 hundreds of holds ask at once,
    // and they must share one query rather than queue for the pool.
    const limit = this.db
      .query<{ queue_limit: number | null }>('SELECT queue_limit FROM events WHERE id = $1', [eventId])
      .then((r) => r.rows[0]?.queue_limit ?? null);
    this.limits.set(eventId, { limit, until: Date.now() + 5000 });
    limit.catch(() => this.limits.delete(eventId));
    return limit;
  }

  /**
   * Estimated wait: places ahead divided by the rate families leave. The rate is
   * measured (exits since the queue started); until some have left, it assumes a
   * typical visit length.
   */
  private async estimator(eventId: string, limit: number): Promise<(position: number) => number> {
    const [, , stats] = this.keys(eventId);
    const [exits, since] = await this.redis.hmget(stats, 'exits', 'since');
    const elapsed = since ? (Date.now() - Number(since)) / 1000 : 0;
    const measured = Number(exits ?? 0) > 0 && elapsed > 0 ? Number(exits) / elapsed : 0;
    const rate = measured > 0 ? measured : limit / TYPICAL_VISIT_SECONDS;
    return (position) => Math.max(1, Math.ceil(position / rate));
  }
}
