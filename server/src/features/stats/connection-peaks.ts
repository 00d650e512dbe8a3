import type { Redis } from 'ioredis';
import type { Db } from '../../infra/db.ts';
import type { ConferServer } from '../live/confer-server.ts';

// One round trip per connect: count up, and raise the day's peak when passed.
// Returns the new peak, or 0 when the peak stands.
const CONNECT_SCRIPT = `
local n = redis.call('INCR', KEYS[1])
local peak = tonumber(redis.call('GET', KEYS[2]) or '0')
if n > peak then
  redis.call('SET', KEYS[2], n, 'EX', 172800)
  return n
end
return 0`;

// Never below zero: a counter that was lost (Redis restart) must not go negative
// when the sockets it never counted disconnect.
const DISCONNECT_SCRIPT = `
local n = tonumber(redis.call('GET', KEYS[1]) or '0')
if n > 0 then return redis.call('DECR', KEYS[1]) end
return 0`;

/**
 * Counts each school's open sockets in Redis (shared by every server instance) and
 * keeps the highest count per UTC day in PostgreSQL for the event statistics. Only
 * the school id is in the keys: the count is of connections, not of people.
 * An instance that dies without its sockets disconnecting leaves its count behind
 * until Redis restarts; the peak is an upper bound in that case.
 */
export function attachConnectionPeaks(
  io: ConferServer,
  redis: Redis,
  prefix: string,
  db: Db,
  logError: (err: unknown, context: string) => void,
): void {
  const current = (schoolId: string) => `${prefix}stats:conn:${schoolId}`;
  io.on('connection', (socket) => {
    const schoolId = socket.data.schoolId;
    if (!schoolId) return;
    const day = new Date().toISOString().slice(0, 10);
    void (async () => {
      const peak = Number(
        await redis.eval(CONNECT_SCRIPT, 2, current(schoolId), `${prefix}stats:peak:${schoolId}:${day}`),
      );
      if (peak > 0)
        await db.query(
          `INSERT INTO connection_peaks (school_id, day, peak) VALUES ($1, $2, $3)
           ON CONFLICT (school_id, day) DO UPDATE SET peak = greatest(connection_peaks.peak, EXCLUDED.peak)`,
          [schoolId, day, peak],
        );
    })().catch((err) => logError(err, 'connection peak'));
    socket.on('disconnect', () => {
      redis.eval(DISCONNECT_SCRIPT, 1, current(schoolId)).catch(() => {});
    });
  });
}
