import { describe, expect, it } from 'vitest';
import { formatTable } from '../../bench/report.ts';
import { DEFAULT_BEHAVIOUR, defaultOptions, runOpeningNight } from '../../bench/run-opening-night.ts';
import { PG_ADMIN_URL, REDIS_URL } from '../support/env.ts';

// A small run of the opening-night benchmark: it must produce every figure the
// issue asks for and find no double booking. Its speed is read, never asserted.
describe('the opening-night benchmark, small', () => {
  it('runs 50 parents end to end and reports every figure with 0 double bookings', async () => {
    const r = await runOpeningNight(
      defaultOptions({
        parents: 50,
        teachers: 8,
        instances: 2,
        poolSize: 5,
        behaviour: { ...DEFAULT_BEHAVIOUR, thinkMs: 40, reactionMs: 200 },
        pgAdminUrl: PG_ADMIN_URL,
        redisUrl: REDIS_URL,
        // The workers have tests of their own; here they would only add start-up time.
        workers: false,
      }),
    );
    const n = expect.any(Number);
    expect(r.ceilings).toMatchObject({
      insertPerSecond: n,
      redisSetNxPerSecond: n,
      broadcast: { p50: n, p99: n, clients: 59 },
    });
    expect(r.ceilings.insertPerSecond).toBeGreaterThan(0);
    expect(r.rush).toMatchObject({ holdAttemptsPerSecond: n, bookingsPerSecond: n });
    expect(r.rush.holdAttempts).toBeGreaterThan(0);
    expect(r.rush.bookingsConfirmed).toBeGreaterThan(0);
    for (const k of ['hold', 'confirm'] as const) expect(r.acks[k]).toMatchObject({ p50: n, p95: n, p99: n });
    expect(r.acks.losers.count).toBeGreaterThanOrEqual(0);
    expect(r.commitToScreen).toMatchObject({ p50: n, p99: n, everyScreenP99: n });
    expect(r.ratios).toMatchObject({ bookingsToInsertCeiling: n, screenToBroadcastP99: n });
    expect(r.processes.servers).toHaveLength(2);
    for (const s of r.processes.servers) expect(s).toMatchObject({ peakRssMb: n, eventLoopDelayP99Ms: n });
    expect(r.sockets).toEqual({ expected: 59, connectedAtRush: 59, connectedAfterRush: 59 });

    expect(r.integrity).toMatchObject({
      doubleBookings: 0,
      clashes: 0,
      sameTeacherTwice: 0,
      lostConfirmations: 0,
    });
    expect(r.integrity.confirmedInDb).toBe(r.rush.bookingsConfirmed);

    const table = formatTable(r);
    for (const row of [
      'bookings/s ÷ INSERT ceiling',
      'commit-to-screen p99 ÷ bare broadcast p99',
      'double bookings',
    ])
      expect(table).toContain(row);
  }, 240_000);
});
