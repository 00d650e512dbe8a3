import type { Redis } from 'ioredis';
import type pg from 'pg';

async function forDuration(concurrency: number, ms: number, op: (i: number) => Promise<unknown>) {
  const until = performance.now() + ms;
  let done = 0;
  let errors = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async (_, lane) => {
      let i = lane;
      while (performance.now() < until) {
        try {
          await op(i);
          done++;
        } catch {
          errors++;
        }
        i += concurrency;
      }
    }),
  );
  const seconds = (performance.now() - start) / 1000;
  return { perSecond: Math.round(done / seconds), operations: done, errors, seconds };
}

/**
 * The database's ceiling for what a booking costs at least: single-row INSERT
 * transactions (each its own commit, so each waits for the WAL flush) through a
 * pool as large as the servers' together, every connection busy.
 */
export async function insertCeiling(pool: pg.Pool, concurrency: number, ms = 3000) {
  await pool.query(
    'CREATE TABLE IF NOT EXISTS bench_insert_ceiling (id bigserial PRIMARY KEY, at timestamptz NOT NULL DEFAULT now(), payload text NOT NULL)',
  );
  const result = await forDuration(concurrency, ms, (i) =>
    pool.query('INSERT INTO bench_insert_ceiling (payload) VALUES ($1)', [`row ${i}`]),
  );
  await pool.query('DROP TABLE bench_insert_ceiling');
  return { ...result, concurrency };
}

/** Redis' ceiling for the slot lock's command: SET key token NX PX, many in flight on one connection. */
export async function redisLockCeiling(redis: Redis, prefix: string, concurrency = 64, ms = 2000) {
  const result = await forDuration(concurrency, ms, (i) =>
    redis.set(`${prefix}ceiling:${i % 5000}`, String(i), 'PX', 1000, 'NX'),
  );
  return { ...result, concurrency };
}
