import type { Redis } from 'ioredis';
import type { ServiceStatus } from '../../../../protocol/status.ts';
import type { Db } from '../../infra/db.ts';
import {
  type MailOutcome,
  mailOutcomeKey,
  WORKERS_STALE_SECONDS,
  workersHeartbeatKey,
} from './status-keys.ts';

/** Each probe gives up after this long: a status page must answer while a part hangs. */
const PROBE_MS = 500;

function within<T>(p: Promise<T>, ms: number): Promise<T | null> {
  return Promise.race([p.catch(() => null), new Promise<null>((r) => setTimeout(() => r(null), ms))]);
}

function ageSeconds(at: number, now: number): number {
  return Math.max(0, Math.floor((now - at) / 1000));
}

function parseOutcome(raw: string | null): MailOutcome | null {
  if (!raw) return null;
  try {
    const v = JSON.parse(raw) as MailOutcome;
    return typeof v.ok === 'boolean' && typeof v.at === 'number' ? v : null;
  } catch {
    return null;
  }
}

/**
 * Asks each part of the service once, all at the same time. The workers and mail are
 * read from what the workers wrote to Redis (status-keys.ts), so with Redis down
 * their state is unknown rather than guessed.
 */
export async function readServiceStatus(deps: {
  db: Db;
  redis: Redis;
  prefix: string;
  now?: () => number;
}): Promise<ServiceStatus> {
  const [dbOk, fromRedis] = await Promise.all([
    within(
      deps.db.query('SELECT 1').then(() => true),
      PROBE_MS,
    ),
    within(deps.redis.mget(workersHeartbeatKey(deps.prefix), mailOutcomeKey(deps.prefix)), PROBE_MS),
  ]);
  const now = (deps.now ?? Date.now)();
  const redisUp = fromRedis !== null;
  const beat = redisUp && fromRedis[0] ? Number(fromRedis[0]) : null;
  const workersAge = beat !== null && Number.isFinite(beat) ? ageSeconds(beat, now) : null;
  const mail = redisUp ? parseOutcome(fromRedis[1] ?? null) : null;
  const workersState = !redisUp
    ? 'unknown'
    : workersAge !== null && workersAge <= WORKERS_STALE_SECONDS
      ? 'up'
      : 'down';
  const components: ServiceStatus['components'] = {
    database: { state: dbOk ? 'up' : 'down' },
    redis: { state: redisUp ? 'up' : 'down' },
    workers: { state: workersState, lastSeenSeconds: workersAge },
    mail: {
      state: mail === null ? 'unknown' : mail.ok ? 'up' : 'down',
      lastAttemptSeconds: mail ? ageSeconds(mail.at, now) : null,
    },
  };
  const overall =
    components.database.state === 'up' &&
    components.redis.state === 'up' &&
    components.workers.state === 'up' &&
    components.mail.state !== 'down'
      ? 'up'
      : 'degraded';
  return { checkedAt: new Date(now).toISOString(), overall, components };
}
