import { describe, expect, it } from 'vitest';
import { formatTable } from '../../bench/report.ts';
import { DEFAULT_BEHAVIOUR, defaultOptions, runOpeningNight } from '../../bench/run-opening-night.ts';
import { PG_ADMIN_URL, REDIS_URL } from '../support/env.ts';
import { expectResultShape } from './bench-result-shape.ts';

// A small run of the overload profile (today's fast clickers): it must produce every
// figure the issue asks for and find no double booking. Its speed is read, never asserted.
describe('the opening-night benchmark, overload profile, small', () => {
  it('runs 50 fast parents on two instances and reports every figure with 0 double bookings', async () => {
    const r = await runOpeningNight(
      defaultOptions({
        profile: 'overload',
        parents: 50,
        teachers: 8,
        instances: 2,
        poolSize: 5,
        knee: 10,
        behaviour: { ...DEFAULT_BEHAVIOUR, thinkMs: 40, reactionMs: 200 },
        ceilingScale: 0.3,
        pgAdminUrl: PG_ADMIN_URL,
        redisUrl: REDIS_URL,
        // The workers have tests of their own; here they would only add start-up time.
        workers: false,
      }),
    );
    expectResultShape(r, { knee: false, goodput: true });
    const n = expect.any(Number);
    expect(r.ceilings).toMatchObject({
      insertPerSecond: n,
      redisSetNxPerSecond: n,
      broadcast: { p50: n, p99: n, clients: 59 },
    });
    expect(r.ceilings.insertPerSecond).toBeGreaterThan(0);
    expect(r.rush).toMatchObject({ holdAttemptsPerSecond: n, bookingsPerSecond: n });
    expect(r.rush.holdAttempts).toBeGreaterThan(0);
    for (const k of ['hold', 'confirm'] as const) expect(r.acks[k]).toMatchObject({ p50: n, p95: n, p99: n });
    // Every hold that lost its race was answered and counted as slot_taken, and only those.
    expect(r.acks.losers.count).toBe(r.rush.refusals['hold:slot_taken'] ?? 0);
    expect(r.acks.hold.count).toBe(r.rush.holdsOk);
    expect(r.commitToScreen).toMatchObject({ p50: n, p99: n, everyScreenP99: n });
    expect(r.ratios).toMatchObject({ bookingsToInsertCeiling: n, screenToBroadcastP99: n });
    expect(r.processes.servers).toHaveLength(2);
    for (const s of r.processes.servers) expect(s).toMatchObject({ peakRssMb: n, eventLoopDelayP99Ms: n });
    expect(r.sockets).toEqual({ expected: 59, connectedAtRush: 59, connectedAfterRush: 59 });
    // Two servers: each has its CPU per booking, and `servers` is theirs together.
    expect(Object.keys(r.summary.cpuMsPerBooking)).toEqual(
      expect.arrayContaining(['server-1', 'server-2', 'servers', 'postgres', 'redis', 'total']),
    );
    expect(r.overload).toMatchObject({ knee: 10, goodputBookingsPerSecond: r.rush.bookingsPerSecond });
    expect(r.summary.goodputShareOfKnee).toBe(Math.round((r.rush.bookingsPerSecond / 10) * 100) / 100);
    // Every busy answer said when to come back.
    expect(r.rush.busyWithoutRetryAfter).toBe(0);

    const table = formatTable(r);
    for (const row of [
      'bookings/s ÷ INSERT ceiling',
      'commit-to-screen p99 ÷ bare broadcast p99',
      'double bookings',
      'goodput ÷ knee',
      'CPU ms per booking',
      'ceiling: database-only bookings/s',
    ])
      expect(table).toContain(row);
  }, 240_000);
});
